"""Keep the statistics rollups current as calls change, and rebuild them from the calls.

The webhooks' call writer tells `account` what a row was and is (the app wires it in as the
writer's observer); ORM writers (the sweeper) wrap their change in `tracking(session, call)`.
Either way the difference of the call's contribution is applied in the same unit of work, as
atomic `INSERT ... ON CONFLICT DO UPDATE` increments. Calls still in progress add nothing, so
menu steps never touch the rollups; the cost of a write does not depend on how much history there is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, TextClause, bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from db.models import DEFAULT_TIMEZONE, Base, Call, CallHourStats, FlowDayStats, Region
from db.models.stats import HOUR_COUNTERS
from ivr.stats.contribution import CallFacts, Contribution, DayKey, FlowKey, HourKey, contribution

REBUILD_BATCH = 5000

_STATS_COLUMNS = (
    Call.region_id,
    Call.channel,
    Call.started_at,
    Call.ended_at,
    Call.outcome,
    Call.queued_at,
    Call.queue_seconds,
    Call.answered_at,
    Call.last_node,
    Call.flows_reached,
    Call.flows_completed,
    Call.input_modes,
)


class Zones:
    """Each region's timezone; calls without a region run on the national region's clock."""

    def __init__(self, by_region: dict[int, str], national: str | None) -> None:
        self._by_region = {region: ZoneInfo(name) for region, name in by_region.items()}
        self._fallback = ZoneInfo(national or DEFAULT_TIMEZONE)

    @classmethod
    def load(cls, session: Session) -> Zones:
        rows = session.execute(select(Region.id, Region.timezone, Region.is_national)).all()
        national = next((zone for _, zone, is_national in rows if is_national), None)
        return cls({region: zone for region, zone, _ in rows}, national)

    @property
    def regions(self) -> list[int]:
        return sorted(self._by_region)

    def of(self, region_id: int | None) -> ZoneInfo:
        return self._by_region.get(region_id, self._fallback) if region_id is not None else self._fallback


def zones_for(session: Session) -> Zones:
    """The zones, read once per unit of work."""
    zones = session.info.get("stats_zones")
    if zones is None:
        zones = session.info["stats_zones"] = Zones.load(session)
    return zones


# A Session or a Connection: what the increments are executed on.
Executor = Session | Connection


@contextmanager
def tracking(session: Session, call: Call) -> Iterator[None]:
    """Apply to the rollups whatever the wrapped change does to this ORM call's contribution."""
    zones = zones_for(session)
    before = _contribution(call, zones)
    yield
    apply(session, before, _contribution(call, zones))


def account(executor: Executor, before: CallFacts | None, after: CallFacts, zones: Zones) -> None:
    """Apply to the rollups the change of one call from `before` (None: a new call) to `after`."""
    apply(executor, _contribution(before, zones), _contribution(after, zones))


def _contribution(call: CallFacts | None, zones: Zones) -> Contribution | None:
    if call is None or call.ended_at is None:
        return None
    return contribution(call, zones.of(call.region_id))


