"""Menu 1, the bill: through signed webhooks, with the rules checked at their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask

from tests.support.factories import AGENTS, add_bill, add_customer
from tests.support.journeys import choose, set_clock
from tests.support.outages import break_database, restore_database
from tests.support.twilio import FakeTwilio

IDPEL, METER = "532110000001", "14000000001"
NOW = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # 10:00 WIB; October's bill is due 20 November


@pytest.fixture
def customer(app: Flask, db_session, regions):
    set_clock(app, NOW)
    customer, _ = add_customer(db_session, regions["BEKASI"], idpel=IDPEL, meter_number=METER)
    db_session.commit()
    return customer


def test_paid_bill_is_read_naturally(twilio: FakeTwilio, db_session, customer) -> None:
    add_bill(db_session, customer, date(2026, 9, 1), kwh=150, amount=230_000)
    add_bill(db_session, customer, date(2026, 10, 1), kwh=162, amount=245_500)
    db_session.commit()
    ask = choose(twilio, "1")
    reply = twilio.press(IDPEL)

    assert ask.gather.get("finishOnKey") == "#"
    assert ask.gather.get("numDigits") == "12"
    spoken = reply.spoken()
    assert "Tagihan Oktober dua ribu dua puluh enam" in spoken
    assert "seratus enam puluh dua kilowatt jam" in spoken
    assert "dua ratus empat puluh lima ribu lima ratus rupiah" in spoken
    assert "jatuh tempo" not in spoken  # paid: the due date no longer matters
    assert "Sudah dibayar" in spoken
    assert "persen lebih tinggi" not in spoken
    assert reply.gather is not None  # the after-bill menu


def test_meter_number_finds_the_same_bill(twilio: FakeTwilio, db_session, customer) -> None:
    add_bill(db_session, customer, date(2026, 10, 1), kwh=162, amount=245_500)
    db_session.commit()
    choose(twilio, "1")
    assert "dua ratus empat puluh lima ribu lima ratus rupiah" in twilio.press(METER).spoken()


def test_unpaid_bill_not_yet_due(twilio: FakeTwilio, db_session, customer) -> None:
    add_bill(db_session, customer, date(2026, 10, 1), kwh=162, amount=245_500, paid=False)
    db_session.commit()
    choose(twilio, "1")
    spoken = twilio.press(IDPEL).spoken()

    assert "Belum dibayar, jatuh tempo tanggal dua puluh November" in spoken
    assert "melewati jatuh tempo" not in spoken


def test_overdue_bills_say_the_total_owed(twilio: FakeTwilio, db_session, customer) -> None:
    add_bill(db_session, customer, date(2026, 8, 1), kwh=150, amount=230_000, paid=False)  # due 20 Sep
    add_bill(db_session, customer, date(2026, 9, 1), kwh=160, amount=240_000, paid=False)  # due 20 Oct
    add_bill(db_session, customer, date(2026, 10, 1), kwh=155, amount=235_000, paid=True)
    db_session.commit()
    choose(twilio, "1")
    spoken = twilio.press(IDPEL).spoken()

    assert "dua tagihan yang belum dibayar dan sudah melewati jatuh tempo" in spoken
    assert "total empat ratus tujuh puluh ribu rupiah" in spoken
    assert "belum jatuh tempo" not in spoken


def test_a_bill_not_yet_due_is_not_counted_as_overdue(twilio: FakeTwilio, db_session, customer) -> None:
    add_bill(db_session, customer, date(2026, 9, 1), kwh=150, amount=230_000, paid=False)  # due 20 Oct: overdue
    add_bill(db_session, customer, date(2026, 10, 1), kwh=160, amount=240_000, paid=False)  # due 20 Nov: not yet
    db_session.commit()
    choose(twilio, "1")
    spoken = twilio.press(IDPEL).spoken()

    assert "satu tagihan yang belum dibayar dan sudah melewati jatuh tempo" in spoken
    assert "dengan total dua ratus tiga puluh ribu rupiah" in spoken
    assert "dua tagihan" not in spoken
    assert "empat ratus tujuh puluh ribu" not in spoken
    assert "Tagihan terbaru Anda juga belum dibayar, tetapi belum jatuh tempo" in spoken
    assert "Batas pembayarannya tanggal dua puluh November" in spoken


def test_a_bill_not_yet_due_is_not_counted_as_overdue_in_english(twilio: FakeTwilio, db_session, customer) -> None:
    add_bill(db_session, customer, date(2026, 9, 1), kwh=150, amount=230_000, paid=False)
    add_bill(db_session, customer, date(2026, 10, 1), kwh=160, amount=240_000, paid=False)
    db_session.commit()
    choose(twilio, "1", english=True)
    spoken = twilio.press(IDPEL).spoken()

    assert "Unpaid bills past their due date: one, totalling two hundred thirty thousand rupiah" in spoken
    assert "Your latest bill is also unpaid, but not yet due. Please pay it by November twentieth" in spoken


@pytest.mark.parametrize(("previous", "latest", "warned"), [(200_000, 240_000, True), (200_000, 239_999, False)])
def test_twenty_percent_rule_at_its_edge(
    twilio: FakeTwilio, db_session, customer, previous: int, latest: int, warned: bool
) -> None:
    add_bill(db_session, customer, date(2026, 9, 1), kwh=130, amount=previous)
    add_bill(db_session, customer, date(2026, 10, 1), kwh=156, amount=latest)
    db_session.commit()
    choose(twilio, "1")
    spoken = twilio.press(IDPEL).spoken()

    assert ("dua puluh persen lebih tinggi" in spoken) is warned
    assert ("keringanan atau cicilan" in spoken) is warned


def test_english_bill_with_jump(twilio: FakeTwilio, db_session, customer) -> None:
    add_bill(db_session, customer, date(2026, 9, 1), kwh=100, amount=100_000)
    add_bill(db_session, customer, date(2026, 10, 1), kwh=150, amount=150_000, paid=False)
    db_session.commit()
    choose(twilio, "1", english=True)
    reply = twilio.press(IDPEL)

    spoken = reply.spoken()
    assert "Your bill for October two thousand twenty-six" in spoken
    assert "one hundred fifty thousand rupiah" in spoken
    assert "fifty percent higher than the month before" in spoken
    assert {say.get("language") for say in reply.says()} == {"en-US"}


def test_prepaid_customer_has_no_monthly_bill(twilio: FakeTwilio, db_session, regions, app) -> None:
    set_clock(app, NOW)
    add_customer(db_session, regions["BEKASI"], payment_type="prepaid")
    db_session.commit()
    choose(twilio, "1")
    assert "pelanggan prabayar" in twilio.press(IDPEL).spoken()


def test_unknown_id_is_read_back_and_limited(twilio: FakeTwilio, customer) -> None:
    choose(twilio, "1")
    first = twilio.press("999999999999")
    twilio.press("999999999998")
    twilio.press("999999999997")
    fourth = twilio.press("999999999996")

    assert "nomor sembilan, sembilan" in first.spoken()
    assert first.gather.get("numDigits") == "12"
    assert fourth.queue_name == "BEKASI"


@pytest.mark.parametrize("digits", ["1234", "53211000000199", "5321100000ab"])
def test_malformed_id_says_what_an_id_looks_like(twilio: FakeTwilio, customer, digits: str) -> None:
    choose(twilio, "1")
    reply = twilio.press(digits)
    assert reply.says()[0].text.startswith("Maaf, nomor ID pelanggan terdiri dari dua belas angka")


def test_after_the_bill_one_returns_to_the_menu_and_zero_reaches_an_agent(
    twilio: FakeTwilio, db_session, customer
) -> None:
    add_bill(db_session, customer, date(2026, 10, 1), kwh=162, amount=245_500)
    db_session.commit()
    choose(twilio, "1")
    twilio.press(IDPEL)
    back = twilio.press("1")
    assert "Tagihan, tekan 1" in back.spoken()
    again = twilio.press("1")  # the account typed before is remembered: the bill is read at once
    assert "Untuk akun berakhiran nol, nol, nol, satu." in again.spoken()
    assert "dua ratus empat puluh lima ribu lima ratus rupiah" in again.spoken()
    assert twilio.press("0").queue_name == "BEKASI"


def test_database_down_during_the_lookup_apologises_and_offers_an_agent(
    app: Flask, twilio: FakeTwilio, customer
) -> None:
    choose(twilio, "1")
    working = break_database(app)
    reply = twilio.press(IDPEL)
    restore_database(app, working)

    assert reply.status_code == 200
    assert "sistem kami sedang mengalami gangguan" in reply.spoken()
    assert reply.dial_number == AGENTS["BEKASI"]
