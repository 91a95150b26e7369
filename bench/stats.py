"""The supervisor figures at scale: rollups against raw queries over a synthetic year of calls.

Creates two scratch databases with the demo regions and customers and fills one with a year of
calls (ivr/demo/history.py). Then it times the dashboard's figures for the last month and the
last year (all regions, and one region) through ivr/stats/figures.py, against a raw-query baseline
computing the same call figures straight from `calls` (the funnel from `call_events`); both must
agree, or the script says so loudly and exits non-zero. Last, it times per-call work alternately
on the empty and the full database (bench/history_cost.py): writing a call through the real write
path, and a caller asking for an agent, must not get slower as history grows. Run by hand, not in CI:

    .venv/bin/python bench/stats.py                          # PostgreSQL, 1,000,000 calls
    .venv/bin/python bench/stats.py --calls 200000 --runs 3
    .venv/bin/python bench/stats.py --sqlite --calls 20000   # a small run on a SQLite file
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import history_cost
from sqlalchemy import Date, and_, case, cast, create_engine, func, literal, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.migrate import upgrade
from db.models import Call, CallEvent, Region
from db.models.stats import SERVICE_LEVEL_THRESHOLDS, within_column
from db.seed import seed_demo
from db.session import Database
from ivr.app import build_engine
from ivr.calls import outcome as outcomes
from ivr.config import Settings
from ivr.demo.history import generate_history
from ivr.services import build_registry
from ivr.stats import figures
from ivr.stats.contribution import OUTCOME_COUNTERS
from ivr.stats.definitions import Totals, call_figures
from ivr.stats.rollup import Zones

END = date.today() - timedelta(days=1)
ONE_REGION = "BEKASI"
COUNTERS = (
    "offered", *OUTCOME_COUNTERS.values(), "queued", "answer_seconds", "handle_seconds",
    *(within_column(seconds) for seconds in SERVICE_LEVEL_THRESHOLDS), "wait_max",
)  # fmt: skip


# -- the raw-query baseline -------------------------------------------------------------------


class Baseline:
    """The call figures and the funnel straight from calls and call_events, by each region's clock."""

    def __init__(self, session: Session) -> None:
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.zones = Zones.load(session)

    def _range(self, stats_range: figures.StatsRange) -> Any:
        bounds = figures.local_bounds(stats_range, self.zones)
        return and_(
            Call.ended_at.is_not(None),
            Call.channel == stats_range.channel,
            figures.in_local_range(Call.region_id, Call.started_at, bounds),
        )

    def _local_day(self) -> Any:
        """The call's start as a local date on its region's clock (calls without one: the national clock)."""
        fallback = self.zones.of(None)
        if self.postgres:
            names = {region: str(self.zones.of(region)) for region in self.zones.regions}
            zone = case(names, value=Call.region_id, else_=str(fallback)) if names else literal(str(fallback))
            return cast(func.timezone(zone, Call.started_at), Date)
        now = datetime.now(UTC)
        shifts = {region: f"{_offset(self.zones.of(region), now)} seconds" for region in self.zones.regions}
        default = f"{_offset(fallback, now)} seconds"
        return func.date(Call.started_at, case(shifts, value=Call.region_id, else_=default) if shifts else default)

    def _counters(self) -> list[Any]:
        queued = Call.queued_at.is_not(None)
        wait = case((queued, func.coalesce(Call.queue_seconds, 0)), else_=0)
        answered = Call.outcome == outcomes.ANSWERED_BY_AGENT
        if self.postgres:
            handled = func.round(func.extract("epoch", Call.ended_at - Call.answered_at))
        else:
            handled = func.round((func.julianday(Call.ended_at) - func.julianday(Call.answered_at)) * 86400)
        columns = [func.count().label("offered")]
        columns += [
            func.count().filter(Call.outcome == name).label(counter) for name, counter in OUTCOME_COUNTERS.items()
        ]
        columns += [
            func.count().filter(queued).label("queued"),
            func.coalesce(func.sum(wait).filter(answered), 0).label("answer_seconds"),
            func.coalesce(
                func.sum(case((handled > 0, handled), else_=0)).filter(answered, Call.answered_at.is_not(None)), 0
            ).label("handle_seconds"),
            *(func.count().filter(answered, wait <= s).label(within_column(s)) for s in SERVICE_LEVEL_THRESHOLDS),
            func.coalesce(func.max(wait), 0).label("wait_max"),
        ]
        return columns

    def totals(self, session: Session, stats_range: figures.StatsRange) -> dict[str, int]:
        row = session.execute(select(*self._counters()).where(self._range(stats_range))).one()
        return {name: int(row._mapping[name] or 0) for name in COUNTERS}

    def days(self, session: Session, stats_range: figures.StatsRange) -> dict[date, dict[str, int]]:
        day = self._local_day().label("day")
        rows = session.execute(select(day, *self._counters()).where(self._range(stats_range)).group_by(day))
        return {_as_date(row.day): {name: int(row._mapping[name] or 0) for name in COUNTERS} for row in rows}

    def funnel(self, session: Session, stats_range: figures.StatsRange) -> dict[str, dict[str, Any]]:
        counts: dict[str, dict[str, Any]] = defaultdict(lambda: {"reached": 0, "completed": 0, "gave_up_at": {}})
        reached = session.execute(
            select(CallEvent.flow, CallEvent.kind, func.count(func.distinct(CallEvent.call_id)))
            .join(Call, Call.id == CallEvent.call_id)
            .where(CallEvent.kind.in_(("node", "served")), CallEvent.flow.is_not(None), self._range(stats_range))
            .group_by(CallEvent.flow, CallEvent.kind)
        )
        for flow, kind, calls in reached:
            counts[flow]["reached" if kind == "node" else "completed"] = calls
        gave_up = session.execute(
            select(Call.last_node, func.count())
            .where(Call.outcome == outcomes.HUNG_UP_IN_MENU, Call.last_node.like("%.%"), self._range(stats_range))
            .group_by(Call.last_node)
        )
        for last_node, calls in gave_up:
            flow, node = last_node.split(".", 1)
            counts[flow]["gave_up_at"][node[:64]] = calls
        return dict(counts)


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# -- one dashboard view, both ways ------------------------------------------------------------


