"""Menu 5, prepaid token history, through signed webhooks: what the caller hears, token by token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import CallEvent
from tests.support.catalog import add_purchase, says_starting
from tests.support.factories import add_customer
from tests.support.journeys import choose, set_clock
from tests.support.twilio import FakeTwilio

IDPEL, METER = "532110000007", "14000000007"
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
TOKEN = "12345678901234567890"
TOKEN_ID = (
    "satu, dua, tiga, empat. lima, enam, tujuh, delapan. sembilan, nol, satu, dua. "
    "tiga, empat, lima, enam. tujuh, delapan, sembilan, nol"
)
TOKEN_EN = (
    "one, two, three, four. five, six, seven, eight. nine, zero, one, two. "
    "three, four, five, six. seven, eight, nine, zero"
)


@pytest.fixture
def meter(app: Flask, db_session, regions):
    set_clock(app, NOW)
    _, meter = add_customer(db_session, regions["BEKASI"], idpel=IDPEL, meter_number=METER, payment_type="prepaid")
    db_session.commit()
    return meter


def says_starting_outside(reply, prefix: str) -> list[str]:
    """The <Say>s before the <Gather> (where no key cuts them off) that start with `prefix`."""
    return [(say.text or "") for say in reply.root.findall("Say") if (say.text or "").startswith(prefix)]


def _purchases(reply) -> list[str]:
    return says_starting(reply, "Tanggal") or says_starting(reply, "On ")


def test_three_newest_purchases_are_read_newest_first_with_token_groups(twilio: FakeTwilio, db_session, meter) -> None:
    add_purchase(db_session, meter, datetime(2026, 1, 5, 2, 0, tzinfo=UTC), "11112222333344445555")  # oldest: left out
    add_purchase(db_session, meter, datetime(2026, 1, 20, 2, 0, tzinfo=UTC), "99990000111122223333", kwh="15.25")
    add_purchase(db_session, meter, datetime(2026, 2, 27, 18, 30, tzinfo=UTC), TOKEN, kwh="32.5")  # 28 Feb, 01:30 WIB
    add_purchase(db_session, meter, datetime(2026, 2, 10, 4, 0, tzinfo=UTC), "55556666777788889999", kwh="100")
    db_session.commit()
    ask = choose(twilio, "5")
    reply = twilio.press(IDPEL)

    assert ask.gather.get("numDigits") == "12"
    assert ask.gather.get("finishOnKey") == "#"
    assert "nomor meter sebelas digit" in ask.spoken()
    purchases = _purchases(reply)
    assert len(purchases) == 3
    assert purchases[0] == (
        "Tanggal dua puluh delapan Februari dua ribu dua puluh enam, "
        f"tiga puluh dua koma lima kilowatt jam. Nomor token, {TOKEN_ID}."
    )
    assert "sepuluh Februari" in purchases[1] and "seratus kilowatt jam" in purchases[1]
    assert "dua puluh Januari" in purchases[2] and "lima belas koma dua lima kilowatt jam" in purchases[2]
    assert "lima, lima, lima, lima. lima" not in reply.spoken()  # the oldest purchase is not read
    assert reply.gather.get("numDigits") == "1"
    assert [say.text for say in reply.gather.findall("Say")] == [  # the tokens before the <Gather>: not cut off
        "Ada lagi yang bisa kami bantu? Tekan 1 untuk menu utama, tekan 2 untuk mengakhiri.",
        "Untuk mendengar lagi, tekan 3.",
        "Petugas, tekan 0.",
    ]
    assert purchases == says_starting_outside(reply, "Tanggal")


def test_meter_number_and_one_purchase(twilio: FakeTwilio, db_session, meter) -> None:
    add_purchase(db_session, meter, datetime(2026, 2, 27, 18, 30, tzinfo=UTC), TOKEN)
    db_session.commit()
    choose(twilio, "5")
    reply = twilio.press(METER)

    purchases = _purchases(reply)
    assert len(purchases) == 1
    assert TOKEN_ID in purchases[0]


def test_purchase_date_is_the_customers_own_region_day(twilio: FakeTwilio, db_session, app, regions) -> None:
    set_clock(app, NOW)
    _, meter = add_customer(db_session, regions["JAYAPURA"], idpel=IDPEL, meter_number=METER, payment_type="prepaid")
    add_purchase(db_session, meter, datetime(2026, 2, 27, 16, 0, tzinfo=UTC), TOKEN)  # 23:00 WIB, 01:00 WIT next day
    db_session.commit()
    choose(twilio, "5")  # the call itself is routed to Bekasi (WIB)

    purchase = _purchases(twilio.press(IDPEL))[0]
    assert purchase.startswith("Tanggal dua puluh delapan Februari")


def test_hear_again_and_then_back_to_the_main_menu(twilio: FakeTwilio, db_session, meter) -> None:
    add_purchase(db_session, meter, datetime(2026, 2, 27, 18, 30, tzinfo=UTC), TOKEN)
    db_session.commit()
    choose(twilio, "5")
    first = twilio.press(IDPEL)
    again = twilio.press("3")
    menu = twilio.press("1")

    told = " ".join(says_starting_outside(first, ""))
    assert TOKEN_ID in told
    assert " ".join(says_starting_outside(again, "")) == told  # the same list, again before the <Gather>
    assert "tekan 5" in menu.spoken()
    assert _purchases(menu) == []


def test_silence_after_the_list_ends_the_call_politely(twilio: FakeTwilio, db_session, meter) -> None:
    add_purchase(db_session, meter, datetime(2026, 2, 27, 18, 30, tzinfo=UTC), TOKEN)
    db_session.commit()
    choose(twilio, "5")
    twilio.press(IDPEL)
    reply = twilio.silence()

    assert reply.spoken() == "Terima kasih telah menghubungi PLN. Sampai jumpa."
    assert reply.verbs == ["Say", "Hangup"]


def test_no_purchases_says_so_and_returns_to_the_menu(twilio: FakeTwilio, meter) -> None:
    choose(twilio, "5")
    reply = twilio.press(IDPEL)

    assert reply.says()[0].text == "Belum ada pembelian token untuk nomor ini."
    assert "tekan 2 untuk mengakhiri" in reply.spoken()
    assert "tekan 3" not in reply.spoken()  # no answer to hear again
    assert reply.gather.get("numDigits") == "1"


def test_postpaid_customer_is_pointed_to_the_bill_menu(twilio: FakeTwilio, db_session, app, regions) -> None:
    set_clock(app, NOW)
    add_customer(db_session, regions["BEKASI"], idpel=IDPEL, meter_number=METER, payment_type="postpaid")
    db_session.commit()
    choose(twilio, "5")
    spoken = twilio.press(IDPEL).spoken()

    assert "terdaftar sebagai pelanggan pascabayar, bukan token" in spoken
    assert "Informasi tagihan ada di menu utama, tekan 1" in spoken
    assert "Pembelian tanggal" not in spoken


def test_unknown_id_is_read_back_and_asked_again_then_an_agent(twilio: FakeTwilio, meter, db_session) -> None:
    choose(twilio, "5")
    first = twilio.press("532110009999")
    second = twilio.press("14000009999")
    third = twilio.press("532110008888")

    assert "nomor lima, tiga, dua, satu, satu, nol, nol, nol, sembilan, sembilan, sembilan, sembilan" in first.spoken()
    assert "tidak terdaftar" in first.spoken()
    assert first.gather.get("numDigits") == "12"
    assert "tidak terdaftar" in second.spoken()
    assert third.gather is None
    assert third.queue_name == "BEKASI"
    assert "kesulitan" in third.spoken()


@pytest.mark.parametrize("garbage", ["12345", "5321100000071234", "53211*000007"])
def test_garbage_input_says_why_and_looks_nothing_up(twilio: FakeTwilio, meter, db_session, garbage: str) -> None:
    add_purchase(db_session, meter, datetime(2026, 2, 27, 18, 30, tzinfo=UTC), TOKEN)
    db_session.commit()
    choose(twilio, "5")
    bad = twilio.press(garbage)
    good = twilio.press(IDPEL)

    says = bad.gather.findall("Say")
    assert says[0].text.startswith("Maaf, nomor tersebut tidak sesuai")
    assert "nomor meter sebelas digit" in says[1].text
    services = db_session.scalars(select(CallEvent).where(CallEvent.kind == "service")).all()
    # not recognised, found, one item, the end of the list, and a list to hear again
    assert [e.detail["outcome"] for e in services] == ["none", "found", "item", "done", "some"]
    assert TOKEN_ID in _purchases(good)[0]


def test_three_silences_at_the_id_prompt_lead_to_an_agent(twilio: FakeTwilio, meter) -> None:
    choose(twilio, "5")
    first = twilio.silence()
    twilio.silence()
    third = twilio.silence()

    assert first.says()[0].text == "Maaf, kami belum menerima nomor Anda."
    assert third.queue_name == "BEKASI"


def test_english_reads_the_same_purchase(twilio: FakeTwilio, db_session, meter) -> None:
    add_purchase(db_session, meter, datetime(2026, 2, 27, 18, 30, tzinfo=UTC), TOKEN, kwh="32.5")
    add_purchase(db_session, meter, NOW - timedelta(days=400), "00001111222233334444")
    db_session.commit()
    ask = choose(twilio, "5", english=True)
    reply = twilio.press(IDPEL)

    assert "eleven-digit meter number" in ask.spoken()
    purchases = says_starting(reply, "On ")
    assert purchases[0] == (
        f"On February twenty-eighth, two thousand twenty-six, thirty-two point five kilowatt hours. "
        f"Token number, {TOKEN_EN}."
    )
    assert len(purchases) == 2
    assert {say.get("language") for say in reply.says()} == {"en-US"}
