"""The supervisor figures for a range of local days: read from the rollups, or from the small tables.

Call figures come from stats_call_hours / stats_flow_days (a year is ~9k hour rows per region);
callbacks, readings and complaints are read directly through their (region, time) indexes, with
each region's own local-day bounds.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import CallbackRequest, CallHourStats, Complaint, Customer, FlowDayStats, Meter, Reading
from db.models.stats import HOUR_COUNTERS
from ivr.services.readings import FLAGGED, SELF_SOURCES
from ivr.services.tickets import CATEGORIES, CLOSED_STATUSES
from ivr.stats.contribution import COMPLETED, GAVE_UP, REACHED
from ivr.stats.definitions import Number, Totals, call_figures
from ivr.stats.rollup import Zones

BUCKETS = ("hour", "day", "week")
MAX_RANGE_DAYS = 400
MAX_HOURLY_DAYS = 31  # 744 hourly points; a longer hourly series is unreadable and slow to ship
ACCEPTED = "accepted"


class RangeError(ValueError):
    """A range or bucket the statistics cannot answer; the message says why."""


@dataclass(frozen=True)
class StatsRange:
    """Local days `start`..`end` (inclusive), one region or all, one channel."""

    start: date
    end: date
    region_id: int | None = None
    channel: str = "voice"
    service_level_seconds: int = 20

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise RangeError("the range ends before it starts")
        if (self.end - self.start).days + 1 > MAX_RANGE_DAYS:
            raise RangeError(f"ranges are limited to {MAX_RANGE_DAYS} days")

    @property
    def first_hour(self) -> datetime:
        return datetime.combine(self.start, time())

    @property
    def after_last_hour(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time())


@dataclass(frozen=True)
class SeriesPoint:
    start: datetime  # local wall clock
    figures: dict[str, Number]


@dataclass(frozen=True)
class FlowFunnel:
    flow: str
    reached: int
    completed: int
    gave_up: int
    gave_up_at: list[tuple[str, int]] = field(default_factory=list)  # node, calls; most first

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.reached if self.reached else None


# -- calls ------------------------------------------------------------------------------------


def _hour_filter(stats_range: StatsRange) -> list[ColumnElement[bool]]:
    conditions = [
        CallHourStats.channel == stats_range.channel,
        CallHourStats.hour >= stats_range.first_hour,
        CallHourStats.hour < stats_range.after_last_hour,
    ]
    if stats_range.region_id is not None:
        conditions.append(CallHourStats.region_id == stats_range.region_id)
    return conditions


def hourly_counters(session: Session, stats_range: StatsRange) -> list[tuple[datetime, dict[str, int]]]:
    """The hour rows of the range, summed over regions: (local hour, counters), in time order."""
    columns = [func.sum(CallHourStats.__table__.c[name]).label(name) for name in HOUR_COUNTERS]
    rows = session.execute(
        select(CallHourStats.hour, *columns, func.max(CallHourStats.wait_max).label("wait_max"))
        .where(*_hour_filter(stats_range))
        .group_by(CallHourStats.hour)
        .order_by(CallHourStats.hour)
    )
    return [(row.hour, {name: int(row._mapping[name] or 0) for name in (*HOUR_COUNTERS, "wait_max")}) for row in rows]


def _add(into: dict[str, int], counters: dict[str, int]) -> None:
    for name, value in counters.items():
        into[name] = max(into.get(name, 0), value) if name == "wait_max" else into.get(name, 0) + value


def call_totals(hours: Iterable[tuple[datetime, dict[str, int]]], stats_range: StatsRange) -> Totals:
    summed: dict[str, int] = {}
    for _, counters in hours:
        _add(summed, counters)
    return Totals(summed, stats_range.service_level_seconds)


def peak_hour(hours: Sequence[tuple[datetime, dict[str, int]]]) -> tuple[datetime, int] | None:
    """The local hour with the most calls offered; the earliest wins a tie."""
    best: tuple[datetime, int] | None = None
    for hour, counters in hours:
        if counters["offered"] and (best is None or counters["offered"] > best[1]):
            best = (hour, counters["offered"])
    return best


def bucket_start(hour: datetime, bucket: str) -> datetime:
    """The start of the hour, day or ISO week (Monday) an hour falls in."""
    if bucket == "hour":
        return hour
    day = datetime.combine(hour.date(), time())
    return day if bucket == "day" else day - timedelta(days=day.weekday())


def check_bucket(stats_range: StatsRange, bucket: str) -> None:
    """Hourly series only for ranges of up to MAX_HOURLY_DAYS days."""
    if bucket == "hour" and (stats_range.end - stats_range.start).days >= MAX_HOURLY_DAYS:
        raise RangeError(f"hourly buckets are limited to ranges of {MAX_HOURLY_DAYS} days")


def series(session: Session, stats_range: StatsRange, bucket: str) -> list[SeriesPoint]:
    """Call figures per hour, day or week; buckets without calls are present, with zero volume."""
    if bucket not in BUCKETS:
        raise RangeError(f"bucket must be one of {', '.join(BUCKETS)}")
    check_bucket(stats_range, bucket)
    buckets: dict[datetime, dict[str, int]] = {}
    step = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    moment = stats_range.first_hour
    while moment < stats_range.after_last_hour:
        buckets.setdefault(bucket_start(moment, bucket), {})
        moment += step
    for hour, counters in hourly_counters(session, stats_range):
        _add(buckets[bucket_start(hour, bucket)], counters)
    return [
        SeriesPoint(start, call_figures(Totals(counters, stats_range.service_level_seconds)))
        for start, counters in sorted(buckets.items())
    ]


def funnel(session: Session, stats_range: StatsRange) -> list[FlowFunnel]:
    """Per flow: reached, completed and where callers gave up; flows most reached first."""
    conditions = [
        FlowDayStats.channel == stats_range.channel,
        FlowDayStats.day >= stats_range.start,
        FlowDayStats.day <= stats_range.end,
    ]
    if stats_range.region_id is not None:
        conditions.append(FlowDayStats.region_id == stats_range.region_id)
    rows = session.execute(
        select(FlowDayStats.flow, FlowDayStats.measure, FlowDayStats.node, func.sum(FlowDayStats.calls))
        .where(*conditions)
        .group_by(FlowDayStats.flow, FlowDayStats.measure, FlowDayStats.node)
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    nodes: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for flow, measure, node, calls in rows:
        counts[flow][measure] += int(calls)
        if measure == GAVE_UP and calls:
            nodes[flow].append((node, int(calls)))
    funnels = [
        FlowFunnel(
            flow=flow,
            reached=measures[REACHED],
            completed=measures[COMPLETED],
            gave_up=measures[GAVE_UP],
            gave_up_at=sorted(nodes[flow], key=lambda item: (-item[1], item[0])),
        )
        for flow, measures in counts.items()
    ]
    return sorted(funnels, key=lambda f: (-f.reached, f.flow))


# -- the small tables, by each region's local days --------------------------------------------


def local_bounds(
    stats_range: StatsRange, zones: Zones, regions: Iterable[int]
) -> dict[int | None, tuple[datetime, datetime]]:
    """UTC [start, end) of the range on each region's clock; None stands for rows without a region."""
    keys: list[int | None] = [stats_range.region_id] if stats_range.region_id is not None else [*regions, None]
    bounds: dict[int | None, tuple[datetime, datetime]] = {}
    for key in keys:
        zone = zones.of(key)
        start = datetime.combine(stats_range.start, time(), zone).astimezone(UTC)
        end = datetime.combine(stats_range.end + timedelta(days=1), time(), zone).astimezone(UTC)
        bounds[key] = (start, end)
    return bounds


