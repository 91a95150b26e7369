"""Strict parsing of query parameters and JSON bodies: a bad value is a 400 that names it."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import request

from db.models import INT_MAX, INT_MIN, whole_number
from ivr.api.errors import BadRequest

MAX_PER_PAGE = 200


def page_args() -> tuple[int, int]:
    return integer("page", 1, minimum=1), integer("per_page", 50, minimum=1, maximum=MAX_PER_PAGE)


def integer(name: str, default: int | None = None, *, minimum: int = INT_MIN, maximum: int = INT_MAX) -> Any:
    """A whole number argument; by default within what an Integer column holds (larger ones are 400, not 500)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    value = whole_number(raw, minimum, maximum)
    if value is None:
        digits = raw.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()):
            raise BadRequest(f"{name} must be a whole number")
        raise BadRequest(f"{name} must be between {minimum} and {maximum}")
    return value


def timestamp(name: str) -> datetime | None:
    """An ISO 8601 instant with its offset (naive times are ambiguous across WIB/WITA/WIT)."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be an ISO 8601 date-time") from exc
    if value.tzinfo is None:
        raise BadRequest(f"{name} needs a UTC offset, e.g. 2026-11-23T00:00:00+07:00")
    return value


def choice(name: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.args.get(name) or None
    if raw is not None and raw not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}")
    return raw


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def to_json(value: Any) -> Any:
    """Dataclasses, datetimes and decimals from ivr/queries as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    return value
