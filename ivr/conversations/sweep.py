"""Close calls whose final status callback never came, and text conversations that went quiet;
take calls that ended off the live board when their end never reached it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import VOICE, Call, CallEvent
from ivr.calls.outcome import derive_outcome
from ivr.live.board import LiveBoard
from ivr.stats.rollup import tracking

SWEPT_STATUS = "unknown"
EXPIRED_STATUS = "expired"  # a text conversation nobody wrote in for the idle time
_LOOKUP_BATCH = 500  # CallSids per IN (...) query


def sweep_stale_calls(session: Session, now: datetime, older_than: timedelta) -> int:
    """End every call started before `now - older_than` that has no end yet; returns how many."""
    stale = list(
        session.scalars(
            select(Call).where(Call.ended_at.is_(None), Call.started_at < now - older_than).with_for_update()
        )
    )
    for call in stale:
        call.closed_by_sweep = True
        close_at_last_sign_of_life(session, call, SWEPT_STATUS)
    return len(stale)


def release_ended_calls(session: Session, board: LiveBoard) -> int:
    """Take callers off the live board whose call has ended in the database; how many.

    The status callback ends a call in the database first and on the board after, best effort;
    if the board could not be reached then (Redis briefly down), the call would hold its place in
    `active_calls`, and so against MAX_ACTIVE_CALLS, until the prune hours later.
    """
    callers = sorted(board.active_callers())
    ended: list[str] = []
    for start in range(0, len(callers), _LOOKUP_BATCH):
        sids = callers[start : start + _LOOKUP_BATCH]
        ended += session.scalars(select(Call.call_sid).where(Call.call_sid.in_(sids), Call.ended_at.is_not(None)))
    for sid in ended:
        board.call_ended(sid)
    return len(ended)


def close_idle_conversations(session: Session, now: datetime, idle: timedelta) -> int:
    """End text conversations nobody wrote in for `idle` (their state has expired by then too)."""
    recent = select(CallEvent.id).where(CallEvent.call_id == Call.id, CallEvent.at >= now - idle)
    idle_calls = list(
        session.scalars(
            select(Call)
            .where(Call.channel != VOICE, Call.ended_at.is_(None), Call.started_at < now - idle, ~recent.exists())
            .with_for_update()
        )
    )
    for call in idle_calls:
        close_at_last_sign_of_life(session, call, EXPIRED_STATUS)
    return len(idle_calls)


def close_expired_conversations(
    session: Session, channel: str, caller: str, keep: str, live_since: datetime
) -> str | None:
    """End a texting customer's earlier conversations, when they write again.

    One with a sign of life since `live_since` (the idle time ago) had not gone quiet: its state
    was lost, not expired. Returns that conversation's language (the latest one's), else None.
    """
    idle = list(
        session.scalars(
            select(Call)
            .where(Call.channel == channel, Call.caller == caller, Call.ended_at.is_(None), Call.call_sid != keep)
            .with_for_update()
        )
    )
    lost: tuple[datetime, str] | None = None
    for call in idle:
        close_at_last_sign_of_life(session, call, EXPIRED_STATUS)
        last = call.ended_at
        if last is not None and last >= live_since and (lost is None or last > lost[0]):
            lost = (last, call.language)
    return lost[1] if lost is not None else None


def close_at_last_sign_of_life(session: Session, call: Call, status: str) -> None:
    """End a call at the last moment anything happened in it, keeping the statistics in step."""
    last_event = session.scalar(select(func.max(CallEvent.at)).where(CallEvent.call_id == call.id))
    with tracking(session, call):
        call.ended_at = max(filter(None, (last_event, call.answered_at, call.queue_entered_at, call.started_at)))
        call.final_status = call.final_status or status
        call.outcome = derive_outcome(call)
