"""`flask words`: the table of what callers may say is generated from flows/words/, and README's copy agrees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from ivr import create_app
from ivr.config import PROJECT_ROOT
from ivr.engine import words_table
from ivr.engine.model import ConfirmNode, FlowSet, MenuNode
from ivr.engine.prompts import PromptCatalog
from ivr.engine.spoken_numbers import spoken_digits
from ivr.engine.tokens import words
from ivr.extensions import runtime

HEADING = re.compile(r"^## .*\((\w+)\): ", re.MULTILINE)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app as `flask words` builds it: its flows, words and prompts loaded and checked at start-up."""
    database = tmp_path_factory.mktemp("words") / "words.sqlite3"
    return create_app({"env": "test", "twilio_auth_token": "t", "database_url": f"sqlite:///{database}"})


@pytest.fixture(scope="module")
def loaded(app: Flask) -> tuple[FlowSet, PromptCatalog]:
    engine = runtime(app).engine
    return engine.flows, engine.prompts


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _tables(markdown: str) -> Iterator[list[list[str]]]:
    """Each Markdown table's body rows, as cells."""
    table: list[list[str]] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            table.append(_cells(line))
        elif table:
            yield table[2:]  # past the header and the --- line
            table = []


def _by_language(output: str) -> dict[str, str]:
    parts = HEADING.split(output)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _menu_rows(section: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(node, key) -> (offered for, phrases) from a language's first table; a node is named on its first row."""
    rows, node = {}, ""
    for cells in next(_tables(section)):
        node = cells[0].strip("`") or node
        rows[(node, cells[1])] = (cells[2], [phrase.strip() for phrase in cells[3].split(",")])
    return rows


def _run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["words", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_words_command_lists_the_main_menu_in_both_languages(app: Flask) -> None:
    sections = _by_language(_run(app))
    assert list(sections) == ["id", "en"]
    indonesian, english = _menu_rows(sections["id"]), _menu_rows(sections["en"])
    offered, phrases = indonesian[("main_menu.menu", "1")]
    assert "tagihan" in phrases and "tagihan" in offered.lower()
    offered, phrases = english[("main_menu.menu", "1")]
    assert "bill" in phrases and "bill" in offered.lower()
    assert english[("main_menu.menu", "9")][0] == "Bahasa Indonesia"


def test_every_node_with_words_appears_with_every_key(app: Flask, loaded: tuple[FlowSet, PromptCatalog]) -> None:
    flows, _ = loaded
    sections = _by_language(_run(app))
    for language, section in sections.items():
        rows = _menu_rows(section)
        expected = flows.words.choices[language]
        assert {node for node, _ in rows} == set(expected)
        for node, keys in expected.items():
            assert keys.keys() <= {key for listed, key in rows if listed == node}, node
            for key, phrases in keys.items():
                shown = rows[(node, key)][1]
                assert shown[: words_table.SHOWN] == list(phrases[: words_table.SHOWN]), (node, key)
                assert (shown[-1] == "…") == (len(phrases) > words_table.SHOWN), (node, key)


def test_every_key_says_what_the_prompt_offers_it_for(app: Flask) -> None:
    for section in _by_language(_run(app)).values():
        rows = _menu_rows(section)
        assert len(rows) >= 100
        assert all(offered for offered, _ in rows.values())
        assert all("{" not in offered for offered, _ in rows.values())  # placeholders show as …


def test_yes_no_words_and_numbers_per_language(app: Flask, loaded: tuple[FlowSet, PromptCatalog]) -> None:
    flows, _ = loaded
    confirms = sum(isinstance(n, ConfirmNode) for flow in flows.flows.values() for n in flow.nodes.values())
    for language, section in _by_language(_run(app)).items():
        answers = {cells[0]: (cells[1], cells[2].split(", ")) for cells in list(_tables(section))[1]}
        assert answers.keys() == {"yes", "no"}
        assert answers["yes"][0] == "1" and answers["no"][0] == "2"
        assert answers["yes"][1][0] == flows.words.answers[language]["yes"][0]
        assert answers["no"][1][0] == flows.words.answers[language]["no"][0]
        assert f"Every confirmation ({confirms} nodes)" in section
        (numbers,) = [line for line in section.splitlines() if line.startswith("Numbers")]
        quoted = re.findall(r"'([^']+)'", numbers)
        assert quoted == words_table.number_examples(language)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_number_examples_are_read_as_numbers(language: str) -> None:
    """The line tells callers the truth: spoken_numbers reads each example back."""
    said_digits, said_number = words_table.number_examples(language)
    digits, number = words_table.NUMBER_EXAMPLES
    assert spoken_digits(words(said_digits), language) == digits
    assert spoken_digits(words(said_number), language) == str(number)
    assert {"id": "lima tiga dua", "en": "five three two"}[language] == said_digits


def test_one_language_and_fewer_phrases(app: Flask) -> None:
    sections = _by_language(_run(app, "--language", "en", "--shown", "2"))
    assert list(sections) == ["en"]
    assert _menu_rows(sections["en"])[("main_menu.menu", "1")][1] == ["bill", "your bill", "…"]


def test_readme_block_is_the_main_menu_yes_no_and_numbers(app: Flask, loaded: tuple[FlowSet, PromptCatalog]) -> None:
    flows, _ = loaded
    block = _run(app, "--readme")
    (rows,) = list(_tables(block))
    menu = flows.node("main_menu", "menu")
    assert isinstance(menu, MenuNode)
    assert [cells[1] for cells in rows] == [*menu.options, "1", "2"]
    first = rows[0]
    assert first[0] == "main menu" and "tagihan" in first[3] and "bill" in first[4]
    assert [cells[2] for cells in rows[-2:]] == ["yes", "no"]
    assert "'lima tiga dua'" in block and "'five three two'" in block


def _readme_section(readme: Path) -> str | None:
    text = readme.read_text(encoding="utf-8")
    if words_table.START not in text:
        return None
    return text.split(words_table.START, 1)[1].split(words_table.END, 1)[0].strip("\n") + "\n"


def test_readme_words_table_agrees_with_the_data(loaded: tuple[FlowSet, PromptCatalog]) -> None:
    """README.md's section between the words markers is `make words README=1`'s output, word for word."""
    section = _readme_section(PROJECT_ROOT / "README.md")
    assert section is not None, f"README.md has no {words_table.START} ... {words_table.END} section"
    assert section == words_table.readme_block(*loaded), "paste `make words README=1` between the markers"
