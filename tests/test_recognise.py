"""Recognising the caller by their registered phone, and asking for an account once per call.

Signed webhooks in (voice and WhatsApp/SMS), TwiML parsed as XML, then what landed in the database.
Only the last four digits of an account are ever spoken or written to a caller we only guess at.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from db.models import Reading
from ivr.engine import speech
from ivr.services import customers
from tests.conftest import AUTH_TOKEN
from tests.support.factories import add_bill, add_customer
from tests.support.journeys import choose
from tests.support.messaging import FakeMessenger
from tests.support.readings import IDPEL, METER
from tests.support.tickets import call_events
from tests.support.twilio import FakeTwilio, Reply

PHONE = "+6281234567890"  # the registered phone of the `meter` fixture's customer (IDPEL ...0001)
OTHER_IDPEL, OTHER_METER = "532110007095", "14000007095"
OFFER_ONE = {
    "id": ["Akun berakhiran nol, nol, nol, satu, tekan 1.", "Akun lain, tekan 2."],
    "en": ["Account ending zero, zero, zero, one, press 1.", "Another account, press 2."],
}
NAMED = {"id": "untuk akun berakhiran {}.", "en": "for the account ending {}."}


def _says(reply: Reply) -> list[str]:
    return [say.text or "" for say in reply.says()]


def _readings(db_session) -> list[Reading]:
    db_session.expire_all()
    return list(db_session.scalars(select(Reading).where(Reading.source != "officer").order_by(Reading.id)))


def _never_in_full(reply: Reply, language: str) -> None:
    """Neither the IDPEL, nor the meter number, nor the customer's name is spoken."""
    spoken = reply.spoken()
    for number in (IDPEL, METER):
        assert speech.digits(number, language) not in spoken
    assert "Siti" not in spoken and "Rahmawati" not in spoken


def _other_customer(db_session, regions, phone: str | None = None):
    customer, meter = add_customer(
        db_session, regions["BEKASI"], idpel=OTHER_IDPEL, meter_number=OTHER_METER, name="Budi Santoso", phone=phone
    )
    db_session.commit()
    return customer, meter


# -- voice: recognised, several, unrecognised, another account -------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_registered_phone_is_offered_its_account_and_the_reading_lands_on_it(
    twilio: FakeTwilio, db_session, meter, language: str
) -> None:
    twilio.caller = PHONE
    offer = choose(twilio, "2", english=language == "en")
    twilio.press("1")
    confirm = twilio.press("5150")
    twilio.press("1")

    assert _says(offer) == OFFER_ONE[language]
    assert offer.gather.get("numDigits") == "1"
    _never_in_full(offer, language)
    assert NAMED[language].format(speech.digits("0001", language)) in confirm.spoken()
    [reading] = _readings(db_session)
    assert (reading.meter_id, reading.stand) == (meter.id, 5150)


def test_several_customers_on_one_phone_hear_a_short_numbered_list(
    twilio: FakeTwilio, db_session, regions, meter
) -> None:
    _, other_meter = _other_customer(db_session, regions, phone=PHONE)
    twilio.caller = PHONE
    offer = choose(twilio, "2")
    twilio.press("2")
    confirm = twilio.press("100")
    twilio.press("1")

    assert _says(offer) == [
        "Akun berakhiran nol, nol, nol, satu, tekan 1.",
        "Akun berakhiran tujuh, nol, sembilan, lima, tekan 2.",
        "Akun lain, tekan 3.",
    ]
    assert "untuk akun berakhiran tujuh, nol, sembilan, lima." in confirm.spoken()
    assert [(r.meter_id, r.stand) for r in _readings(db_session)] == [(other_meter.id, 100)]


@pytest.mark.parametrize("language", ["id", "en"])
def test_an_unrecognised_caller_is_asked_for_the_number_as_before(twilio: FakeTwilio, meter, language: str) -> None:
    ask = choose(twilio, "1", english=language == "en")

    assert ask.gather.get("numDigits") == "12"
    assert ask.gather.get("finishOnKey") == "#"
    assert {"id": "Masukkan ID pelanggan", "en": "Enter your twelve digit customer ID"}[language] in ask.spoken()
    assert "berakhiran" not in ask.spoken() and "ending" not in ask.spoken()


