"""Load the words callers may say or type instead of keys (flows/words/) and check them at start-up.

`<lang>/common.yaml` holds the yes/no words every confirm node hears, filler words and negations;
`<lang>/<flow>.yaml` maps a node (a menu, or a one-key collect) to its keys and their phrases.
The shape is checked against words.schema.json; then each phrase must be written in normal form
(tokens.canonical), its node and key must exist, and no phrase may lead to two keys of a node
(nor be both yes and no), in any language: the matcher hears both languages at once.
Every error names the file and the node.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ivr.engine import yaml_text
from ivr.engine.errors import FlowDefinitionError
from ivr.engine.model import CollectNode, ConfirmNode, Flow, MenuNode, Node, Phrase, Vocabulary
from ivr.engine.speech import LANGUAGES
from ivr.engine.tokens import canonical

SCHEMA_PATH = Path(__file__).with_name("words.schema.json")
COMMON = "common"
YES_NO_KEYS = {"yes": "1", "no": "2"}  # what a confirm node's keys mean (flows/README.md)


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


class _Builder:
    """Collects the word lists of every language and refuses a phrase that leads two ways."""

    def __init__(self) -> None:
        self.choices: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
        self.answers: dict[str, dict[str, tuple[str, ...]]] = {}
        self.tables: dict[str, dict[Phrase, str]] = {}
        self.sources: dict[tuple[str, Phrase], str] = {}
        self.yes_no: dict[Phrase, str] = {}
        self.fillers: set[Phrase] = set()
        self.negations: set[str] = set()

    def add(self, table: dict[Phrase, str], scope: str, phrase: str, key: str, file: str, node: str | None) -> None:
        split = tuple(phrase.split(" "))
        if table.get(split, key) != key:
            raise FlowDefinitionError(
                f"'{phrase}' leads to both '{table[split]}' ({self.sources[(scope, split)]}) and '{key}'",
                file=file,
                node=node,
            )
        table[split] = key
        self.sources.setdefault((scope, split), file)

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(
            choices=self.choices,
            answers=self.answers,
            tables=self.tables,
            yes_no=self.yes_no,
            fillers=frozenset(self.fillers),
            negations=frozenset(self.negations),
        )


def _read(path: Path, shape: str) -> dict[Any, Any]:
    """A words file, checked against its part of the schema (one version of it is read once a process)."""
    return _words_of(*yaml_text.file_version(path), shape)


@lru_cache(maxsize=512)
def _words_of(path: Path, _mtime_ns: int, _size: int, shape: str) -> dict[Any, Any]:
    file = str(path)
    raw = yaml_text.read_mapping(path, "words")
    if shape == COMMON:
        # YAML 1.1 reads bare `yes:` / `no:` keys as booleans; an author means the words.
        raw = {({True: "yes", False: "no"}.get(k, k) if isinstance(k, bool) else k): v for k, v in raw.items()}
    validator = Draft202012Validator({"$defs": _schema()["$defs"], "$ref": f"#/$defs/{shape}"})
    errors = sorted(validator.iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        error, parts = errors[0], [str(part) for part in errors[0].absolute_path]
        hint = " (YAML reads yes/no/on/off as true/false: quote the word)" if isinstance(error.instance, bool) else ""
        where = f" at '{'/'.join(parts)}'" if parts else ""
        node = parts[0] if parts and shape != COMMON else None
        raise FlowDefinitionError(f"{error.message}{where}{hint}", file=file, node=node)
    return raw


def _phrases(value: list[str], file: str, node: str | None, what: str) -> tuple[str, ...]:
    """The phrases, each checked to be written in normal form."""
    for phrase in value:
        written = canonical(phrase)
        if not written:
            raise FlowDefinitionError(f"{what}: {phrase!r} has no words", file=file, node=node)
        if written != phrase:
            raise FlowDefinitionError(
                f"{what}: write {phrase!r} as '{written}' (lower case, NFKC, no punctuation, single spaces)",
                file=file,
                node=node,
            )
    return tuple(dict.fromkeys(value))


def _read_common(path: Path, language: str, builder: _Builder) -> None:
    file = str(path)
    if not path.is_file():
        raise FlowDefinitionError(f"no {COMMON}.yaml (yes/no words, fillers, negations)", file=str(path.parent))
    raw = _read(path, COMMON)
    lists = {name: _phrases(value, file, None, name) for name, value in raw.items()}
    builder.answers[language] = {"yes": lists["yes"], "no": lists["no"]}
    for answer, key in YES_NO_KEYS.items():
        for phrase in lists[answer]:
            builder.add(builder.yes_no, "@yes_no", phrase, key, file, None)
    builder.fillers.update(tuple(filler.split(" ")) for filler in lists["fillers"])
    builder.negations.update(word for phrase in lists["negations"] for word in phrase.split(" "))


def _keys_of(node: Node, file: str) -> set[str]:
    """The keys words may stand for at a node: a menu's options, or the digits of a one-key collect."""
    if isinstance(node, MenuNode):
        return set(node.options)
    if isinstance(node, CollectNode) and node.max_length == 1:
        return set("0123456789")
    if isinstance(node, ConfirmNode):
        raise FlowDefinitionError(f"a confirm node hears the yes/no words of {COMMON}.yaml", file=file, node=node.id)
    raise FlowDefinitionError("only menu and one-key collect (max_length 1) nodes have words", file=file, node=node.id)


def _read_flow_words(path: Path, language: str, flows: Mapping[str, Flow], builder: _Builder) -> None:
    file = str(path)
    flow = flows.get(path.stem)
    if flow is None:
        raise FlowDefinitionError(f"no flow '{path.stem}' for these words", file=file)
    by_node = builder.choices.setdefault(language, {})
    for node_id, options in _read(path, "flow").items():
        if node_id not in flow.nodes:
            raise FlowDefinitionError(f"flow '{flow.name}' has no node '{node_id}'", file=file, node=node_id)
        node = flow.nodes[node_id]
        keys = _keys_of(node, file)
        table = builder.tables.setdefault(node.qualified, {})
        by_key = by_node.setdefault(node.qualified, {})
        for raw_key, value in options.items():
            key = str(raw_key)
            if key not in keys:
                raise FlowDefinitionError(
                    f"option '{key}' is not offered here ({sorted(keys)})", file=file, node=node_id
                )
            by_key[key] = _phrases(value, file, node_id, f"option '{key}'")
            for phrase in by_key[key]:
                builder.add(table, node.qualified, phrase, key, file, node_id)


def load_words(directory: Path, flows: Mapping[str, Flow], languages: tuple[str, ...] = LANGUAGES) -> Vocabulary:
    """Load `<directory>/<lang>/*.yaml` and check every word against the flows; raise on the first fault."""
    builder = _Builder()
    for language in languages:
        folder = directory / language
        if not folder.is_dir():
            raise FlowDefinitionError(f"no words for language '{language}'", file=str(folder))
        _read_common(folder / f"{COMMON}.yaml", language, builder)
        for path in sorted(folder.glob("*.yaml")):
            if path.stem != COMMON:
                _read_flow_words(path, language, flows, builder)
    return builder.vocabulary()
