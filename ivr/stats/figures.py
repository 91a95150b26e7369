"""The supervisor figures for a range of local days: read from the rollups, or from the small tables.

Call figures come from stats_call_hours / stats_flow_days (a year is ~9k hour rows per region);
callbacks, readings and complaints are read directly through their (region, time) indexes, with
each region's own local-day bounds. Every figure is for one channel: a phone call, or a text
conversation over SMS or WhatsApp (a `calls` row with that channel), or for all three together
(`ALL_CHANNELS`): the same counts summed, ratios and medians over the lot.
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

from db.models import DONE_STATUSES, CallbackRequest, CallHourStats, Complaint, Customer, FlowDayStats, Meter, Reading
from db.models.calls import CHANNELS, VOICE
from db.models.stats import HOUR_COUNTERS
from ivr.services.readings import ACCEPTED, FLAGGED
from ivr.services.tickets import CATEGORIES
from ivr.stats.contribution import ANSWERED, COMPLETED, GAVE_UP, MISHEARD, REACHED, SPOKE
from ivr.stats.definitions import Number, Totals, call_figures
from ivr.stats.rollup import Zones

BUCKETS = ("hour", "day", "week")
MAX_RANGE_DAYS = 400
MAX_HOURLY_DAYS = 31  # 744 hourly points; a longer hourly series is unreadable and slow to ship
ALL_CHANNELS = "all"  # a range's channel meaning voice, SMS and WhatsApp together
CHANNEL_CHOICES = (*CHANNELS, ALL_CHANNELS)
ALL_CHANNELS_NOTE = (
    "All channels: voice, SMS and WhatsApp summed. Queue and answer figures (service level, speed of "
    "answer, handle time, longest wait) come from phone calls only, since a text conversation hands over "
    "to an agent as a callback request."
)


class RangeError(ValueError):
    """A range or bucket the statistics cannot answer; the message says why."""


def channels_of(channel: str) -> tuple[str, ...]:
    """One channel as a tuple, or every channel for ALL_CHANNELS."""
    return CHANNELS if channel == ALL_CHANNELS else (channel,)


@dataclass(frozen=True)
class StatsRange:
    """Local days `start`..`end` (inclusive), one region or all, one channel or all of them."""

    start: date
    end: date
    region_id: int | None = None
    channel: str = VOICE
    service_level_seconds: int = 20

    def __post_init__(self) -> None:
        if self.channel not in CHANNEL_CHOICES:
            raise RangeError(f"channel must be one of {', '.join(CHANNEL_CHOICES)}")
        if self.end < self.start:
            raise RangeError("the range ends before it starts")
        if (self.end - self.start).days + 1 > MAX_RANGE_DAYS:
            raise RangeError(f"ranges are limited to {MAX_RANGE_DAYS} days")

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels the range counts: its own, or every one for ALL_CHANNELS."""
        return channels_of(self.channel)

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
class NodeSpeech:
    """How callers answered one node: calls that answered it at all, spoke there, were misheard there."""

    node: str
    answered: int
    spoke: int
    misheard: int

    @property
    def spoke_rate(self) -> float | None:
        """Of the calls that answered the node, the share that spoke there."""
        return self.spoke / self.answered if self.answered else None

    @property
    def misheard_rate(self) -> float | None:
        """Of the calls that spoke at the node, the share misheard there at least once."""
        return self.misheard / self.spoke if self.spoke else None


@dataclass(frozen=True)
class FlowFunnel:
    flow: str
    reached: int
    completed: int
    gave_up: int
    gave_up_at: list[tuple[str, int]] = field(default_factory=list)  # node, calls; most first
    speech: list[NodeSpeech] = field(default_factory=list)  # nodes answered; most spoken first

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.reached if self.reached else None

    @property
    def spoken(self) -> bool:
        """Whether any caller spoke at a node of this flow."""
        return any(node.spoke for node in self.speech)


# -- calls ------------------------------------------------------------------------------------


