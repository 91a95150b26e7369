"""The statements a turn writes a call with; each is safe to repeat (Twilio retries, replays).

Built once and reused, so SQLAlchemy compiles each one once per process: a call's first row, its
events (one multi-row INSERT per turn), and a menu step's update of the row (one UPDATE ...
RETURNING, no row read first). Statements with ON CONFLICT are written out as text: SQLAlchemy 2.0
compiles the `on_conflict_*` constructs again on every use. The same SQL runs on PostgreSQL and
SQLite (3.35 or newer, for RETURNING).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    Boolean,
    Connection,
    Row,
    TextClause,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)

from db.models import Call, CallEvent

CALLS = Call.__table__
EVENTS_PER_STATEMENT = 40  # bind parameters stay far below SQLite's and PostgreSQL's limits


@dataclass(frozen=True)
class CallFacts:
    """What is known about a call when it starts."""

    call_sid: str
    caller: str
    caller_kind: str
    dialed: str
    region_id: int | None
    routed_by: str
    language: str
    started_at: datetime
    channel: str = "voice"


@dataclass(frozen=True)
class RowState:
    """What a turn knows of the row it writes: the conversation's side of the call's facts."""

    language: str
    last_node: str
    served: bool
    ivr_hung_up: bool
    had_error: bool
    flows_reached: str
    flows_completed: str
    input_modes: str

    @property
    def flags(self) -> int:
        """The facts that only become true, as bits (see `flags_of`)."""
        return flags_of(self.served, self.ivr_hung_up, self.had_error)


def flags_of(served: bool, ivr_hung_up: bool, had_error: bool) -> int:
    """The three facts a turn may set on a row, as bits: what the row has can be compared with one AND."""
    return int(bool(served)) | int(bool(ivr_hung_up)) << 1 | int(bool(had_error)) << 2


INSERT_CALL = (
    "INSERT INTO calls (call_sid, channel, caller, caller_kind, dialed, region_id, routed_by, language,"
    " started_at, outcome, last_node, self_served, ivr_hung_up, had_error, overflowed, closed_by_sweep,"
    " flows_reached, flows_completed, input_modes)"
    " VALUES (:call_sid, :channel, :caller, :caller_kind, :dialed, :region_id, :routed_by, :language,"
    " :started_at, :outcome, :last_node, :served, :ivr_hung_up, :had_error, false, false,"
    " :flows_reached, :flows_completed, :input_modes)"
    " ON CONFLICT (call_sid) DO NOTHING RETURNING id"
)
INSERT_CALL_TYPES = (
    bindparam("started_at", type_=CALLS.c.started_at.type),
    bindparam("served", type_=Boolean()),
    bindparam("ivr_hung_up", type_=Boolean()),
    bindparam("had_error", type_=Boolean()),
)
_OPEN = text(INSERT_CALL).bindparams(*INSERT_CALL_TYPES)


def open_call(connection: Connection, facts: CallFacts, state: RowState, outcome: str) -> int | None:
    """Insert a call's first row; its id, or None when a row with this CallSid already exists."""
    return connection.execute(_OPEN, opening_values(facts, state, outcome)).scalar()


def opening_values(facts: CallFacts, state: RowState, outcome: str) -> dict[str, Any]:
    return {
        "call_sid": facts.call_sid,
        "channel": facts.channel,
        "caller": facts.caller,
        "caller_kind": facts.caller_kind,
        "dialed": facts.dialed,
        "region_id": facts.region_id,
        "routed_by": facts.routed_by,
        "started_at": facts.started_at,
        **row_values(state),
        "outcome": outcome,
    }


