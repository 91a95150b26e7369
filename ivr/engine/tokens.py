"""What a person typed or said, as the lower-case words a matcher compares.

One normal form for every input and every word list in flows/words/: NFKC (full-width letters
and digits become ASCII), lower case, keycap emoji undone ("1️⃣" is 1), typographic apostrophes
made plain, and words split on anything that is not a letter or a digit ("cek-tagihan!!" is
"cek tagihan"; an apostrophe inside a word stays: "don't").
"""

from __future__ import annotations

import re
import unicodedata

# What turns a digit into an emoji: "1️⃣" is 1, U+FE0F and the enclosing keycap U+20E3.
KEYCAP = re.compile("[\ufe0f\u20e3]")
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def normalise(text: str) -> str:
    """Lower case, compatibility-normalised, keycaps undone, trimmed (punctuation kept)."""
    return KEYCAP.sub("", unicodedata.normalize("NFKC", text)).translate(APOSTROPHES).strip().lower()


def words(text: str) -> list[str]:
    """The words of `text` in normal form, punctuation and emoji dropped."""
    return WORD.findall(normalise(text))


def canonical(phrase: str) -> str:
    """How a phrase must be written in a word list: its words in normal form, one space apart."""
    return " ".join(words(phrase))


def is_numeral(word: str) -> bool:
    """ASCII digits only ("5321"); other scripts' digits are not keys."""
    return word.isascii() and word.isdigit()