Part = Callable[[Session, figures.StatsRange], Any]
# What the supervisor page asks for (the summary, the day series, the funnel), and the same from raw rows.
DASHBOARD: dict[str, Part] = {
    "summary": figures.summary,
    "series": lambda session, stats_range: figures.series(session, stats_range, "day"),
    "funnel": figures.funnel,
}
BASELINE: dict[str, Part] = {
    "totals": lambda session, stats_range: Baseline(session).totals(session, stats_range),
    "days": lambda session, stats_range: Baseline(session).days(session, stats_range),
    "funnel": lambda session, stats_range: Baseline(session).funnel(session, stats_range),
}


def disagreements(rolled: dict[str, Any], raw: dict[str, Any], service_level: int) -> list[str]:
    """Every figure where the rollups and the raw queries differ."""
    problems: list[str] = []
    expected = call_figures(Totals(raw["totals"], service_level))
    summary = rolled["summary"].figures
    problems += [
        f"summary {name}: rollup {summary.get(name)} raw {value}"
        for name, value in expected.items()
        if not _same(summary.get(name), value)
    ]
    for point in rolled["series"]:
        counters = raw["days"].get(point.start.date(), {})
        want = call_figures(Totals(counters, service_level))
        problems += [
            f"series {point.start.date()} {name}: rollup {point.figures.get(name)} raw {value}"
            for name, value in want.items()
            if not _same(point.figures.get(name), value)
        ]
    extra = set(raw["days"]) - {point.start.date() for point in rolled["series"]}
    problems += [f"series: raw has calls on {day} outside the series" for day in sorted(extra)]
    funnel = {f.flow: f for f in rolled["funnel"]}
    for flow in sorted(set(funnel) | set(raw["funnel"])):
        mine = funnel.get(flow)
        theirs = raw["funnel"].get(flow, {"reached": 0, "completed": 0, "gave_up_at": {}})
        got = (mine.reached, mine.completed, dict(mine.gave_up_at)) if mine else (0, 0, {})
        want_funnel = (theirs["reached"], theirs["completed"], theirs["gave_up_at"])
        if got != want_funnel:
            problems.append(f"funnel {flow}: rollup {got} raw {want_funnel}")
        if mine and mine.gave_up != sum(theirs["gave_up_at"].values()):
            problems.append(f"funnel {flow} gave up: rollup {mine.gave_up} raw {sum(theirs['gave_up_at'].values())}")
    return problems


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


# -- timing -----------------------------------------------------------------------------------


@dataclass
class Timed:
    total_ms: float
    parts_ms: dict[str, float]
    results: dict[str, Any]


def timed(database: Database, parts: dict[str, Part], stats_range: figures.StatsRange, runs: int) -> Timed:
    """Median wall times (all parts, and each) in a fresh unit of work per run, after one warm-up run."""
    with database.session() as session:
        results = {name: part(session, stats_range) for name, part in parts.items()}
    totals, each = [], defaultdict(list)
    for _ in range(runs):
        with database.session() as session:
            began = time.perf_counter()
            for name, part in parts.items():
                started = time.perf_counter()
                part(session, stats_range)
                each[name].append((time.perf_counter() - started) * 1000)
            totals.append((time.perf_counter() - began) * 1000)
    return Timed(statistics.median(totals), {name: statistics.median(t) for name, t in each.items()}, results)


# -- the scratch databases --------------------------------------------------------------------


