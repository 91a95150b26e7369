"""The supervisors' dashboard: headline figures, charts and the menu funnel for a range, region and channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import SMS, VOICE, WHATSAPP, Region
from db.models.stats import SERVICE_LEVEL_THRESHOLDS
from ivr.auth.roles import STATISTICS
from ivr.auth.sessions import login_required
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.console.calls import flow_labels
from ivr.console.work import CATEGORY_LABELS
from ivr.extensions import runtime
from ivr.stats import charts, downloads
from ivr.stats.charts import BarChart, FunnelChart, Legend, LineChart
from ivr.stats.definitions import (
    BY_NAME,
    FUNNEL_DEFINITION,
    RATIO,
    SECONDS,
    SPEECH_DEFINITION,
    USAGE_DEFINITION,
    Number,
)
from ivr.stats.figures import (
    ALL_CHANNELS,
    ChannelShare,
    FlowFunnel,
    NodeSpeech,
    RangeError,
    SeriesPoint,
    StatsRange,
    Summary,
    channel_split,
    check_bucket,
    funnel,
    series,
    summary,
)
from ivr.stats.request import bucket_from_args, range_from_args, today_in

BUCKET_LABELS = {"hour": "Per jam", "day": "Per hari", "week": "Per minggu"}
CHANNEL_LABELS = {VOICE: "Telepon", SMS: "SMS", WHATSAPP: "WhatsApp", ALL_CHANNELS: "Semua saluran"}
ALL_CHANNELS_TEXT = (
    "Semua saluran: telepon, SMS dan WhatsApp dijumlahkan. Angka antrean dan jawaban (service level, waktu "
    "jawab, durasi layanan, tunggu terlama) hanya dari telepon, karena percakapan teks diserahkan ke agen "
    "sebagai permintaan panggil balik."
)
FORM_KEYS = ("from", "to", "region_id", "channel", "bucket", "service_level")
PEAK_FORMAT = "%d %b %Y %H:%M"
# Headline tiles: the figure, then the figures shown small beneath it.
TILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("offered", ()),
    ("handled", ()),
    ("abandoned", ("abandoned_in_menu", "abandoned_in_queue")),
    ("containment_rate", ("self_served",)),
    ("service_level", ()),
    ("average_speed_of_answer", ()),
    ("average_handle_time", ()),
    ("longest_wait", ()),
    ("peak_hour", ()),
    ("callbacks_requested", ("callbacks_fulfilled", "median_time_to_callback")),
    ("readings_submitted", ("readings_accepted", "readings_flagged")),
    ("complaints_opened", ("complaints_resolved", "complaints_backlog", "median_time_to_resolve")),
)
# The console speaks Indonesian; definitions.py holds the English label and the one definition.
FIGURE_LABELS: dict[str, str] = {
    "offered": "Panggilan masuk",
    "handled": "Ditangani agen",
    "abandoned": "Ditinggalkan",
    "self_served": "Selesai swalayan",
    "containment_rate": "Tingkat swalayan",
    "abandoned_in_menu": "Ditinggalkan di menu",
    "menu_abandon_rate": "Tingkat tinggal di menu",
    "queued": "Masuk antrean",
    "abandoned_in_queue": "Ditinggalkan di antrean",
    "queue_abandon_rate": "Tingkat tinggal di antrean",
    "answered": "Dijawab dari antrean",
    "average_speed_of_answer": "Rata-rata waktu jawab",
    "average_handle_time": "Rata-rata durasi layanan",
    "service_level": "Service level",
    "longest_wait": "Tunggu terlama",
    "callback_requested": "Minta dihubungi kembali",
    "agent_unavailable": "Saluran agen tak dijawab",
    "ended_by_ivr": "Diakhiri IVR",
    "errors": "Berakhir karena galat",
    "peak_hour": "Jam tersibuk",
    "callbacks_requested": "Permintaan panggil balik",
    "callbacks_fulfilled": "Panggil balik selesai",
    "median_time_to_callback": "Median waktu panggil balik",
    "readings_submitted": "Stand meter dilaporkan",
    "readings_accepted": "Stand meter diterima",
    "readings_flagged": "Stand meter ditandai",
    "complaints_opened": "Pengaduan dibuka",
    "complaints_resolved": "Pengaduan selesai",
    "complaints_backlog": "Pengaduan tertunda",
    "median_time_to_resolve": "Median waktu penyelesaian",
}


def label(name: str) -> str:
    """A figure's name in the console's language (its English label if there is no translation)."""
    return FIGURE_LABELS.get(name, BY_NAME[name].label)


VOLUME_PARTS = ("handled", "self_served", "abandoned")
OTHER_OUTCOMES = ("callback_requested", "agent_unavailable", "ended_by_ivr", "errors")
COMPLAINT_PARTS = {"complaints_opened": "opened", "complaints_resolved": "resolved", "complaints_backlog": "backlog"}
FUNNEL_LEGEND = (
    Legend("completed", "Selesai"),
    Legend("gave_up", "Menyerah"),
    Legend("rest", "Lainnya (pindah menu, antre, dll.)"),
)
# (kind, label) of the CSV downloads linked under the dashboard with its query string. The same
# files as /api/v1/stats/*.csv, served here on the console session (a browser has no Bearer token).
EXPORTS: tuple[tuple[str, str], ...] = (
    ("summary", "Ringkasan (CSV)"),
    ("series", "Deret waktu (CSV)"),
    ("funnel", "Corong menu (CSV)"),
    ("calls", "Data panggilan (CSV)"),
)

nav.add("console.stats", "Statistik", STATISTICS, order=50)


@dataclass(frozen=True)
class Shown:
    """One figure as the page shows it: its label, value and meaning, all from definitions.py."""

    name: str
    label: str
    text: str
    definition: str


@dataclass(frozen=True)
class Tile:
    main: Shown
    note: str
    parts: tuple[Shown, ...]


@dataclass(frozen=True)
class SpeechTable:
    """One flow's nodes as the "speech by node" table shows them: answered, spoken, misheard."""

    flow: str
    label: str
    nodes: tuple[NodeSpeech, ...]


