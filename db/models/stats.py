"""Rollups of ended calls that the supervisor statistics read instead of scanning every call.

Both tables are kept current as calls end (ivr/stats/rollup.py) and can be rebuilt from the calls
at any time (`flask --app ivr stats-rebuild`). Buckets are on the region's own wall clock, so a
range of local dates selects whole rows for every region.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

# Service level can be asked for at any of these waits; each has its own counter column.
SERVICE_LEVEL_THRESHOLDS: tuple[int, ...] = (10, 15, 20, 30, 45, 60, 90, 120, 180, 300)
NO_REGION = 0  # rollup key for calls no region claimed (they run on the national clock)


def counter() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


def within_column(seconds: int) -> str:
    """The counter of calls answered within `seconds` of entering a queue."""
    return f"answered_within_{seconds}s"


class CallHourStats(Base):
    """Counters for the calls of one region and channel that started in one local hour."""

    __tablename__ = "stats_call_hours"
    __table_args__ = (Index("ix_stats_call_hours_channel_hour", "channel", "hour"),)

    region_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=False), primary_key=True)  # local wall clock

    offered: Mapped[int] = counter()
    self_served: Mapped[int] = counter()
    answered: Mapped[int] = counter()
    transferred: Mapped[int] = counter()
    agent_unavailable: Mapped[int] = counter()
    abandoned_in_menu: Mapped[int] = counter()
    abandoned_in_queue: Mapped[int] = counter()
    callback_requested: Mapped[int] = counter()
    ended_by_ivr: Mapped[int] = counter()
    errors: Mapped[int] = counter()
    queued: Mapped[int] = counter()
    answer_seconds: Mapped[int] = counter()
    handle_seconds: Mapped[int] = counter()
    wait_max: Mapped[int] = counter()
    answered_within_10s: Mapped[int] = counter()
    answered_within_15s: Mapped[int] = counter()
    answered_within_20s: Mapped[int] = counter()
    answered_within_30s: Mapped[int] = counter()
    answered_within_45s: Mapped[int] = counter()
    answered_within_60s: Mapped[int] = counter()
    answered_within_90s: Mapped[int] = counter()
    answered_within_120s: Mapped[int] = counter()
    answered_within_180s: Mapped[int] = counter()
    answered_within_300s: Mapped[int] = counter()


class FlowDayStats(Base):
    """How many calls of one region and local day reached, completed or gave up in a flow.

    `measure` is "reached" or "completed" (node is "") or "gave_up" (node is where they hung up);
    per node answered, "input" (answered at all, by keys, speech or text, a missed utterance
    included), "spoke" (spoke there at least once) and "misheard" (at least one utterance not
    understood); see ivr/stats/contribution.py.
    """

    __tablename__ = "stats_flow_days"
    __table_args__ = (Index("ix_stats_flow_days_channel_day", "channel", "day"),)

    region_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    measure: Mapped[str] = mapped_column(String(12), primary_key=True)
    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    calls: Mapped[int] = counter()


HOUR_COUNTERS: tuple[str, ...] = tuple(
    column.name for column in CallHourStats.__table__.columns if not column.primary_key and column.name != "wait_max"
)
