"""CLI for the supervisor statistics: rebuild the rollups, regenerate their reference page."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ivr.extensions import runtime
from ivr.stats import definitions, rollup

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "statistics.md"


@click.command("stats-rebuild")
@with_appcontext
def stats_rebuild() -> None:
    """Recompute the statistics rollups from every ended call (after an upgrade or a bulk import)."""
    with runtime().database.session() as session:
        counted = rollup.rebuild(session)
    click.echo(f"statistics rebuilt from {counted} ended calls")


@click.command("stats-docs")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=DOCS_PAGE, show_default=True)
def stats_docs(output: Path) -> None:
    """Write the statistics reference page from the figures' definitions."""
    output.write_text(definitions.markdown(), encoding="utf-8")
    click.echo(f"wrote {output}")


COMMANDS = (stats_rebuild, stats_docs)