# The facts ivr/calls/outcome.py reads (ended_at is NULL wherever a menu turn's UPDATE matched).
OUTCOME_FACTS = (
    "answered_at",
    "callback_requested_at",
    "queued_at",
    "direct_transfer",
    "ended_at",
    "self_served",
    "ivr_hung_up",
    "had_error",
)
# What a menu turn sets on the row: (column, parameter, only ever becomes true).
FACT_PARAMETERS = (
    ("language", "language", False),
    ("last_node", "last_node", False),
    ("self_served", "served", True),
    ("ivr_hung_up", "ivr_hung_up", True),
    ("had_error", "had_error", True),
    ("flows_reached", "flows_reached", False),
    ("flows_completed", "flows_completed", False),
    ("input_modes", "input_modes", False),
)
_SET_FACTS = {
    column: or_(CALLS.c[column], bindparam(parameter, type_=Boolean())) if monotone else bindparam(parameter)
    for column, parameter, monotone in FACT_PARAMETERS
}
_ADVANCE = (
    update(CALLS)
    .where(CALLS.c.id == bindparam("row_id"), CALLS.c.ended_at.is_(None))
    .values(_SET_FACTS)
    .returning(*(CALLS.c[name] for name in OUTCOME_FACTS), CALLS.c.outcome)
)
# The outcome a turn derived, written only if the facts it was derived from are still the row's: a
# callback that changed them meanwhile has written its own (ivr/calls/outcome.py).
_SET_OUTCOME_IF_SAME_FACTS = (
    update(CALLS)
    .where(
        CALLS.c.id == bindparam("row_id"),
        *(
            CALLS.c[name].is_not_distinct_from(bindparam(f"was_{name}", type_=CALLS.c[name].type))
            for name in OUTCOME_FACTS
        ),
    )
    .values(outcome=bindparam("outcome"))
)


def advance(connection: Connection, call_id: int, state: RowState) -> Row[Any] | None:
    """A live call's row after a menu turn, in one statement; None when the call has ended (or is gone)."""
    return connection.execute(_ADVANCE, {"row_id": call_id, **row_values(state)}).first()


def set_outcome(connection: Connection, call_id: int, facts: Row[Any], outcome: str) -> None:
    """Write the outcome derived from `facts` (a row `advance` returned), unless they changed since."""
    was = {f"was_{name}": getattr(facts, name) for name in OUTCOME_FACTS}
    connection.execute(_SET_OUTCOME_IF_SAME_FACTS, {"row_id": call_id, "outcome": outcome, **was})


def row_values(state: RowState) -> dict[str, Any]:
    return {
        "language": state.language,
        "last_node": state.last_node,
        "served": state.served,
        "ivr_hung_up": state.ivr_hung_up,
        "had_error": state.had_error,
        "flows_reached": state.flows_reached,
        "flows_completed": state.flows_completed,
        "input_modes": state.input_modes,
    }


def _event_types(count: int) -> list[BindParameter[Any]]:
    at_type, detail_type = CallEvent.__table__.c.at.type, JSON()
    return [
        *(bindparam(f"at{i}", type_=at_type) for i in range(count)),
        *(bindparam(f"detail{i}", type_=detail_type) for i in range(count)),
    ]


def event_values(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i, event in enumerate(events):
        values[f"seq{i}"] = event["seq"]
        values[f"at{i}"] = datetime.fromisoformat(event["at"])
        values[f"kind{i}"] = event["kind"]
        values[f"flow{i}"] = event.get("flow")
        values[f"node{i}"] = event.get("node")
        values[f"detail{i}"] = dict(event.get("detail") or {})
    return values


@cache
def _insert_events(count: int) -> TextClause:
    rows = ", ".join(f"(:call_id, :seq{i}, :at{i}, :kind{i}, :flow{i}, :node{i}, :detail{i})" for i in range(count))
    statement = text(
        f"INSERT INTO call_events (call_id, seq, at, kind, flow, node, detail) VALUES {rows}"
        " ON CONFLICT (call_id, seq) DO NOTHING"
    )
    return statement.bindparams(*_event_types(count))


def append_events(connection: Connection, call_id: int, events: Sequence[Mapping[str, Any]]) -> None:
    """Insert events by their per-call sequence number, one statement per 40; any already stored is skipped."""
    for start in range(0, len(events), EVENTS_PER_STATEMENT):
        chunk = events[start : start + EVENTS_PER_STATEMENT]
        connection.execute(_insert_events(len(chunk)), {"call_id": call_id, **event_values(chunk)})


_LAST_SEQ = select(func.coalesce(func.max(CallEvent.seq), 0)).where(CallEvent.call_id == bindparam("call_id"))


def last_event_seq(connection: Connection, call_id: int) -> int:
    """The highest event number stored for a call (0 for none)."""
    return connection.execute(_LAST_SEQ, {"call_id": call_id}).scalar() or 0


_LANGUAGE = select(CALLS.c.language).where(CALLS.c.call_sid == bindparam("sid"))


def call_language(connection: Connection, call_sid: str) -> str | None:
    """The language a call's row was last written in; None for a call never recorded."""
    return connection.execute(_LANGUAGE, {"sid": call_sid}).scalar()
