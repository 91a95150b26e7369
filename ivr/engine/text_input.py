"""Read what a customer typed as the keys a voice caller would have pressed.

People write "1.", " 2 ", "Ya!", "No", "1️⃣", "5320 1234 5678" or "(021) 555-0123"; a menu, a
confirmation and a number prompt each accept that, and nothing else changes downstream.
"""

from __future__ import annotations

import re
import unicodedata

from ivr.engine.model import CollectNode, ConfirmNode, MenuNode, WaitingNode

YES_WORDS = frozenset({"1", "y", "ya", "iya", "yes", "yup", "yep", "ok", "oke", "benar", "betul", "setuju"})
NO_WORDS = frozenset({"2", "n", "t", "no", "tidak", "tdk", "nggak", "enggak", "gak", "ga", "bukan", "salah", "ulang"})
RESTART_WORDS = frozenset({"menu", "mulai", "start", "restart", "0"})
END_WORDS = frozenset({"end", "selesai", "keluar", "exit", "bye"})
NUMBER_SEPARATORS = re.compile(r"[\s.\-_/,()]+")
# Punctuation, brackets and emoji around a choice: "(1)", "1.", "ya!", "ok 👍"; * and # are keys.
DECORATION = re.compile(r"^[^\w*#]+|[^\w*#]+$")
# What turns a digit into an emoji: "1️⃣" is 1, U+FE0F and the enclosing keycap U+20E3.
KEYCAP = re.compile("[\ufe0f\u20e3]")
COUNTRY_PREFIX, TRUNK_PREFIX = "+62", "0"  # "+62 812-..." typed for a phone number is 0812...


def _plain(body: str) -> str:
    """Lower case, compatibility-normalised (full-width digits become ASCII), keycaps undone, trimmed."""
    return KEYCAP.sub("", unicodedata.normalize("NFKC", body)).strip().lower()


def _choice(text: str) -> str:
    """The choice without what surrounds it; text that is all decoration is kept, to be refused."""
    return DECORATION.sub("", text) or text


def as_keys(node: WaitingNode, body: str) -> str:
    """The keys `body` stands for at `node`; unrecognised text is returned trimmed, to be refused."""
    text = _plain(body)
    if isinstance(node, CollectNode):
        digits = NUMBER_SEPARATORS.sub("", text).removesuffix(node.finish_on_key or "\0")
        if digits.startswith(COUNTRY_PREFIX):
            digits = TRUNK_PREFIX + digits.removeprefix(COUNTRY_PREFIX)
        return digits
    if isinstance(node, ConfirmNode):
        word = _choice(text)
        if word in YES_WORDS:
            return "1"
        if word in NO_WORDS:
            return "2"
        return word
    if isinstance(node, MenuNode):
        return _choice(text)
    return text


def is_restart(node: WaitingNode | None, body: str) -> bool:
    """`menu` (or `0` where 0 is not itself a choice) means: take me back to the start."""
    word = _choice(_plain(body))
    if word not in RESTART_WORDS:
        return False
    return not (isinstance(node, MenuNode) and word in node.options)


def is_end(body: str) -> bool:
    """`end` (or `selesai`) means: that is all, say goodbye; a later message starts afresh."""
    return _choice(_plain(body)) in END_WORDS
