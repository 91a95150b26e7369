"""Server-side SVG charts for the statistics pages: geometry only, which a Jinja macro draws.

Pure functions turn series, funnels and per-category counts into bars, points and axis ticks in
SVG user units, so the console needs no chart script and a test can hold a bar's height to its value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ivr import formats
from ivr.stats.figures import FlowFunnel

WIDTH = 560  # drawn at this size where the page has room, so 11px text stays 11px
HEIGHT = 230
FUNNEL_ROW = 28
CHAR_WIDTH = 6.2  # of an 11px label, roughly: enough to decide where to wrap one
NICE_MANTISSAS = (1, 2, 5, 10)
MAX_AXIS_LABELS = 12
# How many buckets one axis label may stand for: hour labels stay on day boundaries.
HOUR_LABEL_STEPS = (1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 744)
DAY_LABEL_STEPS = (1, 2, 7, 14, 28, 56, 91, 182, 364)

Format = Callable[[float | None], str]  # None: no value (a gap), shown as "-"


def count_text(value: float | None, language: str = "id") -> str:
    """A count as the reader writes it ("1.234" or "1,234"), or "-" when there is none."""
    return formats.number(value, language)


def clock(seconds: float) -> str:
    """Seconds as m:ss, or h:mm:ss from an hour up."""
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


def percent(value: float | None, language: str = "id") -> str:
    """A ratio as a percentage with at most one decimal ("14,3%" or "14.3%"); "-" for no ratio."""
    return formats.percent(value, language)


# -- axes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """A value axis from 0 to `top` in equal steps."""

    top: float
    step: float

    @property
    def values(self) -> list[float]:
        return [self.step * index for index in range(round(self.top / self.step) + 1)]


RATIO_AXIS = Axis(1.0, 0.25)


def nice_step(raw: float) -> float:
    """The smallest whole 1, 2 or 5 x 10^n at or above `raw`, so counts get whole-number ticks."""
    if raw <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return float(next(m * magnitude for m in NICE_MANTISSAS if m * magnitude >= raw))


def count_axis(maximum: float, steps: int = 4) -> Axis:
    """0 up to the first round number at or above `maximum`; 0..1 when everything is 0."""
    step = nice_step(max(maximum, 0) / steps)
    return Axis(step * max(1, math.ceil(maximum / step)), step)


def scaled(value: float, axis: Axis, length: float) -> float:
    """How far along `length` a value lies on the axis (clamped to it; never divides by 0)."""
    return length * min(max(value, 0.0), axis.top) / axis.top


@dataclass(frozen=True)
class Box:
    """The plot area inside the chart's margins."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Tick:
    position: float  # y on a vertical axis, x on a horizontal one
    label: str


@dataclass(frozen=True)
class Legend:
    key: str  # also the CSS class of its bars
    label: str


def _vertical_ticks(axis: Axis, plot: Box, fmt: Format) -> tuple[Tick, ...]:
    return tuple(Tick(plot.bottom - scaled(value, axis, plot.height), fmt(value)) for value in axis.values)


# -- time labels ------------------------------------------------------------------------------


def time_labels(starts: Sequence[datetime], bucket: str, language: str = "id") -> tuple[list[str], list[str]]:
    """Each bucket's full label, and axis labels thinned to about 12 (hours labelled on day boundaries)."""
    whole = formats.day_and_clock if bucket == "hour" else formats.day
    full = [whole(start, language) for start in starts]
    steps = HOUR_LABEL_STEPS if bucket == "hour" else DAY_LABEL_STEPS
    every = next((step for step in steps if len(starts) <= step * MAX_AXIS_LABELS), steps[-1])
    short = [
        (formats.clock(start, language) if bucket == "hour" and start.hour else formats.short_day(start, language))
        if index % every == 0
        else ""
        for index, start in enumerate(starts)
    ]
    return full, short


# -- vertical bars, stacked or side by side ---------------------------------------------------


@dataclass(frozen=True)
class Bar:
    series: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Column:
    label: str  # the full label (tooltip, data table)
    axis_lines: tuple[str, ...]  # the axis label, wrapped to the column; () when the axis skips it
    x: float  # centre
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class BarChart:
    title: str
    width: float
    height: float
    plot: Box
    legend: tuple[Legend, ...]
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]
    stacked: bool


def _plot() -> Box:
    return Box(48, 12, WIDTH - 12, HEIGHT - 40)


