"""Menu 6, new connection / power change / temporary connection, through signed webhooks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import ServiceRequest
from tests.support.catalog import says_starting
from tests.support.factories import add_customer
from tests.support.journeys import choose, set_clock
from tests.support.twilio import FakeTwilio, Reply

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
IDPEL = "711100000042"
LANDLINE_DIGITS = "nol, dua, satu, lima, lima, lima, satu, dua, tiga, empat"  # the fixture caller +62215551234


@pytest.fixture(autouse=True)
def clock(app: Flask) -> None:
    set_clock(app, NOW)


@pytest.fixture
def customer(db_session, regions):
    """A Kupang customer on 1300 VA with a phone on file (the call itself lands in Bekasi)."""
    customer, _ = add_customer(db_session, regions["KUPANG"], idpel=IDPEL, power_va=1300, phone="+6281311112222")
    db_session.commit()
    return customer


def _rows(db_session) -> list[ServiceRequest]:
    db_session.expire_all()
    return list(db_session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)))


def _reference_read_once(reply: Reply, reference: str, ones: tuple[str, ...]) -> None:
    spoken_reference = ", ".join(ones[int(d)] for d in reference)
    assert reply.spoken().count(spoken_reference) == 1  # "3" hears it again


ONES_ID = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
ONES_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def test_new_connection_with_the_caller_id_as_callback(twilio: FakeTwilio, db_session, regions) -> None:
    kinds = choose(twilio, "6")
    power = twilio.press("1")
    offer = twilio.press("2")  # 2200 VA
    done = twilio.press("1")  # yes, call me on this number

    assert kinds.gather.get("numDigits") == "1"
    assert "Sambungan sementara, misalnya untuk acara, tekan 3" in kinds.spoken()
    assert "Seribu tiga ratus VA, tekan 1" in power.spoken()
    assert f"di nomor {LANDLINE_DIGITS}." in offer.spoken()
    [row] = _rows(db_session)
    assert (row.kind, row.status, row.customer_id) == ("new_connection", "open", None)
    assert row.region_id == regions["BEKASI"]
    assert row.requested_power_va == 2200
    assert row.callback_number == "+62215551234"
    assert row.call_sid == twilio.call_sid
    assert row.created_at == NOW and row.updated_at == NOW
    assert len(row.reference) == 10 and row.reference.startswith("6")
    _reference_read_once(done, row.reference, ONES_ID)
    assert "Petugas kami akan menghubungi Anda" in done.spoken()
    assert "Ada lagi yang bisa kami bantu?" in done.spoken() and "tekan 6" not in done.spoken()


def test_temporary_connection_with_another_callback_number(twilio: FakeTwilio, db_session, regions) -> None:
    twilio.dialed = "+629675330123"  # Jayapura
    choose(twilio, "6")
    twilio.press("3")
    twilio.press("4")  # 4400 VA
    ask = twilio.press("2")  # another number
    confirm = twilio.press("081234567890")
    done = twilio.press("1")

    assert "nomor telepon yang dapat kami hubungi" in ask.spoken()
    assert ask.gather.get("finishOnKey") == "#"
    assert "nol, delapan, satu, dua, tiga, empat, lima, enam, tujuh, delapan, sembilan, nol" in confirm.spoken()
    [row] = _rows(db_session)
    assert (row.kind, row.requested_power_va, row.callback_number) == ("temporary", 4400, "+6281234567890")
    assert row.region_id == regions["JAYAPURA"]
    _reference_read_once(done, row.reference, ONES_ID)


@pytest.mark.parametrize("caller", ["anonymous", "sip:warung@pbx.example.com"])
def test_a_caller_without_a_number_must_enter_one(twilio: FakeTwilio, db_session, caller: str) -> None:
    twilio.caller = caller
    choose(twilio, "6")
    twilio.press("1")
    ask = twilio.press("3")
    bad = twilio.press("12345")
    confirm = twilio.press("0215550000")
    again = twilio.press("2")  # re-enter
    twilio.press("0218850777")
    twilio.press("1")

    assert "Petugas kami akan menghubungi Anda di nomor" not in ask.spoken()
    assert "nomor telepon yang dapat kami hubungi" in ask.spoken()
    assert bad.says()[0].text.startswith("Maaf, nomor telepon tidak sesuai")
    assert "nol, dua, satu, lima, lima, lima, nol, nol, nol, nol" in confirm.spoken()
    assert "nomor telepon yang dapat kami hubungi" in again.spoken()
    [row] = _rows(db_session)
    assert (row.requested_power_va, row.callback_number) == (3500, "+62218850777")


def test_power_change_refuses_a_step_not_above_the_current_power(twilio: FakeTwilio, db_session, customer) -> None:
    choose(twilio, "6")
    ask_id = twilio.press("2")
    current = twilio.press(IDPEL)
    refused = twilio.press("1")  # 1300 VA: what they already have
    done = twilio.press("3")  # 3500 VA

    assert "ID pelanggan dua belas digit" in ask_id.spoken()
    assert "Daya listrik Anda saat ini seribu tiga ratus VA." in current.spoken()
    assert refused.says()[0].text == (
        "Maaf, seribu tiga ratus VA tidak lebih besar dari daya Anda saat ini, seribu tiga ratus VA. "
        "Pilih daya yang lebih besar."
    )
    assert refused.gather.get("numDigits") == "1"
    [row] = _rows(db_session)
    assert (row.kind, row.customer_id, row.requested_power_va) == ("power_change", customer.id, 3500)
    assert row.region_id == customer.region_id  # the customer's region, not the routed one
    assert row.callback_number == "+6281311112222"
    _reference_read_once(done, row.reference, ONES_ID)


def test_power_refused_three_times_leads_to_an_agent(twilio: FakeTwilio, db_session, customer) -> None:
    choose(twilio, "6")
    twilio.press("2")
    twilio.press(IDPEL)
    twilio.press("1")
    twilio.press("1")
    third = twilio.press("1")

    assert third.queue_name == "BEKASI"
    assert _rows(db_session) == []


def test_power_change_unknown_id_is_asked_again_then_an_agent(twilio: FakeTwilio, db_session, customer) -> None:
    choose(twilio, "6")
    twilio.press("2")
    first = twilio.press("711100009999")
    twilio.press("711100008888")
    third = twilio.press("711100007777")

    assert "nomor tujuh, satu, satu, satu, nol, nol, nol, nol, sembilan, sembilan, sembilan, sembilan" in first.spoken()
    assert "tidak terdaftar" in first.spoken() and first.gather.get("numDigits") == "12"
    assert third.queue_name == "BEKASI"
    assert _rows(db_session) == []


def test_power_change_at_the_top_step_goes_to_an_officer(twilio: FakeTwilio, db_session, regions) -> None:
    add_customer(db_session, regions["BEKASI"], idpel=IDPEL, power_va=6600)
    db_session.commit()
    choose(twilio, "6")
    twilio.press("2")
    reply = twilio.press(IDPEL)

    assert "di atas enam ribu enam ratus VA dibantu langsung oleh petugas kami" in reply.spoken()
    assert reply.queue_name == "BEKASI"


def test_a_repeat_in_the_same_call_gives_the_same_reference(twilio: FakeTwilio, db_session) -> None:
    choose(twilio, "6")
    twilio.press("1")
    twilio.press("2")
    first = twilio.press("1")
    twilio.press("1")  # anything else? the main menu
    twilio.press("6")  # and the same request again
    twilio.press("1")
    twilio.press("5")
    second = twilio.press("1")

    [row] = _rows(db_session)
    assert row.requested_power_va == 2200  # the first request stands
    _reference_read_once(first, row.reference, ONES_ID)
    _reference_read_once(second, row.reference, ONES_ID)


def test_different_kinds_in_one_call_are_separate_requests(twilio: FakeTwilio, db_session) -> None:
    choose(twilio, "6")
    for kind in ("1", "3"):
        twilio.press(kind)
        twilio.press("2")
        twilio.press("1")
        twilio.press("1")  # anything else? the main menu
        twilio.press("6")

    assert [r.kind for r in _rows(db_session)] == ["new_connection", "temporary"]


def test_three_invalid_request_types_lead_to_an_agent(twilio: FakeTwilio, db_session) -> None:
    choose(twilio, "6")
    first = twilio.press("7")
    twilio.press("0")
    third = twilio.press("9")

    assert first.says()[0].text.startswith("Maaf, pilihan tersebut tidak tersedia")
    assert third.queue_name == "BEKASI"
    assert _rows(db_session) == []


def test_english_new_connection(twilio: FakeTwilio, db_session) -> None:
    kinds = choose(twilio, "6", english=True)
    twilio.press("1")
    offer = twilio.press("6")
    done = twilio.press("1")

    assert "Temporary connection, for example for an event, press 3" in kinds.spoken()
    assert "call you back on zero, two, one, five, five, five, one, two, three, four." in offer.spoken()
    [row] = _rows(db_session)
    assert row.requested_power_va == 6600
    _reference_read_once(done, row.reference, ONES_EN)
    assert says_starting(done, "We have received your request.")
    assert done.says()[0].get("language") == "en-US"
