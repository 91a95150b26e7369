"""The call writer: a menu turn in one statement, the general way when it must, every write safe to repeat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from flask import Flask
from sqlalchemy import event, func, select

from db.models import Call, CallEvent, CallHourStats
from ivr.calls import records
from ivr.calls.records import CallFacts
from ivr.calls.row import CallRow
from ivr.conversations.model import Conversation
from ivr.engine.model import Event
from ivr.engine.state import ConversationState
from ivr.extensions import runtime
from tests.conftest import DEFAULT_NOW


@pytest.fixture
def statements(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement the app sends to its database, in order (BEGIN and COMMIT are not statements here).

    On PostgreSQL at the driver, since the hottest statements bypass SQLAlchemy (ivr/calls/postgres.py).
    """
    seen: list[str] = []
    database = runtime(app).database
    engine = database.engine
    if engine.dialect.name == "postgresql":
        with database.autocommit():  # the pool's first connection asks the server about itself: not counted
            pass
        execute = psycopg.Cursor.execute

        def noted(cursor, query, params=None, **kwargs):
            seen.append(" ".join(str(query).split())[:60])
            return execute(cursor, query, params, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", noted)
        yield seen
        return

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(" ".join(statement.split())[:60])

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def _call(regions: dict[str, int]) -> Conversation:
    facts = CallFacts(
        "CAwriter", "+62215551234", "phone", "+62218850123", regions["BEKASI"], "dialed", "id", DEFAULT_NOW
    )
    call = Conversation(facts=facts, state=ConversationState("main_menu", "menu", "id"))
    call.add_events([Event("call_started", None, None, {}), Event("node", "main_menu", "menu")], DEFAULT_NOW)
    return call


def _write(app: Flask, call: Conversation, change=None) -> None:
    core = runtime(app).core
    if change is None:
        with core.database.autocommit() as connection:
            if core.writer.write_alone(connection, call):
                call.pending.clear()
                return
    assert core.record(call, change)


def _kinds(db_session, call: Conversation) -> list[str]:
    return list(
        db_session.scalars(select(CallEvent.kind).where(CallEvent.call_id == call.call_id).order_by(CallEvent.seq))
    )


def test_a_new_call_and_a_menu_turn_are_one_statement_each_on_postgresql(
    app: Flask, regions, db_session, statements
) -> None:
    postgres = runtime(app).database.engine.dialect.name == "postgresql"
    call = _call(regions)
    _write(app, call)
    assert statements[0].startswith("WITH opened AS (INSERT INTO calls" if postgres else "INSERT INTO calls")
    assert len(statements) == (1 if postgres else 2)
    statements.clear()
    call.add_events(
        [Event("input", "main_menu", "menu", {"digits": "7"}), Event("node", "information", "choose")], DEFAULT_NOW
    )
    call.state.move_to("information", "choose")
    _write(app, call)

    assert len(statements) == (1 if postgres else 2)
    assert statements[0].startswith("WITH advanced AS (UPDATE calls" if postgres else "UPDATE calls")
    row = db_session.scalars(select(Call)).one()
    assert (row.last_node, row.flows_reached, row.outcome) == (
        "information.choose",
        "information,main_menu",
        "in_progress",
    )
    assert _kinds(db_session, call) == ["call_started", "node", "input", "node"]


def test_a_turn_that_serves_the_caller_moves_the_outcome(app: Flask, regions, db_session) -> None:
    call = _call(regions)
    _write(app, call)
    call.add_events([Event("node", "information", "tariffs"), Event("served", "information", "tariffs")], DEFAULT_NOW)
    call.served = True
    _write(app, call)

    row = db_session.scalars(select(Call)).one()
    assert (row.self_served, row.outcome, row.flows_completed) == (True, "self_served", "information")


def test_a_turn_after_the_call_ended_goes_the_general_way_and_keeps_the_rollups_right(
    app: Flask, regions, db_session
) -> None:
    call = _call(regions)
    _write(app, call)
    late = Conversation.from_dict(call.to_dict())  # the same call, as a slow menu webhook still holds it
    call.add_events([Event("call_ended", "main_menu", "menu", {"status": "completed"})], DEFAULT_NOW)

    def ended(row: CallRow) -> None:
        row.ended_at, row.final_status = DEFAULT_NOW + timedelta(seconds=30), "completed"

    _write(app, call, ended)
    late.add_events([Event("node", "information", "tariffs"), Event("served", "information", "tariffs")], DEFAULT_NOW)
    late.event_seq, late.served = call.event_seq, True  # numbered after the end, as the state would have them
    late.pending[-2]["seq"], late.pending[-1]["seq"] = call.event_seq + 1, call.event_seq + 2
    _write(app, late)

    row = db_session.scalars(select(Call)).one()
    assert row.outcome == "self_served"  # served before hanging up, learnt after the end
    hour = db_session.scalars(select(CallHourStats)).one()
    assert (hour.offered, hour.self_served, hour.abandoned_in_menu) == (1, 1, 0)


def test_an_outcome_derived_from_facts_that_changed_meanwhile_is_not_written(app: Flask, regions, db_session) -> None:
    call = _call(regions)
    _write(app, call)
    with runtime(app).database.transaction() as connection:
        stale = records.advance(connection, call.call_id, call.row_state())
        connection.execute(Call.__table__.update().values(queued_at=DEFAULT_NOW, outcome="queued"))
        records.set_outcome(connection, call.call_id, stale, "self_served")

    assert db_session.scalars(select(Call)).one().outcome == "queued"


def test_a_turn_written_twice_stores_its_events_once(app: Flask, regions, db_session) -> None:
    call = _call(regions)
    _write(app, call)
    call.add_events([Event("input", "main_menu", "menu", {"digits": "9"})], DEFAULT_NOW)
    again = Conversation.from_dict(call.to_dict())  # a worker died after the commit, before the state was saved
    _write(app, call)
    _write(app, again)

    assert db_session.scalar(select(func.count()).select_from(CallEvent)) == 3


SPOKEN_TURNS = [
    Event("speech_missed", "main_menu", "menu", {"reason": "low_confidence", "attempt": 1, "transcript": "cek",
                                                 "confidence": 0.31, "keys_only": False}),
    Event("input", "main_menu", "menu", {"digits": "1", "mode": "speech", "transcript": "cek tagihan",
                                         "confidence": 0.82}),
    Event("node", "bill", "account"),
    Event("input", "bill", "account", {"digits": "532110000001#"}),  # written before modes: keys on the phone
]  # fmt: skip


def test_how_each_node_was_answered_is_kept_on_the_row(app: Flask, regions, db_session) -> None:
    call = _call(regions)
    _write(app, call)
    call.add_events(SPOKEN_TURNS[:2], DEFAULT_NOW)
    _write(app, call)
    assert db_session.scalars(select(Call.input_modes)).one() == "main_menu.menu:ms"

    call.add_events(SPOKEN_TURNS[2:], DEFAULT_NOW)
    call.state.move_to("bill", "account")
    _write(app, call, lambda row: setattr(row, "ended_at", DEFAULT_NOW + timedelta(seconds=40)))  # the general way
    db_session.expire_all()
    assert db_session.scalars(select(Call.input_modes)).one() == "bill.account:k,main_menu.menu:ms"
    assert call.input_modes == "bill.account:k,main_menu.menu:ms"


def test_a_rewound_turn_forgets_how_it_was_answered(regions) -> None:
    call = _call(regions)
    mark = call.mark()
    call.add_events(SPOKEN_TURNS[:2], DEFAULT_NOW)
    assert call.input_modes == "main_menu.menu:ms"
    assert Conversation.from_dict(call.to_dict()).input_modes == "main_menu.menu:ms"
    call.rewind(mark)
    assert call.input_modes == ""


def test_text_conversations_answer_by_text(regions) -> None:
    facts = CallFacts("SMtext", "+6281234567890", "mobile", "123", regions["BEKASI"], "dialed", "id", DEFAULT_NOW,
                      channel="whatsapp")  # fmt: skip
    call = Conversation(facts=facts, state=ConversationState("main_menu", "menu", "id"))
    call.add_events([Event("input", "main_menu", "menu", {"digits": "1"})], DEFAULT_NOW)
    assert call.input_modes == "main_menu.menu:t"
