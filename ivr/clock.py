"""The one clock every part of the service reads, so a test moves time in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    """Timezone-aware UTC now; `pin` fixes it (tests, replays), `unpin` goes back to the wall clock."""

    def __init__(self, source: Callable[[], datetime] = _utc_now) -> None:
        self._source = source

    def now(self) -> datetime:
        return self._source()

    def timestamp(self) -> float:
        """Seconds since the epoch, for the parts that count in seconds (the live board, the rate limit)."""
        return self._source().timestamp()

    def pin(self, moment: datetime | Callable[[], datetime]) -> None:
        self._source = moment if callable(moment) else (lambda: moment)

    def unpin(self) -> None:
        self._source = _utc_now
