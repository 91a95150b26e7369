"""A conversation whose state was lost mid-way (Redis lost it) starts over with a word of apology.

Through signed webhooks, voice and text, in both languages: the apology comes first, then the
main menu, in the language the customer was using; a normal start and an idle expiry say nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallEvent
from ivr.extensions import runtime
from ivr.messaging.inbound import conversation_address
from ivr.state.redis_store import RedisStateStore
from tests.conftest import AUTH_TOKEN, DEFAULT_NOW
from tests.support.journeys import choose, set_clock
from tests.support.messaging import FakeMessenger
from tests.support.twilio import FakeTwilio

APOLOGY = {
    "id": "Maaf, sambungan kami sempat terganggu sehingga kami perlu memulai lagi dari menu utama.",
    "en": "Sorry, we lost your place because of a connection problem, so we need to start again from the main menu.",
}
TEXT_APOLOGY = {
    "id": "Maaf, sambungan kami sempat terganggu sehingga percakapan kita perlu dimulai lagi dari menu utama.",
    "en": "Sorry, we lost your place because of a connection problem, so we are starting again from the main menu.",
}
MENU_START = {"id": "Tagihan, tekan 1.", "en": "Your bill, press 1."}


def _lose(app: Flask, key: str) -> None:
    """What a Redis restart or eviction does to one conversation: its state is gone, nothing else."""
    store = runtime(app).store
    if isinstance(store, RedisStateStore):
        assert store.client.delete(key) == 1
    else:
        del store._values[key]


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_call_whose_state_was_lost_hears_an_apology_then_the_main_menu(
    app: Flask, twilio: FakeTwilio, db_session, language: str
) -> None:
    greeting = twilio.start()
    menu = twilio.press("9") if language == "en" else greeting
    asked = twilio.press("1")  # the bill: "enter your customer id"
    _lose(app, runtime(app).core.keys.call(twilio.call_sid))
    reply = twilio.press("532110000001")

    assert APOLOGY[language] not in greeting.spoken() + menu.spoken() + asked.spoken()
    texts = [say.text for say in reply.says()]
    assert texts[0] == APOLOGY[language]
    assert reply.says()[0].get("language") == {"id": "id-ID", "en": "en-US"}[language]
    assert any(text.startswith(MENU_START[language]) for text in texts[1:])
    assert reply.gather is not None and reply.gather.get("numDigits") == "1"  # waiting in the main menu
    [call] = db_session.scalars(select(Call)).all()
    assert call.language == language
    notes = [
        e.detail.get("note") for e in db_session.scalars(select(CallEvent).where(CallEvent.kind == "call_started"))
    ]
    assert notes == [None, "state_missing"]


def test_a_new_call_is_greeted_without_an_apology(twilio: FakeTwilio) -> None:
    reply = choose(twilio, "1")
    assert APOLOGY["id"] not in twilio.start().spoken() + reply.spoken()


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("channel", "number"), [("whatsapp", "+6281234567890"), ("sms", "+6281298765432")])
def test_a_text_conversation_whose_state_was_lost_says_sorry_first(
    app: Flask, client, regions, db_session, language: str, channel: str, number: str
) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN, channel=channel, number=number)
    greeting = messenger.send("Halo")
    if language == "en":
        messenger.send("9")
    asked = messenger.send("2")  # the meter reading: "type your meter number"
    _lose(app, runtime(app).core.keys.chat(conversation_address(channel, number)))
    reply = messenger.send("14000000001")

    assert TEXT_APOLOGY[language] not in greeting.text + asked.text
    assert reply.lines[0] == TEXT_APOLOGY[language]
    assert [line.split(".")[0] for line in reply.lines if line[:2] in {"1.", "9."}] == ["1", "9"]  # the main menu
    db_session.expire_all()
    first, second = db_session.scalars(select(Call).order_by(Call.id)).all()
    assert (first.final_status, second.ended_at, second.language) == ("expired", None, language)


def test_a_text_conversation_that_went_quiet_starts_afresh_without_an_apology(
    app: Flask, client, regions, db_session
) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN, channel="whatsapp")
    messenger.send("Halo")
    messenger.send("2")
    set_clock(app, DEFAULT_NOW + timedelta(minutes=runtime(app).settings.messaging_idle_minutes + 1))
    _lose(
        app, runtime(app).core.keys.chat(conversation_address("whatsapp", messenger.number))
    )  # the idle time took it, as it should
    reply = messenger.send("Halo")

    assert TEXT_APOLOGY["id"] not in reply.text
    assert reply.lines[0].startswith("Halo, ini layanan pelanggan")