def _hour_filter(stats_range: StatsRange) -> list[ColumnElement[bool]]:
    conditions = [
        CallHourStats.channel.in_(stats_range.channels),
        CallHourStats.hour >= stats_range.first_hour,
        CallHourStats.hour < stats_range.after_last_hour,
    ]
    if stats_range.region_id is not None:
        conditions.append(CallHourStats.region_id == stats_range.region_id)
    return conditions


_COUNTER_NAMES: tuple[str, ...] = (*HOUR_COUNTERS, "wait_max")


def _counter_columns() -> list[Any]:
    table = CallHourStats.__table__
    return [func.sum(table.c[name]) for name in HOUR_COUNTERS] + [func.max(table.c.wait_max)]


def _counters(values: Sequence[Any]) -> dict[str, int]:
    return {name: int(value or 0) for name, value in zip(_COUNTER_NAMES, values, strict=True)}


def call_totals(session: Session, stats_range: StatsRange) -> Totals:
    """The hour counters of the range summed in one aggregate row."""
    row = session.execute(select(*_counter_columns()).where(*_hour_filter(stats_range))).one()
    return Totals(_counters(row), stats_range.service_level_seconds)


def peak_hour(session: Session, stats_range: StatsRange) -> tuple[datetime, int] | None:
    """The local hour with the most calls offered; the earliest wins a tie."""
    offered = func.sum(CallHourStats.offered).label("offered")
    row = session.execute(
        select(CallHourStats.hour, offered)
        .where(*_hour_filter(stats_range))
        .group_by(CallHourStats.hour)
        .order_by(offered.desc(), CallHourStats.hour)
        .limit(1)
    ).first()
    return (_wall_clock(row.hour), int(row.offered)) if row is not None and row.offered else None


def _wall_clock(value: Any) -> datetime:
    """A bucket start as the database returns it (SQLite gives text) as a naive datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _bucket_expression(session: Session, bucket: str) -> Any:
    """The start of each row's hour, day or ISO week (Monday), computed by the database."""
    hour = CallHourStats.hour
    if bucket == "hour":
        return hour
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc(bucket, hour)
    return func.date(hour) if bucket == "day" else func.date(hour, "weekday 0", "-6 days")


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
    start = _bucket_expression(session, bucket).label("start")
    rows = session.execute(select(start, *_counter_columns()).where(*_hour_filter(stats_range)).group_by(start))
    for row in rows:
        buckets[bucket_start(_wall_clock(row[0]), bucket)] = _counters(row[1:])
    return [
        SeriesPoint(start, call_figures(Totals(counters, stats_range.service_level_seconds)))
        for start, counters in sorted(buckets.items())
    ]


