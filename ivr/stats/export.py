"""CSV of the supervisor figures and of raw call records, shared by the API, the CLI and (later) the console.

Writers are pure: figures in, CSV lines out, one line at a time so a response or a file can stream
them. Every cell passes through `safe_cell`, because caller ids and node names are caller-controlled
text and a spreadsheet would run a cell like `=HYPERLINK(...)`. Only `call_records` touches the
database; it reads in batches so a month of calls never sits in memory at once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import VOICE, Call, Region
from ivr.phone.numbers import mask
from ivr.stats.definitions import BY_NAME, CALL_FIGURES, FIGURES
from ivr.stats.figures import FlowFunnel, SeriesPoint, StatsRange, Summary, in_local_range, local_bounds
from ivr.stats.rollup import Zones

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
CALL_BATCH = 1000
COMPLAINT_MEASURES = ("opened", "resolved", "backlog")

SUMMARY_HEADER = ("name", "label", "unit", "value", "category")
SERIES_HEADER = ("start", *CALL_FIGURES)
FUNNEL_HEADER = ("flow", "reached", "completed", "gave_up", "completion_rate", "gave_up_at", "speech_by_node")
CALLS_HEADER = (
    "call_sid", "started_at", "ended_at", "region_code", "caller", "outcome", "queue_seconds", "answered",
    "flows_reached", "flows_completed", "last_node", "input_modes",
)  # fmt: skip


def wall_clock(moment: datetime) -> str:
    """A local wall-clock time with no offset: bucket starts are summed across regions' own clocks."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(round(value, 4))
    return str(value)


def safe_cell(value: object) -> str:
    """The cell as text a spreadsheet shows but never evaluates: formula-like text gets a leading apostrophe.

    Plain numbers (an E.164 number such as +6281234567890, a negative count) are left alone: they
    cannot run anything, and an apostrophe would spoil them for scripts.
    """
    text = _text(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header and rows as CSV, one line at a time (RFC 4180 line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chain([header], rows):
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# -- figures ----------------------------------------------------------------------------------


def summary_rows(result: Summary) -> Iterator[tuple[object, ...]]:
    """One row per figure (peak hour as local wall clock), then one per complaint category and measure."""
    for figure in FIGURES:
        value: object = result.figures.get(figure.name)
        if figure.name == "peak_hour":
            value = wall_clock(result.peak_hour) if result.peak_hour else None
        yield figure.name, figure.label, figure.unit, value, ""
        if figure.name == "peak_hour":
            yield "peak_hour_calls", "Calls offered in the peak hour", "calls", result.peak_hour_calls, ""
    for category, counts in result.complaints_by_category.items():
        for measure in COMPLAINT_MEASURES:
            figure = BY_NAME[f"complaints_{measure}"]
            yield figure.name, figure.label, figure.unit, counts[measure], category


def summary_lines(result: Summary) -> Iterator[str]:
    return csv_lines(SUMMARY_HEADER, summary_rows(result))


def series_lines(points: Iterable[SeriesPoint]) -> Iterator[str]:
    """One row per bucket (its local start), one column per call figure."""
    rows = ((wall_clock(point.start), *(point.figures.get(name) for name in CALL_FIGURES)) for point in points)
    return csv_lines(SERIES_HEADER, rows)


def funnel_lines(flows: Iterable[FlowFunnel]) -> Iterator[str]:
    """One row per flow; where callers gave up as `node:calls` pairs, most first, and per node answered
    `node:answered/spoke/misheard`, most spoken first."""
    rows = (
        (
            flow.flow,
            flow.reached,
            flow.completed,
            flow.gave_up,
            flow.completion_rate,
            ";".join(f"{node}:{calls}" for node, calls in flow.gave_up_at),
            ";".join(f"{n.node}:{n.answered}/{n.spoke}/{n.misheard}" for n in flow.speech),
        )
        for flow in flows
    )
    return csv_lines(FUNNEL_HEADER, rows)


# -- raw call records -------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRecord:
    """One call as the export shows it; times are aware, on the region's own clock."""

    call_sid: str
    started_at: datetime
    ended_at: datetime | None
    region_code: str | None
    caller: str
    outcome: str
    queue_seconds: int | None
    answered: bool
    flows_reached: str
    flows_completed: str
    last_node: str | None
    input_modes: str = ""


def call_records(session: Session, stats_range: StatsRange, batch: int = CALL_BATCH) -> Iterator[CallRecord]:
    """Calls of the range's channel that started in it on their region's clock, oldest first, `batch` rows at a time.

    Calls still in progress are included (outcome `in_progress`, no end): this is the raw record,
    whereas the figures count a call only once it has ended.
    """
    zones = Zones.load(session)
    bounds = local_bounds(stats_range, zones)
    query = (
        select(
            Call.call_sid,
            Call.region_id,
            Call.started_at,
            Call.ended_at,
            Region.code,
            Call.caller,
            Call.outcome,
            Call.queue_seconds,
            Call.answered_at,
            Call.flows_reached,
            Call.flows_completed,
            Call.last_node,
            Call.input_modes,
        )
        .outerjoin(Region, Region.id == Call.region_id)
        .where(Call.channel.in_(stats_range.channels), in_local_range(Call.region_id, Call.started_at, bounds))
        .order_by(Call.started_at, Call.id)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(query):
        zone = zones.of(row.region_id)
        yield CallRecord(
            call_sid=row.call_sid,
            started_at=row.started_at.astimezone(zone),
            ended_at=row.ended_at.astimezone(zone) if row.ended_at else None,
            region_code=row.code,
            caller=row.caller,
            outcome=row.outcome,
            queue_seconds=row.queue_seconds,
            answered=row.answered_at is not None,
            flows_reached=row.flows_reached,
            flows_completed=row.flows_completed,
            last_node=row.last_node,
            input_modes=row.input_modes,
        )


def _local(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def call_lines(records: Iterable[CallRecord], *, mask_callers: bool = False) -> Iterator[str]:
    """One row per call; times in the region's local time with their offset; callers masked if asked."""
    rows = (
        (
            record.call_sid,
            _local(record.started_at),
            _local(record.ended_at),
            record.region_code,
            mask(record.caller) if mask_callers else record.caller,
            record.outcome,
            record.queue_seconds,
            record.answered,
            record.flows_reached,
            record.flows_completed,
            record.last_node,
            record.input_modes,
        )
        for record in records
    )
    return csv_lines(CALLS_HEADER, rows)


def filename(kind: str, stats_range: StatsRange, region_code: str | None = None) -> str:
    """A download name that says what, when and where: `calls-2026-11-16-to-2026-11-22-bekasi-whatsapp.csv`.

    The channel is named only for text channels, so voice files keep the names they always had.
    """
    region = re.sub(r"[^a-z0-9_]", "", (region_code or "").lower())
    suffix = f"-{region}" if region else ""
    if stats_range.channel != VOICE:
        suffix += f"-{stats_range.channel}"
    return f"{kind}-{stats_range.start.isoformat()}-to-{stats_range.end.isoformat()}{suffix}.csv"
