"""Each figure is defined once, in ivr/stats/definitions.py; docs/statistics.md is generated from it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ivr.cli.stats import DOCS_PAGE, stats_docs
from ivr.stats import definitions


def test_the_docs_page_is_the_generated_one() -> None:
    assert DOCS_PAGE.read_text(encoding="utf-8") == definitions.markdown(), (
        "docs/statistics.md is stale: run `flask --app ivr stats-docs`"
    )


def test_every_figure_has_a_definition_and_call_figures_a_formula() -> None:
    names = [figure.name for figure in definitions.FIGURES]
    assert len(names) == len(set(names))
    assert all(figure.definition.strip() and figure.label for figure in definitions.FIGURES)
    assert all(figure.definition_id.strip() and figure.label_id for figure in definitions.FIGURES)
    assert all(figure.compute is not None for figure in definitions.CALL_FIGURES.values())


def test_stats_docs_command_writes_the_page(tmp_path: Path) -> None:
    output = tmp_path / "statistics.md"
    outcome = CliRunner().invoke(stats_docs, ["--output", str(output)])
    assert outcome.exit_code == 0, outcome.output
    assert output.read_text(encoding="utf-8") == definitions.markdown()
