"""Read a statistics range from query parameters, the same way for the console, the API and CSV."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import DEFAULT_TIMEZONE, INT_MAX, VOICE, Region, whole_number
from db.models.stats import SERVICE_LEVEL_THRESHOLDS
from ivr.stats.figures import BUCKETS, RangeError, StatsRange

DEFAULT_DAYS = 7


def today_in(now: datetime, zone: str = DEFAULT_TIMEZONE) -> date:
    """Today's date on the national clock (the default end of a range)."""
    return now.astimezone(ZoneInfo(zone)).date()


def _day(args: Mapping[str, str], name: str, default: date) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise RangeError(f"{name} must be a date like 2026-11-23") from exc


def _whole(args: Mapping[str, str], name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    value = whole_number(raw, minimum=0)
    if value is None:
        raise RangeError(f"{name} must be a whole number from 0 to {INT_MAX}")
    return value


def _channel(args: Mapping[str, str]) -> str:
    """The channel asked for (StatsRange checks it is one of CHANNEL_CHOICES, "all" included); voice when none is."""
    return (args.get("channel") or "").strip() or VOICE


def range_from_args(args: Mapping[str, str], *, today: date, service_level_seconds: int) -> StatsRange:
    """`from`, `to` (local dates, inclusive; default the last 7 days), `region_id`, `channel`, `service_level`."""
    end = _day(args, "to", today)
    start = _day(args, "from", end - timedelta(days=DEFAULT_DAYS - 1))
    asked = _whole(args, "service_level")
    threshold = service_level_seconds if asked is None else asked
    if threshold not in SERVICE_LEVEL_THRESHOLDS:
        raise RangeError(f"service_level must be one of {', '.join(map(str, SERVICE_LEVEL_THRESHOLDS))}")
    return StatsRange(start, end, _whole(args, "region_id"), _channel(args), service_level_seconds=threshold)


def bucket_from_args(args: Mapping[str, str], default: str = "day") -> str:
    bucket = (args.get("bucket") or default).strip()
    if bucket not in BUCKETS:
        raise RangeError(f"bucket must be one of {', '.join(BUCKETS)}")
    return bucket


def region_code(session: Session, stats_range: StatsRange) -> str | None:
    """The code of the range's region (None for all regions); RangeError for an id that is no region."""
    if stats_range.region_id is None:
        return None
    code = session.scalar(select(Region.code).where(Region.id == stats_range.region_id))
    if code is None:
        raise RangeError(f"region_id {stats_range.region_id} is not a region")
    return code