def in_local_range(region_column: Any, at_column: Any, bounds: dict[int | None, tuple[datetime, datetime]]) -> Any:
    """`at` within the range on the clock of the row's region (an OR over regions, index friendly)."""
    parts = [
        and_(
            region_column.is_(None) if region is None else region_column == region, at_column >= start, at_column < end
        )
        for region, (start, end) in bounds.items()
    ]
    return or_(*parts)


def _median_seconds(pairs: Iterable[tuple[datetime, datetime]]) -> float | None:
    durations = [(done - begun).total_seconds() for begun, done in pairs if begun and done]
    return statistics.median(durations) if durations else None


def callback_figures(session: Session, bounds: dict[int | None, tuple[datetime, datetime]]) -> dict[str, Number]:
    rows = session.execute(
        select(CallbackRequest.requested_at, CallbackRequest.fulfilled_at).where(
            in_local_range(CallbackRequest.region_id, CallbackRequest.requested_at, bounds)
        )
    ).all()
    fulfilled = [(asked, done) for asked, done in rows if done is not None]
    return {
        "callbacks_requested": len(rows),
        "callbacks_fulfilled": len(fulfilled),
        "median_time_to_callback": _median_seconds(fulfilled),
    }


def reading_figures(session: Session, bounds: dict[int | None, tuple[datetime, datetime]]) -> dict[str, Number]:
    row = session.execute(
        select(
            func.count(),
            func.count().filter(Reading.status == ACCEPTED),
            func.count().filter(or_(Reading.status == FLAGGED, Reading.flag_reason.is_not(None))),
        )
        .select_from(Reading)
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Customer, Customer.id == Meter.customer_id)
        .where(Reading.source.in_(SELF_SOURCES), in_local_range(Customer.region_id, Reading.submitted_at, bounds))
    ).one()
    return {"readings_submitted": row[0], "readings_accepted": row[1], "readings_flagged": row[2]}


