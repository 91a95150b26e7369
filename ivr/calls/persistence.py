"""Where a live call's state and its durable record are read and written.

The state store holds the conversation between webhooks; the database row holds facts that
only move forward. Every write locks the row (PostgreSQL) and re-derives the outcome, so the
menu webhooks, the queue callbacks and the status callback can land in any order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.models import Call
from db.session import Database
from ivr.calls import records
from ivr.calls.outcome import derive_outcome
from ivr.calls.state import LiveCall
from ivr.engine.model import Event
from ivr.state import CallStateStore, StateStoreError
from ivr.stats.rollup import tracking

log = logging.getLogger(__name__)

RowChange = Callable[[Call], None]


class CallRecords:
    """Loads and saves a call's live state, and writes its row and events in one unit of work."""

    def __init__(self, store: CallStateStore, database: Database, state_ttl: int) -> None:
        self.store = store
        self.database = database
        self.state_ttl = state_ttl

    # -- live state -----------------------------------------------------------------------------

    def load(self, call_sid: str) -> LiveCall | None:
        """The call's state; raises StateStoreError when the store is down."""
        saved = self.store.load(call_sid)
        return LiveCall.from_dict(saved) if saved else None

    def load_quietly(self, call_sid: str) -> LiveCall | None:
        try:
            return self.load(call_sid)
        except StateStoreError:
            log.exception("call state store unavailable")
            return None

    def save(self, call: LiveCall, ttl: int | None = None) -> None:
        self.store.save(call.facts.call_sid, call.to_dict(), ttl or self.state_ttl)

    def save_quietly(self, call: LiveCall, ttl: int | None = None) -> None:
        try:
            self.save(call, ttl)
        except StateStoreError:
            log.exception("could not save state for call %s", call.facts.call_sid)

    # -- durable record -------------------------------------------------------------------------

    def write(self, session: Session, call: LiveCall, change: RowChange | None = None) -> Call:
        """Bring the row up to date with the state: pending events, facts, derived outcome."""
        row = self._locked_row(session, call)
        with tracking(session, row):
            records.append_events(session, row.id, call.pending)
            records.note_flows(row, call.pending)
            row.language = call.conversation.language
            row.last_node = f"{call.conversation.flow}.{call.conversation.node}"
            row.self_served = row.self_served or call.served
            row.ivr_hung_up = row.ivr_hung_up or call.ivr_hung_up
            row.had_error = row.had_error or call.had_error
            if change is not None:
                change(row)
            row.outcome = derive_outcome(row)
        return row

    def persist(self, call: LiveCall, change: RowChange | None = None) -> bool:
        """Write in a unit of work of its own; on failure the events wait in the state store."""
        try:
            with self.database.session() as session:
                self.write(session, call, change)
            call.pending.clear()
            return True
        except SQLAlchemyError:
            log.exception("database unavailable; %d events kept for call %s", len(call.pending), call.facts.call_sid)
            return False

    def update_row(self, call_sid: str, change: RowChange, event: Event | None = None, *, at: datetime) -> bool:
        """Apply a fact to a call known only by its CallSid (its live state expired or is away)."""
        try:
            with self.database.session() as session:
                row = session.scalar(select(Call).where(Call.call_sid == call_sid).with_for_update())
                if row is None:
                    log.warning("callback for unknown call %s ignored", call_sid)
                    return False
                with tracking(session, row):
                    if event is not None:
                        seq = records.last_event_seq(session, row.id) + 1
                        records.append_events(session, row.id, [_event_dict(event, seq, at)])
                    change(row)
                    row.outcome = derive_outcome(row)
            return True
        except SQLAlchemyError:
            log.exception("could not record a callback for call %s", call_sid)
            return False

    def _locked_row(self, session: Session, call: LiveCall) -> Call:
        row = session.scalar(select(Call).where(Call.call_sid == call.facts.call_sid).with_for_update())
        if row is None:
            row = records.open_call(session, call.facts)  # a new row has no timeline to continue
        elif call.call_id is None:
            self._continue_numbering(session, call, row.id)
        call.call_id = row.id
        return row

    @staticmethod
    def _continue_numbering(session: Session, call: LiveCall, call_id: int) -> None:
        """A call restarted after lost state continues its timeline instead of overwriting it."""
        offset = records.last_event_seq(session, call_id)
        if offset:
            for event in call.pending:
                event["seq"] += offset
            call.event_seq += offset


def _event_dict(event: Event, seq: int, at: datetime) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at.isoformat(),
        "kind": event.kind,
        "flow": event.flow,
        "node": event.node,
        "detail": event.detail,
    }
