"""The outbox: a confirmation written with its turn, once, sent by the worker with retries, shown in the console."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from db.models import FAILED, QUEUED, SENT, OutboxMessage
from ivr.extensions import runtime
from ivr.notify.outbox import Outgoing, RetryPolicy, claim, enqueue
from ivr.notify.senders import SendError
from ivr.queries.outbox import oldest_pending_age, outbox_depth
from tests.support.console import add_staff, log_in
from tests.support.journeys import RecordingSender, choose, set_clock
from tests.support.readings import IN_WINDOW
from tests.support.twilio import FakeTwilio

MOBILE = "+6281234567890"
MOBILE_NATIONAL = "0812-3456-7890"
MAX_ATTEMPTS, RETRY_SECONDS = 3, 30


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_overrides, "outbox_max_attempts": MAX_ATTEMPTS, "outbox_retry_seconds": RETRY_SECONDS}


@pytest.fixture
def sender(app: Flask) -> RecordingSender:
    fake = RecordingSender()
    runtime(app).core.sender = fake
    return fake


def _ask_for_sms(twilio: FakeTwilio):
    """A mobile caller reports a reading and asks for the SMS; the reply to the last key press."""
    twilio.caller = MOBILE
    choose(twilio, "2")
    twilio.press("1")  # the customer's own phone: their account is offered
    twilio.press("5150")
    twilio.press("1")  # the reading is right
    return twilio.press("1")  # yes, send an SMS


def _rows(db_session) -> list[OutboxMessage]:
    db_session.expire_all()
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _send_outbox(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_confirmation_is_one_outbox_row_written_by_its_turn_and_not_sent_by_the_web(
    app: Flask, twilio: FakeTwilio, db_session, meter, sender: RecordingSender
) -> None:
    reply = _ask_for_sms(twilio)

    assert "akan kami kirim melalui SMS" in reply.spoken()
    [row] = _rows(db_session)
    assert (row.call_sid, row.to_number, row.status, row.attempts) == (twilio.call_sid, MOBILE, QUEUED, 0)
    assert row.purpose == "meter_reading.sms_text"
    assert row.body.startswith("PLN: Angka stand 5150 untuk meter ***0001 telah kami terima.")
    assert row.created_at == row.next_attempt_at == IN_WINDOW
    assert sender.asked == 0


def test_a_retried_webhook_writes_no_second_row(
    app: Flask, twilio: FakeTwilio, db_session, meter, sender: RecordingSender
) -> None:
    twilio.caller = MOBILE
    choose(twilio, "2")
    twilio.press("1")  # the customer's own phone: their account is offered
    twilio.press("5150")
    twilio.press("1")
    action = twilio.action_url
    first = twilio.post(action, {"Digits": "1"})
    retry = twilio.post(action, {"Digits": "1"})

    assert retry.body == first.body
    assert len(_rows(db_session)) == 1


def test_a_turn_run_again_for_the_same_step_adds_nothing(app: Flask, database, db_session) -> None:
    """What keeps a turn that commits twice (a late request beside its fallback) to one message."""
    message = Outgoing("meter_reading.sms_text", MOBILE, "PLN: hello")
    for _ in range(2):
        with database.session() as session:
            enqueue(session, "CAtwice", 4, [message], IN_WINDOW)
    assert [(r.step, r.position) for r in _rows(db_session)] == [(4, 0)]


def test_the_message_is_lost_with_its_turn_when_the_turn_fails(
    app: Flask, twilio: FakeTwilio, db_session, meter, sender: RecordingSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: when the turn's other writes fail, no message goes out for what was not stored."""
    twilio.caller = MOBILE
    choose(twilio, "2")
    twilio.press("1")  # the customer's own phone: their account is offered
    twilio.press("5150")
    twilio.press("1")
    writer = runtime(app).core.writer

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("UPDATE calls", {}, Exception("disk full"))

    monkeypatch.setattr(writer, "write", broken)
    reply = twilio.press("1")

    assert "akan kami kirim melalui SMS" not in reply.spoken()
    assert _rows(db_session) == []


