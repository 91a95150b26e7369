"""The self-service flows over SMS and WhatsApp, both languages, through signed webhooks.

Meter reading with a photo (before or after the stand), the bill, a complaint with a typed
description, and ticket status, including tickets opened on the other channel.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallbackRequest, Complaint, Reading
from tests.conftest import AUTH_TOKEN
from tests.support.console import add_staff, log_in
from tests.support.factories import add_bill, add_customer
from tests.support.journeys import set_clock
from tests.support.messaging import PHOTO_URL, FakeMessenger, TextReply
from tests.support.readings import IDPEL, METER
from tests.support.tickets import add_complaint
from tests.support.twilio import FakeTwilio

CHANNELS = [("whatsapp", "+6281234567890"), ("sms", "+6281298765432")]
LANGUAGES = ["id", "en"]
THANKS = {"id": "Terima kasih", "en": "Thank you"}
YES = {"id": "ya", "en": "Yes"}
REGISTERED = CHANNELS[0][1]  # the phone tests/support/factories.py gives a customer
ALL = [(channel, number, language) for channel, number in CHANNELS for language in LANGUAGES]


@pytest.fixture(params=ALL, ids=lambda p: f"{p[0]}-{p[2]}")
def customer(request, client, regions) -> tuple[FakeMessenger, str]:
    channel, number, language = request.param
    return FakeMessenger(client, AUTH_TOKEN, channel=channel, number=number), language


def _begin(messenger: FakeMessenger, language: str, option: str) -> TextReply:
    """Greet, switch to English if asked, then pick a main-menu option."""
    messenger.send("Halo")
    if language == "en":
        messenger.send("9")
    return messenger.send(option)


def _identify(messenger: FakeMessenger, typed: str = METER) -> TextReply:
    """From the customer's registered phone their account is offered (reply 1); others type the number."""
    return messenger.send("1" if messenger.number == REGISTERED else typed)


def _self_readings(db_session) -> list[Reading]:
    db_session.expire_all()
    return list(db_session.scalars(select(Reading).where(Reading.source != "officer").order_by(Reading.id)))


def _conversation(db_session) -> Call:
    db_session.expire_all()
    return db_session.scalars(select(Call)).one()


# -- meter reading with a photo -------------------------------------------------------------------


def test_reading_then_photo(customer, meter, db_session) -> None:
    messenger, language = customer
    _begin(messenger, language, "2")
    confirm = _identify(messenger, "1400-0000 001")  # separators as people type them
    assert "5.150" not in confirm.text
    confirm = messenger.send("5150")
    assert "5150" in confirm.text  # shown plainly, not spelled out
    done = messenger.send(YES[language])

    [reading] = _self_readings(db_session)
    assert (reading.stand, reading.status, reading.source) == (5150, "accepted", messenger.channel)
    assert reading.media_url is None
    assert reading.reference in done.text
    assert THANKS[language] in done.text
    assert "150 kWh" in done.text  # 5150 - 5000
    assert "foto" in done.text.lower() or "photo" in done.text.lower()  # asked for the meter photo

    attached = messenger.photo()
    reading = _self_readings(db_session)[0]
    assert (reading.media_url, reading.media_type) == (PHOTO_URL, "image/jpeg")
    assert reading.reference in attached.text
    conversation = _conversation(db_session)
    assert (conversation.channel, conversation.language, conversation.self_served) == (
        messenger.channel,
        language,
        True,
    )


def test_photo_first_then_the_stand(customer, meter, db_session) -> None:
    messenger, language = customer
    messenger.send("Halo")
    if language == "en":
        messenger.send("9")
    kept = messenger.photo(content_type="image/png")
    assert kept.lines  # acknowledged, and the menu asked again
    messenger.send("2")
    _identify(messenger)
    messenger.send("5150")
    done = messenger.send("1")

    [reading] = _self_readings(db_session)
    assert (reading.media_url, reading.media_type) == (PHOTO_URL, "image/png")
    assert "foto meteran" not in done.text.lower() and "photo of your meter" not in done.text.lower()