def test_another_account_asks_for_the_number_as_before(twilio: FakeTwilio, db_session, regions, meter) -> None:
    other, _ = _other_customer(db_session, regions)
    add_bill(db_session, other, date(2026, 10, 1), kwh=300, amount=456_000)
    db_session.commit()
    twilio.caller = PHONE
    choose(twilio, "1")
    ask = twilio.press("2")
    bill = twilio.press(OTHER_IDPEL)

    assert ask.gather.get("numDigits") == "12"
    assert ask.spoken().startswith("Masukkan ID pelanggan dua belas angka")
    assert "empat ratus lima puluh enam ribu rupiah" in bill.spoken()


# -- ask once per call ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_number_typed_in_one_menu_is_offered_in_the_next(
    twilio: FakeTwilio, db_session, meter, language: str
) -> None:
    choose(twilio, "1", english=language == "en")
    twilio.press(IDPEL)  # an unrecognised caller types it once, for the bill
    twilio.press("1")  # anything else? 1: the main menu
    offer = twilio.press("2")  # meter reading: offered, not asked
    twilio.press("1")
    twilio.press("5150")
    twilio.press("1")

    assert _says(offer) == OFFER_ONE[language]
    assert [(r.meter_id, r.stand) for r in _readings(db_session)] == [(meter.id, 5150)]


def test_the_bill_is_read_at_once_for_the_account_chosen_earlier(twilio: FakeTwilio, db_session, meter) -> None:
    twilio.caller = PHONE
    choose(twilio, "2")
    twilio.press("1")  # the reading's account: theirs
    twilio.press("5150")
    done = twilio.press("1")
    assert "Ada lagi yang bisa kami bantu?" in done.spoken()  # no SMS sender in tests: no SMS offer
    assert "Tagihan, tekan 1" in twilio.press("1").spoken()  # 1: the main menu
    reply = twilio.press("1")

    assert reply.says()[0].text == "Untuk akun berakhiran nol, nol, nol, satu."
    assert "dua ratus dua puluh ribu rupiah" in reply.spoken()


# Each other menu that needs a customer: the keys that reach its question, and the step that shows
# the offered account was used (a service outcome in the call's timeline).
OTHER_MENUS = {
    "complaint": (["3", "1"], "complaint", "find_customer", "found"),
    "token_history": (["5"], "token_history", "lookup", "postpaid"),
    "service_request": (["6", "2"], "service_request", "find_customer", "found"),
}


@pytest.mark.parametrize("menu", OTHER_MENUS)
def test_every_menu_that_needs_a_customer_offers_the_one_given_before(
    twilio: FakeTwilio, db_session, meter, menu: str
) -> None:
    keys, flow, node, outcome = OTHER_MENUS[menu]
    choose(twilio, "1")
    twilio.press(IDPEL)
    twilio.press("1")  # anything else? 1: the main menu
    for key in keys:
        offer = twilio.press(key)
    twilio.press("1")

    assert _says(offer)[-2:] == OFFER_ONE["id"]
    events = [
        e for e in call_events(db_session, twilio.call_sid) if (e.flow, e.node, e.kind) == (flow, node, "service")
    ]
    assert [e.detail["outcome"] for e in events] == [outcome]


# -- whose meter, and who may hear what was reported -------------------------------------------------


def test_the_read_back_names_the_account_so_a_mistyped_meter_number_is_caught(
    twilio: FakeTwilio, db_session, regions, meter
) -> None:
    _, other_meter = _other_customer(db_session, regions)
    choose(twilio, "2")
    twilio.press(OTHER_METER)  # one digit off, and someone else's meter
    wrong = twilio.press("5150")
    twilio.press("2")  # not my account
    ask = twilio.press("2")  # change the account
    twilio.press(METER)
    right = twilio.press("5150")
    twilio.press("1")

    assert wrong.says()[0].text.startswith(
        "Angka stand lima, satu, lima, nol untuk akun berakhiran tujuh, nol, sembilan, lima."
    )
    assert ask.gather.get("numDigits") == "12"
    assert "untuk akun berakhiran nol, nol, nol, satu." in right.spoken()
    assert [(r.meter_id, r.stand) for r in _readings(db_session)] == [(meter.id, 5150)]
    assert other_meter.id not in {r.meter_id for r in _readings(db_session)}


def _earlier_reading(db_session, meter) -> Reading:
    reading = Reading(
        reference="2000000099",
        meter_id=meter.id,
        period=date(2026, 11, 1),
        stand=5100,
        status="accepted",
        source="ivr",
        submitted_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
    )
    db_session.add(reading)
    db_session.commit()
    return reading