def funnel(session: Session, stats_range: StatsRange) -> list[FlowFunnel]:
    """Per flow: reached, completed, where callers gave up and how they answered each node; flows most reached first."""
    conditions = [
        FlowDayStats.channel.in_(stats_range.channels),
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
    answers: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for flow, measure, node, calls in rows:
        counts[flow][measure] += int(calls)
        if measure == GAVE_UP and calls:
            nodes[flow].append((node, int(calls)))
        elif measure in _NODE_MEASURES and calls:
            answers[flow][node][measure] += int(calls)
    funnels = [
        FlowFunnel(
            flow=flow,
            reached=measures[REACHED],
            completed=measures[COMPLETED],
            gave_up=measures[GAVE_UP],
            gave_up_at=sorted(nodes[flow], key=lambda item: (-item[1], item[0])),
            speech=_node_speech(answers[flow]),
        )
        for flow, measures in counts.items()
    ]
    return sorted(funnels, key=lambda f: (-f.reached, f.flow))


_NODE_MEASURES = (ANSWERED, SPOKE, MISHEARD)


def _node_speech(by_node: dict[str, dict[str, int]]) -> list[NodeSpeech]:
    """The nodes of one flow, most spoken first, then most answered, then by name."""
    found = [
        NodeSpeech(node, measures[ANSWERED], measures[SPOKE], measures[MISHEARD]) for node, measures in by_node.items()
    ]
    return sorted(found, key=lambda n: (-n.spoke, -n.answered, n.node))


# -- the small tables, by each region's local days --------------------------------------------


def local_bounds(stats_range: StatsRange, zones: Zones) -> dict[int | None, tuple[datetime, datetime]]:
    """UTC [start, end) of the range on each region's clock; None stands for rows without a region."""
    keys: list[int | None] = [stats_range.region_id] if stats_range.region_id is not None else [*zones.regions, None]
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


def _median_seconds(session: Session, begun: Any, done: Any, *conditions: Any) -> float | None:
    """The median of `done - begun` in seconds over the rows matching `conditions`.

    PostgreSQL computes it (percentile_cont); SQLite, the embedded default with small data, hands
    the durations to Python.
    """
    if session.get_bind().dialect.name == "postgresql":
        # double precision: sorts faster than numeric
        seconds: ColumnElement[Any] = func.date_part("epoch", done - begun)
        value = session.scalar(select(func.percentile_cont(0.5).within_group(seconds)).where(*conditions))
        return float(value) if value is not None else None
    seconds = (func.julianday(done) - func.julianday(begun)) * 86400.0
    durations = [round(value, 3) for value in session.scalars(select(seconds).where(*conditions)) if value is not None]
    return statistics.median(durations) if durations else None


def reading_source(channel: str) -> str:
    """The `Reading.source` a self-reading of the channel carries: "ivr" for the phone, else the channel's name."""
    return "ivr" if channel == VOICE else channel


def callback_figures(
    session: Session, bounds: dict[int | None, tuple[datetime, datetime]], channel: str
) -> dict[str, Number]:
    """By the channel of the conversation that asked (or all): a text conversation hands over to an agent this way."""
    in_range = and_(
        in_local_range(CallbackRequest.region_id, CallbackRequest.requested_at, bounds),
        CallbackRequest.channel.in_(channels_of(channel)),
    )
    fulfilled = CallbackRequest.fulfilled_at.is_not(None)
    requested, done = session.execute(select(func.count(), func.count().filter(fulfilled)).where(in_range)).one()
    return {
        "callbacks_requested": requested,
        "callbacks_fulfilled": done,
        "median_time_to_callback": _median_seconds(
            session, CallbackRequest.requested_at, CallbackRequest.fulfilled_at, in_range, fulfilled
        ),
    }


def reading_figures(
    session: Session, bounds: dict[int | None, tuple[datetime, datetime]], channel: str
) -> dict[str, Number]:
    """By `Reading.source`, which each self-reading carries (no call needs to be looked up)."""
    row = session.execute(
        select(
            func.count(),
            func.count().filter(Reading.status == ACCEPTED),
            func.count().filter(or_(Reading.status == FLAGGED, Reading.flag_reason.is_not(None))),
        )
        .select_from(Reading)
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Customer, Customer.id == Meter.customer_id)
        .where(
            Reading.source.in_([reading_source(each) for each in channels_of(channel)]),
            in_local_range(Customer.region_id, Reading.submitted_at, bounds),
        )
    ).one()
    return {"readings_submitted": row[0], "readings_accepted": row[1], "readings_flagged": row[2]}


def complaint_figures(
    session: Session, bounds: dict[int | None, tuple[datetime, datetime]], channel: str
) -> tuple[dict[str, Number], dict[str, dict[str, int]]]:
    """Totals, and the same per category (every one, zeros included), by the channel of the call that opened them."""
    by_category: dict[str, dict[str, int]] = {
        category: {"opened": 0, "resolved": 0, "backlog": 0} for category in CATEGORIES
    }
    opened_in_range = in_local_range(Complaint.region_id, Complaint.created_at, bounds)
    resolved_in_range = and_(
        Complaint.resolved_at.is_not(None), in_local_range(Complaint.region_id, Complaint.resolved_at, bounds)
    )
    on_channel = Complaint.channel.in_(channels_of(channel))
    counts = session.execute(  # one pass for both: a year's range reads the table once, not twice
        select(Complaint.category, func.count().filter(opened_in_range), func.count().filter(resolved_in_range))
        .where(or_(opened_in_range, resolved_in_range), on_channel)
        .group_by(Complaint.category)
    )
    for category, opened, resolved in counts:
        row = by_category.setdefault(category, {"opened": 0, "resolved": 0, "backlog": 0})
        row["opened"], row["resolved"] = opened, resolved
    for category, count in _backlog(session, bounds, on_channel):
        by_category.setdefault(category, {"opened": 0, "resolved": 0, "backlog": 0})["backlog"] = count
    totals: dict[str, Number] = {
        "complaints_opened": sum(c["opened"] for c in by_category.values()),
        "complaints_resolved": sum(c["resolved"] for c in by_category.values()),
        "complaints_backlog": sum(c["backlog"] for c in by_category.values()),
        "median_time_to_resolve": _median_seconds(
            session, Complaint.created_at, Complaint.resolved_at, resolved_in_range, on_channel
        ),
    }
    return totals, by_category


