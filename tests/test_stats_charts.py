"""Chart geometry: bars as tall as their values, round axis tops, nothing divided by zero."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ivr.stats import charts
from ivr.stats.charts import Axis, Legend
from ivr.stats.figures import FlowFunnel

A, B = Legend("a", "A"), Legend("b", "B")
FUNNEL_LEGEND = (Legend("completed", "Done"), Legend("gave_up", "Gave up"), Legend("rest", "Rest"))


@pytest.mark.parametrize(
    ("maximum", "top", "step"),
    [
        (0, 1, 1),
        (0.4, 1, 1),
        (1, 1, 1),
        (3, 3, 1),
        (5, 6, 2),
        (7, 8, 2),
        (14, 15, 5),
        (20, 20, 5),
        (100, 100, 50),
        (101, 150, 50),
        (1234, 1500, 500),
    ],
)
def test_count_axis_tops_out_at_a_round_number(maximum, top, step) -> None:
    axis = charts.count_axis(maximum)
    assert (axis.top, axis.step) == (top, step)
    assert axis.top >= maximum
    assert axis.values[0] == 0
    assert axis.values[-1] == axis.top


def test_nice_steps_are_one_two_or_five_times_a_power_of_ten() -> None:
    assert [charts.nice_step(raw) for raw in (0, 0.3, 1, 1.2, 3, 6, 11, 26, 499)] == [1, 1, 1, 2, 5, 10, 20, 50, 500]


def test_stacked_bars_are_as_tall_as_their_values() -> None:
    chart = charts.bar_chart("t", ["x", "y", "z"], [(A, [2, 0, 1]), (B, [2, 3, 0])], stacked=True)
    plot = chart.plot
    assert len(chart.columns) == 3
    assert chart.ticks[-1].label == "4"  # tallest stack 4 -> axis 0..4
    first, second, third = (column.bars for column in chart.columns)
    unit = plot.height / 4
    assert [bar.height for bar in first] == pytest.approx([2 * unit, 2 * unit])
    assert first[0].y + first[0].height == pytest.approx(plot.bottom)  # the first series sits on the axis
    assert first[1].y + first[1].height == pytest.approx(first[0].y)  # the next one on top of it
    assert second[0].height == 0  # a zero is a bar of no height, still present
    assert second[1].height == pytest.approx(3 * unit)
    assert [bar.series for bar in third] == ["a", "b"]
    assert third[1].height == 0
    assert all(plot.left <= bar.x and bar.x + bar.width <= plot.right for c in chart.columns for bar in c.bars)


def test_grouped_bars_stand_side_by_side_on_the_axis() -> None:
    chart = charts.bar_chart("t", ["x"], [(A, [5]), (B, [10])], stacked=False)
    left, right = chart.columns[0].bars
    assert left.x + left.width <= right.x
    assert right.height == pytest.approx(2 * left.height)
    assert left.y + left.height == right.y + right.height == pytest.approx(chart.plot.bottom)


def test_all_zero_data_draws_flat_bars_on_a_unit_axis() -> None:
    chart = charts.bar_chart("t", ["x", "y"], [(A, [0, 0]), (B, [0, 0])], stacked=True)
    assert [tick.label for tick in chart.ticks] == ["0", "1"]
    assert {bar.height for column in chart.columns for bar in column.bars} == {0}
    empty = charts.bar_chart("t", [], [(A, [])], stacked=False)
    assert empty.columns == ()


def test_line_breaks_where_there_is_no_value() -> None:
    chart = charts.line_chart("t", A, list("abcde"), [0.5, 1.0, None, 0.25, None], reference=0.5)
    plot = chart.plot
    assert [point.y is None for point in chart.points] == [False, False, True, False, True]
    assert chart.points[0].y == pytest.approx(plot.bottom - plot.height / 2)
    assert chart.points[1].y == pytest.approx(plot.top)
    assert len(chart.segments) == 1 and len(chart.segments[0].split()) == 2  # a lone point is no line
    assert [point.text for point in chart.points] == ["50%", "100%", "-", "25%", "-"]
    assert chart.reference is not None and chart.reference.position == pytest.approx(chart.points[0].y)
    assert [tick.label for tick in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]


def test_line_without_any_value_has_no_segments() -> None:
    chart = charts.line_chart("t", A, ["a", "b"], [None, None])
    assert chart.segments == () and chart.reference is None


def test_funnel_bars_split_what_reached_each_flow() -> None:
    funnels = [FlowFunnel("main_menu", 10, 0, 4), FlowFunnel("bill", 5, 3, 1, [("bill.lookup", 1)])]
    chart = charts.funnel_chart("t", funnels, {"bill": "1 · Bill"}, FUNNEL_LEGEND)
    menu, bill = chart.rows
    assert (menu.label, bill.label) == ("main_menu", "1 · Bill")
    assert chart.ticks[-1].label == "10"
    full = chart.plot.width
    assert [bar.width for bar in menu.bars] == pytest.approx([0, 0.4 * full, 0.6 * full])
    assert [bar.width for bar in bill.bars] == pytest.approx([0.3 * full, 0.1 * full, 0.1 * full])
    assert bill.bars[1].x == pytest.approx(bill.bars[0].x + bill.bars[0].width)  # segments follow each other
    assert bill.y > menu.y


def test_empty_funnel_is_an_empty_chart() -> None:
    chart = charts.funnel_chart("t", [], {}, FUNNEL_LEGEND)
    assert chart.rows == () and chart.ticks[-1].label == "1"


def test_long_axis_labels_wrap_to_two_lines_at_most() -> None:
    assert charts.wrap("Listrik padam (rumah)", 100) == ("Listrik padam", "(rumah)")
    assert charts.wrap("16 Nov", 100) == ("16 Nov",)
    assert charts.wrap("a b c d e f g h", 6.2) == ("a", "b c d e f g h")  # the last line takes the rest
    assert charts.wrap("", 100) == ()
    labels = ["Padam satu lingkungan", "", "c", "d", "e", "f"]  # six columns: about 83 units (13 chars) each
    chart = charts.bar_chart("t", labels, [(A, [1] * 6)], stacked=False)
    assert [column.axis_lines for column in chart.columns][:2] == [("Padam satu", "lingkungan"), ()]


def test_values_beyond_the_axis_are_clamped() -> None:
    assert charts.scaled(5, Axis(4, 1), 100) == 100
    assert charts.scaled(-1, Axis(4, 1), 100) == 0


def test_time_labels_thin_out_and_keep_hours_on_day_boundaries() -> None:
    days = [datetime(2026, 11, 16) + timedelta(days=n) for n in range(7)]
    full, short = charts.time_labels(days, "day")
    assert full[0] == "16 Nov 2026" and short == [f"{d.day} Nov" for d in days]

    hours = [datetime(2026, 11, 16) + timedelta(hours=n) for n in range(24 * 7)]
    full, short = charts.time_labels(hours, "hour")
    assert full[9] == "16 Nov 2026 09.00"
    shown = [label for label in short if label]
    assert len(shown) <= charts.MAX_AXIS_LABELS
    assert shown[:2] == ["16 Nov", "17 Nov"]


@pytest.mark.parametrize(
    ("value", "text"), [(None, "-"), (0.0, "0%"), (0.2, "20%"), (2 / 14, "14,3%"), (1 / 3, "33,3%"), (1.0, "100%")]
)
def test_percentages_as_indonesians_write_them(value, text) -> None:
    assert charts.percent(value) == text
    assert charts.percent(value, "en") == text.replace(",", ".")


def test_counts_as_indonesians_write_them() -> None:
    assert [charts.count_text(v) for v in (None, 0, 14, 1234567)] == ["-", "0", "14", "1.234.567"]
    assert charts.count_text(1234567, "en") == "1,234,567"
