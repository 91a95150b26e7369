"""Queue rules: a region's queue while it is open, else the national one; wait estimates.

The estimate is throughput-based: if agents in a queue answered one call every 40 s over the last
hour, the fifth caller in line waits about 200 s. With too little history it falls back to a
configured interval per caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from db.models import Call

NATIONAL_QUEUE = "NASIONAL"
HISTORY = timedelta(hours=1)


@dataclass(frozen=True)
class Hours:
    timezone: str
    opens_at: time
    closes_at: time


def is_open(hours: Hours, now: datetime) -> bool:
    """Open on the region's own clock; closing at 23:59 or later means round the clock."""
    local = now.astimezone(ZoneInfo(hours.timezone)).time()
    if hours.closes_at >= time(23, 59) and hours.opens_at == time(0, 0):
        return True
    return hours.opens_at <= local < hours.closes_at


class RegionHours(Protocol):
    """What the queue rules read of a region: an ORM Region or the routing snapshot's RegionInfo."""

    @property
    def code(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def opens_at(self) -> time: ...
    @property
    def closes_at(self) -> time: ...
    @property
    def is_national(self) -> bool: ...


def queue_for(region: RegionHours | None, national: RegionHours | None, now: datetime) -> str:
    """The region's queue while it is open; otherwise the national contact centre's."""
    if region is not None and not region.is_national and is_open(hours_of(region), now):
        return region.code
    return national.code if national is not None else NATIONAL_QUEUE


def hours_of(region: RegionHours) -> Hours:
    return Hours(region.timezone, region.opens_at, region.closes_at)


def still_waiting(queue: str) -> list[ColumnElement[Any]]:
    """Who waits in `queue` now: queued there, not answered, not ended, no callback asked for instead.

    The conditions of the partial index `ix_calls_queue_waiting` (db/models/calls.py), so a queue's
    length and head never read its history.
    """
    return [
        Call.queue_name == queue,
        Call.answered_at.is_(None),
        Call.ended_at.is_(None),
        Call.callback_requested_at.is_(None),
        Call.queue_entered_at.is_not(None),
    ]


def waiting_count(session: Session, queue: str) -> int:
    """Callers in `queue` now."""
    return session.scalar(select(func.count()).where(*still_waiting(queue))) or 0


def head_of(session: Session, queue: str) -> Call | None:
    """The caller who has waited longest in `queue` (the next one an agent takes)."""
    return session.scalar(select(Call).where(*still_waiting(queue)).order_by(Call.queue_entered_at).limit(1))


def answer_interval(session: Session, queue: str, now: datetime, default_seconds: int) -> float:
    """Seconds between answered calls in `queue` over the last hour (the queue's pace)."""
    since = now - HISTORY
    answered = [
        at
        for at in session.scalars(
            select(Call.answered_at)
            .where(Call.queue_name == queue, Call.answered_at >= since)
            .order_by(Call.answered_at)
        )
        if at is not None  # never: NULL fails the >= above; narrows the column's Optional
    ]
    if len(answered) < 2:
        return float(default_seconds)
    span = (answered[-1] - answered[0]).total_seconds()
    return max(span / (len(answered) - 1), 1.0)


def estimate_wait(session: Session, queue: str, position: int, now: datetime, default_seconds: int) -> int:
    """Expected seconds until a caller at `position` (1 = next) is answered."""
    return round(max(position, 1) * answer_interval(session, queue, now, default_seconds))