def _backlog(
    session: Session, bounds: dict[int | None, tuple[datetime, datetime]], on_channel: ColumnElement[bool]
) -> Iterable[tuple[str, int]]:
    """Per category, complaints opened before the range's end and unresolved at that moment.

    Two index-friendly branches per region: resolved after the end, or not resolved at all.
    """
    parts = []
    for region, (_, end) in bounds.items():
        region_match = Complaint.region_id.is_(None) if region is None else Complaint.region_id == region
        parts.append(and_(region_match, Complaint.resolved_at >= end, Complaint.created_at < end))
        parts.append(
            and_(
                region_match,
                Complaint.resolved_at.is_(None),
                Complaint.created_at < end,
                Complaint.status.not_in(DONE_STATUSES),
            )
        )
    return session.execute(
        select(Complaint.category, func.count()).where(or_(*parts), on_channel).group_by(Complaint.category)
    ).tuples()


# -- everything for one range -----------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The headline figures of a range: call figures, peak hour, callbacks, readings, complaints."""

    stats_range: StatsRange
    figures: dict[str, Number]
    peak_hour: datetime | None
    peak_hour_calls: int
    complaints_by_category: dict[str, dict[str, int]]


@dataclass(frozen=True)
class ChannelShare:
    """One channel's part of an all-channels range: calls offered, self-served, callbacks asked for."""

    channel: str
    offered: int
    self_served: int
    callbacks_requested: int


def channel_split(session: Session, stats_range: StatsRange) -> list[ChannelShare]:
    """Each channel of the range (every one for ALL_CHANNELS) in CHANNELS order, zeros included."""
    hours = _hour_filter(stats_range)
    calls = {
        channel: (int(offered or 0), int(served or 0))
        for channel, offered, served in session.execute(
            select(CallHourStats.channel, func.sum(CallHourStats.offered), func.sum(CallHourStats.self_served))
            .where(*hours)
            .group_by(CallHourStats.channel)
        )
    }
    bounds = local_bounds(stats_range, Zones.load(session))
    callbacks = {
        channel: int(count)
        for channel, count in session.execute(
            select(CallbackRequest.channel, func.count())
            .where(
                in_local_range(CallbackRequest.region_id, CallbackRequest.requested_at, bounds),
                CallbackRequest.channel.in_(stats_range.channels),
            )
            .group_by(CallbackRequest.channel)
        )
    }
    return [
        ChannelShare(channel, *calls.get(channel, (0, 0)), callbacks.get(channel, 0))
        for channel in stats_range.channels
    ]


def summary(session: Session, stats_range: StatsRange) -> Summary:
    zones = Zones.load(session)
    figures = call_figures(call_totals(session, stats_range))
    bounds = local_bounds(stats_range, zones)
    figures.update(callback_figures(session, bounds, stats_range.channel))
    figures.update(reading_figures(session, bounds, stats_range.channel))
    complaint_totals, by_category = complaint_figures(session, bounds, stats_range.channel)
    figures.update(complaint_totals)
    peak = peak_hour(session, stats_range)
    return Summary(
        stats_range=stats_range,
        figures=figures,
        peak_hour=peak[0] if peak else None,
        peak_hour_calls=peak[1] if peak else 0,
        complaints_by_category=by_category,
    )
