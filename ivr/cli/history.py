"""CLI for synthetic call history: fill a database with a realistic past to demo and measure the statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext

from ivr.cli.progress import progress
from ivr.demo.history import SID_PREFIX, HistoryError, HistorySummary, generate_history
from ivr.extensions import runtime
from ivr.stats.request import today_in

DEMO_CALLS, DEMO_DAYS = 3000, 60
SETTLED = timedelta(minutes=30)  # a history ending today starts its calls this long before now, so they have ended


def generate(
    calls: int, days: int, end: date, seed: int, progress: Callable[[int, int], None] | None = None
) -> HistorySummary:
    """Generate in one unit of work with the app's own flows; a history ending today stops before now."""
    rt = runtime()
    now = rt.clock.now()
    not_after = now - SETTLED if end >= today_in(now) else None
    with rt.database.session() as session:
        return generate_history(
            session,
            calls=calls,
            days=days,
            end=end,
            seed=seed,
            progress=progress,
            flows=rt.engine.flows,
            not_after=not_after,
        )


def describe(summary: HistorySummary) -> str:
    return (
        f"{summary.calls:,} calls ({summary.events:,} events, {summary.complaints:,} complaints, "
        f"{summary.readings:,} readings, {summary.callbacks:,} callback requests) "
        f"from {summary.first_day} to {summary.last_day} in {summary.seconds:.1f} s "
        f"({summary.calls_per_second:,.0f} calls/s; rollups rebuilt in {summary.rollup_seconds:.1f} s)"
    )


def demo_history() -> None:
    """A few weeks of calls for the supervisor dashboard of a freshly seeded demo."""
    with progress("demo call history", "calls") as report:
        summary = generate(DEMO_CALLS, DEMO_DAYS, today_in(runtime().clock.now()), seed=1, progress=report)
    click.echo(f"demo call history: {describe(summary)}")


@click.command("stats-generate")
@click.option("--calls", default=10_000, show_default=True, type=click.IntRange(min=1), help="Calls to write.")
@click.option("--days", default=365, show_default=True, type=click.IntRange(min=1), help="Local days they span.")
@click.option("--end", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Last day (default: today).")
@click.option("--seed", default=1, show_default=True, help="Same seed, same history.")
@with_appcontext
def stats_generate(calls: int, days: int, end: datetime | None, seed: int) -> None:
    """Write a synthetic call history (CallSids start with CAsyn) and rebuild the statistics rollups."""
    last_day = end.date() if end else today_in(runtime().clock.now())
    click.echo(f"generating {calls:,} calls over {days} days ending {last_day} (seed {seed})")
    try:
        with progress("writing calls", "calls") as report:
            summary = generate(calls, days, last_day, seed, report)
    except HistoryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {describe(summary)}; their CallSids start with {SID_PREFIX}")


COMMANDS = (stats_generate,)
