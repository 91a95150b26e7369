"""CSV writers, the call-record query behind calls.csv, and `flask stats-report`.

Writers are checked by parsing their output with the csv module; the query and the command run
against the hand-counted week in tests/support/stats.py.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from db.models import Call
from ivr.extensions import runtime
from ivr.stats import export
from ivr.stats.definitions import CALL_FIGURES
from ivr.stats.figures import FlowFunnel, NodeSpeech, SeriesPoint, StatsRange, Summary
from ivr.stats.request import today_in
from tests.support.stats import WEEK_END, WEEK_START, WIB, add_fixed_history, local

WEEK = StatsRange(WEEK_START, WEEK_END)
HOSTILE = {"caller": '=HYPERLINK("http://x","call")', "last_node": "@SUM(A1)", "flows_reached": "-2+3,bill"}


def parse(lines) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(lines))))


@pytest.fixture
def history(db_session, regions):
    fixed = add_fixed_history(db_session, regions)
    db_session.commit()
    return fixed


@pytest.fixture
def hostile_call(db_session, regions, history) -> str:
    """A call in the week whose caller id and node are text a spreadsheet would run."""
    db_session.add(
        Call(
            call_sid="CAhostile",
            caller_kind="unknown",
            dialed="+62218850123",
            region_id=regions["BEKASI"],
            routed_by="dialed",
            language="id",
            started_at=local(WIB, 20, 12),
            **HOSTILE,
        )
    )
    db_session.commit()
    return "CAhostile"


# -- pure writers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("+6281234567890", "+6281234567890"),  # a plain number cannot run: E.164 stays usable
        ("-5", "-5"),
        ("main_menu.menu", "main_menu.menu"),
        (None, ""),
        (True, "true"),
        (0.2, "0.2"),
        (2 / 14, "0.1429"),
        (7200.0, "7200"),
    ],
)
def test_safe_cell(value, cell) -> None:
    assert export.safe_cell(value) == cell


def test_csv_lines_come_one_per_row_and_quote_what_needs_it() -> None:
    lines = list(export.csv_lines(("a", "b"), [("x, y", 'say "hi"'), ("two\nlines", 3)]))
    assert len(lines) == 3
    assert list(csv.reader(io.StringIO("".join(lines)))) == [["a", "b"], ["x, y", 'say "hi"'], ["two\nlines", "3"]]


def test_summary_rows_from_a_summary() -> None:
    result = Summary(
        stats_range=WEEK,
        figures={"offered": 3, "service_level": None, "median_time_to_resolve": 90.5},
        peak_hour=datetime(2026, 11, 16, 9),
        peak_hour_calls=2,
        complaints_by_category={"billing": {"opened": 1, "resolved": 0, "backlog": 4}},
    )
    rows = parse(export.summary_lines(result))
    figures = {row["name"]: row for row in rows if not row["category"]}

    assert (figures["offered"]["label"], figures["offered"]["unit"], figures["offered"]["value"]) == (
        "Calls offered",
        "calls",
        "3",
    )
    assert figures["service_level"]["value"] == "" and figures["median_time_to_resolve"]["value"] == "90.5"
    assert (figures["peak_hour"]["value"], figures["peak_hour_calls"]["value"]) == ("2026-11-16T09:00", "2")
    assert [(r["name"], r["value"]) for r in rows if r["category"] == "billing"] == [
        ("complaints_opened", "1"),
        ("complaints_resolved", "0"),
        ("complaints_backlog", "4"),
    ]


def test_series_and_funnel_lines() -> None:
    point = SeriesPoint(datetime(2026, 11, 16, 9), {name: 0 for name in CALL_FIGURES} | {"offered": 4})
    series = parse(export.series_lines([point]))
    speech = [NodeSpeech("account", 3, 2, 1), NodeSpeech("after", 1, 0, 0)]
    funnel = parse(export.funnel_lines([FlowFunnel("bill", 4, 1, 2, [("lookup", 2)], speech)]))

    assert list(series[0]) == ["start", *CALL_FIGURES]
    assert (series[0]["start"], series[0]["offered"]) == ("2026-11-16T09:00", "4")
    assert funnel == [
        {
            "flow": "bill",
            "reached": "4",
            "completed": "1",
            "gave_up": "2",
            "completion_rate": "0.25",
            "gave_up_at": "lookup:2",
            "speech_by_node": "account:3/2/1;after:1/0/0",
        }
    ]


def test_call_lines_mask_callers_when_asked() -> None:
    record = export.CallRecord(
        call_sid="CA1",
        started_at=datetime(2026, 11, 16, 0, 30, tzinfo=WIB),
        ended_at=None,
        region_code=None,
        caller="+6281234567890",
        outcome="in_progress",
        queue_seconds=None,
        answered=False,
        flows_reached="main_menu",
        flows_completed="",
        last_node=None,
        input_modes="main_menu.menu:ks",
    )
    full = parse(export.call_lines([record]))[0]
    masked = parse(export.call_lines([record], mask_callers=True))[0]

    assert (full["started_at"], full["ended_at"], full["answered"]) == ("2026-11-16T00:30:00+07:00", "", "false")
    assert full["caller"] == "+6281234567890"
    assert full["input_modes"] == "main_menu.menu:ks"
    assert masked["caller"].endswith("7890") and "628123456" not in masked["caller"]


def test_filename_names_the_range_and_region() -> None:
    assert export.filename("calls", WEEK) == "calls-2026-11-16-to-2026-11-22.csv"
    assert export.filename("summary", WEEK, 'BEKASI"; x') == "summary-2026-11-16-to-2026-11-22-bekasix.csv"
    sms = StatsRange(WEEK_START, WEEK_END, channel="sms")
    assert export.filename("funnel", sms, "KUPANG") == "funnel-2026-11-16-to-2026-11-22-kupang-sms.csv"


# -- the call records behind calls.csv --------------------------------------------------------


def test_call_records_are_the_range_on_each_regions_clock(db_session, history) -> None:
    records = list(export.call_records(db_session, WEEK, batch=2))
    sids = [record.call_sid for record in records]

    assert history.call_sids["B7"] not in sids  # 00:10 on the 23rd in Bekasi
    assert history.call_sids["B8"] == sids[0]  # 00:30 on the 16th in Bekasi
    assert history.call_sids["B9"] in sids  # still in progress: a raw record, though not yet "offered"
    assert len(sids) == 15
    assert [r.started_at.astimezone(UTC) for r in records] == sorted(r.started_at.astimezone(UTC) for r in records)
    assert records[0].started_at.isoformat() == "2026-11-16T00:30:00+07:00"


def test_hostile_text_is_escaped_in_the_export(db_session, hostile_call) -> None:
    rows = parse(export.call_lines(export.call_records(db_session, WEEK)))
    row = next(row for row in rows if row["call_sid"] == hostile_call)
    assert row["caller"] == "'" + HOSTILE["caller"]
    assert row["last_node"] == "'@SUM(A1)"
    assert row["flows_reached"] == "'-2+3,bill"


# -- flask stats-report -----------------------------------------------------------------------


def report(app, *args: str):
    return app.test_cli_runner().invoke(args=["stats-report", *args])


def shown(output: str) -> dict[str, str]:
    """Label -> value as the report prints them (two or more spaces apart)."""
    pairs = (re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in output.splitlines() if line.startswith("  "))
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


def test_report_prints_the_figures_and_writes_the_files(app, history, tmp_path: Path) -> None:
    paths = {name: tmp_path / f"{name}.csv" for name in ("summary", "series", "calls")}
    outcome = report(
        app,
        "--from", "2026-11-16", "--to", "2026-11-22",
        "--csv", str(paths["summary"]), "--series", str(paths["series"]), "--calls", str(paths["calls"]),
    )  # fmt: skip
    figures = shown(outcome.output)

    assert outcome.exit_code == 0, outcome.output
    assert "Statistics 2026-11-16 to 2026-11-22, all regions" in outcome.output
    assert figures["Calls offered"] == "14"
    assert figures["Service level"] == "20.0%"
    assert figures["Longest wait"] == "1:30"
    assert figures["Median time to callback"] == "2:00:00"
    assert figures["Median time to resolve"] == "48:00:00"
    assert figures["Peak hour"] == "2026-11-16 09:00 (4 calls)"
    summary = {row["name"]: row["value"] for row in parse(paths["summary"].read_text()) if not row["category"]}
    series = parse(paths["series"].read_text())
    calls = parse(paths["calls"].read_text())
    assert summary["offered"] == "14"
    assert [int(row["offered"]) for row in series] == [5, 3, 2, 4, 0, 0, 0]
    assert len(calls) == 15 and all(row["caller"].endswith("7890") for row in calls)
    assert not any(row["caller"].startswith("+62") for row in calls)  # masked unless --full-callers


def test_report_for_one_region_with_full_callers(app, history, tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    weekly = tmp_path / "weekly.csv"
    outcome = report(
        app,
        "--from", "2026-11-16", "--to", "2026-11-22", "--region", "kupang",
        "--calls", str(calls), "--full-callers", "--series", str(weekly), "--bucket", "week",
    )  # fmt: skip

    assert outcome.exit_code == 0, outcome.output
    assert "KUPANG (Asia/Makassar)" in outcome.output
    assert shown(outcome.output)["Median time to callback"] == "-"  # nothing fulfilled in Kupang
    assert shown(outcome.output)["Calls offered"] == "7"
    rows = parse(calls.read_text())
    assert {row["region_code"] for row in rows} == {"KUPANG"} and rows[0]["caller"] == "+6281234567890"
    assert [(row["start"], row["offered"]) for row in parse(weekly.read_text())] == [("2026-11-16T00:00", "7")]


def test_report_defaults_to_the_last_seven_days(app, regions) -> None:
    outcome = report(app)
    today = today_in(runtime(app).clock.now())  # the report reads the app's clock
    assert outcome.exit_code == 0, outcome.output
    assert f"to {today}," in outcome.output
    assert f"Statistics {date.fromordinal(today.toordinal() - 6)} " in outcome.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "ATLANTIS"], "no region 'ATLANTIS'"),
        (["--from", "2026-11-22", "--to", "2026-11-16"], "the range ends before it starts"),
        (["--from", "16/11/2026"], "from must be a date like 2026-11-23"),
        (["--bucket", "month"], "month"),
        (["--channel", "telegram"], "telegram"),
        (["--csv", "/nonexistent-dir/summary.csv"], "/nonexistent-dir/summary.csv"),
    ],
)
def test_report_rejects_a_bad_range_or_region(app, regions, args, message) -> None:
    outcome = report(app, *args)
    assert outcome.exit_code != 0
    assert message in outcome.output
