"""Read what a customer typed as the keys a voice caller would have pressed.

People write "1.", " 2 ", "Ya!", "No", "1️⃣", "5320 1234 5678" or "(021) 555-0123"; a menu, a
confirmation and a number prompt each accept that, and nothing else changes downstream. Text
with letters in it is read by the word matcher (ivr/engine/words.py, words in flows/words/):
"cek tagihan" at the main menu is 1, "ya benar" is yes, "lima ribu seratus" is 5100.
"""

from __future__ import annotations

import re

from ivr.engine import words
from ivr.engine.model import CollectNode, ConfirmNode, MenuNode, Vocabulary, WaitingNode
from ivr.engine.tokens import normalise

RESTART_WORDS = frozenset({"menu", "mulai", "start", "restart", "0"})
END_WORDS = frozenset({"end", "selesai", "keluar", "exit", "bye"})
NUMBER_SEPARATORS = re.compile(r"[\s.\-_/,()]+")
# Punctuation, brackets and emoji around a choice: "(1)", "1.", "ya!", "ok 👍"; * and # are keys.
DECORATION = re.compile(r"^[^\w*#]+|[^\w*#]+$")
COUNTRY_PREFIX, TRUNK_PREFIX = "+62", "0"  # "+62 812-..." typed for a phone number is 0812...
CONFIRM_KEYS = ("1", "2")


def _choice(text: str) -> str:
    """The choice without what surrounds it; text that is all decoration is kept, to be refused."""
    return DECORATION.sub("", text) or text


def _has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


def as_keys(node: WaitingNode, body: str, vocabulary: Vocabulary, language: str) -> str:
    """The keys `body` stands for at `node`; unrecognised text is returned trimmed, to be refused."""
    text = normalise(body)
    if isinstance(node, CollectNode):
        digits = NUMBER_SEPARATORS.sub("", text).removesuffix(node.finish_on_key or "\0")
        if digits.startswith(COUNTRY_PREFIX):
            digits = TRUNK_PREFIX + digits.removeprefix(COUNTRY_PREFIX)
        if _has_letters(digits):
            return words.match(vocabulary, node, text, language) or digits
        return digits
    if isinstance(node, ConfirmNode | MenuNode):
        choice = _choice(text)
        keys = CONFIRM_KEYS if isinstance(node, ConfirmNode) else node.options
        if choice in keys or not _has_letters(choice):
            return choice
        return words.match(vocabulary, node, text, language) or choice
    return text


def is_restart(node: WaitingNode | None, body: str) -> bool:
    """`menu` (or `0` where 0 is not itself a choice) means: take me back to the start."""
    word = _choice(normalise(body))
    if word not in RESTART_WORDS:
        return False
    return not (isinstance(node, MenuNode) and word in node.options)


def is_end(body: str) -> bool:
    """`end` (or `selesai`) means: that is all, say goodbye; a later message starts afresh."""
    return _choice(normalise(body)) in END_WORDS
