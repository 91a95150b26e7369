"""Small helpers every part of the seeder shares: unique digit strings and local-to-UTC times."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from db.references import REFERENCE_LENGTH


class Unique:
    """Hands out random digit strings never used before, so unique columns never collide."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def draw(self, prefix: str, digits: int) -> str:
        while True:
            value = f"{prefix}{self._rng.randrange(10**digits):0{digits}d}"
            if value not in self._seen:
                self._seen.add(value)
                return value

    def reference(self, prefix: str) -> str:
        """A number a caller can key in: the type digit `prefix`, then random digits to REFERENCE_LENGTH."""
        return self.draw(prefix, REFERENCE_LENGTH - len(prefix))


def utc(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """A local wall-clock moment in a region, stored as aware UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