def test_photo_with_the_stand_as_caption(whatsapp_in_window) -> None:
    messenger, db_session = whatsapp_in_window
    messenger.send("2")
    _identify(messenger)
    confirm = messenger.photo("5150")

    assert "5150" in confirm.text
    messenger.send("ya")
    [reading] = _self_readings(db_session)
    assert (reading.stand, reading.media_url) == (5150, PHOTO_URL)


@pytest.fixture
def whatsapp_in_window(client, meter, db_session) -> tuple[FakeMessenger, object]:
    return FakeMessenger(client, AUTH_TOKEN), db_session


def test_confirmation_words_and_a_no_asks_again(whatsapp_in_window) -> None:
    messenger, db_session = whatsapp_in_window
    messenger.send("2")
    _identify(messenger)
    messenger.send("5150")
    which = messenger.send("Tidak")
    assert _self_readings(db_session) == []
    assert which.lines[-2:] == ["1. Ubah angka stand", "2. Ubah akun"]
    again = messenger.send("1")
    assert "stand" in again.text.lower()
    messenger.send("5.160")
    messenger.send("YA")

    [reading] = _self_readings(db_session)
    assert reading.stand == 5160


def test_a_retried_confirmation_stores_one_reading(whatsapp_in_window) -> None:
    messenger, db_session = whatsapp_in_window
    messenger.send("2")
    _identify(messenger)
    messenger.send("5150")
    params = messenger.params("ya")
    first = messenger.post(params)
    again = messenger.post(params)

    assert again.body == first.body
    assert len(_self_readings(db_session)) == 1


# -- the bill -------------------------------------------------------------------------------------


def test_bill(app: Flask, customer, db_session, regions) -> None:
    messenger, language = customer
    set_clock(app, datetime(2026, 11, 10, 3, 0, tzinfo=UTC))
    owner, _ = add_customer(db_session, regions["BEKASI"], idpel=IDPEL, meter_number=METER)
    add_bill(db_session, owner, date(2026, 9, 1), kwh=150, amount=230_000)
    add_bill(db_session, owner, date(2026, 10, 1), kwh=162, amount=245_500)
    db_session.commit()

    _begin(messenger, language, "1")
    reply = _identify(messenger, f" {IDPEL[:4]} {IDPEL[4:8]} {IDPEL[8:]} ")

    assert {"id": "Rp245.500", "en": "Rp245,500"}[language] in reply.text
    assert "162 kWh" in reply.text
    assert {"id": "Oktober 2026", "en": "October 2026"}[language] in reply.text
    assert "tekan" not in reply.text.lower() and "press" not in reply.text.lower()


# -- complaints and ticket status -----------------------------------------------------------------


def test_complaint_with_a_typed_description(customer, db_session, regions) -> None:
    messenger, language = customer
    _begin(messenger, language, "3")
    messenger.send("1")  # no power at home
    messenger.send("2")  # no customer number
    messenger.send("1")  # call back on this number
    messenger.send("1")  # write a description
    description = "Listrik padam sejak jam 7 pagi, <b>tetangga</b> juga."
    done = messenger.send(description)

    [complaint] = db_session.scalars(select(Complaint)).all()
    assert (complaint.category, complaint.description, complaint.callback_number) == (
        "no_power",
        description,
        messenger.number,
    )
    assert complaint.call_sid == _conversation(db_session).call_sid
    assert complaint.ticket_number in done.text


