"""How the console shows values: local time with the zone's name, numbers as Indonesians write them."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask

from db.models import DEFAULT_TIMEZONE
from ivr.phone.numbers import national_format

LANGUAGE_LABELS = {"id": "Indonesia", "en": "Inggris"}
MESSAGE_STATUS_LABELS = {"queued": "Dalam antrean kirim", "sent": "Terkirim", "failed": "Gagal"}
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def local_time(moment: datetime | None, timezone: str | None = None, with_date: bool = True) -> str:
    """'23 Nov 2026 10:05 WIB': a UTC timestamp in the region's clock, with its zone named."""
    if moment is None:
        return "-"
    zone = timezone or DEFAULT_TIMEZONE
    local = moment.astimezone(ZoneInfo(zone))
    name = ZONE_NAMES.get(zone, local.strftime("%Z"))
    return local.strftime("%d %b %Y %H:%M" if with_date else "%H:%M:%S") + f" {name}"


def phone(value: str | None) -> str:
    return national_format(value) if value else "-"


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def install(app: Flask) -> None:
    app.jinja_env.filters.update(local_time=local_time, phone=phone, duration=duration)


def link(url: object) -> str | None:
    """Only https URLs with a host become links; anything else a customer or carrier sent stays text."""
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() == "https" and parts.netloc else None
