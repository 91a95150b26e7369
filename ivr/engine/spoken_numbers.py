"""Numbers said (or typed) in words, Indonesian or English, as the digits a caller would press.

The rule, applied left to right over the words:
- digits already in the words are kept as they are ("5321", "5 3 2 1", "081234");
- a single digit word on its own is one digit, so a run of them reads digit by digit
  ("lima tiga dua satu" is 5321, "oh eight one two" is 0812, "double five" is 55);
- number words that build a number form it ("empat puluh enam ribu delapan ratus" is 46800,
  "seratus", "sebelas", "seribu", "sejuta", "forty six thousand eight hundred"); a digit word
  just before puluh/belas/ratus/hundred or a scale word belongs to it;
- the pieces are written one after the other ("53 20 lima" is 53205, "thirty four fifty six"
  is 3456), except that a number with a scale word (ribu, juta, thousand, ...) must stand alone:
  "tiga lima ribu" could be 35000 or 3 and 5000, so it is refused.
One language per number: the call's language is tried first, then the other. Anything else
(an unknown word, "puluh" with nothing before it, "ribu ribu") gives None: refuse, never guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ivr.engine.speech import LANGUAGES
from ivr.engine.tokens import is_numeral

# Word kinds: a digit; a ready group below 100 (teens, tens); a multiplier that needs a digit
# before it (puluh x10, belas +10, ratus/hundred x100); a ready hundred (seratus); a scale that
# needs a group before it; a ready scale (seribu); "a" (a hundred) and "and"; double/triple.
DIGIT, GROUP, PULUH, BELAS, HUNDRED, HUNDREDS, SCALE, READY_SCALE, ONE, AND, REPEAT, NUMERAL, LETTER_O = range(13)

_ID_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen")
_EN_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = {
    "id": {"ribu": 10**3, "juta": 10**6, "miliar": 10**9, "triliun": 10**12},
    "en": {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12},
}

LEXICON: dict[str, dict[str, tuple[int, int]]] = {
    "id": {
        **{word: (DIGIT, value) for value, word in enumerate(_ID_DIGITS)},
        "kosong": (DIGIT, 0),
        "sepuluh": (GROUP, 10),
        "sebelas": (GROUP, 11),
        "puluh": (PULUH, 10),
        "belas": (BELAS, 10),
        "ratus": (HUNDRED, 100),
        "seratus": (HUNDREDS, 100),
        **{word: (SCALE, value) for word, value in _SCALES["id"].items()},
        **{"se" + word: (READY_SCALE, value) for word, value in _SCALES["id"].items()},
    },
    "en": {
        **{word: (DIGIT, value) for value, word in enumerate(_EN_DIGITS)},
        "oh": (LETTER_O, 0),  # zero only among other digits ("oh eight"); alone it is a sigh
        "o": (LETTER_O, 0),
        **{word: (GROUP, 10 + n) for n, word in enumerate(_EN_TEENS)},
        "nineteen": (GROUP, 19),
        **{word: (GROUP, 20 + 10 * n) for n, word in enumerate(_EN_TENS)},
        "hundred": (HUNDRED, 100),
        **{word: (SCALE, value) for word, value in _SCALES["en"].items()},
        "a": (ONE, 1),
        "and": (AND, 0),
        "double": (REPEAT, 2),
        "triple": (REPEAT, 3),
    },
}
NUMBER_WORDS = frozenset(word for lexicon in LEXICON.values() for word in lexicon)


@dataclass(frozen=True)
class _Item:
    kind: int
    value: int
    text: str = ""  # a numeral as written, leading zeros kept


def _items(words: Sequence[str], language: str) -> list[_Item] | None:
    lexicon = LEXICON[language]
    items = []
    for word in words:
        if is_numeral(word):
            items.append(_Item(DIGIT, int(word)) if len(word) == 1 else _Item(NUMERAL, int(word), word))
        elif word in lexicon:
            items.append(_Item(*lexicon[word]))
        else:
            return None
    for i, item in enumerate(items):
        if item.kind == LETTER_O:
            if not {_kind(items, i - 1) if i else None, _kind(items, i + 1)} & {DIGIT, NUMERAL, LETTER_O, REPEAT}:
                return None
            items[i] = _Item(DIGIT, 0)
    return items


def _kind(items: list[_Item], i: int) -> int | None:
    return items[i].kind if i < len(items) else None


def _below_1000(items: list[_Item], i: int) -> tuple[int, int] | None:
    """A number 1..999 built with number words starting at `i`: (value, next index), else None.

    A lone digit is not one (it is read as a digit); a numeral is not one either.
    """
    start, value = i, 0
    if _kind(items, i) == HUNDREDS:
        value, i = 100, i + 1
    elif _kind(items, i) in (DIGIT, ONE) and items[i].value and _kind(items, i + 1) == HUNDRED:
        value, i = items[i].value * 100, i + 2
    if value and _kind(items, i) == AND and _kind(items, i + 1) in (DIGIT, GROUP):
        i += 1
    kind, after = _kind(items, i), _kind(items, i + 1)
    if kind == GROUP:
        value, i = value + items[i].value, i + 1
        if items[i - 1].value >= 20 and _kind(items, i) == DIGIT and items[i].value:
            value, i = value + items[i].value, i + 1
    elif kind == DIGIT and items[i].value and after == BELAS:
        value, i = value + 10 + items[i].value, i + 2
    elif kind == DIGIT and items[i].value and after == PULUH:
        value, i = value + 10 * items[i].value, i + 2
        if _kind(items, i) == DIGIT and items[i].value:
            value, i = value + items[i].value, i + 1
    elif kind == DIGIT and items[i].value and value:
        value, i = value + items[i].value, i + 1
    return (value, i) if value and i > start else None


def _group(items: list[_Item], i: int) -> tuple[int, int] | None:
    """What may stand before a scale word or after the last one: a built number, a digit, a short numeral."""
    built = _below_1000(items, i)
    if built is not None:
        return built
    kind = _kind(items, i)
    if kind in (DIGIT, ONE) and items[i].value:
        return items[i].value, i + 1
    if kind == NUMERAL and not items[i].text.startswith("0") and items[i].value < 1000:
        return items[i].value, i + 1
    return None


def _scaled(items: list[_Item], i: int) -> tuple[int, int] | None:
    """A number with scale words ("dua juta tiga ratus ribu lima"), scales falling: (value, next)."""
    total, last_scale = 0, 10**15
    while True:
        if _kind(items, i) == READY_SCALE and items[i].value < last_scale:
            total, last_scale, i = total + items[i].value, items[i].value, i + 1
            continue
        group = _group(items, i)
        if group is None:
            break
        value, after = group
        if _kind(items, after) != SCALE or items[after].value >= last_scale:
            break
        total, last_scale, i = total + value * items[after].value, items[after].value, after + 1
    if not total:
        return None
    if _kind(items, i) == AND:
        i += 1
    rest = _group(items, i)
    if rest is not None:
        total, i = total + rest[0], rest[1]
    elif _kind(items, i - 1) == AND:
        return None
    return total, i


def _read(items: list[_Item]) -> str | None:
    """The digits of a sequence of number words in one language, or None when unsure."""
    pieces: list[str] = []
    scaled = False
    i = 0
    while i < len(items):
        item = items[i]
        if item.kind == REPEAT:
            if _kind(items, i + 1) != DIGIT:
                return None
            pieces.append(str(items[i + 1].value) * item.value)
            i += 2
        elif (found := _scaled(items, i)) is not None:
            scaled = True
            pieces.append(str(found[0]))
            i = found[1]
        elif (found := _below_1000(items, i)) is not None:
            pieces.append(str(found[0]))
            i = found[1]
        elif item.kind == DIGIT:
            pieces.append(str(item.value))
            i += 1
        elif item.kind == NUMERAL:
            pieces.append(item.text)
            i += 1
        else:
            return None
    if not pieces or (scaled and len(pieces) > 1):
        return None
    return "".join(pieces)


def spoken_digits(words: Sequence[str], language: str) -> str | None:
    """The digits `words` (normal form, see tokens.words) say, in `language` or else another, or None."""
    others = [other for other in LANGUAGES if other != language]
    for candidate in (language, *others) if language in LANGUAGES else LANGUAGES:
        items = _items(words, candidate)
        if items is not None:
            digits = _read(items)
            if digits is not None:
                return digits
    return None