def test_a_ticket_opened_by_phone_is_checked_by_message_and_the_other_way(
    twilio: FakeTwilio, customer, db_session
) -> None:
    messenger, language = customer
    twilio.start()
    for key in ("3", "1", "2", "1", "2"):  # no power, no customer number, this number, no recording
        by_phone = twilio.press(key)
    [phoned] = db_session.scalars(select(Complaint)).all()
    assert by_phone.find("Gather") is not None

    _begin(messenger, language, "4")
    status = messenger.send(phoned.ticket_number)
    assert phoned.ticket_number in status.text
    assert {"id": "diterima", "en": "received"}[language] in status.text.lower()

    messenger.send("menu")
    messenger.send("3")
    for answer in ("5", "2", "1", "2"):  # other, no customer number, this number, no description
        texted = messenger.send(answer)
    texted_ticket = db_session.scalars(select(Complaint).where(Complaint.id != phoned.id)).one()
    assert texted_ticket.ticket_number in texted.text

    twilio.press("1")  # anything else? the main menu
    twilio.press("4")
    heard = twilio.press(texted_ticket.ticket_number)
    assert ", ".join(_spelled(texted_ticket.ticket_number)) in heard.spoken()


def _spelled(number: str) -> list[str]:
    names = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
    return [names[int(d)] for d in number]


def test_agents_see_the_photo_next_to_a_flagged_reading(whatsapp_in_window, client, regions) -> None:
    messenger, db_session = whatsapp_in_window
    messenger.send("2")
    _identify(messenger)
    messenger.send("4000")  # below the last accepted 5000: flagged for review
    messenger.send("ya")  # that is the number
    messenger.send("ya")  # yes, lower than last time: store it for review
    messenger.photo()
    [reading] = _self_readings(db_session)
    assert (reading.status, reading.media_url) == ("flagged", PHOTO_URL)

    staff = add_staff(db_session, regions)
    db_session.commit()
    log_in(client, staff["bekasi"].username)
    rows = _Rows()
    rows.feed(client.get("/console/readings").get_data(as_text=True))
    [(text, links)] = [(text, links) for text, links in rows.rows if reading.reference in text]
    assert [link for link in links if link.get("href") == PHOTO_URL] == [
        {"href": PHOTO_URL, "rel": "noopener noreferrer", "target": "_blank"}
    ]
    assert "WhatsApp" in text


class _Rows(HTMLParser):
    """Each table row of a page: its text and the attributes of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[dict[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append(("", []))
        elif tag == "a" and self.rows:
            self.rows[-1][1].append(dict(attrs))

    def handle_data(self, data: str) -> None:
        if self.rows:
            text, links = self.rows[-1]
            self.rows[-1] = (text + data, links)


def test_an_urgent_report_by_message_books_an_urgent_callback(customer, db_session) -> None:
    messenger, language = customer
    _begin(messenger, language, "3")
    messenger.send("4")  # dangerous installation: urgent, no description asked
    done = messenger.send("1")  # call back on this number

    [complaint] = db_session.scalars(select(Complaint)).all()
    assert complaint.urgent is True
    [callback] = db_session.scalars(select(CallbackRequest)).all()
    assert (callback.number, callback.reason, callback.call_sid) == (messenger.number, "urgent", complaint.call_sid)
    assert callback.urgent is True  # phoned back before routine requests
    assert complaint.ticket_number in done.text
    assert messenger.number in done.text
    conversation = _conversation(db_session)
    assert (conversation.outcome, conversation.ended_at is not None) == ("callback_requested", True)
    assert messenger.send("Halo").lines  # a new conversation starts


def test_a_note_with_markup_reaches_a_text_as_plain_words(customer, db_session, regions) -> None:
    messenger, language = customer
    note = "<b>Petugas</b> &amp; tim **sedang menuju** lokasi. Lihat https://pln.example/peta &lt;br/&gt;"
    add_complaint(db_session, regions["BEKASI"], ticket_number="3123456789", last_note=note)
    db_session.commit()
    _begin(messenger, language, "4")
    status = messenger.send("3123456789")

    assert "Petugas & tim sedang menuju lokasi. Lihat" in status.lines
    for leftover in ("<b>", "**", "&amp;", "https://", "pln.example", "br/"):
        assert leftover not in status.text
