"""CLI for the supervisor statistics: rebuild the rollups, regenerate their reference page, report a range."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CHANNELS, SMS, VOICE, WHATSAPP, Region
from ivr.cli.progress import progress
from ivr.extensions import runtime
from ivr.stats import definitions, export, figures, rollup
from ivr.stats.charts import clock
from ivr.stats.definitions import HOUR, RATIO, SECONDS, Figure, Number
from ivr.stats.figures import ALL_CHANNELS, BUCKETS, RangeError, StatsRange, Summary
from ivr.stats.request import range_from_args, today_in

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "statistics.md"
CHANNEL_NAMES = {
    VOICE: "phone calls",
    SMS: "SMS conversations",
    WHATSAPP: "WhatsApp conversations",
    ALL_CHANNELS: "every channel (queue figures from phone calls only)",
}


@click.command("stats-rebuild")
@with_appcontext
def stats_rebuild() -> None:
    """Recompute the statistics rollups from every ended call (after an upgrade or a bulk import)."""
    with runtime().database.session() as session, progress("reading ended calls", "calls") as report:
        counted = rollup.rebuild(session, report)
    click.echo(f"statistics rebuilt from {counted} ended calls")


@click.command("stats-docs")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=DOCS_PAGE, show_default=True)
def stats_docs(output: Path) -> None:
    """Write the statistics reference page from the figures' definitions."""
    output.write_text(definitions.markdown(), encoding="utf-8")
    click.echo(f"wrote {output}")


def shown(figure: Figure, value: Number | datetime, peak_calls: int = 0) -> str:
    """A figure as a supervisor reads it: ratios as %, durations as m:ss, "-" for none."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:00} ({peak_calls} calls)"
    if figure.unit == RATIO:
        return f"{value:.1%}"
    if figure.unit == SECONDS:
        return clock(value)
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def report_lines(result: Summary, region: str) -> Iterable[str]:
    """The summary as text: a heading, the figures by group, then complaints per category."""
    r = result.stats_range
    channel = CHANNEL_NAMES[r.channel]
    yield f"Statistics {r.start} to {r.end}, {region}, {channel} (service level within {r.service_level_seconds} s)"
    for group in dict.fromkeys(figure.group for figure in definitions.FIGURES):
        yield f"\n{group.capitalize()}"
        for figure in (f for f in definitions.FIGURES if f.group == group):
            value = result.peak_hour if figure.unit == HOUR else result.figures.get(figure.name)
            yield f"  {figure.label:<34} {shown(figure, value, result.peak_hour_calls)}"
    yield "\nComplaints by category            opened resolved backlog"
    for category, counts in result.complaints_by_category.items():
        yield f"  {category:<32} {counts['opened']:>6} {counts['resolved']:>8} {counts['backlog']:>7}"


def _region(session: Session, code: str | None) -> tuple[int | None, str]:
    if not code:
        return None, "all regions"
    region = session.scalar(select(Region).where(Region.code == code.upper()))
    if region is None:
        raise click.BadParameter(f"no region {code!r}", param_hint="--region")
    return region.id, f"{region.code} ({region.timezone})"


def _write(path: Path, lines: Iterable[str]) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.writelines(lines)
    except OSError as exc:
        raise click.FileError(str(path), hint=exc.strerror or str(exc)) from exc
    click.echo(f"wrote {path}")


def _report_range(
    session: Session, start: str, end: str, region_code: str | None, channel: str
) -> tuple[StatsRange, str]:
    """The range as the API would read it; a bad one is a usage error that says why."""
    region_id, region = _region(session, region_code)
    try:
        stats_range = range_from_args(
            {"from": start, "to": end, "channel": channel},
            today=today_in(runtime().clock.now()),
            service_level_seconds=runtime().settings.service_level_seconds,
        )
        return replace(stats_range, region_id=region_id), region
    except RangeError as exc:
        raise click.UsageError(str(exc)) from exc


_CSV_PATH = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.command("stats-report")
@click.option("--from", "start", default="", help="First local day, YYYY-MM-DD.  [default: 6 days before --to]")
@click.option("--to", "end", default="", help="Last local day, YYYY-MM-DD.  [default: today, national clock]")
@click.option("--region", "region_code", default=None, help="Region code (e.g. BEKASI).  [default: all regions]")
@click.option(
    "--channel",
    type=click.Choice((*CHANNELS, ALL_CHANNELS)),
    default=VOICE,
    show_default=True,
    help="Phone calls (voice), text conversations (sms, whatsapp), or all of them together (all).",
)
@click.option("--csv", "summary_csv", type=_CSV_PATH, help="Write the summary CSV here.")
@click.option("--series", "series_csv", type=_CSV_PATH, help="Write the series CSV (one row per bucket) here.")
@click.option("--bucket", type=click.Choice(BUCKETS), default="day", show_default=True, help="Bucket of --series.")
@click.option("--calls", "calls_csv", type=_CSV_PATH, help="Write the raw call records CSV here.")
@click.option("--full-callers", is_flag=True, help="Write callers' numbers in full in --calls (masked by default).")
@with_appcontext
def stats_report(
    start: str,
    end: str,
    region_code: str | None,
    channel: str,
    summary_csv: Path | None,
    series_csv: Path | None,
    bucket: str,
    calls_csv: Path | None,
    full_callers: bool,
) -> None:
    """Print a range's figures and write the CSV files asked for, for scheduled reports."""
    with runtime().database.session() as session:
        stats_range, region = _report_range(session, start, end, region_code, channel)
        result = figures.summary(session, stats_range)
        click.echo("\n".join(report_lines(result, region)))
        if summary_csv:
            _write(summary_csv, export.summary_lines(result))
        if series_csv:
            _write(series_csv, export.series_lines(figures.series(session, stats_range, bucket)))
        if calls_csv:
            records = export.call_records(session, stats_range)
            _write(calls_csv, export.call_lines(records, mask_callers=not full_callers))


COMMANDS = (stats_rebuild, stats_docs, stats_report)
