"""The one clock every part of the service reads, so a test moves time in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def _utc_now() -> datetime:
    return datetime.now(UTC)


def on_day(day: date, zone: str, source: Callable[[], datetime] = _utc_now) -> Callable[[], datetime]:
    """A source that says it is `day` in `zone`, at the real time of day there (DEMO_TODAY).

    Time still moves (calls get durations, windows open and close by the hour), only the date is
    fixed: a demo or a drill can try a meter reading on any day of the month.
    """
    local = ZoneInfo(zone)

    def now() -> datetime:
        real = source().astimezone(local)
        return datetime.combine(day, real.timetz()).astimezone(UTC)

    return now


class Clock:
    """Timezone-aware UTC now; `pin` fixes it (tests, replays), `unpin` goes back to the clock it was built on."""

    def __init__(self, source: Callable[[], datetime] = _utc_now) -> None:
        self._base = source
        self._source = source

    def now(self) -> datetime:
        return self._source()

    def timestamp(self) -> float:
        """Seconds since the epoch, for the parts that count in seconds (the live board, the rate limit)."""
        return self._source().timestamp()

    def pin(self, moment: datetime | Callable[[], datetime]) -> None:
        self._source = moment if callable(moment) else (lambda: moment)

    def unpin(self) -> None:
        self._source = self._base
