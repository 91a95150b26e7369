"""Twilio's Voice Fallback URL: after a failed webhook the call goes on, and nothing is stored twice."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from db.models import Call, CallEvent, Complaint
from ivr.engine.speech import digits
from ivr.extensions import runtime
from ivr.voice import recovery
from tests.support.factories import AGENTS
from tests.support.outages import break_database, break_state_store, restore_database
from tests.support.twilio import BASE_URL, FakeTwilio, Reply

FALLBACK = "/voice/fallback"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback's short wait for a failed request's own reply is not what these tests are about."""
    monkeypatch.setattr(recovery, "WAIT_SECONDS", 0.0)


def _fallback(twilio: FakeTwilio, failed: str, extra: dict[str, str] | None = None, code: str = "11200") -> Reply:
    """What Twilio posts to the fallback URL: the failed request's parameters plus ErrorCode and ErrorUrl."""
    return twilio.post(FALLBACK, {**(extra or {}), "ErrorCode": code, "ErrorUrl": BASE_URL + failed})


def _kinds(db_session, call_sid: str) -> list[str]:
    call = db_session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
    return list(db_session.scalars(select(CallEvent.kind).where(CallEvent.call_id == call.id).order_by(CallEvent.seq)))


def _hold_claim(app: Flask, twilio: FakeTwilio) -> None:
    """As a worker killed mid-request leaves it: the step is claimed, its reply never saved."""
    step = int((twilio.action_url or "").split("step=")[1].split("&")[0])
    core = runtime(app).core
    assert core.store.claim(core.keys.call_claim(twilio.call_sid, step))


def test_a_step_whose_reply_is_stored_is_replayed(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    action = twilio.action_url or ""
    first = twilio.press("9")
    reply = _fallback(twilio, action, {"Digits": "9"})

    assert reply.status_code == 200
    assert reply.body == first.body
    assert _kinds(db_session, twilio.call_sid).count("language") == 1


def test_a_step_nobody_handled_is_handled_by_the_fallback_once(twilio: FakeTwilio, db_session) -> None:
    """Connection refused: the primary never ran, so the fallback moves the flow; Twilio's retry replays."""
    twilio.start()
    action = twilio.action_url or ""
    reply = _fallback(twilio, action, {"Digits": "9"}, code="11205")
    retry = twilio.post(action, {"Digits": "9"})

    assert "You have chosen English" in reply.spoken()
    assert retry.body == reply.body
    assert _kinds(db_session, twilio.call_sid).count("language") == 1


def test_a_step_held_by_a_dead_worker_is_taken_over_and_the_ticket_stored_once(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    twilio.start()
    for key in ["3", "5", "2", "1"]:  # complaint, "other", no customer number, call back on this number
        twilio.press(key)
    assert "merekam keterangan" in twilio.last.spoken()
    action = twilio.action_url or ""
    _hold_claim(app, twilio)

    held = twilio.post(action, {"Digits": "2"})  # Twilio's own retry meanwhile: asked to wait
    reply = _fallback(twilio, action, {"Digits": "2"})
    again = _fallback(twilio, action, {"Digits": "2"})
    after = twilio.post(action, {"Digits": "2"})

    assert held.verbs == ["Pause", "Redirect"]
    ticket = db_session.scalars(select(Complaint)).one()
    assert f"Nomor tiket Anda {digits(ticket.ticket_number, 'id')}." in reply.spoken()
    assert again.body == reply.body == after.body
    assert db_session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_a_second_fallback_while_the_first_takes_over_is_asked_to_wait(app: Flask, twilio: FakeTwilio) -> None:
    twilio.start()
    action = twilio.action_url or ""
    _hold_claim(app, twilio)
    step = action.split("step=")[1]
    core = runtime(app).core
    assert core.store.claim(core.keys.call_claim(twilio.call_sid, int(step), "fallback"))

    reply = _fallback(twilio, action, {"Digits": "9"})

    assert reply.verbs == ["Pause", "Redirect"]
    assert reply.find("Redirect").text == f"/voice/step?step={step}"


def test_unknown_call_at_the_first_request_is_greeted(twilio: FakeTwilio, db_session) -> None:
    reply = _fallback(twilio, "/voice/incoming", {"CallStatus": "ringing"})

    assert "Selamat datang" in reply.spoken()
    assert reply.gather is not None
    assert _kinds(db_session, twilio.call_sid).count("call_started") == 1


def test_unknown_call_mid_flow_starts_afresh_and_says_why_in_the_record(twilio: FakeTwilio, db_session) -> None:
    reply = _fallback(twilio, "/voice/step?step=3", {"Digits": "1"})

    assert "Selamat datang" in reply.spoken()
    started = db_session.scalars(select(CallEvent).where(CallEvent.kind == "call_started")).one()
    assert started.detail["note"] == "state_missing"


def test_forged_signature_is_rejected_and_nothing_is_stored(twilio: FakeTwilio, db_session) -> None:
    reply = twilio.post(
        FALLBACK,
        {"ErrorCode": "11200", "ErrorUrl": f"{BASE_URL}/voice/incoming"},
        signature="bm90IGEgcmVhbCBzaWduYXR1cmU=",
    )

    assert reply.status_code == 403
    assert db_session.scalar(select(func.count()).select_from(Call)) == 0


def test_state_store_down_apologises_and_offers_an_agent(app: Flask, twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    action = twilio.action_url or ""
    break_state_store(app)
    reply = _fallback(twilio, action, {"Digits": "1"})

    assert reply.status_code == 200
    assert "sistem kami sedang mengalami gangguan" in reply.spoken()
    assert reply.dial_number == AGENTS["BEKASI"]
    assert "error" in _kinds(db_session, twilio.call_sid)


def test_database_down_too_apologises_and_keeps_the_events(app: Flask, twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    action = twilio.action_url or ""
    working = break_database(app)
    reply = _fallback(twilio, action, {"Digits": "9"})
    restore_database(app, working)
    twilio.hang_up()

    assert reply.dial_number == AGENTS["BEKASI"]
    kinds = _kinds(db_session, twilio.call_sid)
    assert kinds.count("input") == 1
    assert "error" in kinds


def test_another_webhook_that_failed_gets_an_apology_and_an_agent(twilio: FakeTwilio) -> None:
    twilio.start()
    reply = _fallback(twilio, "/voice/queue/wait", {"QueuePosition": "1"})

    assert reply.status_code == 200
    assert "sistem kami sedang mengalami gangguan" in reply.spoken()
    assert reply.dial_number == AGENTS["BEKASI"]
