"""Twilio's status callbacks arrive in any order: the final status sticks, every webhook answers TwiML."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Call, CallEvent
from ivr.extensions import runtime
from tests.support.twilio import FakeTwilio


def _call(db_session) -> Call:
    db_session.expire_all()
    return db_session.scalars(select(Call)).one()


def _status(twilio: FakeTwilio, status: str, sequence: int, duration: int | None = None):
    extra = {"CallStatus": status, "SequenceNumber": str(sequence)}
    if duration is not None:
        extra["CallDuration"] = str(duration)
    return twilio.post("/voice/status", extra)


def test_a_late_progress_callback_does_not_reopen_or_zero_a_completed_call(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    _status(twilio, "completed", 3, duration=42)
    late = _status(twilio, "in-progress", 1, duration=0)

    assert late.status_code == 200 and late.verbs == []
    call = _call(db_session)
    assert (call.final_status, call.duration_seconds) == ("completed", 42)
    assert call.ended_at is not None
    ended = db_session.scalars(select(CallEvent).where(CallEvent.kind == "call_ended")).all()
    assert [event.detail["status"] for event in ended] == ["completed"]


def test_a_progress_callback_does_not_end_a_live_call(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    menu = twilio.action_url
    _status(twilio, "in-progress", 1)
    reply = twilio.post(menu, {"Digits": "1"})

    assert reply.gather is not None  # the menu goes on: the bill flow asks for an id
    call = _call(db_session)
    assert (call.ended_at, call.final_status) == (None, None)
    _status(twilio, "completed", 2, duration=30)
    assert (_call(db_session).final_status, _call(db_session).duration_seconds) == ("completed", 30)


def test_an_earlier_final_status_never_wins_over_a_later_one(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    _status(twilio, "completed", 4, duration=42)
    _status(twilio, "canceled", 2, duration=0)

    call = _call(db_session)
    assert (call.final_status, call.duration_seconds) == ("completed", 42)


def test_a_progress_callback_for_a_call_never_seen_stores_nothing(twilio: FakeTwilio, db_session) -> None:
    reply = _status(twilio, "ringing", 0)

    assert reply.status_code == 200
    assert db_session.scalars(select(Call)).all() == []


@pytest.mark.parametrize("first", ["completed", "canceled"])
def test_incoming_after_the_final_status_hangs_up(twilio: FakeTwilio, db_session, first: str) -> None:
    _status(twilio, first, 2, duration=0)
    reply = twilio.start()

    assert reply.status_code == 200
    assert reply.verbs == ["Hangup"]
    assert _call(db_session).final_status == first


def test_incoming_retried_after_the_call_ended_hangs_up(twilio: FakeTwilio) -> None:
    twilio.start()
    twilio.hang_up()
    reply = twilio.start()

    assert reply.verbs == ["Hangup"]


@pytest.mark.parametrize("failed", ["/voice/incoming", "/voice/step?step=1", "/voice/queue/wait"])
def test_fallback_for_a_call_already_ended_hangs_up(twilio: FakeTwilio, failed: str) -> None:
    twilio.hang_up()
    reply = twilio.post("/voice/fallback", {"ErrorCode": "11200", "ErrorUrl": f"http://localhost{failed}"})

    assert reply.status_code == 200
    assert reply.verbs == ["Hangup"]


@pytest.mark.parametrize("path", ["/voice/incoming", "/voice/fallback"])
def test_a_handler_that_answers_nothing_still_sends_twiml(app, twilio: FakeTwilio, monkeypatch, path: str) -> None:
    monkeypatch.setattr(runtime(app).voice, "incoming", lambda _form: "")
    reply = twilio.post(path, {"ErrorUrl": "http://localhost/voice/incoming"})

    assert reply.status_code == 200
    assert reply.verbs == ["Hangup"]
