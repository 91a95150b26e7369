"""Long CLI jobs show progress: a bar on a terminal, otherwise lines with percentage and ETA."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.cli.progress import duration, progress, progress_line
from ivr.stats import rollup


def test_a_progress_line_says_how_far_and_how_long_yet() -> None:
    assert progress_line("calls", 1_000, 4_000, 10.0) == "  1,000 of 4,000 calls (25%), 0:10 elapsed, about 0:30 left"
    assert progress_line("calls", 4_000, 4_000, 3_725.0) == "  4,000 of 4,000 calls (100%), 1:02:05 elapsed"
    assert progress_line("calls", 0, 0, 0.0) == "  0 of 0 calls (100%), 0:00 elapsed"
    assert duration(59.6) == "1:00"


def test_off_a_terminal_a_line_every_few_seconds_and_at_the_end() -> None:
    ticks = iter([0.0, 0.0, 2.0, 6.0, 7.0, 8.0])
    with CliRunner().isolation() as (out, _, _):
        with progress("rebuilding", "calls", terminal=False, every=5.0, timer=lambda: next(ticks)) as report:
            for done in (100, 200, 300, 400, 500):
                report(done, 500)
        printed = out.getvalue().decode().splitlines()
    assert printed == [
        "rebuilding: 500 calls",
        "  100 of 500 calls (20%), 0:00 elapsed, about 0:00 left",
        "  300 of 500 calls (60%), 0:06 elapsed, about 0:04 left",
        "  500 of 500 calls (100%), 0:08 elapsed",
    ]


def test_on_a_terminal_a_bar_from_the_first_report() -> None:
    with CliRunner().isolation() as (out, _, _), progress("rebuilding", "calls", terminal=True) as report:
        report(0, 10)
        report(10, 10)
    assert "rebuilding" in out.getvalue().decode()  # click draws the bar itself; off a tty, its label


def test_stats_rebuild_reports_progress(app: Flask, regions, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = app.test_cli_runner()
    generated = runner.invoke(args=["stats-generate", "--calls", "120", "--days", "3", "--end", "2026-11-22"])
    monkeypatch.setattr(rollup, "REBUILD_BATCH", 50)
    rebuilt = runner.invoke(args=["stats-rebuild"])

    assert generated.exit_code == 0, generated.output
    assert "writing calls: 120 calls" in generated.output and "120 of 120 calls (100%)" in generated.output
    assert rebuilt.exit_code == 0, rebuilt.output
    lines = rebuilt.output.splitlines()
    assert lines[0] == "reading ended calls: 120 calls" and lines[1].startswith("  50 of 120 calls (42%), ")
    assert any(line.startswith("  120 of 120 calls (100%), ") for line in lines)
    assert lines[-1] == "statistics rebuilt from 120 ended calls"
