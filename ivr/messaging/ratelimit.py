"""How many messages one address may send per window, counted where every web process sees it.

Fixed windows: `INCR` of a key named after the window, expiring with it. Redis in production
(shared by every process); a dict in the embedded default. When Redis is unreachable the
limiter lets messages through: a customer is never refused because our counter is down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    messages: int  # allowed per window
    window_seconds: int


class Counter(Protocol):
    def hit(self, key: str, window_seconds: int) -> int:
        """Count one message for `key` in the current window and return the window's count."""
        ...


class MemoryCounter:
    """Per-process counts; right only when every webhook reaches the same process."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def hit(self, key: str, window_seconds: int) -> int:
        window = int(self.clock() // window_seconds)
        with self._lock:
            self._counts = {k: n for k, n in self._counts.items() if k[1] >= window}
            self._counts[(key, window)] = self._counts.get((key, window), 0) + 1
            return self._counts[(key, window)]


class RedisCounter:
    """Counts under `<namespace>:rate:<key>:<window>`; every process shares them."""

    def __init__(self, client: redis.Redis, namespace: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._namespace = namespace
        self.clock = clock

    def hit(self, key: str, window_seconds: int) -> int:
        window = int(self.clock() // window_seconds)
        name = f"{self._namespace}:rate:{key}:{window}"
        pipeline = self._client.pipeline()
        pipeline.incr(name)
        pipeline.expire(name, window_seconds + 1)
        count, _ = pipeline.execute()
        return int(count)


class RateLimiter:
    """Decides per message: go on, tell the sender to slow down (once a window), or stay quiet."""

    ALLOW, WARN, QUIET = "allow", "warn", "quiet"

    def __init__(self, counter: Counter, limit: RateLimit) -> None:
        self.counter = counter
        self._limit = limit

    def check(self, address: str) -> str:
        try:
            count = self.counter.hit(address, self._limit.window_seconds)
        except (redis.RedisError, OSError):
            log.warning("rate-limit counter unavailable; letting the message through", exc_info=True)
            return self.ALLOW
        if count <= self._limit.messages:
            return self.ALLOW
        return self.WARN if count == self._limit.messages + 1 else self.QUIET


def make_counter(client: redis.Redis | None, namespace: str) -> Counter:
    return RedisCounter(client, namespace) if client is not None else MemoryCounter()
