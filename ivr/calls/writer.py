"""Bring a call's row and timeline up to date with what its conversation did, inside the caller's transaction.

A menu turn of a call whose row exists costs two statements: the row's UPDATE ... RETURNING (which
also takes its lock) and one INSERT of the turn's events. A turn that changes more than the
conversation's own facts (a caller queued, answered, a call ended) reads the row under a lock,
applies the change in Python (`RowChange`), writes back the columns that changed and tells the
observer (the statistics rollups) what the row was and is, in the same transaction. Facts only
move forward and the outcome is derived from all of them, so callbacks may land in any order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from ivr.calls import postgres, records
from ivr.calls import row as rows
from ivr.calls.flows import flow_names, join_flows
from ivr.calls.modes import merge_modes
from ivr.calls.outcome import derive_outcome
from ivr.calls.records import CallFacts, RowState
from ivr.calls.row import CallRow, RowChange

log = logging.getLogger(__name__)

RowObserver = Callable[[Connection, CallRow | None, CallRow], None]
"""Told, inside the transaction, what a locked row was (None for a new one) and what it is now."""


class Recorded(Protocol):
    """What the writer needs of a live call or conversation (ivr/conversations/model.py)."""

    facts: CallFacts
    call_id: int | None
    pending: list[dict[str, Any]]
    event_seq: int
    flows_reached: str
    flows_completed: str
    input_modes: str
    known_flags: int | None  # the facts the row is known to have (records.flags_of); None: not known

    def row_state(self) -> RowState:
        """The conversation's side of the row's facts."""
        ...


def _settle_outcome(connection: Connection, call: Recorded, facts: Any) -> None:
    """The row's outcome, derived again from the facts a menu turn's UPDATE returned, written if it moved."""
    assert call.call_id is not None
    call.known_flags = records.flags_of(facts.self_served, facts.ivr_hung_up, facts.had_error)
    outcome = derive_outcome(facts)
    if outcome != facts.outcome:
        records.set_outcome(connection, call.call_id, facts, outcome)


@dataclass(frozen=True, slots=True)
class _ConversationFacts:
    """A row's outcome facts when it has only the conversation's (nothing queued, answered or ended)."""

    self_served: bool
    had_error: bool
    ivr_hung_up: bool
    ended_at: datetime | None = None
    answered_at: datetime | None = None
    callback_requested_at: datetime | None = None
    queued_at: datetime | None = None
    direct_transfer: str | None = None


def _fresh_outcome(state: RowState) -> str:
    """The outcome of a row that has only the conversation's facts (nothing queued, answered or ended)."""
    return derive_outcome(_ConversationFacts(state.served, state.had_error, state.ivr_hung_up))


class CallWriter:
    """Writes calls as the webhooks see them; one instance per app."""

    def __init__(self, observe: RowObserver | None = None) -> None:
        self._observe = observe

    def write(self, connection: Connection, call: Recorded, change: RowChange | None = None) -> None:
        """Write the pending events and the row's facts, applying `change` to the row if given."""
        state = call.row_state()
        if call.call_id is None:
            call_id = records.open_call(connection, call.facts, state, _fresh_outcome(state))
            if call_id is not None and change is None:
                call.call_id, call.known_flags = call_id, state.flags
                records.append_events(connection, call_id, call.pending)
                return
        elif change is None:
            facts = records.advance(connection, call.call_id, state)
            if facts is not None:
                records.append_events(connection, call.call_id, call.pending)
                _settle_outcome(connection, call, facts)
                return
        self._write_locked(connection, call, change)

    def write_alone(self, connection: Connection, call: Recorded) -> bool:
        """A menu turn of a live call in one statement, on a connection in autocommit; False if it takes more.

        More is needed for an ended call or a call restarted after its state was lost (the general
        way), or a database without data-modifying WITH (SQLite): the caller then writes the turn
        in a transaction.
        """
        events, state = call.pending, call.row_state()
        if not events or not postgres.available(connection):
            return False
        if call.call_id is None:
            call.call_id = postgres.open_with_events(connection, call.facts, state, _fresh_outcome(state), events)
            call.known_flags = state.flags
            return call.call_id is not None  # an existing row (lost state): the general way continues it
        if call.known_flags is not None and state.flags & ~call.known_flags == 0:
            # Nothing this turn sets is new to the row, so its outcome cannot move: no facts to read back.
            return postgres.advance_with_events(connection, call.call_id, state, events, facts=False) is not None
        facts = postgres.advance_with_events(connection, call.call_id, state, events)
        if facts is None:
            return False
        _settle_outcome(connection, call, facts)
        return True

    def _write_locked(self, connection: Connection, call: Recorded, change: RowChange | None) -> None:
        """The general way: lock and read the row, merge, change, write what changed, tell the observer."""
        row = rows.locked(connection, call.facts.call_sid)
        if row is None:  # ended rows are still there; only a row never written gets here
            records.open_call(connection, call.facts, call.row_state(), _fresh_outcome(call.row_state()))
            row = rows.locked(connection, call.facts.call_sid)
            assert row is not None, "a row just inserted is there"
        elif call.call_id is None:
            self._continue_numbering(connection, call, row.id)
        call.call_id = row.id
        before = row.copy()
        records.append_events(connection, row.id, call.pending)
        state = call.row_state()
        row.language, row.last_node = state.language, state.last_node
        row.self_served = row.self_served or state.served
        row.ivr_hung_up = row.ivr_hung_up or state.ivr_hung_up
        row.had_error = row.had_error or state.had_error
        row.flows_reached = call.flows_reached = join_flows(row.flows_reached, flow_names(state.flows_reached))
        row.flows_completed = call.flows_completed = join_flows(row.flows_completed, flow_names(state.flows_completed))
        row.input_modes = call.input_modes = merge_modes(row.input_modes, state.input_modes)
        if change is not None:
            change(row)
        row.outcome = derive_outcome(row)
        rows.write_changes(connection, row, before)
        call.known_flags = records.flags_of(row.self_served, row.ivr_hung_up, row.had_error)
        if self._observe is not None:
            self._observe(connection, before, row)

    def update_row(
        self, connection: Connection, call_sid: str, change: RowChange, event: dict[str, Any] | None = None
    ) -> bool:
        """Apply a fact to a call known only by its CallSid (its live state expired or is away)."""
        row = rows.locked(connection, call_sid)
        if row is None:
            log.warning("callback for unknown call %s ignored", call_sid)
            return False
        before = row.copy()
        if event is not None:
            numbered = {**event, "seq": records.last_event_seq(connection, row.id) + 1}
            records.append_events(connection, row.id, [numbered])
        change(row)
        row.outcome = derive_outcome(row)
        rows.write_changes(connection, row, before)
        if self._observe is not None:
            self._observe(connection, before, row)
        return True

    @staticmethod
    def _continue_numbering(connection: Connection, call: Recorded, call_id: int) -> None:
        """A call restarted after lost state continues its timeline instead of overwriting it."""
        offset = records.last_event_seq(connection, call_id)
        if offset:
            for event in call.pending:
                event["seq"] += offset
            call.event_seq += offset
