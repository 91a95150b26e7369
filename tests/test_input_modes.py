"""How a call's row keeps the way each node was answered: one encoder and decoder (ivr/calls/modes.py)."""

from __future__ import annotations

import pytest

from ivr.calls.modes import MAX_CHARS, format_modes, join_modes, merge_modes, mode_letter, parse_modes


def test_entries_and_letters_are_sorted() -> None:
    text = join_modes("", [("main_menu.menu", "s"), ("bill.account", "k"), ("main_menu.menu", "m")])
    assert text == "bill.account:k,main_menu.menu:ms"
    assert parse_modes(text) == {"bill.account": {"k"}, "main_menu.menu": {"m", "s"}}


def test_adding_what_is_there_changes_nothing() -> None:
    text = "bill.account:k,main_menu.menu:ms"
    assert join_modes(text, [("main_menu.menu", "s"), ("bill.account", "k")]) == text
    assert merge_modes(text, "main_menu.menu:k") == "bill.account:k,main_menu.menu:kms"
    assert merge_modes(None, text) == text == merge_modes(text, "")


@pytest.mark.parametrize(
    "stored",
    ["", ",", "main_menu.menu", ":k", "main_menu.menu:x", "main_menu.menu:", "a.b:k,,c.d:zs"],
)
def test_malformed_text_parses_to_what_can_be_read(stored: str) -> None:
    found = parse_modes(stored)
    assert all(letters <= {"k", "m", "s", "t"} and letters for letters in found.values())
    assert parse_modes(format_modes(found)) == found


def test_names_that_would_not_parse_back_are_left_out() -> None:
    assert format_modes({"a.b,c": {"k"}, "a.b:c": {"s"}, "ok.node": {"k"}}) == "ok.node:k"


def test_the_text_stays_within_the_column_and_drops_whole_entries() -> None:
    many = {f"flow{i:03d}.node_with_a_long_name": {"k", "s"} for i in range(100)}
    text = format_modes(many)
    assert len(text) <= MAX_CHARS
    assert len(text) > MAX_CHARS - 40
    parsed = parse_modes(text)
    assert parsed and all(many[node] == letters for node, letters in parsed.items())
    assert "flow000.node_with_a_long_name" in parsed and "flow099.node_with_a_long_name" not in parsed


@pytest.mark.parametrize(
    ("kind", "detail", "channel", "letter"),
    [
        ("input", {"digits": "1", "mode": "keys"}, "voice", "k"),
        ("input", {"digits": "1", "mode": "speech", "transcript": "cek tagihan", "confidence": 0.8}, "voice", "s"),
        ("input", {"digits": "1", "mode": "text"}, "whatsapp", "t"),
        ("input", {"digits": "1"}, "voice", "k"),  # written before modes existed
        ("input", {"digits": "1"}, "sms", "t"),
        ("input", {"digits": "1", "mode": "telepathy"}, "voice", None),
        ("speech_missed", {"reason": "low_confidence", "attempt": 1}, "voice", "m"),
        ("invalid_input", {"digits": "8", "mode": "speech"}, "voice", None),
        ("no_input", {"attempt": 1}, "voice", None),
        ("node", {}, "voice", None),
    ],
)
def test_the_letter_of_an_event(kind, detail, channel, letter) -> None:
    assert mode_letter(kind, detail, channel) == letter