@dataclass(frozen=True)
class Dashboard:
    tiles: tuple[Tile, ...]
    volume: BarChart
    other_outcomes: str
    service_level: LineChart
    funnel: FunnelChart
    funnels: tuple[FlowFunnel, ...]
    complaints: BarChart
    speech: tuple[SpeechTable, ...] = ()
    channels: tuple[ChannelShare, ...] = ()  # per-channel split, for all channels together only


def span(seconds: float | None) -> str:
    """A duration as m:ss (h:mm:ss from an hour, days and hours from a day); "-" when there is none."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole >= 86400:
        days, hours = divmod(whole // 3600, 24)
        return f"{days} hari {hours} jam" if hours else f"{days} hari"
    return charts.clock(whole)


def shown(name: str, value: Number | datetime) -> Shown:
    """A figure's value in its unit: ratios as percentages, seconds as m:ss, "-" for None."""
    figure = BY_NAME[name]
    if value is None:
        text = "-"
    elif isinstance(value, datetime):
        text = value.strftime(PEAK_FORMAT)
    elif figure.unit == RATIO:
        text = charts.percent(value)
    elif figure.unit == SECONDS:
        text = span(value)
    else:
        text = charts.count_text(value)
    return Shown(name, label(name), text, figure.definition)


def tiles(result: Summary) -> tuple[Tile, ...]:
    """The headline tiles in TILES order, with the threshold and the peak's call count as notes."""
    values: dict[str, Number | datetime] = {**result.figures, "peak_hour": result.peak_hour}
    notes = {
        "service_level": f"dijawab dalam {result.stats_range.service_level_seconds} detik",
        "peak_hour": f"{result.peak_hour_calls} panggilan · jam setempat" if result.peak_hour else "",
    }
    return tuple(
        Tile(shown(name, values[name]), notes.get(name, ""), tuple(shown(part, values[part]) for part in parts))
        for name, parts in TILES
    )


def volume_chart(points: Sequence[SeriesPoint], labels: list[str], axis_labels: list[str]) -> BarChart:
    """Calls offered per bucket, stacked by how they went; "other" makes the stack add up to offered."""

    def values(name: str) -> list[float]:
        return [float(point.figures[name] or 0) for point in points]

    parts = {name: values(name) for name in VOLUME_PARTS}
    other = [max(o - sum(column), 0.0) for o, *column in zip(values("offered"), *parts.values(), strict=True)]
    stacks = [(Legend(name, label(name)), parts[name]) for name in VOLUME_PARTS]
    stacks.append((Legend("other", "Lainnya"), other))
    return charts.bar_chart("Volume panggilan", labels, stacks, stacked=True, axis_labels=axis_labels)


def complaints_chart(by_category: Mapping[str, Mapping[str, int]]) -> BarChart:
    """Opened, resolved and backlog side by side per category, every category shown even at zero."""
    categories = list(by_category)
    groups = [
        (Legend(name, label(name)), [float(by_category[category][key]) for category in categories])
        for name, key in COMPLAINT_PARTS.items()
    ]
    labels = [CATEGORY_LABELS.get(category, category) for category in categories]
    return charts.bar_chart("Pengaduan per kategori", labels, groups, stacked=False)


