"""Typed words instead of keys over SMS and WhatsApp, through signed webhooks, in both languages.

"cek tagihan" at the main menu is 1, "english" is 9, number words at a number prompt are digits,
"ya benar" confirms; unclear words are refused like a wrong key (the words: flows/words/).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Reading
from tests.conftest import AUTH_TOKEN
from tests.support.factories import add_bill, add_customer
from tests.support.journeys import set_clock
from tests.support.messaging import FakeMessenger, TextReply
from tests.support.readings import IDPEL, METER

CHANNELS = [("whatsapp", "+6281234567890"), ("sms", "+6281298765432")]
ALL = [(channel, number, language) for channel, number in CHANNELS for language in ("id", "en")]
ASK_ID = {"id": "ID pelanggan (12 angka)", "en": "customer ID (12 digits)"}
SORRY = {"id": "Maaf, balasan Anda tidak kami kenali.", "en": "Sorry, we did not recognise your reply."}


@pytest.fixture(params=ALL, ids=lambda p: f"{p[0]}-{p[2]}")
def customer(request, client, regions) -> tuple[FakeMessenger, str]:
    channel, number, language = request.param
    return FakeMessenger(client, AUTH_TOKEN, channel=channel, number=number), language


@pytest.fixture
def billed(app: Flask, db_session, regions) -> None:
    """A postpaid customer with an October bill of Rp245.500, registered to a phone that is not texting."""
    set_clock(app, datetime(2026, 11, 10, 3, 0, tzinfo=UTC))
    owner, _ = add_customer(db_session, regions["BEKASI"], idpel=IDPEL, meter_number=METER, phone=OWNER_PHONE)
    add_bill(db_session, owner, date(2026, 10, 1), kwh=162, amount=245_500)
    db_session.commit()


def _greet(messenger: FakeMessenger, language: str) -> TextReply:
    """Say hello, and ask for English in words (option 9) when the customer wants it."""
    reply = messenger.send("Halo")
    if language == "en":
        reply = messenger.send("english please")
        assert "You have chosen English." in reply.text
    return reply


OWNER_PHONE = "+6281299990000"
METER_OWNER_PHONE = "+6281234567890"  # the `meter` fixture's customer
THIS_ACCOUNT = {"id": "akun ini", "en": "this account"}


def test_the_owner_takes_the_offered_account_in_words(client, billed) -> None:
    for language in ("id", "en"):
        messenger = FakeMessenger(client, AUTH_TOKEN, channel="sms", number=OWNER_PHONE)
        messenger.send("menu")
        if language == "en":
            messenger.send("english please")
        offered = messenger.send(BILL_WORDS[language])
        assert ASK_ID[language] not in offered.text
        reply = messenger.send(THIS_ACCOUNT[language])
        assert {"id": "Rp245.500", "en": "Rp245,500"}[language] in reply.text
        messenger.send("selesai")


BILL_WORDS = {"id": "Cek tagihan", "en": "I want to check my bill"}


def test_words_at_the_main_menu_reach_the_bill(customer, billed) -> None:
    messenger, language = customer
    _greet(messenger, language)
    asked = messenger.send(BILL_WORDS[language])
    assert ASK_ID[language] in asked.text

    reply = messenger.send(IDPEL)
    assert {"id": "Rp245.500", "en": "Rp245,500"}[language] in reply.text


def test_the_other_languages_words_are_understood_too(client, billed) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN)
    _greet(messenger, "en")
    asked = messenger.send("cek tagihan")
    assert ASK_ID["en"] in asked.text


def test_a_first_message_in_words_goes_straight_to_the_bill(client, billed) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN)
    reply = messenger.send("Halo, saya mau cek tagihan listrik")
    assert "Halo, ini layanan pelanggan" in reply.text
    assert ASK_ID["id"] in reply.text


def test_unclear_words_are_refused_and_the_menu_asked_again(client, billed) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN)
    messenger.send("Halo")
    for unclear in ("bukan tagihan", "tagihan atau token"):  # two tries of three
        reply = messenger.send(unclear)
        assert SORRY["id"] in reply.text
        assert ASK_ID["id"] not in reply.text
    assert ASK_ID["id"] in messenger.send("tagihan").text


STAND_WORDS = {"id": "lima ribu seratus lima puluh", "en": "five thousand one hundred and fifty"}
REPORT_WORDS = {"id": "lapor stand meter", "en": "report my meter reading"}
YES_WORDS = {"id": "ya, benar", "en": "yes that's right"}


def test_a_meter_reading_in_words(customer, meter, db_session) -> None:
    messenger, language = customer
    _greet(messenger, language)
    asked = messenger.send(REPORT_WORDS[language])
    if messenger.number == METER_OWNER_PHONE:  # the meter's own phone is offered its account: taken in words
        assert ASK_ID[language] not in asked.text
        messenger.send(THIS_ACCOUNT[language])
    else:
        messenger.send(METER)
    confirm = messenger.send(STAND_WORDS[language])
    assert "5150" in confirm.text
    messenger.send(YES_WORDS[language])

    db_session.expire_all()
    [reading] = db_session.scalars(select(Reading).where(Reading.source != "officer")).all()
    assert (reading.stand, reading.status) == (5150, "accepted")


def test_a_no_in_words_asks_for_the_stand_again(client, meter, db_session) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN, channel="sms", number="+6281298765432")
    messenger.send("2")
    messenger.send(METER)
    messenger.send("lima ribu seratus lima puluh")
    which = messenger.send("tidak benar")  # what to change: the stand or the account
    assert "Ubah angka stand" in which.text
    again = messenger.send("ubah angka stand")
    assert "stand" in again.text.lower()
    messenger.send("lima satu enam nol")
    messenger.send("iya betul")

    db_session.expire_all()
    [reading] = db_session.scalars(select(Reading).where(Reading.source != "officer")).all()
    assert reading.stand == 5160
