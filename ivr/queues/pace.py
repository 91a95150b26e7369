"""A queue's pace, read from the database at most once every few seconds per queue and process.

Every caller on hold asks for an estimate every 20 seconds or so; with hundreds waiting, reading
an hour of answers for each would load the database with the same question. The pace moves with
each answer an agent gives, so a value up to `ttl` seconds old changes an estimate by little.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.orm import Session

from ivr.queues import policy


class QueuePace:
    """Seconds between answered calls per queue (the policy's answer interval), cached for `ttl` seconds."""

    def __init__(self, default_seconds: int, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._default = default_seconds
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, float]] = {}  # queue -> (read at, interval)

    def interval(self, session: Callable[[], AbstractContextManager[Session]], queue: str, now: datetime) -> float:
        """The cached interval, or one read now through `session()` (a new unit of work)."""
        with self._lock:
            known = self._known.get(queue)
        if known is not None and self._clock() - known[0] < self._ttl:
            return known[1]
        with session() as unit:
            value = policy.answer_interval(unit, queue, now, self._default)
        with self._lock:
            self._known[queue] = (self._clock(), value)
        return value

    def estimate(
        self, session: Callable[[], AbstractContextManager[Session]], queue: str, position: int, now: datetime
    ) -> int:
        """Expected seconds until a caller at `position` (1 = next) is answered."""
        return round(max(position, 1) * self.interval(session, queue, now))
