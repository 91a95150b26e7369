"""Declarative base and the column types every model shares."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import DateTime, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# What an Integer column holds (PostgreSQL's int4; ids, durations, counts): a number outside it
# fails the statement, so the web edge refuses it first (ivr/edge.py, ivr/api/params.py).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_WHOLE = re.compile(r"-?[0-9]{1,10}")


def whole_number(raw: str | None, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int | None:
    """`raw` as a whole number an Integer column holds (ASCII digits, within bounds), else None."""
    if raw is None or not _WHOLE.fullmatch(raw):
        return None
    value = int(raw)
    return value if max(minimum, INT_MIN) <= value <= min(maximum, INT_MAX) else None


def utcnow() -> datetime:
    """Timezone-aware now, used as a column default (a callable, never a constant)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite too.

    SQLite has no timezone support, so naive values read back are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model here is mapped to a Table (DeclarativeBase allows any FromClause).
        __table__: ClassVar[Table]