def test_the_worker_sends_it_once_and_records_the_provider_sid(
    app: Flask, twilio: FakeTwilio, db_session, meter, sender: RecordingSender
) -> None:
    _ask_for_sms(twilio)
    later = IN_WINDOW + timedelta(seconds=3)
    set_clock(app, later)

    assert "sent 1, 0 to retry, 0 failed" in _send_outbox(app)
    assert "sent 0" in _send_outbox(app)  # nothing left to send

    [row] = _rows(db_session)
    assert sender.sent == [(MOBILE, row.body)]
    assert (row.status, row.attempts, row.sent_at, row.provider_sid) == (SENT, 1, later, "SM" + "1".zfill(32))


def test_a_provider_error_is_retried_with_backoff_then_failed(
    app: Flask, twilio: FakeTwilio, db_session, meter, sender: RecordingSender
) -> None:
    sender.failures = [SendError("Twilio 503 (code None): unavailable")] * MAX_ATTEMPTS
    _ask_for_sms(twilio)
    now = IN_WINDOW
    for attempt, wait in ((1, RETRY_SECONDS), (2, 2 * RETRY_SECONDS)):
        assert "0 failed" in _send_outbox(app)
        [row] = _rows(db_session)
        assert (row.status, row.attempts, row.next_attempt_at) == (QUEUED, attempt, now + timedelta(seconds=wait))
        assert row.last_error == "Twilio 503 (code None): unavailable"
        set_clock(app, now + timedelta(seconds=wait - 1))
        assert "sent 0, 0 to retry, 0 failed" in _send_outbox(app)  # not due yet
        now += timedelta(seconds=wait)
        set_clock(app, now)

    assert "sent 0, 0 to retry, 1 failed" in _send_outbox(app)
    [row] = _rows(db_session)
    assert (row.status, row.attempts, row.last_attempt_at, row.sent_at) == (FAILED, MAX_ATTEMPTS, now, None)
    assert sender.asked == MAX_ATTEMPTS and sender.sent == []
    assert "sent 0, 0 to retry, 0 failed" in _send_outbox(app)  # given up on: never tried again


def test_a_lasting_error_fails_at_once(
    app: Flask, twilio: FakeTwilio, db_session, meter, sender: RecordingSender
) -> None:
    sender.failures = [SendError("Twilio 400 (code 21211): The To number is not valid.", permanent=True)]
    _ask_for_sms(twilio)
    assert "1 failed" in _send_outbox(app)
    [row] = _rows(db_session)
    assert (row.status, row.attempts) == (FAILED, 1)


def test_a_sender_that_died_mid_send_leaves_the_row_to_be_claimed_again(
    app: Flask, twilio: FakeTwilio, database, db_session, meter, sender: RecordingSender
) -> None:
    _ask_for_sms(twilio)
    policy = RetryPolicy(max_attempts=MAX_ATTEMPTS)
    with database.transaction() as connection:
        [held] = claim(connection, IN_WINDOW, policy, 10)  # ... and the process is killed here
    assert "sent 0" in _send_outbox(app)  # held by the lease
    set_clock(app, IN_WINDOW + timedelta(seconds=policy.lease_seconds))
    assert "sent 1" in _send_outbox(app)
    [row] = _rows(db_session)
    assert (row.id, row.status, row.attempts) == (held.id, SENT, 2)


def test_two_senders_never_claim_the_same_row(app: Flask, database, db_session) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are PostgreSQL's; SQLite has one writer at a time")
    with database.session() as session:
        enqueue(session, "CAbusy", 1, [Outgoing("p", MOBILE, f"body {i}") for i in range(5)], IN_WINDOW)
    policy = RetryPolicy()
    with database.transaction() as first:
        mine = claim(first, IN_WINDOW, policy, 3)
        with database.transaction() as second:  # while the first claim's transaction still holds its rows
            theirs = claim(second, IN_WINDOW, policy, 10)
    assert len(mine) == 3 and len(theirs) == 2
    assert not {m.id for m in mine} & {t.id for t in theirs}


