"""How every task ends: the answer spoken where no key cuts it off, "anything else?", hear it again, goodbye.

Through signed webhooks (voice and SMS/WhatsApp), in both languages: the result's <Say> comes before
the <Gather> (not inside it), "3" repeats the very same reference, "2", silence or muddle end with
a goodbye and <Hangup/>, and over text "end" closes the conversation so the next message starts afresh.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Call, Complaint, Reading, ServiceRequest
from ivr.engine import speech
from tests.conftest import AUTH_TOKEN
from tests.support.factories import add_bill, add_customer
from tests.support.journeys import choose, set_clock
from tests.support.messaging import FakeMessenger
from tests.support.readings import METER
from tests.support.tickets import NOW, RECORDING_URL, call_events, complaints, post_recording, press_all, report
from tests.support.twilio import FakeTwilio, Reply

IDPEL = "532110000001"
ANYTHING_ELSE = {"id": "Ada lagi yang bisa kami bantu?", "en": "Anything else?"}
HEAR_AGAIN = {"id": "Untuk mendengar lagi, tekan 3.", "en": "To hear it again, press 3."}
GOODBYE = {"id": "Sampai jumpa", "en": "Goodbye"}
MAIN_MENU = {"id": "Tagihan, tekan 1", "en": "Your bill, press 1"}
LANGUAGES = ["id", "en"]


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    set_clock(app, NOW)


def _before_gather(reply: Reply) -> str:
    """What is spoken as siblings before the <Gather>: no key press can cut it off."""
    assert reply.root is not None
    told: list[str] = []
    for child in reply.root:
        if child.tag == "Gather":
            return " ".join(told)
        if child.tag == "Say":
            told.append(child.text or "")
    raise AssertionError("the reply has no <Gather>")


def _in_gather(reply: Reply) -> str:
    assert reply.gather is not None
    return " ".join((say.text or "") for say in reply.gather.iter("Say"))


def _ends_politely(reply: Reply, language: str) -> None:
    assert reply.root is not None
    assert [child.tag for child in reply.root][-1] == "Hangup"
    assert reply.gather is None
    assert GOODBYE[language] in reply.spoken()


# -- voice: the complaint ticket --------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_ticket_is_spoken_before_the_gather_and_heard_again_with_3(
    twilio: FakeTwilio, db_session, regions, language: str
) -> None:
    done = report(twilio, "1", english=language == "en")

    [complaint] = complaints(db_session)
    number = speech.digits(complaint.ticket_number, language)
    assert number in _before_gather(done)
    assert number not in _in_gather(done)
    assert _in_gather(done).startswith(ANYTHING_ELSE[language])
    assert HEAR_AGAIN[language] in _in_gather(done)
    assert MAIN_MENU[language] not in done.spoken()  # not the whole menu again

    again = twilio.press("3")
    assert _before_gather(again) == _before_gather(done)  # the very same words, the same ticket
    assert HEAR_AGAIN[language] in _in_gather(again)

    bye = twilio.press("2")
    _ends_politely(bye, language)
    assert len(complaints(db_session)) == 1  # hearing it again files nothing twice
    kinds = [(e.kind, e.node) for e in call_events(db_session, twilio.call_sid) if e.flow == "main_menu"]
    assert ("hangup", "goodbye") in kinds


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_goes_back_to_the_main_menu_and_forgets_the_last_answer(
    twilio: FakeTwilio, db_session, regions, language: str
) -> None:
    report(twilio, "1", english=language == "en")
    menu = twilio.press("1")
    assert MAIN_MENU[language] in menu.spoken()

    twilio.press("4")  # ticket status
    press_all(twilio, "3999999999", "2")  # unknown, no other number: a dead end, no answer
    dead_end = twilio.last
    assert dead_end is not None
    assert _in_gather(dead_end).startswith(ANYTHING_ELSE[language])
    assert HEAR_AGAIN[language] not in dead_end.spoken()  # the old ticket is not "it" any more
    refused = twilio.press("3")
    assert refused.gather is not None and HEAR_AGAIN[language] not in refused.spoken()


@pytest.mark.parametrize("language", LANGUAGES)
def test_silence_after_the_answer_ends_the_call_politely(
    twilio: FakeTwilio, db_session, regions, language: str
) -> None:
    report(twilio, "2", english=language == "en")
    _ends_politely(twilio.silence(), language)
    call = db_session.scalars(select(Call).where(Call.call_sid == twilio.call_sid)).one()
    assert call.self_served is True


def test_wrong_keys_after_the_answer_end_politely_not_forever(twilio: FakeTwilio, db_session, regions) -> None:
    report(twilio, "2")
    first = twilio.press("8")
    assert first.gather is not None
    assert first.says()[0].text == "Maaf, pilihan tersebut tidak tersedia."
    _ends_politely(twilio.press("7"), "id")


def test_a_recorded_complaint_ends_with_its_ticket_before_the_gather(twilio: FakeTwilio, db_session, regions) -> None:
    choose(twilio, "3")
    press_all(twilio, "1", "2", "1", "1")
    done = post_recording(twilio)

    [complaint] = complaints(db_session)
    assert complaint.recording_url == RECORDING_URL
    assert speech.digits(complaint.ticket_number, "id") in _before_gather(done)


# -- voice: other results -------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_service_request_number_is_spoken_before_the_gather(
    twilio: FakeTwilio, db_session, regions, language: str
) -> None:
    choose(twilio, "6", english=language == "en")
    done = press_all(twilio, "1", "2", "1")  # new connection, 2,200 VA, call back on this number

    [request] = db_session.scalars(select(ServiceRequest)).all()
    number = speech.digits(request.reference, language)
    assert number in _before_gather(done)
    assert number not in _in_gather(done)
    assert HEAR_AGAIN[language] in _in_gather(done)
    assert number in _before_gather(twilio.press("3"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_ticket_status_answer_is_spoken_before_the_gather(
    twilio: FakeTwilio, db_session, regions, language: str
) -> None:
    report(twilio, "1", english=language == "en")
    [complaint] = complaints(db_session)
    twilio.press("1")  # main menu
    twilio.press("4")
    answer = twilio.press(complaint.ticket_number)

    told = _before_gather(answer)
    assert speech.digits(complaint.ticket_number, language) in told
    assert {"id": "Status:", "en": "Status:"}[language] in told
    assert HEAR_AGAIN[language] in _in_gather(answer)
    assert _before_gather(twilio.press("3")) == told


@pytest.mark.parametrize("language", LANGUAGES)
def test_bill_summary_is_spoken_before_its_menu_which_ends_politely(
    app: Flask, twilio: FakeTwilio, db_session, regions, language: str
) -> None:
    set_clock(app, datetime(2026, 11, 10, 3, 0, tzinfo=UTC))
    owner, _ = add_customer(db_session, regions["BEKASI"], idpel=IDPEL)
    add_bill(db_session, owner, date(2026, 10, 1), kwh=162, amount=245_500)
    db_session.commit()
    choose(twilio, "1", english=language == "en")
    bill = twilio.press(IDPEL)

    amount = {"id": "dua ratus empat puluh lima ribu lima ratus rupiah", "en": "two hundred forty-five thousand"}
    told = _before_gather(bill)
    assert amount[language] in told
    assert amount[language] not in _in_gather(bill)
    asked = _in_gather(bill)
    assert asked.startswith(ANYTHING_ELSE[language]) and HEAR_AGAIN[language] in asked
    press = {"id": "tekan", "en": "press"}[language]
    assert f"{press} 4" in asked and f"{press} 0" in asked
    assert _before_gather(twilio.press("3")) == told
    other = twilio.press("4")
    assert other.gather is not None and other.gather.get("finishOnKey") == "#"  # another customer's id
    twilio.press(IDPEL)
    _ends_politely(twilio.press("2"), language)


def test_a_dead_end_offers_no_repeat(app: Flask, twilio: FakeTwilio, db_session, regions) -> None:
    add_customer(db_session, regions["BEKASI"], idpel=IDPEL)  # postpaid: no token history
    db_session.commit()
    choose(twilio, "5")
    reply = twilio.press(IDPEL)

    assert "pascabayar" in _in_gather(reply)  # a dead end is no answer: it may be cut short
    assert _before_gather(reply) == ""
    assert _in_gather(reply).endswith("tekan 2 untuk mengakhiri. Petugas, tekan 0.")
    assert HEAR_AGAIN["id"] not in reply.spoken()


# -- text: the same ending over SMS and WhatsApp ----------------------------------------------------


@pytest.mark.parametrize("channel", ["whatsapp", "sms"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_text_ending_hear_again_and_end(client, db_session, regions, channel: str, language: str) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN, channel=channel)
    messenger.send("Halo")
    if language == "en":
        messenger.send("9")
    for answer in ("3", "1", "2", "1", "2"):  # complaint, no power, no customer number, this number, no description
        done = messenger.send(answer)

    [complaint] = db_session.scalars(select(Complaint)).all()
    assert complaint.ticket_number in done.text
    menu = {
        "id": ["1. Menu utama", "2. Selesai", "3. Tampilkan lagi", "0. Bicara dengan petugas"],
        "en": ["1. Main menu", "2. End", "3. Show it again", "0. Talk to an agent"],
    }
    assert done.lines[-4:] == menu[language]
    assert "tekan" not in done.text.lower() and "press" not in done.text.lower()

    again = messenger.send("3")
    assert complaint.ticket_number in again.text
    bye = messenger.send({"id": "selesai", "en": "end"}[language])
    assert GOODBYE[language] in bye.text
    db_session.expire_all()
    call = db_session.scalars(select(Call)).one()
    assert call.ended_at is not None and call.final_status == "completed"

    fresh = messenger.send("Halo")
    assert "Halo, ini layanan pelanggan" in fresh.text  # greeted afresh, in the default language
    assert len(db_session.scalars(select(Call)).all()) == 2  # a new conversation


@pytest.mark.parametrize("word", ["end", "Selesai", "BYE"])
def test_end_typed_anywhere_says_goodbye(client, db_session, regions, word: str) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN)
    messenger.send("Halo")
    messenger.send("4")  # in the middle of ticket status
    bye = messenger.send(word)

    assert bye.text.startswith("Terima kasih telah menghubungi")
    call = db_session.scalars(select(Call)).one()
    assert call.ended_at is not None
    kinds = [e.kind for e in call_events(db_session, call.call_sid)]
    assert "end" in kinds and kinds[-2:] == ["hangup", "reply"]  # the goodbye is the last reply sent


def test_text_two_ends_like_end(client, db_session, regions) -> None:
    messenger = FakeMessenger(client, AUTH_TOKEN)
    messenger.send("Halo")
    for answer in ("3", "1", "2", "1", "2"):
        messenger.send(answer)
    bye = messenger.send("2")
    assert bye.text.startswith("Terima kasih telah menghubungi")
    assert db_session.scalars(select(Call)).one().ended_at is not None


# -- the TwiML itself ---------------------------------------------------------------------------


def test_result_say_is_a_sibling_before_the_gather_in_the_document(twilio: FakeTwilio, db_session, regions) -> None:
    done = report(twilio, "1")
    root = ET.fromstring(done.body)
    tags = [child.tag for child in root]
    assert tags[: tags.index("Gather")].count("Say") >= 1
    assert tags[-2:] == ["Gather", "Redirect"]
    [complaint] = complaints(db_session)
    number = speech.digits(complaint.ticket_number, "id")
    gather = root.find("Gather")
    assert gather is not None
    assert all(number not in (say.text or "") for say in gather.iter("Say"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_reading_reference_is_spoken_before_the_gather_and_heard_again(
    twilio: FakeTwilio, db_session, meter, language: str
) -> None:
    choose(twilio, "2", english=language == "en")
    twilio.press(METER)
    twilio.press("5150")
    done = twilio.press("1")  # yes, that is the stand

    [reading] = db_session.scalars(select(Reading).where(Reading.source == "ivr")).all()
    reference = speech.digits(reading.reference, language)
    assert reference in _before_gather(done)
    assert reference not in _in_gather(done)
    while ANYTHING_ELSE[language] not in _in_gather(twilio.last):
        twilio.press("2")  # no SMS copy, thank you
    ending = twilio.last
    assert HEAR_AGAIN[language] in _in_gather(ending)
    again = twilio.press("3")
    assert reference in _before_gather(again)
    assert _before_gather(again).startswith(_before_gather(done)[:40])


def test_zero_after_the_answer_still_reaches_an_agent(twilio: FakeTwilio, db_session, regions) -> None:
    done = report(twilio, "1")
    assert _in_gather(done).endswith("Petugas, tekan 0.")  # said last, after the ending's own choices
    assert twilio.press("0").queue_name == "BEKASI"
