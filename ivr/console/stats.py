"""The supervisors' dashboard: headline figures, charts and the menu funnel for a range, region and channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import SMS, VOICE, WHATSAPP, Region
from db.models.stats import SERVICE_LEVEL_THRESHOLDS
from ivr import formats
from ivr.auth.roles import STATISTICS
from ivr.auth.sessions import login_required
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.console.calls import flow_labels
from ivr.console.language import viewer_language
from ivr.console.translate import t
from ivr.console.work import CATEGORY_LABELS
from ivr.extensions import runtime
from ivr.stats import charts, downloads
from ivr.stats.charts import BarChart, FunnelChart, Legend, LineChart
from ivr.stats.definitions import BY_NAME, FUNNEL, RATIO, SECONDS, SPEECH, USAGE, Number
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


def label(name: str) -> str:
    """A figure's name in the viewer's language (both are in definitions.py)."""
    return BY_NAME[name].label_in(viewer_language())


VOLUME_PARTS = ("handled", "self_served", "abandoned")
OTHER_OUTCOMES = ("callback_requested", "agent_unavailable", "ended_by_ivr", "errors")
COMPLAINT_PARTS = {"complaints_opened": "opened", "complaints_resolved": "resolved", "complaints_backlog": "backlog"}
FUNNEL_LEGEND = (
    ("completed", "Selesai"),
    ("gave_up", "Menyerah"),
    ("rest", "Lainnya (pindah menu, antre, dll.)"),
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
        return t("{days} hari {hours} jam", days=days, hours=hours) if hours else t("{days} hari", days=days)
    return charts.clock(whole)


def shown(name: str, value: Number | datetime) -> Shown:
    """A figure's value in its unit: ratios as percentages, seconds as m:ss, "-" for None."""
    figure, language = BY_NAME[name], viewer_language()
    if value is None:
        text = "-"
    elif isinstance(value, datetime):
        text = formats.day_and_clock(value, language)
    elif figure.unit == RATIO:
        text = charts.percent(value, language)
    elif figure.unit == SECONDS:
        text = span(value)
    else:
        text = charts.count_text(value, language)
    return Shown(name, figure.label_in(language), text, figure.definition_in(language))


def tiles(result: Summary) -> tuple[Tile, ...]:
    """The headline tiles in TILES order, with the threshold and the peak's call count as notes."""
    values: dict[str, Number | datetime] = {**result.figures, "peak_hour": result.peak_hour}
    notes = {
        "service_level": t("dijawab dalam {seconds} detik", seconds=result.stats_range.service_level_seconds),
        "peak_hour": t("{calls} panggilan · jam setempat", calls=result.peak_hour_calls) if result.peak_hour else "",
    }
    return tuple(
        Tile(shown(name, values[name]), notes.get(name, ""), tuple(shown(part, values[part]) for part in parts))
        for name, parts in TILES
    )


def counts() -> charts.Format:
    """Counts on a chart, written as the viewer writes them."""
    return partial(charts.count_text, language=viewer_language())


def funnel_legend() -> tuple[Legend, Legend, Legend]:
    completed, gave_up, rest = (Legend(key, t(text)) for key, text in FUNNEL_LEGEND)
    return completed, gave_up, rest


def volume_chart(points: Sequence[SeriesPoint], labels: list[str], axis_labels: list[str]) -> BarChart:
    """Calls offered per bucket, stacked by how they went; "other" makes the stack add up to offered."""

    def values(name: str) -> list[float]:
        return [float(point.figures[name] or 0) for point in points]

    parts = {name: values(name) for name in VOLUME_PARTS}
    other = [max(o - sum(column), 0.0) for o, *column in zip(values("offered"), *parts.values(), strict=True)]
    stacks = [(Legend(name, label(name)), parts[name]) for name in VOLUME_PARTS]
    stacks.append((Legend("other", t("Lainnya")), other))
    return charts.bar_chart(t("Volume panggilan"), labels, stacks, stacked=True, axis_labels=axis_labels, fmt=counts())


def complaints_chart(by_category: Mapping[str, Mapping[str, int]]) -> BarChart:
    """Opened, resolved and backlog side by side per category, every category shown even at zero."""
    categories = list(by_category)
    groups = [
        (Legend(name, label(name)), [float(by_category[category][key]) for category in categories])
        for name, key in COMPLAINT_PARTS.items()
    ]
    labels = [CATEGORY_LABELS.get(category, category) for category in categories]
    return charts.bar_chart(t("Pengaduan per kategori"), labels, groups, stacked=False, fmt=counts())


def speech_tables(funnels: Sequence[FlowFunnel], labels: Mapping[str, str]) -> tuple[SpeechTable, ...]:
    """A table per flow where callers spoke (in funnel order), each with every node answered, most spoken first."""
    return tuple(SpeechTable(f.flow, labels.get(f.flow, f.flow), tuple(f.speech)) for f in funnels if f.spoken)


def dashboard(db: Session, stats_range: StatsRange, bucket: str) -> Dashboard:
    """Everything the page draws for one range, read in one unit of work."""
    result = summary(db, stats_range)
    points = series(db, stats_range, bucket)
    funnels = funnel(db, stats_range)
    language = viewer_language()
    labels, axis_labels = charts.time_labels([point.start for point in points], bucket, language)
    level = Legend("service_level", label("service_level"))
    names = flow_labels()
    return Dashboard(
        tiles=tiles(result),
        volume=volume_chart(points, labels, axis_labels),
        other_outcomes=", ".join(label(name) for name in OTHER_OUTCOMES),
        service_level=charts.line_chart(
            t("Service level (dijawab dalam {seconds} detik)", seconds=stats_range.service_level_seconds),
            level,
            labels,
            [point.figures["service_level"] for point in points],
            axis_labels=axis_labels,
            reference=result.figures["service_level"],
            fmt=partial(charts.percent, language=language),
        ),
        funnel=charts.funnel_chart(t("Corong menu"), funnels, names, funnel_legend(), fmt=counts()),
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
    exports = [(t(label), url_for("console.stats_csv", kind=kind, **query)) for kind, label in EXPORTS if board]
    page = render_template(
        "console/stats.html",
        board=board,
        error=error,
        form=form,
        regions=regions,
        channels={key: t(text) for key, text in CHANNEL_LABELS.items()},
        channel_label=t(CHANNEL_LABELS.get(form["channel"] or VOICE, "")),
        buckets={key: t(text) for key, text in BUCKET_LABELS.items()},
        all_channels_text=t(ALL_CHANNELS_TEXT),
        thresholds=SERVICE_LEVEL_THRESHOLDS,
        exports=exports,
        funnel_definition=FUNNEL.read_in(viewer_language()),
        usage_definition=USAGE.read_in(viewer_language()),
        speech_definition=SPEECH.read_in(viewer_language()),
        percent=partial(charts.percent, language=viewer_language()),
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