def speech_tables(funnels: Sequence[FlowFunnel], labels: Mapping[str, str]) -> tuple[SpeechTable, ...]:
    """A table per flow where callers spoke (in funnel order), each with every node answered, most spoken first."""
    return tuple(SpeechTable(f.flow, labels.get(f.flow, f.flow), tuple(f.speech)) for f in funnels if f.spoken)


def dashboard(db: Session, stats_range: StatsRange, bucket: str) -> Dashboard:
    """Everything the page draws for one range, read in one unit of work."""
    result = summary(db, stats_range)
    points = series(db, stats_range, bucket)
    funnels = funnel(db, stats_range)
    labels, axis_labels = charts.time_labels([point.start for point in points], bucket)
    level = Legend("service_level", label("service_level"))
    names = flow_labels()
    return Dashboard(
        tiles=tiles(result),
        volume=volume_chart(points, labels, axis_labels),
        other_outcomes=", ".join(label(name) for name in OTHER_OUTCOMES),
        service_level=charts.line_chart(
            f"Service level (dijawab dalam {stats_range.service_level_seconds} detik)",
            level,
            labels,
            [point.figures["service_level"] for point in points],
            axis_labels=axis_labels,
            reference=result.figures["service_level"],
        ),
        funnel=charts.funnel_chart("Corong menu", funnels, names, FUNNEL_LEGEND),
        funnels=tuple(funnels),
        complaints=complaints_chart(result.complaints_by_category),
        speech=speech_tables(funnels, names),
        channels=tuple(channel_split(db, stats_range)) if stats_range.channel == ALL_CHANNELS else (),
    )


def read_range(
    args: Mapping[str, str], regions: Mapping[int, str], today: date, threshold: int
) -> tuple[StatsRange, str]:
    """The range and bucket asked for; RangeError (shown on the page) for anything the page cannot draw."""
    stats_range = range_from_args(args, today=today, service_level_seconds=threshold)
    if stats_range.region_id is not None and stats_range.region_id not in regions:
        raise RangeError(f"region_id {stats_range.region_id} is not a region")
    bucket = bucket_from_args(args)
    check_bucket(stats_range, bucket)
    return stats_range, bucket


def form_values(stats_range: StatsRange, bucket: str) -> dict[str, str]:
    """The form as the range was understood, so defaults show and the query string round-trips."""
    return {
        "from": stats_range.start.isoformat(),
        "to": stats_range.end.isoformat(),
        "region_id": "" if stats_range.region_id is None else str(stats_range.region_id),
        "channel": stats_range.channel,
        "bucket": bucket,
        "service_level": str(stats_range.service_level_seconds),
    }


@blueprint.get("/stats")
@login_required(*STATISTICS)
def stats() -> ResponseReturnValue:
    """The dashboard for the range in the query string (default: the last 7 days); 400 for a bad range."""
    settings = runtime().settings
    today = today_in(runtime().clock.now())
    board, error, status = None, None, 200
    with runtime().database.session() as db:
        regions = {row.id: row.name for row in db.execute(select(Region.id, Region.name).order_by(Region.name))}
        try:
            stats_range, bucket = read_range(request.args, regions, today, settings.service_level_seconds)
        except RangeError as exc:
            error, status = str(exc), 400
            form = {key: request.args.get(key, "").strip()[:32] for key in FORM_KEYS}
        else:
            board = dashboard(db, stats_range, bucket)
            form = form_values(stats_range, bucket)
    query: dict[str, Any] = {key: value for key, value in form.items() if value}  # url_for's **values
    exports = [(label, url_for("console.stats_csv", kind=kind, **query)) for kind, label in EXPORTS if board]
    page = render_template(
        "console/stats.html",
        board=board,
        error=error,
        form=form,
        regions=regions,
        channels=CHANNEL_LABELS,
        channel_label=CHANNEL_LABELS.get(form["channel"] or VOICE),
        all_channels_text=ALL_CHANNELS_TEXT,
        buckets=BUCKET_LABELS,
        thresholds=SERVICE_LEVEL_THRESHOLDS,
        exports=exports,
        funnel_definition=FUNNEL_DEFINITION,
        usage_definition=USAGE_DEFINITION,
        speech_definition=SPEECH_DEFINITION,
        percent=charts.percent,
    )
    return page, status


@blueprint.get(downloads.ROUTE)
@login_required(*STATISTICS)
def stats_csv(kind: str) -> ResponseReturnValue:
    """A CSV download of what the dashboard shows (or every call of the range); 400 for a bad range."""
    try:
        return downloads.requested(kind)
    except RangeError as exc:
        return str(exc), 400, {"Content-Type": "text/plain; charset=utf-8"}
