"""Bad input and bad days: forged requests, retries, lost state, outages. Always valid TwiML."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from db.models import Call, CallEvent
from ivr.extensions import runtime
from tests.support.factories import AGENTS
from tests.support.outages import break_database, break_state_store, drop_database_connections, restore_database
from tests.support.twilio import FakeTwilio


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def _kinds(db_session, call_sid: str) -> list[str]:
    call = db_session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
    return list(db_session.scalars(select(CallEvent.kind).where(CallEvent.call_id == call.id).order_by(CallEvent.seq)))


# -- signatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/voice/incoming", "/voice/step?step=1", "/voice/status", "/voice/dial-result"])
def test_forged_signature_is_rejected_and_nothing_is_stored(twilio: FakeTwilio, db_session, path: str) -> None:
    reply = twilio.post(path, {"Digits": "1"}, signature="bm90IGEgcmVhbCBzaWduYXR1cmU=")

    assert reply.status_code == 403
    assert _count(db_session, Call) == 0


def test_missing_signature_is_rejected(twilio: FakeTwilio, db_session) -> None:
    reply = twilio.post("/voice/incoming", signature="")

    assert reply.status_code == 403
    assert _count(db_session, Call) == 0


def test_signature_over_other_parameters_is_rejected(twilio: FakeTwilio, db_session) -> None:
    """A signature captured from one request cannot be replayed with other digits."""
    twilio.start()
    good = twilio.sign(f"http://localhost{twilio.action_url}", {"Digits": "1"})
    reply = twilio.post(twilio.action_url, {"Digits": "0"}, signature=good)

    assert reply.status_code == 403


def test_public_base_url_is_what_the_signature_covers(settings_overrides, regions) -> None:
    """Behind a proxy terminating HTTPS, Twilio signs the public https URL, not the internal one."""
    from ivr import create_app

    app = create_app({**settings_overrides, "public_base_url": "https://ivr.example.co.id"})
    client = app.test_client()
    twilio = FakeTwilio(client=client, auth_token=settings_overrides["twilio_auth_token"])
    params = {"CallSid": twilio.call_sid, "From": twilio.caller, "To": twilio.dialed}
    public_sig = twilio.sign("https://ivr.example.co.id/voice/incoming", params)
    internal_sig = twilio.sign("http://localhost/voice/incoming", params)

    ok = client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": public_sig})
    rejected = client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": internal_sig})

    assert ok.status_code == 200
    assert rejected.status_code == 403
    runtime(app).database.dispose()


# -- retries and lost state ---------------------------------------------------------------------


def test_retried_gather_does_not_advance_the_flow_twice(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    action = twilio.action_url
    first = twilio.post(action, {"Digits": "9"})
    retry = twilio.post(action, {"Digits": "9"})

    assert retry.body == first.body
    assert "You have chosen English" in retry.spoken()
    assert _kinds(db_session, twilio.call_sid).count("language") == 1
    # The next answer still works from where the caller really is.
    assert "press 1" in twilio.press("*").spoken()


def test_retried_incoming_returns_the_same_greeting_and_one_call_row(twilio: FakeTwilio, db_session) -> None:
    first = twilio.start()
    retry = twilio.start()

    assert retry.body == first.body
    assert _count(db_session, Call) == 1
    assert _kinds(db_session, twilio.call_sid).count("call_started") == 1


def test_status_callback_twice_keeps_one_record(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    twilio.hang_up(duration=20)
    twilio.hang_up(duration=20)

    assert _kinds(db_session, twilio.call_sid).count("call_ended") == 1
    call = db_session.scalars(select(Call)).one()
    assert (call.final_status, call.duration_seconds) == ("completed", 20)


def test_status_for_a_call_never_seen_creates_its_record(twilio: FakeTwilio, db_session) -> None:
    twilio.hang_up(status="no-answer", duration=0)

    call = db_session.scalars(select(Call)).one()
    assert call.final_status == "no-answer"
    assert call.outcome == "hung_up_in_menu"


def test_unknown_call_sid_on_a_gather_starts_fresh(twilio: FakeTwilio, db_session) -> None:
    reply = twilio.post("/voice/step?step=4", {"Digits": "2"})

    assert reply.status_code == 200
    assert "Selamat datang" in reply.spoken()
    assert reply.gather is not None
    call = db_session.scalars(select(Call)).one()
    assert call.call_sid == twilio.call_sid
    started = db_session.scalars(select(CallEvent).where(CallEvent.kind == "call_started")).one()
    assert started.detail["note"] == "state_missing"


def test_gather_after_the_call_ended_just_hangs_up(twilio: FakeTwilio) -> None:
    twilio.start()
    action = twilio.action_url
    twilio.hang_up()
    reply = twilio.post(action, {"Digits": "1"})

    assert reply.verbs == ["Hangup"]


@pytest.mark.parametrize(
    ("digits", "reason"),
    [
        ("abc", "not_an_option"),
        ("12", "not_an_option"),
        ("<Say>hi</Say>", "not_an_option"),
        ("9" * 300, "not_an_option"),
    ],
)
def test_garbage_digits_are_invalid_input(twilio: FakeTwilio, db_session, digits: str, reason: str) -> None:
    twilio.start()
    reply = twilio.press(digits)

    assert reply.status_code == 200
    assert reply.gather.findall("Say")[0].text.startswith("Maaf, pilihan tersebut tidak tersedia")
    event = db_session.scalars(select(CallEvent).where(CallEvent.kind == "invalid_input")).one()
    assert event.detail["reason"] == "not_an_option"
    assert len(event.detail["digits"]) <= 64


def test_empty_digits_count_as_no_input(twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    reply = twilio.press("")

    assert reply.gather.findall("Say")[0].text.startswith("Maaf, kami belum menerima")
    assert "no_input" in _kinds(db_session, twilio.call_sid)


@pytest.mark.parametrize(
    ("caller", "kind"),
    [
        ("anonymous", "anonymous"),
        ("+266696687", "anonymous"),
        ("sip:pelanggan@pbx.example.com", "sip"),
        ("client:kiosk-1", "client"),
        ("", "anonymous"),
        ("not a number", "unknown"),
    ],
)
def test_caller_ids_that_are_not_numbers_are_stored_as_such(
    twilio: FakeTwilio, db_session, caller: str, kind: str
) -> None:
    twilio.caller = caller
    reply = twilio.start()
    twilio.hang_up()

    assert reply.gather is not None
    call = db_session.scalars(select(Call)).one()
    assert call.caller_kind == kind
    assert call.caller == (caller or "anonymous")


# -- outages ------------------------------------------------------------------------------------


def test_database_down_mid_call_apologises_offers_an_agent_and_loses_no_event(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    twilio.start()
    working = break_database(app)
    reply = twilio.press("9")
    restore_database(app, working)

    assert reply.status_code == 200
    assert "sistem kami sedang mengalami gangguan" in reply.spoken()
    assert reply.dial_number == AGENTS["BEKASI"]
    twilio.post("/voice/dial-result", {"DialCallStatus": "completed", "DialCallDuration": "60"})
    twilio.hang_up()

    kinds = _kinds(db_session, twilio.call_sid)
    assert kinds.count("input") == 1  # the key pressed while the database was down
    assert "error" in kinds
    assert kinds[-1] == "call_ended"
    assert db_session.scalars(select(Call)).one().outcome == "transferred"


def test_unanswered_agent_line_after_an_outage_ends_politely(app: Flask, twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    working = break_database(app)
    twilio.press("9")
    restore_database(app, working)
    reply = twilio.post("/voice/dial-result", {"DialCallStatus": "no-answer", "DialCallDuration": "0"})
    twilio.hang_up()

    assert reply.hangs_up
    assert "belum dapat menerima panggilan" in reply.spoken()
    assert db_session.scalars(select(Call)).one().outcome == "agent_unavailable"


def test_connections_the_database_dropped_are_replaced_without_the_caller_noticing(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    """No ping before each use: the first statement on a dropped connection fails and the turn runs again."""
    if runtime(app).database.engine.dialect.name != "postgresql":
        pytest.skip("the embedded SQLite file has no connections to drop")
    twilio.start()
    twilio.press("7")  # both pools now hold a connection: the autocommit one (menu turns) and the other
    assert drop_database_connections(app) >= 1
    english = twilio.press("9")  # a menu turn: one statement on the autocommit pool
    assert drop_database_connections(app) >= 1
    twilio.hang_up()  # the status callback: a transaction on the other pool

    assert "sistem kami sedang mengalami gangguan" not in english.spoken()
    assert english.gather is not None
    call = db_session.scalars(select(Call)).one()
    assert (call.had_error, call.ended_at is not None) == (False, True)
    assert _kinds(db_session, twilio.call_sid)[-1] == "call_ended"


def test_database_down_at_call_start_still_answers_and_records_later(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    runtime(app).directory.snapshot()  # routing already warm, as in a running process
    working = break_database(app)
    reply = twilio.start()
    restore_database(app, working)
    twilio.hang_up(duration=9)

    assert reply.status_code == 200
    assert reply.dial_number == AGENTS["BEKASI"]
    kinds = _kinds(db_session, twilio.call_sid)
    assert kinds[0] == "call_started"
    assert "error" in kinds
    assert db_session.scalars(select(Call)).one().duration_seconds == 9


def test_state_store_down_apologises_and_offers_an_agent(app: Flask, twilio: FakeTwilio, db_session) -> None:
    break_state_store(app)
    reply = twilio.start()

    assert reply.status_code == 200
    assert "sistem kami sedang mengalami gangguan" in reply.spoken()
    assert reply.dial_number == AGENTS["BEKASI"]
    assert "error" in _kinds(db_session, twilio.call_sid)


def test_unexpected_crash_still_returns_twiml(app: Flask, twilio: FakeTwilio, monkeypatch) -> None:
    def explode(*_args, **_kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(runtime(app).voice, "incoming", explode)
    reply = twilio.start()

    assert reply.status_code == 200
    assert reply.hangs_up
    assert "gangguan" in reply.spoken()


# -- health ---------------------------------------------------------------------------------------


def test_readyz_reports_each_dependency(app: Flask, client) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "call_state": "ok"}

    break_state_store(app)
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json["checks"]["call_state"].startswith("error")
