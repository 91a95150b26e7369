"""Customers hear of their ticket moving: filed through signed webhooks, moved by an agent, told through the outbox."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import QUEUED, SENT, Complaint, OutboxMessage, ServiceRequest, TicketUpdate
from ivr.extensions import runtime
from ivr.services.notices import NOTE_MAX_CHARS, bounded_note
from tests.conftest import AUTH_TOKEN
from tests.support.console import add_staff, bearer, csrf_from, log_in, token_for
from tests.support.journeys import RecordingSender, choose, set_clock
from tests.support.messaging import FakeMessenger
from tests.support.openapi import check
from tests.support.tickets import NOW, report
from tests.support.twilio import FakeTwilio

MOBILE = "+6281234567890"
MASKED = "**********7890"
NOTE = "Gardu sudah diperbaiki, listrik <b>menyala</b> lagi."
PLAIN_NOTE = "Gardu sudah diperbaiki, listrik menyala lagi."
RESOLVED = {"id": "sudah selesai ditangani", "en": "has been resolved"}
NOTE_INTRO = {"id": "Catatan petugas:", "en": "Note from our officer (in Indonesian):"}
COMPLAINT = {"id": "PLN: Tiket pengaduan", "en": "PLN: Your complaint ticket"}


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    set_clock(app, NOW)


@pytest.fixture
def staff(db_session, regions) -> dict[str, Any]:
    return add_staff(db_session, regions)


@pytest.fixture
def token(db_session, staff) -> str:
    raw = token_for(db_session, staff["spv"])  # sees every region: a text lands in the national one
    db_session.commit()
    return raw


@pytest.fixture
def sender(app: Flask) -> RecordingSender:
    """Messaging configured (SMS and WhatsApp); without this fixture it is not."""
    fake = RecordingSender()
    runtime(app).core.sender = fake
    return fake


def _outbox(db_session) -> list[OutboxMessage]:
    db_session.expire_all()
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _complaint(db_session) -> Complaint:
    db_session.expire_all()
    return db_session.scalars(select(Complaint)).one()


def _history(db_session) -> list[TicketUpdate]:
    db_session.expire_all()
    return list(db_session.scalars(select(TicketUpdate).order_by(TicketUpdate.id)))


def _console_change(client, path: str, status: str, note: str):
    return client.post(path, data={"status": status, "note": note, "csrf_token": csrf_from(client, path)})


def _api_change(client, token: str, path: str, body: dict[str, str]) -> dict[str, Any]:
    response = client.patch(f"/api/v1{path}", headers=bearer(token), json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return check(response, "patch", "/complaints/{item_id}")


def _call_in_complaint(twilio: FakeTwilio, language: str) -> None:
    """A mobile caller reports no power, to be called back on this number, without a recording."""
    twilio.caller = MOBILE
    report(twilio, "1", english=language == "en")


def _text_in_complaint(client, language: str) -> FakeMessenger:
    """A texter over WhatsApp reports no power: no customer number, this number, no description."""
    messenger = FakeMessenger(client, AUTH_TOKEN, channel="whatsapp", number=MOBILE)
    messenger.send("Halo")
    if language == "en":
        messenger.send("9")
    for answer in ("3", "1", "2", "1", "2"):
        messenger.send(answer)
    return messenger


@pytest.mark.parametrize("language", ["id", "en"])
def test_resolved_in_the_console_the_caller_gets_one_sms_in_their_language(
    client, db_session, twilio: FakeTwilio, staff, sender: RecordingSender, language: str
) -> None:
    _call_in_complaint(twilio, language)
    complaint = _complaint(db_session)
    assert complaint.language == language
    log_in(client, "agent.bekasi")
    path = f"/console/complaints/{complaint.id}"

    first = _console_change(client, path, "resolved", NOTE)
    again = _console_change(client, path, "resolved", NOTE)  # a double click: the second finds it resolved

    assert first.status_code == again.status_code == 302
    [message] = _outbox(db_session)
    assert (message.channel, message.to_number, message.status, message.purpose) == (
        "sms", MOBILE, QUEUED, "notices.complaint"
    )  # fmt: skip
    assert message.body == (
        f"{COMPLAINT[language]} {complaint.ticket_number} {RESOLVED[language]}. {NOTE_INTRO[language]} {PLAIN_NOTE}"
    )
    assert sender.asked == 0  # the web request only queued it
    assert [(u.new_status, u.notice, u.notice_to) for u in _history(db_session)] == [
        ("resolved", "sms", MASKED),
        ("resolved", None, None),  # the repeat is a note, not a change the customer is told of
    ]
    page = client.get(path).get_data(as_text=True)
    assert f"SMS ke {MASKED} (Dalam antrean kirim)" in page
    assert "&lt;b&gt;menyala&lt;/b&gt;" in page and "<b>menyala</b>" not in page


@pytest.mark.parametrize("language", ["id", "en"])
def test_resolved_over_the_api_a_whatsapp_texter_is_answered_on_whatsapp(
    app: Flask, client, db_session, regions, token, sender: RecordingSender, language: str
) -> None:
    _text_in_complaint(client, language)
    complaint = _complaint(db_session)
    path = f"/complaints/{complaint.id}"

    detail = _api_change(client, token, path, {"status": "resolved", "note": NOTE})
    _api_change(client, token, path, {"status": "resolved", "note": NOTE})  # the API client retries

    [message] = _outbox(db_session)
    assert (message.channel, message.to_number) == ("whatsapp", f"whatsapp:{MOBILE}")
    assert message.body.startswith(f"{COMPLAINT[language]} {complaint.ticket_number} {RESOLVED[language]}.")
    assert message.body.endswith(PLAIN_NOTE)  # the customer reads the note's words, not its markup
    assert detail["language"] == language
    assert [(h["new_status"], h["notice"], h["notice_to"], h["notice_status"]) for h in detail["history"]] == [
        ("resolved", "whatsapp", MASKED, QUEUED)
    ]

    result = app.test_cli_runner().invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    assert sender.sent == [(f"whatsapp:{MOBILE}", message.body)]
    history = check(client.get(f"/api/v1{path}", headers=bearer(token)), "get", "/complaints/{item_id}")["history"]
    assert [(h["notice"], h["notice_status"]) for h in history] == [("whatsapp", SENT), (None, None)]


def test_taking_up_a_phoned_in_request_texts_its_caller_and_a_note_alone_does_not(
    client, db_session, twilio: FakeTwilio, token, sender: RecordingSender
) -> None:
    twilio.caller = MOBILE
    choose(twilio, "6")
    for key in ("1", "2", "1"):  # new connection, 2200 VA, call me on this number
        twilio.press(key)
    request = db_session.scalars(select(ServiceRequest)).one()
    path = f"/api/v1/service-requests/{request.id}"

    taken = client.patch(path, headers=bearer(token), json={"status": "in_progress"})
    noted = client.patch(path, headers=bearer(token), json={"note": "Survei hari Senin."})

    assert taken.status_code == noted.status_code == 200
    [message] = _outbox(db_session)
    assert message.body == f"PLN: Permohonan layanan {request.reference} sedang ditangani petugas kami."
    assert (message.to_number, message.purpose) == (MOBILE, "notices.request")
    assert [u.notice for u in _history(db_session)] == ["sms", None]


def test_with_messaging_not_configured_nothing_is_queued_and_the_history_says_why(
    client, db_session, twilio: FakeTwilio, token
) -> None:
    _call_in_complaint(twilio, "id")
    complaint = _complaint(db_session)

    detail = _api_change(client, token, f"/complaints/{complaint.id}", {"status": "closed", "note": NOTE})

    assert detail["status"] == "closed"
    assert _outbox(db_session) == []
    assert [(h["notice"], h["notice_to"]) for h in detail["history"]] == [("not_configured", None)]


def test_a_landline_caller_without_a_mobile_gets_nothing_and_the_console_says_so(
    client, db_session, twilio: FakeTwilio, staff, sender: RecordingSender
) -> None:
    report(twilio, "1")  # from the landline FakeTwilio calls from, called back on it
    complaint = _complaint(db_session)
    log_in(client, "agent.bekasi")
    path = f"/console/complaints/{complaint.id}"

    assert _console_change(client, path, "resolved", "").status_code == 302

    assert _outbox(db_session) == []
    assert [u.notice for u in _history(db_session)] == ["no_number"]
    assert "Tidak dikirim: tidak ada nomor ponsel" in client.get(path).get_data(as_text=True)


def test_a_change_rolled_back_sends_nothing(
    client, db_session, twilio: FakeTwilio, token, sender: RecordingSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message is written in the change's own transaction: a change that fails after it leaves no message."""
    from ivr.queries import tickets

    _call_in_complaint(twilio, "id")
    complaint = _complaint(db_session)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise tickets.TicketError("the database went away after the change was written")

    path = f"/api/v1/complaints/{complaint.id}"
    with monkeypatch.context() as patched:
        patched.setattr(tickets, "get_ticket", broken)
        response = client.patch(path, headers=bearer(token), json={"status": "resolved"})

    assert response.status_code == 400
    assert _outbox(db_session) == []
    assert _history(db_session) == []
    assert _complaint(db_session).status == "open"
    # The same change, now committed, queues its message: what the failed one would have sent.
    assert client.patch(path, headers=bearer(token), json={"status": "resolved"}).status_code == 200
    assert [m.to_number for m in _outbox(db_session)] == [MOBILE]


def test_a_long_note_is_cut_at_a_word_so_the_sms_stays_within_three_segments() -> None:
    note = " ".join(["Petugas\nsudah mengganti kabel"] * 40)

    bounded = bounded_note(note)

    assert bounded is not None and len(bounded) <= NOTE_MAX_CHARS and bounded.endswith("...")
    assert bounded[:-3].split(" ")[-1] in {"Petugas", "sudah", "mengganti", "kabel"}  # cut between words
    assert "\n" not in bounded
    assert bounded_note("  short  ") == "short" and bounded_note("   ") is None
