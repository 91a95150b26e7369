"""`flask words`: what callers may say instead of keys, as Markdown tables generated from flows/words/."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ivr.engine import words_table
from ivr.engine.speech import LANGUAGES
from ivr.extensions import runtime


@click.command("words")
@with_appcontext
@click.option(
    "--language", "languages", multiple=True, type=click.Choice(LANGUAGES), help="Only this language (repeatable)."
)
@click.option("--shown", default=words_table.SHOWN, show_default=True, help="Phrases shown per key before '…'.")
@click.option(
    "--readme", is_flag=True, help="Only README's section: the main menu, yes/no and numbers, every language."
)
def words_command(languages: tuple[str, ...], shown: int, readme: bool) -> None:
    """Print, per language, every menu's keys with the words callers may say for them, from the loaded flows."""
    engine = runtime().engine  # the flows, words and prompts as the app loaded and checked them
    if readme:
        click.echo(words_table.readme_block(engine.flows, engine.prompts), nl=False)
        return
    click.echo(words_table.tables(engine.flows, engine.prompts, languages or LANGUAGES, shown), nl=False)
