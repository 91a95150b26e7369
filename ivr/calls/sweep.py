"""Close calls whose final status callback never came, so no record stays "in progress" forever."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Call, CallEvent
from ivr.calls.outcome import derive_outcome
from ivr.stats.rollup import tracking

SWEPT_STATUS = "unknown"


def sweep_stale_calls(session: Session, now: datetime, older_than: timedelta) -> int:
    """End every call started before `now - older_than` that has no end yet; returns how many."""
    stale = list(
        session.scalars(
            select(Call).where(Call.ended_at.is_(None), Call.started_at < now - older_than).with_for_update()
        )
    )
    for call in stale:
        last_event = session.scalar(select(func.max(CallEvent.at)).where(CallEvent.call_id == call.id))
        with tracking(session, call):
            call.ended_at = max(filter(None, (last_event, call.answered_at, call.queue_entered_at, call.started_at)))
            call.final_status = call.final_status or SWEPT_STATUS
            call.closed_by_sweep = True
            call.outcome = derive_outcome(call)
    return len(stale)