def wrap(label: str, width: float, lines: int = 2) -> tuple[str, ...]:
    """A label split at spaces into at most `lines` lines that fit `width` where the words allow."""
    fits = max(int(width / CHAR_WIDTH), 1)
    wrapped: list[str] = []
    for word in label.split():
        if wrapped and len(wrapped) < lines and len(wrapped[-1]) + 1 + len(word) > fits:
            wrapped.append(word)
        elif wrapped:
            wrapped[-1] += " " + word
        else:
            wrapped.append(word)
    return tuple(wrapped)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[Legend, Sequence[float]]],
    *,
    stacked: bool,
    axis_labels: Sequence[str] | None = None,
    fmt: Format = count_text,
) -> BarChart:
    """One column per label with a bar per series, stacked bottom-up or side by side."""
    plot = _plot()
    by_column = [[max(values[index], 0) for _, values in series] for index in range(len(labels))]
    axis = count_axis(max((sum(col) if stacked else max(col, default=0) for col in by_column), default=0))
    slot = plot.width / max(len(labels), 1)
    columns = []
    for index, label in enumerate(labels):
        left = plot.left + slot * index
        bars: list[Bar] = []
        base = plot.bottom
        for position, (legend, values) in enumerate(series):
            height = scaled(values[index], axis, plot.height)
            if stacked:
                x, width, base = left + slot * 0.15, slot * 0.7, base - height
                y = base
            else:
                width = slot * 0.8 / len(series)
                x, y = left + slot * 0.1 + width * position, plot.bottom - height
            bars.append(Bar(legend.key, values[index], fmt(values[index]), x, y, width, height))
        axis_label = axis_labels[index] if axis_labels is not None else label
        columns.append(Column(label, wrap(axis_label, slot), left + slot / 2, tuple(bars)))
    return BarChart(
        title,
        WIDTH,
        HEIGHT,
        plot,
        tuple(legend for legend, _ in series),
        tuple(columns),
        _vertical_ticks(axis, plot, fmt),
        stacked,
    )


# -- a line with points -----------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    label: str
    axis_label: str
    value: float | None
    text: str
    x: float
    y: float | None  # None: no value, the line breaks here


@dataclass(frozen=True)
class LineChart:
    title: str
    width: float
    height: float
    plot: Box
    legend: Legend
    points: tuple[Point, ...]
    segments: tuple[str, ...]  # polyline "x,y x,y ..." runs between gaps
    ticks: tuple[Tick, ...]
    reference: Tick | None  # a horizontal line, e.g. the whole range's value


def line_chart(
    title: str,
    legend: Legend,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    axis: Axis = RATIO_AXIS,
    axis_labels: Sequence[str] | None = None,
    reference: float | None = None,
    fmt: Format = percent,
) -> LineChart:
    """A point per label joined by a line; a missing value leaves a gap rather than a fake zero."""
    plot = _plot()
    slot = plot.width / max(len(labels), 1)
    points = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = None if value is None else plot.bottom - scaled(value, axis, plot.height)
        axis_label = axis_labels[index] if axis_labels is not None else label
        points.append(Point(label, axis_label, value, fmt(value), plot.left + slot * (index + 0.5), y))
    segments, run = [], []
    for point in [*points, None]:
        if point is not None and point.y is not None:
            run.append(f"{point.x:.1f},{point.y:.1f}")
            continue
        if len(run) > 1:
            segments.append(" ".join(run))
        run = []
    line = None if reference is None else Tick(plot.bottom - scaled(reference, axis, plot.height), fmt(reference))
    return LineChart(
        title, WIDTH, HEIGHT, plot, legend, tuple(points), tuple(segments), _vertical_ticks(axis, plot, fmt), line
    )


# -- the menu funnel: a horizontal bar per flow -----------------------------------------------


@dataclass(frozen=True)
class FunnelRow:
    flow: str
    label: str
    y: float  # centre of the row
    funnel: FlowFunnel
    bars: tuple[Bar, ...]  # completed, gave up, the rest of those who reached it


@dataclass(frozen=True)
class FunnelChart:
    title: str
    width: float
    height: float
    plot: Box
    legend: tuple[Legend, Legend, Legend]
    rows: tuple[FunnelRow, ...]
    ticks: tuple[Tick, ...]  # x positions


def funnel_chart(
    title: str,
    funnels: Sequence[FlowFunnel],
    labels: Mapping[str, str],
    legend: tuple[Legend, Legend, Legend],
    fmt: Format = count_text,
) -> FunnelChart:
    """Per flow, bar length = calls that reached it, split into completed / gave up / the rest."""
    plot = Box(200, 8, WIDTH - 16, 8 + FUNNEL_ROW * len(funnels))
    parts = [(f.completed, f.gave_up, max(f.reached - f.completed - f.gave_up, 0)) for f in funnels]
    axis = count_axis(max((sum(p) for p in parts), default=0))
    rows = []
    for index, (flow, segments) in enumerate(zip(funnels, parts, strict=True)):
        top, x, bars = plot.top + FUNNEL_ROW * index, plot.left, []
        for key, value in zip((entry.key for entry in legend), segments, strict=True):
            width = scaled(value, axis, plot.width)
            bars.append(Bar(key, value, fmt(value), x, top + 5, width, FUNNEL_ROW - 10))
            x += width
        rows.append(FunnelRow(flow.flow, labels.get(flow.flow, flow.flow), top + FUNNEL_ROW / 2, flow, tuple(bars)))
    ticks = tuple(Tick(plot.left + scaled(v, axis, plot.width), fmt(v)) for v in axis.values)
    return FunnelChart(title, WIDTH, plot.bottom + 24, plot, legend, tuple(rows), ticks)
