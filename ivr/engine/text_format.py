"""Numbers, amounts, dates and times as a customer reads them in a text message.

The text counterpart of speech.py: a voice reads "satu, dua, tiga" digit by digit, a screen
shows "123". Same filter names, so one prompt template serves both media.
"""

from __future__ import annotations

from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal, localcontext

from ivr.engine import speech

_THOUSANDS = {"id": ".", "en": ","}
_DECIMAL = {"id": ",", "en": "."}


def _check(lang: str) -> None:
    if lang not in speech.LANGUAGES:
        raise ValueError(f"unsupported language: {lang!r} (expected one of {speech.LANGUAGES})")


def digits(value: str, lang: str) -> str:
    """An id or reference exactly as typed: digits only, nothing spelled out."""
    _check(lang)
    return "".join(c for c in str(value) if c in "0123456789")


def digit_groups(value: str, lang: str) -> str:
    """Long numbers (tokens) in groups of four so they can be copied without mistakes."""
    plain = digits(value, lang)
    return " ".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def number(value: int, lang: str) -> str:
    """A whole number with the language's thousands separator: 1.234 (id), 1,234 (en)."""
    _check(lang)
    return f"{int(value):,}".replace(",", _THOUSANDS[lang])


def _decimal(value: Decimal, lang: str, places: int) -> tuple[str, bool]:
    """The amount without its sign, rounded half up to `places` (trailing zeros dropped), and whether it is negative."""
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"cannot write a non-finite amount: {value}")
    with localcontext() as exact:
        exact.prec = max(28, value.adjusted() + places + 2)  # never round away whole digits
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    text = number(int(whole), lang)
    if fraction.rstrip("0"):
        text += _DECIMAL[lang] + fraction.rstrip("0")
    return text, rounded < 0


def rupiah(value: Decimal, lang: str) -> str:
    """Rp1.234.567 (whole Rupiah, as bills show them); a credit is -Rp1.234."""
    text, negative = _decimal(value, lang, 0)
    return ("-" if negative else "") + "Rp" + text


def kwh(value: Decimal, lang: str) -> str:
    """250,5 kWh (id) or 250.5 kWh (en), to the hundredth a token receipt shows."""
    text, negative = _decimal(value, lang, 2)
    return ("-" if negative else "") + text + " kWh"


def date_text(day: date, lang: str) -> str:
    """24 November 2026 in both languages (the order Indonesians and the utility's bills use)."""
    _check(lang)
    return f"{day.day} {speech.MONTH_NAMES[lang][day.month - 1]} {day.year}"


def month_text(day: date, lang: str) -> str:
    _check(lang)
    return f"{speech.MONTH_NAMES[lang][day.month - 1]} {day.year}"


def time_text(moment: time, lang: str) -> str:
    """08.00 (id) or 08:00 (en), on the region's own clock like every time the customer sees."""
    _check(lang)
    return f"{moment.hour:02d}{'.' if lang == 'id' else ':'}{moment.minute:02d}"