@contextmanager
def scratch_databases(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """Two fresh databases: one stays empty (seeded only), the other gets the history."""
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'empty.sqlite3'}", f"sqlite:///{Path(tmp) / 'full.sqlite3'}"
        return
    names = [f"bench_stats_{os.getpid()}_empty", f"bench_stats_{os.getpid()}"]
    admin = create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.pg_admin_url)
        yield url.set(database=names[0]).render_as_string(False), url.set(database=names[1]).render_as_string(False)
    finally:
        with admin.connect() as conn:
            for name in names[:1] if args.keep else names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if args.keep:
            print(f"kept database {names[1]}")
        admin.dispose()


def prepare(database: Database) -> int:
    """Migrated, with the demo regions and customers; returns the id of the region timed alone."""
    upgrade(database.engine)
    with database.session() as session:
        seed_demo(session, today=END + timedelta(days=1), customers=1000)
        return session.scalar(select(Region.id).where(Region.code == ONE_REGION)) or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the synthetic history")
    parser.add_argument("--days", type=int, default=365, help="days the history spans, ending yesterday")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median, after a warm-up)")
    parser.add_argument("--writes", type=int, default=200, help="calls written to each database to time writes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="use scratch PostgreSQL databases (the default)")
    parser.add_argument("--sqlite", action="store_true", help="use scratch SQLite files instead (small runs)")
    parser.add_argument("--keep", action="store_true", help="keep the full PostgreSQL database (for EXPLAIN)")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with scratch_databases(args) as (empty_url, full_url):
        empty, full = Database(empty_url), Database(full_url)
        try:
            return run(empty, full, args)
        finally:
            empty.dispose()
            full.dispose()


def run(empty: Database, full: Database, args: argparse.Namespace) -> int:
    prepare(empty)
    region = prepare(full)
    with full.session() as session:
        version = "SQLite" if args.sqlite else str(session.scalar(text("SELECT version()"))).split(" on ")[0]
    print(f"backend: {version}")
    print(f"generating {args.calls:,} calls over {args.days} days ending {END} ...", flush=True)
    with full.session() as session:
        flows = build_engine(Settings(), build_registry()).flows  # the app's own flows, as the CLI's
        made = generate_history(session, calls=args.calls, days=args.days, end=END, seed=args.seed, flows=flows)
    print(
        f"generated {made.calls:,} calls, {made.events:,} events, {made.complaints:,} complaints, "
        f"{made.readings:,} readings, {made.callbacks:,} callbacks in {made.seconds:.1f} s "
        f"({made.calls_per_second:,.0f} calls/s; rollups rebuilt in {made.rollup_seconds:.1f} s of that)"
    )
    if not args.sqlite:
        began = time.perf_counter()
        for database in (empty, full):
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        print(f"VACUUM ANALYZE: {time.perf_counter() - began:.1f} s", flush=True)
    rows, problems = [], []
    for label, days in (("last month", 30), ("last year", 365)):
        for scope, region_id in (("all regions", None), (ONE_REGION, region)):
            stats_range = figures.StatsRange(END - timedelta(days=days - 1), END, region_id)
            rolled = timed(full, DASHBOARD, stats_range, args.runs)
            raw = timed(full, BASELINE, stats_range, args.runs)
            rows.append((label, scope, rolled.results["summary"].figures["offered"], rolled, raw))
            found = disagreements(rolled.results, raw.results, stats_range.service_level_seconds)
            problems += [f"{label}, {scope}: {problem}" for problem in found]
    report(rows, history_cost.compare(empty, full, region, args.writes), args)
    if problems:
        print(f"\n!!! {len(problems)} MISMATCHES between the rollups and the raw queries:")
        for problem in problems[:50]:
            print(f"!!!   {problem}")
        return 1
    print("\nchecks: the rollup figures and the raw-query figures agree for every range and scope")
    return 0


def report(rows: list[tuple[Any, ...]], costs: list[history_cost.Comparison], args: argparse.Namespace) -> None:
    print(f"\ndashboard figures (summary + day series + funnel), median of {args.runs} runs after a warm-up:")
    print(f"{'range':<12}{'scope':<13}{'calls':>11}{'rollups ms':>12}{'raw SQL ms':>12}{'raw/rollups':>13}")
    for label, scope, offered, rolled, raw in rows:
        ratio = raw.total_ms / rolled.total_ms
        print(f"{label:<12}{scope:<13}{offered:>11,}{rolled.total_ms:>12.1f}{raw.total_ms:>12.1f}{ratio:>12.1f}x")
    print("\nthe same, part by part (ms):")
    print(
        f"{'range':<12}{'scope':<13}{'summary':>9}{'series':>9}{'funnel':>9}   |{'totals':>9}{'days':>9}{'funnel':>9}"
    )
    for label, scope, _, rolled, raw in rows:
        ours = "".join(f"{rolled.parts_ms[name]:>9.1f}" for name in DASHBOARD)
        theirs = "".join(f"{raw.parts_ms[name]:>9.1f}" for name in BASELINE)
        print(f"{label:<12}{scope:<13}{ours}   |{theirs}")
    for comparison in costs:
        print("\n" + "\n".join(comparison.lines(f"{args.calls:,}")))


if __name__ == "__main__":
    sys.exit(main())
