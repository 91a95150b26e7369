"""How a value is written for a reader of Bahasa Indonesia or English: one rule per kind, all from Babel (CLDR).

Dates "6 Des 2026" / "Dec 6, 2026", times "10.05" / "10:05 AM", counts "1.234" / "1,234", Rupiah
"Rp 245.500" / "IDR 245,500" and ratios "14,3%" / "14.3%". A moment keeps its zone's Indonesian
name (WIB, WITA, WIT) in both languages. Machine-read output (CSV, the API) stays ISO and never
comes here. `language` is the console's code, "id" or "en"; anything else reads as Indonesian.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"id": "id_ID", "en": "en"}
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
NOTHING = "-"
RUPIAH = "¤ #,##0"  # no cents: Rupiah amounts are whole
RATIO = "#,##0.#%"  # at most one decimal


def locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["id"])


def number(value: float | None, language: str) -> str:
    """A whole count with the reader's grouping: "1.234" or "1,234"."""
    return NOTHING if value is None else format_decimal(round(value), locale=locale(language))


def money(rupiah: float | None, language: str) -> str:
    """An amount of Rupiah: "Rp 245.500" or "IDR 245,500"."""
    if rupiah is None:
        return NOTHING
    return format_currency(rupiah, "IDR", format=RUPIAH, currency_digits=False, locale=locale(language))


def percent(ratio: float | None, language: str) -> str:
    """A ratio as a percentage with at most one decimal: "14,3%" or "14.3%"; "-" when there is no ratio."""
    return NOTHING if ratio is None else format_percent(ratio, format=RATIO, locale=locale(language))


def day(value: date | None, language: str) -> str:
    """A calendar day: "6 Des 2026" or "Dec 6, 2026"."""
    return NOTHING if value is None else format_date(value, "medium", locale=locale(language))


def short_day(value: date, language: str) -> str:
    """A day without its year, for a chart's axis: "6 Des" or "Dec 6"."""
    return format_skeleton("MMMd", value, locale=locale(language))


def month(value: date | None, language: str) -> str:
    """A billing or reading period: "Des 2026" or "Dec 2026"."""
    return NOTHING if value is None else format_skeleton("yMMM", value, locale=locale(language))


def clock(value: datetime, language: str, seconds: bool = False) -> str:
    """A wall-clock time as read there: "10.05" or "10:05 AM" (with seconds: "10.05.00")."""
    return format_time(value, "medium" if seconds else "short", locale=locale(language))


def day_and_clock(value: datetime, language: str) -> str:
    """A day and a time joined as the language joins them: "6 Des 2026 10.05" or "Dec 6, 2026, 10:05 AM"."""
    pattern = str(get_datetime_format("medium", locale=locale(language)))  # "{1} {0}": day, then time
    return pattern.format(clock(value, language), day(value, language))


def moment(value: datetime | None, zone: str, language: str, with_date: bool = True) -> str:
    """A UTC instant on a zone's clock, the zone named: "6 Des 2026 10.05 WIB"; time only with seconds otherwise."""
    if value is None:
        return NOTHING
    local = value.astimezone(ZoneInfo(zone))
    text = day_and_clock(local, language) if with_date else clock(local, language, seconds=True)
    return f"{text} {ZONE_NAMES.get(zone, local.strftime('%Z'))}"