@pytest.mark.parametrize("language", ["id", "en"])
def test_only_the_registered_phone_hears_the_existing_stand_and_reference(
    twilio: FakeTwilio, client, db_session, meter, language: str
) -> None:
    _earlier_reading(db_session, meter)
    choose(twilio, "2", english=language == "en")
    stranger = twilio.press(METER)
    owner = FakeTwilio(client=client, auth_token=AUTH_TOKEN, caller=PHONE)
    choose(owner, "2", english=language == "en")
    own = owner.press("1")

    stand, reference = speech.digits("5100", language), speech.digits("2000000099", language)
    exists = {
        "id": "sudah punya laporan angka stand untuk periode baca meter ini",
        "en": "already has a reading in this reading period",
    }[language]
    assert exists in stranger.spoken()
    assert stand not in stranger.spoken() and reference not in stranger.spoken()
    assert stand in own.spoken() and reference in own.spoken()
    twilio.press("1")  # a stranger may still replace it (the read-back names the account)
    twilio.press("5150")
    twilio.press("1")
    assert [(r.stand, r.status) for r in _readings(db_session)] == [(5100, "replaced"), (5150, "accepted")]


# -- the same over SMS and WhatsApp -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_whatsapp_from_the_registered_phone_is_offered_its_account(client, meter, db_session, language: str) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN, channel="whatsapp", number=PHONE)
    messenger.send("Halo")
    if language == "en":
        messenger.send("9")
    offer = messenger.send("2")
    messenger.send("1")
    confirm = messenger.send("5150")
    messenger.send({"id": "ya", "en": "yes"}[language])

    choice, account, other = {"id": ("Balas", "1. Akun berakhiran 0001", "2. Akun lain"),
                              "en": ("Reply", "1. Account ending 0001", "2. Another account")}[language]  # fmt: skip
    assert offer.lines[-3:] == [offer.lines[-3], account, other] and offer.lines[-3].startswith(choice)
    assert IDPEL not in offer.text and METER not in offer.text
    assert NAMED[language].format("0001") in confirm.text
    [reading] = _readings(db_session)
    assert (reading.meter_id, reading.source) == (meter.id, "whatsapp")


def test_sms_asks_once_and_keeps_the_stand_of_a_stranger_to_itself(client, db_session, meter) -> None:
    _earlier_reading(db_session, meter)
    messenger = FakeMessenger(client, AUTH_TOKEN, channel="sms", number="+6281298765432")
    messenger.send("Halo")
    messenger.send("1")
    bill = messenger.send(IDPEL)  # typed once, for the bill
    messenger.send("MENU")
    offer = messenger.send("2")
    exists = messenger.send("1")

    assert "Rp220.000" in bill.text
    assert offer.lines[-2:] == ["1. Akun berakhiran 0001", "2. Akun lain"]
    assert "Akun berakhiran 0001 sudah punya laporan angka stand untuk periode baca meter ini." in exists.text
    assert "5100" not in exists.text and "2000000099" not in exists.text


def test_more_than_three_accounts_on_one_phone_list_three_and_another(client, db_session, regions) -> None:
    for n in range(1, 5):
        add_customer(db_session, regions["BEKASI"], idpel=f"53211000000{n}", meter_number=f"1400000000{n}", phone=PHONE)
    db_session.commit()
    messenger = FakeMessenger(client, AUTH_TOKEN, channel="sms", number=PHONE)
    messenger.send("Halo")
    offer = messenger.send("1")
    ask = messenger.send("4")

    assert offer.lines[-4:] == ["1. Akun berakhiran 0001", "2. Akun berakhiran 0002", "3. Akun berakhiran 0003",
                                "4. Akun lain"]  # fmt: skip
    assert "ID pelanggan (12 angka)" in ask.text


# -- the lookup itself ------------------------------------------------------------------------------


class _NoQueries:
    def __getattr__(self, name: str):
        raise AssertionError(f"the database was asked ({name}) though the phone was looked up already")


def test_the_phone_is_looked_up_once_per_call() -> None:
    context = SimpleNamespace(session=_NoQueries(), caller=PHONE)
    result = customers.recognise(context, {"account": None, "known": [IDPEL]})  # type: ignore[arg-type]

    assert result.outcome == "one"
    assert (result.vars["account_offers"], result.vars["offer_tail_1"]) == ([IDPEL], "0001")


def test_a_caller_id_that_is_no_phone_number_is_never_looked_up() -> None:
    assert customers.registered_accounts(_NoQueries(), "anonymous") == []  # type: ignore[arg-type]