def complaint_figures(
    session: Session, bounds: dict[int | None, tuple[datetime, datetime]]
) -> tuple[dict[str, Number], dict[str, dict[str, int]]]:
    """Totals, and the same counts per category (every category present, zeros included)."""
    by_category: dict[str, dict[str, int]] = {
        category: {"opened": 0, "resolved": 0, "backlog": 0} for category in CATEGORIES
    }
    opened = session.execute(
        select(Complaint.category, func.count())
        .where(in_local_range(Complaint.region_id, Complaint.created_at, bounds))
        .group_by(Complaint.category)
    )
    for category, count in opened:
        by_category.setdefault(category, {"opened": 0, "resolved": 0, "backlog": 0})["opened"] = count
    resolved_rows = session.execute(
        select(Complaint.category, Complaint.created_at, Complaint.resolved_at).where(
            Complaint.resolved_at.is_not(None), in_local_range(Complaint.region_id, Complaint.resolved_at, bounds)
        )
    ).all()
    for category, _, _ in resolved_rows:
        by_category.setdefault(category, {"opened": 0, "resolved": 0, "backlog": 0})["resolved"] += 1
    for category, count in _backlog(session, bounds):
        by_category.setdefault(category, {"opened": 0, "resolved": 0, "backlog": 0})["backlog"] = count
    totals: dict[str, Number] = {
        "complaints_opened": sum(c["opened"] for c in by_category.values()),
        "complaints_resolved": len(resolved_rows),
        "complaints_backlog": sum(c["backlog"] for c in by_category.values()),
        "median_time_to_resolve": _median_seconds((begun, done) for _, begun, done in resolved_rows),
    }
    return totals, by_category


def _backlog(session: Session, bounds: dict[int | None, tuple[datetime, datetime]]) -> Iterable[tuple[str, int]]:
    """Per category, complaints opened before the range's end and unresolved at that moment."""
    parts = []
    for region, (_, end) in bounds.items():
        region_match = Complaint.region_id.is_(None) if region is None else Complaint.region_id == region
        unresolved = or_(
            Complaint.resolved_at >= end,
            and_(Complaint.resolved_at.is_(None), Complaint.status.not_in(CLOSED_STATUSES)),
        )
        parts.append(and_(region_match, Complaint.created_at < end, unresolved))
    return session.execute(select(Complaint.category, func.count()).where(or_(*parts)).group_by(Complaint.category))


# -- everything for one range -----------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The headline figures of a range: call figures, peak hour, callbacks, readings, complaints."""

    stats_range: StatsRange
    figures: dict[str, Number]
    peak_hour: datetime | None
    peak_hour_calls: int
    complaints_by_category: dict[str, dict[str, int]]


def summary(session: Session, stats_range: StatsRange) -> Summary:
    zones = Zones.load(session)
    hours = hourly_counters(session, stats_range)
    figures = call_figures(call_totals(hours, stats_range))
    bounds = local_bounds(stats_range, zones, zones.regions)
    figures.update(callback_figures(session, bounds))
    figures.update(reading_figures(session, bounds))
    complaint_totals, by_category = complaint_figures(session, bounds)
    figures.update(complaint_totals)
    peak = peak_hour(hours)
    return Summary(
        stats_range=stats_range,
        figures=figures,
        peak_hour=peak[0] if peak else None,
        peak_hour_calls=peak[1] if peak else 0,
        complaints_by_category=by_category,
    )
