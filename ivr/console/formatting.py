"""How the console shows values to its viewer: the rules live in ivr/formats.py, the language is the viewer's."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Flask

from db.models import DEFAULT_TIMEZONE
from ivr import formats
from ivr.console.language import viewer_language
from ivr.formats import ZONE_NAMES as ZONE_NAMES  # calls and announcements name zones from here
from ivr.phone.numbers import national_format

LANGUAGE_LABELS = {"id": "Indonesia", "en": "Inggris"}
MESSAGE_STATUS_LABELS = {"queued": "Dalam antrean kirim", "sent": "Terkirim", "failed": "Gagal"}


def local_time(moment: datetime | None, timezone: str | None = None, with_date: bool = True) -> str:
    """'6 Des 2026 10.05 WIB' / 'Dec 6, 2026, 10:05 AM WIB': a UTC instant on the region's clock, its zone named."""
    return formats.moment(moment, timezone or DEFAULT_TIMEZONE, viewer_language(), with_date)


def number(value: float | None) -> str:
    return formats.number(value, viewer_language())


def money(rupiah: float | None) -> str:
    return formats.money(rupiah, viewer_language())


def percent(ratio: float | None) -> str:
    return formats.percent(ratio, viewer_language())


def day(value: date | None) -> str:
    return formats.day(value, viewer_language())


def iso_day(text: str) -> str:
    """A day the page has as ISO text (a form's value), written for the viewer; text that is no date stays as it is."""
    try:
        return formats.day(date.fromisoformat(text), viewer_language())
    except ValueError:
        return text


def month(value: date | None) -> str:
    return formats.month(value, viewer_language())


def phone(value: str | None) -> str:
    return national_format(value) if value else "-"


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def install(app: Flask) -> None:
    app.jinja_env.filters.update(
        local_time=local_time,
        number=number,
        money=money,
        percent=percent,
        day=day,
        iso_day=iso_day,
        month=month,
        phone=phone,
        duration=duration,
    )


def link(url: object) -> str | None:
    """Only https URLs with a host become links; anything else a customer or carrier sent stays text."""
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() == "https" and parts.netloc else None
