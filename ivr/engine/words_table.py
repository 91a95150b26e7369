"""What callers may say instead of keys, as Markdown generated from the data (`flask words`, README).

Per language: every menu and one-key collect that has words (flows/words/<lang>/<flow>.yaml), each
key with what the prompt offers it for (the numbered line of the prompts' text, as a text message
lists it) and its first few phrases; then the yes/no words every confirmation hears, and how
numbers may be said. Nothing here is written by hand, so the table cannot drift from the words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ivr.engine import speech
from ivr.engine.model import ConfirmNode, Flow, FlowSet, MenuNode, Node
from ivr.engine.prompts import PLACEHOLDER, TEXT, PromptCatalog
from ivr.engine.tokens import words
from ivr.engine.vocabulary import YES_NO_KEYS

SHOWN = 4  # phrases shown per key; "…" says there are more
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
NUMBER_EXAMPLES = ("532", 46800)  # said digit by digit, and as one number
_NUMBERED = re.compile(r"^\s*(\d{1,2}|[*#])[.)]\s+(.+?)\s*$", re.MULTILINE)
START, END = "<!-- words:start -->", "<!-- words:end -->"  # README.md's generated section


@dataclass(frozen=True)
class Row:
    """One key of one node: what its prompt offers it for, and the phrases that mean it."""

    node: str  # "flow.node"
    key: str
    offered: str
    phrases: tuple[str, ...]


def rows(flows: FlowSet, prompts: PromptCatalog, language: str) -> list[Row]:
    """Every key with words in `language`: the entry flow first, then the others by label; nodes in file order."""
    return [row for node in word_nodes(flows, language) for row in node_rows(flows, prompts, language, node)]


def word_nodes(flows: FlowSet, language: str) -> list[Node]:
    """The nodes that have words in `language`, in the order the table lists them."""
    by_node = flows.words.choices.get(language, {})
    return [node for flow in _in_order(flows) for node in flow.nodes.values() if by_node.get(node.qualified)]


def node_rows(flows: FlowSet, prompts: PromptCatalog, language: str, node: Node) -> list[Row]:
    """One row per key of `node`: a menu's options in its order, a one-key collect's keys in number order."""
    phrases = flows.words.choices.get(language, {}).get(node.qualified, {})
    offered = offers(node, prompts, language)
    keys = list(node.options) if isinstance(node, MenuNode) else sorted(offered.keys() | phrases.keys())
    return [Row(node.qualified, key, offered.get(key, ""), tuple(phrases.get(key, ()))) for key in keys]


def offers(node: Node, prompts: PromptCatalog, language: str) -> dict[str, str]:
    """Key -> what the node's prompts list it as in a text message ("1. Your bill"); a placeholder shows as "…"."""
    written = "\n".join(prompts.written(key, language, TEXT) for key in node.prompt)
    return {key: PLACEHOLDER.sub("…", label) for key, label in _NUMBERED.findall(written)}


def yes_no(flows: FlowSet, language: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(answer, key, phrases) for the words every confirmation hears."""
    answers = flows.words.answers.get(language, {})
    return [(answer, key, tuple(answers.get(answer, ()))) for answer, key in YES_NO_KEYS.items()]


def number_examples(language: str) -> list[str]:
    """How a number may be said in `language`, written as a recogniser writes it: 'lima tiga dua', ..."""
    digits, number = NUMBER_EXAMPLES
    return [" ".join(words(speech.digits(digits, language))), " ".join(words(speech.number_words(number, language)))]


def confirmations(flows: FlowSet) -> int:
    """How many confirm nodes there are: each hears the yes/no words."""
    return sum(isinstance(node, ConfirmNode) for flow in flows.flows.values() for node in flow.nodes.values())


def language_table(flows: FlowSet, prompts: PromptCatalog, language: str, shown: int = SHOWN) -> str:
    """The whole table for one language, as Markdown."""
    lines = [f"## {LANGUAGE_NAMES.get(language, language)} ({language}): what callers may say instead of keys", ""]
    lines += _table(
        ("node", "key", "offered for", "callers may say"), _node_cells(rows(flows, prompts, language), shown)
    )
    lines += ["", f"Every confirmation ({confirmations(flows)} nodes) hears the same yes/no words:", ""]
    answers = [(answer, key, _phrases(phrases, shown)) for answer, key, phrases in yes_no(flows, language)]
    lines += _table(("answer", "key", "callers may say"), answers)
    lines += ["", _numbers_line(number_examples(language))]
    return "\n".join(lines) + "\n"


def tables(flows: FlowSet, prompts: PromptCatalog, languages: Sequence[str], shown: int = SHOWN) -> str:
    """Every language's table, one after the other."""
    return "\n".join(language_table(flows, prompts, language, shown) for language in languages)


def readme_block(flows: FlowSet, prompts: PromptCatalog, languages: Sequence[str] = speech.LANGUAGES) -> str:
    """The main menu, the yes/no words and numbers in every language, in one table: README's words section."""
    header = ("at", "key", "offered for", *(f"say ({LANGUAGE_NAMES.get(lang, lang)})" for lang in languages))
    menu = word_nodes(flows, languages[0])[0]  # the entry flow's first menu with words: the main menu
    by_language = [node_rows(flows, prompts, lang, menu) for lang in languages]
    cells: list[tuple[str, ...]] = []
    for i, same_key in enumerate(zip(*by_language, strict=True)):
        offered = " / ".join(dict.fromkeys(row.offered for row in same_key if row.offered))
        said = (_phrases(row.phrases, SHOWN) for row in same_key)
        cells.append(("main menu" if i == 0 else "", same_key[0].key, offered, *said))
    answers = [yes_no(flows, lang) for lang in languages]
    for i, same_answer in enumerate(zip(*answers, strict=True)):
        answer, key, _ = same_answer[0]
        said = (_phrases(phrases, SHOWN) for _, _, phrases in same_answer)
        cells.append(("every confirmation" if i == 0 else "", key, answer, *said))
    examples = [example for lang in languages for example in number_examples(lang)]
    return "\n".join([*_table(header, cells), "", _numbers_line(examples)]) + "\n"


def _in_order(flows: FlowSet) -> Iterator[Flow]:
    yield flows.flows[flows.entry]
    yield from (flows.flows[name] for name in flows.titles("en") if name != flows.entry)


def _node_cells(found: list[Row], shown: int) -> Iterator[tuple[str, ...]]:
    """Rows as cells; a node is named on its first row only."""
    previous = None
    for row in found:
        yield (f"`{row.node}`" if row.node != previous else "", row.key, row.offered, _phrases(row.phrases, shown))
        previous = row.node


def _phrases(phrases: Sequence[str], shown: int) -> str:
    if not phrases:
        return "(keys only)"
    return ", ".join([*phrases[:shown], *(["…"] if len(phrases) > shown else [])])


def _numbers_line(examples: Sequence[str]) -> str:
    quoted = ", ".join(f"'{example}'" for example in examples)
    return f"Numbers (a customer ID, a meter reading, a ticket): digits, or number words: {quoted}."


def _table(header: Sequence[str], cells: Iterable[Sequence[str]]) -> list[str]:
    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(value.replace("|", "\\|") for value in values) + " |"

    return [line(header), line(["---"] * len(header)), *(line(row) for row in cells)]
