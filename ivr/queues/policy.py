"""Queue rules: a region's queue while it is open, else the national one; tiers; wait estimates.

A queue has two tiers: urgent callers (a dangerous installation report) wait in the urgent one,
which agents take first; first come, first served within each. Each tier is a Twilio queue of its
own (`tier_queue`), since a Twilio queue is first in, first out; the calls table says who waits in
which (`Call.urgent`), so an agent's line knows which tier to take from.

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
URGENT = "urgent"  # a transfer's priority (flows: `priority: urgent`) that queues in the urgent tier
URGENT_TIER_SUFFIX = "-DARURAT"


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


def tier_queue(queue: str, urgent: bool) -> str:
    """The Twilio queue a tier of `queue` waits in: the queue's own name, or its urgent tier's."""
    return f"{queue}{URGENT_TIER_SUFFIX}" if urgent else queue


def still_waiting(queue: str, urgent: bool | None = None) -> list[ColumnElement[Any]]:
    """Who waits in `queue` (in one tier, or in both when `urgent` is None) now: queued there, not
    answered, not ended, no callback asked for instead.

    The conditions of the partial index `ix_calls_queue_waiting` (db/models/calls.py), so a queue's
    length and head never read its history.
    """
    conditions = [Call.queue_name == queue, *_waiting_now()]
    if urgent is not None:
        conditions.append(Call.urgent.is_(urgent))
    return conditions


def _waiting_now() -> list[ColumnElement[Any]]:
    return [
        Call.answered_at.is_(None),
        Call.ended_at.is_(None),
        Call.callback_requested_at.is_(None),
        Call.queue_entered_at.is_not(None),
    ]


def waiting_count(session: Session, queue: str, urgent: bool | None = None) -> int:
    """Callers in `queue` now (in one tier when `urgent` is given)."""
    return session.scalar(select(func.count()).where(*still_waiting(queue, urgent))) or 0


def urgent_waiting(session: Session) -> dict[str, int]:
    """Urgent callers waiting now, per queue that has any."""
    query = (
        select(Call.queue_name, func.count())
        .where(Call.queue_name.is_not(None), Call.urgent.is_(True), *_waiting_now())
        .group_by(Call.queue_name)
    )
    return {str(queue): int(count) for queue, count in session.execute(query)}


def waiting_calls(session: Session, queues: list[str]) -> list[Call]:
    """Everyone waiting in `queues` now, each queue in the order agents take them (urgent first)."""
    query = select(Call).where(Call.queue_name.in_(queues), *_waiting_now())
    return list(session.scalars(query.order_by(Call.queue_name, Call.urgent.desc(), Call.queue_entered_at, Call.id)))


def with_agents(session: Session, since: datetime) -> list[Call]:
    """Callers an agent took from a queue after `since` and still talks to, longest first."""
    query = select(Call).where(
        Call.queue_name.is_not(None),
        Call.answered_at >= since,
        Call.ended_at.is_(None),
        Call.agent_call_sid.is_not(None),
    )
    return list(session.scalars(query.order_by(Call.answered_at, Call.id)))


def head_of(session: Session, queue: str) -> Call | None:
    """The next caller an agent takes from `queue`: the longest waiting urgent one, else the longest waiting."""
    first = (Call.urgent.desc(), Call.queue_entered_at, Call.id)
    return session.scalar(select(Call).where(*still_waiting(queue)).order_by(*first).limit(1))


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
