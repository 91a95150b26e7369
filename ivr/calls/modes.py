"""How the caller answered each node of a call, kept on its row as `flow.node:letters` entries.

A letter per way of answering: `k` keys (DTMF), `s` speech understood, `m` speech missed (the
caller spoke but was not understood), `t` text typed over SMS or WhatsApp. Entries are sorted by
node, letters within an entry too, joined by commas: `bill.account:k,main_menu.menu:ms`. The
column is bounded: entries that would pass MAX_CHARS are left out whole (the last in node order),
never cut, so what is stored always parses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from db.models.calls import VOICE

MAX_CHARS = 1000  # the column's width
KEYS, MISSED, SPEECH, TEXT = "k", "m", "s", "t"
LETTERS = frozenset((KEYS, MISSED, SPEECH, TEXT))
SPOKEN = frozenset((SPEECH, MISSED))  # the caller spoke at the node, understood or not
_BY_MODE = {"keys": KEYS, "speech": SPEECH, "text": TEXT}

Modes = dict[str, frozenset[str]]  # "flow.node" -> letters


def parse_modes(joined: str | None) -> Modes:
    """The stored text as node -> letters; anything malformed is skipped."""
    found: Modes = {}
    for entry in (joined or "").split(","):
        node, _, letters = entry.rpartition(":")
        kept = LETTERS.intersection(letters)
        if node and kept:
            found[node] = found.get(node, frozenset()) | kept
    return found


def format_modes(modes: Mapping[str, Iterable[str]]) -> str:
    """Node -> letters as stored text: sorted, within MAX_CHARS; names that would not parse back are left out."""
    text = ""
    for node in sorted(modes):
        letters = "".join(sorted(LETTERS.intersection(modes[node])))
        if not letters or not node or "," in node or ":" in node:
            continue
        entry = f"{node}:{letters}"
        candidate = f"{text},{entry}" if text else entry
        if len(candidate) <= MAX_CHARS:
            text = candidate
    return text


def join_modes(existing: str | None, more: Iterable[tuple[str, str]]) -> str:
    """The stored text with more (node, letter) pairs added."""
    modes = parse_modes(existing)
    for node, letter in more:
        modes[node] = modes.get(node, frozenset()) | {letter}
    return format_modes(modes)


def merge_modes(first: str | None, second: str | None) -> str:
    """The union of two stored texts (a row's and a conversation's)."""
    return join_modes(first, ((node, letter) for node, letters in parse_modes(second).items() for letter in letters))


def mode_letter(kind: str, detail: Mapping[str, Any] | None, channel: str) -> str | None:
    """The letter an event adds for its node, or None for an event that answers nothing.

    An `input` event is answered by its `mode` (keys, speech or text); one written before modes
    existed (no `mode`) is keys on the phone and text on a text channel. `speech_missed` is `m`.
    """
    if kind == "speech_missed":
        return MISSED
    if kind != "input":
        return None
    mode = (detail or {}).get("mode")
    if mode is None:
        return KEYS if channel == VOICE else TEXT
    return _BY_MODE.get(str(mode))


def node_key(flow: str | None, node: str | None) -> str | None:
    return f"{flow}.{node}" if flow and node else None