def test_depth_and_oldest_pending_age(app: Flask, twilio: FakeTwilio, database, meter, sender) -> None:
    with database.session() as session:
        assert (outbox_depth(session), oldest_pending_age(session, IN_WINDOW)) == (0, 0.0)
    _ask_for_sms(twilio)
    with database.session() as session:
        assert outbox_depth(session) == 1
        assert oldest_pending_age(session, IN_WINDOW + timedelta(seconds=90)) == 90.0
    _send_outbox(app)
    with database.session() as session:
        assert (outbox_depth(session), oldest_pending_age(session, IN_WINDOW)) == (0, 0.0)


_MESSAGE_ROW = re.compile(r'<tr class="outbox-message outbox-(\w+)">(.*?)</tr>', re.S)


def _message_rows(client: FlaskClient, call_sid: str) -> list[tuple[str, str]]:
    response = client.get(f"/console/calls/{call_sid}")
    assert response.status_code == 200
    return _MESSAGE_ROW.findall(response.get_data(as_text=True))


def test_the_call_page_shows_each_message_queued_sent_or_failed(
    app: Flask, client: FlaskClient, twilio: FakeTwilio, db_session, regions, meter, sender: RecordingSender
) -> None:
    add_staff(db_session, regions)
    _ask_for_sms(twilio)
    log_in(client, "agent.bekasi")

    [(status, cells)] = _message_rows(client, twilio.call_sid)
    assert status == "queued"
    assert "Dalam antrean kirim" in cells and MOBILE_NATIONAL in cells and MOBILE not in cells
    assert '<span class="message-attempts">0</span> kali dicoba' in cells

    sender.failures = [SendError("Twilio 503 (code None): unavailable")]
    _send_outbox(app)
    [(status, cells)] = _message_rows(client, twilio.call_sid)
    assert status == "queued" and "dicoba lagi" in cells and "Twilio 503" in cells

    set_clock(app, IN_WINDOW + timedelta(seconds=RETRY_SECONDS))
    _send_outbox(app)
    [(status, cells)] = _message_rows(client, twilio.call_sid)
    assert status == "sent"
    assert "Terkirim" in cells and '<span class="message-attempts">2</span>' in cells and "Twilio 503" not in cells


def test_the_call_page_shows_a_failed_message(
    app: Flask, client: FlaskClient, twilio: FakeTwilio, db_session, regions, meter, sender: RecordingSender
) -> None:
    add_staff(db_session, regions)
    sender.failures = [SendError("Twilio 400 (code 21211): not valid", permanent=True)]
    _ask_for_sms(twilio)
    _send_outbox(app)
    log_in(client, "spv")
    [(status, cells)] = _message_rows(client, twilio.call_sid)
    assert status == "failed" and "Gagal" in cells and "code 21211" in cells


def test_a_worker_without_sms_configured_keeps_messages_queued(
    app: Flask, twilio: FakeTwilio, db_session, meter, sender: RecordingSender
) -> None:
    _ask_for_sms(twilio)
    sender.enabled = False  # SMS switched off after the call asked
    assert "stay queued" in _send_outbox(app)
    assert [(r.status, r.attempts) for r in _rows(db_session)] == [(QUEUED, 0)]


def test_a_turn_that_sends_nothing_still_writes_one_statement_on_postgresql(
    app: Flask, twilio: FakeTwilio, database, meter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox costs the hot path nothing: a menu step stays one autocommitted statement, no transaction."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("single-statement turns are PostgreSQL's (SQLite writes every turn in a transaction)")
    import psycopg

    twilio.start()
    seen: list[str] = []
    execute = psycopg.Cursor.execute

    def noted(cursor: psycopg.Cursor, query: Any, params: Any = None, **kwargs: Any) -> Any:
        seen.append(" ".join(str(query).split())[:40])
        return execute(cursor, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", noted)
    twilio.press("4")  # ticket status: asks for a reference, sends nothing (the reading menu first looks the phone up)
    assert len(seen) == 1 and seen[0].startswith("WITH advanced AS (UPDATE calls"), seen
