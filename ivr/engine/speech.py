"""Turn numbers, amounts, dates and times into text a TTS voice reads naturally.

Pure functions, standard library only, for Bahasa Indonesia ("id") and English ("en").
"""

from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, get_args

Language = Literal["id", "en"]  # the prompt catalogs in flows/prompts/; a call's language is one of them
LANGUAGES: tuple[str, ...] = get_args(Language)

MAX_NUMBER = 999_999_999_999_999

_ONES = {
    "id": ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
}
_EN_TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = {
    "id": ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (1000, "ribu")),
    "en": ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand")),
}
MONTH_NAMES = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
_EN_ORDINALS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_MINUS = {"id": "minus", "en": "minus"}
_POINT = {"id": "koma", "en": "point"}


def _check(lang: str) -> None:
    """Fail loudly on a language we have no words for, instead of speaking the wrong one."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language: {lang!r} (expected one of {LANGUAGES})")


def _id_below_1000(n: int) -> str:
    """Indonesian words for 1..999, where 'se-' replaces 'satu' before ratus/puluh/belas."""
    ones = _ONES["id"]
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds == 1:
        parts.append("seratus")
    elif hundreds > 1:
        parts.append(f"{ones[hundreds]} ratus")
    tens, unit = divmod(rest, 10)
    if rest == 10:
        parts.append("sepuluh")
    elif rest == 11:
        parts.append("sebelas")
    elif tens == 1:
        parts.append(f"{ones[unit]} belas")
    else:
        if tens:
            parts.append(f"{ones[tens]} puluh")
        if unit:
            parts.append(ones[unit])
    return " ".join(parts)


def _en_below_1000(n: int) -> str:
    """English words for 1..999, without 'and' and with hyphens for 21..99."""
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(f"{_ONES['en'][hundreds]} hundred")
    tens, unit = divmod(rest, 10)
    if tens == 1:
        parts.append(_EN_TEENS[unit])
    elif tens and unit:
        parts.append(f"{_EN_TENS[tens]}-{_ONES['en'][unit]}")
    elif tens:
        parts.append(_EN_TENS[tens])
    elif unit:
        parts.append(_ONES["en"][unit])
    return " ".join(parts)


def number_words(n: int, lang: str) -> str:
    """Spell an integer in words so TTS never reads long numbers digit-wise or in English."""
    _check(lang)
    if abs(n) > MAX_NUMBER:
        raise ValueError(f"number out of range (|n| <= {MAX_NUMBER}): {n}")
    if n < 0:
        return f"{_MINUS[lang]} {number_words(-n, lang)}"
    if n == 0:
        return _ONES[lang][0]
    below_1000 = _id_below_1000 if lang == "id" else _en_below_1000
    parts = []
    for value, name in _SCALES[lang]:
        chunk, n = divmod(n, value)
        if not chunk:
            continue
        if lang == "id" and chunk == 1 and value == 1000:
            parts.append("seribu")
        else:
            parts.append(f"{below_1000(chunk)} {name}")
    if n:
        parts.append(below_1000(n))
    return " ".join(parts)


def _only_digits(value: str) -> str:
    """Keep ASCII digits only, so separators like '-' or ' ' in IDs are not read aloud."""
    return "".join(c for c in value if c in "0123456789")


def digits(value: str, lang: str) -> str:
    """Read a digit string one digit at a time with pauses, for phone and account numbers."""
    _check(lang)
    return ", ".join(_ONES[lang][int(c)] for c in _only_digits(value))


def digit_groups(value: str, lang: str, size: int = 4) -> str:
    """Read digits in groups with longer pauses between groups, so callers can type tokens."""
    _check(lang)
    if size < 1:
        raise ValueError(f"group size must be positive: {size}")
    clean = _only_digits(value)
    groups = (clean[i : i + size] for i in range(0, len(clean), size))
    return ". ".join(digits(group, lang) for group in groups)


def _to_decimal(amount: int | Decimal) -> Decimal:
    """Normalise int/Decimal input, rejecting NaN and infinity that cannot be spoken."""
    value = amount if isinstance(amount, Decimal) else Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"cannot speak a non-finite amount: {amount}")
    return value


def rupiah(amount: int | Decimal, lang: str) -> str:
    """Speak a money amount in whole rupiah (half up), since sen are never used in practice."""
    _check(lang)
    whole = int(_to_decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{number_words(whole, lang)} rupiah"


def kwh(amount: int | Decimal, lang: str) -> str:
    """Speak an energy amount, reading any decimals digit by digit as people say them."""
    _check(lang)
    value = _to_decimal(amount)
    whole, _, fraction = format(abs(value), "f").partition(".")
    fraction = fraction.rstrip("0")
    words = number_words(int(whole), lang)
    if fraction:
        decimals = " ".join(_ONES[lang][int(c)] for c in fraction)
        words = f"{words} {_POINT[lang]} {decimals}"
    if value < 0:
        words = f"{_MINUS[lang]} {words}"
    if lang == "id":
        return f"{words} kilowatt jam"
    return f"{words} kilowatt {'hour' if value == 1 else 'hours'}"


def _en_ordinal(n: int) -> str:
    """English ordinal words (first, twenty-third) for spoken calendar days."""
    words = number_words(n, "en")
    head, sep, last = words.rpartition("-") if "-" in words else words.rpartition(" ")
    if last in _EN_ORDINALS:
        last = _EN_ORDINALS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}{sep}{last}"


def date_words(d: date, lang: str) -> str:
    """Speak a date the way each language says it aloud, avoiding ambiguous numeric formats."""
    _check(lang)
    month = MONTH_NAMES[lang][d.month - 1]
    year = number_words(d.year, lang)
    if lang == "id":
        return f"{number_words(d.day, 'id')} {month} {year}"
    return f"{month} {_en_ordinal(d.day)}, {year}"


def month_words(d: date, lang: str) -> str:
    """A billing period as people say it: "November dua ribu dua puluh enam"."""
    _check(lang)
    return f"{MONTH_NAMES[lang][d.month - 1]} {number_words(d.year, lang)}"


def time_words(t: time, lang: str) -> str:
    """Speak a clock time: 24-hour 'pukul' style in Indonesian, 12-hour a.m./p.m. in English."""
    _check(lang)
    if lang == "id":
        hour = number_words(t.hour, "id")
        if t.minute == 0:
            return f"pukul {hour} tepat"
        return f"pukul {hour} lewat {number_words(t.minute, 'id')}"
    if t.minute == 0 and t.hour in (0, 12):
        return "twelve midnight" if t.hour == 0 else "twelve noon"
    hour = number_words(t.hour % 12 or 12, "en")
    suffix = "a.m." if t.hour < 12 else "p.m."
    if t.minute == 0:
        return f"{hour} {suffix}"
    if t.minute < 10:
        return f"{hour} oh {number_words(t.minute, 'en')} {suffix}"
    return f"{hour} {number_words(t.minute, 'en')} {suffix}"