def apply(executor: Executor, before: Contribution | None, after: Contribution | None) -> None:
    """Add `after` and take away `before`, touching only the rows whose counts change."""
    hours: dict[HourKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    flows: dict[tuple[DayKey, FlowKey], int] = defaultdict(int)
    for sign, part in ((-1, before), (1, after)):
        if part is None:
            continue
        for name, value in part.counters.items():
            hours[part.hour_key][name] += sign * value
        for key, value in part.flows.items():
            flows[(part.day_key, key)] += sign * value
    wait = after.wait if after is not None else 0
    # Rows are always locked in key order, so two calls ending at once cannot deadlock.
    for hour_key, counters in sorted(hours.items()):
        changed = {name: value for name, value in counters.items() if value}
        grows_wait = after is not None and hour_key == after.hour_key and wait > 0
        if changed or grows_wait:
            _add_hour(executor, hour_key, changed, wait if grows_wait else 0)
    _add_flows(executor, sorted((key, value) for key, value in flows.items() if value))


def _dialect(executor: Executor) -> str:
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    return str(bind.dialect.name)


# Written out (one cached statement per dialect): SQLAlchemy 2.0 compiles on_conflict_do_update on every use.
@cache
def _hour_upsert(dialect: str) -> TextClause:
    columns = (*HOUR_COUNTERS, "wait_max")
    greatest = "greatest" if dialect == "postgresql" else "max"
    sums = ", ".join(f"{name} = stats_call_hours.{name} + excluded.{name}" for name in HOUR_COUNTERS)
    return text(
        f"INSERT INTO stats_call_hours (region_id, channel, hour, {', '.join(columns)})"
        f" VALUES (:region_id, :channel, :hour, {', '.join(':' + name for name in columns)})"
        f" ON CONFLICT (region_id, channel, hour) DO UPDATE SET {sums},"
        f" wait_max = {greatest}(stats_call_hours.wait_max, excluded.wait_max)"
    ).bindparams(bindparam("hour", type_=CallHourStats.__table__.c.hour.type))


_FLOW_UPSERT = text(
    "INSERT INTO stats_flow_days (region_id, channel, day, flow, measure, node, calls)"
    " VALUES (:region_id, :channel, :day, :flow, :measure, :node, :calls)"
    " ON CONFLICT (region_id, channel, day, flow, measure, node)"
    " DO UPDATE SET calls = stats_flow_days.calls + excluded.calls"
).bindparams(bindparam("day", type_=FlowDayStats.__table__.c.day.type))


def _add_hour(executor: Executor, key: HourKey, counters: dict[str, int], wait: int) -> None:
    region, channel, hour = key
    values = {"region_id": region, "channel": channel, "hour": hour, "wait_max": wait}
    values.update(dict.fromkeys(HOUR_COUNTERS, 0))
    values.update(counters)
    executor.execute(_hour_upsert(_dialect(executor)), values)


def _add_flows(executor: Executor, counts: list[tuple[tuple[DayKey, FlowKey], int]]) -> None:
    """All of a call's flow counts in one executemany (one pipeline, rows locked in key order)."""
    if not counts:
        return
    rows = [
        {"region_id": region, "channel": channel, "day": day, "flow": flow, "measure": measure, "node": node,
         "calls": value}
        for ((region, channel, day), (flow, measure, node)), value in counts
    ]  # fmt: skip
    executor.execute(_FLOW_UPSERT, rows)  # executemany of one cached statement, rows in key order


def rebuild(session: Session, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute both rollups from every ended call; returns how many calls were counted.

    On PostgreSQL the rollups are locked first: a call ending meanwhile waits at its increment and
    applies it on top of the rebuilt rows, instead of being read too late or wiped by the delete.
    `progress(read, total)` is told every REBUILD_BATCH calls read, and once more at the end.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE stats_call_hours, stats_flow_days IN EXCLUSIVE MODE"))
    zones = Zones.load(session)
    hours: dict[HourKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    flows: dict[tuple[DayKey, FlowKey], int] = defaultdict(int)
    counted = read = 0
    ended = Call.ended_at.is_not(None)
    total = (session.scalar(select(func.count()).select_from(Call).where(ended)) or 0) if progress is not None else 0
    rows = session.execute(select(*_STATS_COLUMNS).where(ended).execution_options(yield_per=REBUILD_BATCH))
    for row in rows:
        read += 1
        if progress is not None and read % REBUILD_BATCH == 0:
            progress(read, max(read, total))
        part = contribution(row, zones.of(row.region_id))
        if part is None:
            continue
        counted += 1
        bucket = hours[part.hour_key]
        for name, value in part.counters.items():
            bucket[name] += value
        bucket["wait_max"] = max(bucket["wait_max"], part.wait)
        for key, value in part.flows.items():
            flows[(part.day_key, key)] += value
    if progress is not None:
        progress(read, read)
    session.execute(delete(CallHourStats))
    session.execute(delete(FlowDayStats))
    _insert_batches(session, CallHourStats, (_hour_row(key, counters) for key, counters in hours.items()))
    _insert_batches(session, FlowDayStats, (_flow_row(day, flow, calls) for (day, flow), calls in flows.items()))
    return counted


def _hour_row(key: HourKey, counters: dict[str, int]) -> dict[str, Any]:
    region, channel, hour = key
    row: dict[str, Any] = dict.fromkeys(HOUR_COUNTERS, 0)
    row.update(counters)
    row.setdefault("wait_max", 0)
    return {"region_id": region, "channel": channel, "hour": hour, **row}


def _flow_row(day_key: DayKey, flow_key: FlowKey, calls: int) -> dict[str, Any]:
    region, channel, day = day_key
    flow, measure, node = flow_key
    return {
        "region_id": region,
        "channel": channel,
        "day": day,
        "flow": flow,
        "measure": measure,
        "node": node,
        "calls": calls,
    }


def _insert_batches(session: Session, model: type[Base], rows: Iterator[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= REBUILD_BATCH:
            session.execute(model.__table__.insert(), batch)
            batch = []
    if batch:
        session.execute(model.__table__.insert(), batch)
