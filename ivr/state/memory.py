"""In-process call-state store: the embedded default for a single web process."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any


class MemoryStateStore:
    """A dict with expiry; correct only when every webhook reaches the same process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float, dict[str, Any]]] = {}
        self._claims: dict[tuple[str, int], float] = {}
        self._next_purge = 0.0

    def load(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            expires, data = item
            if expires <= self._clock():
                del self._data[key]
                return None
            return copy.deepcopy(data)

    def save(self, key: str, data: dict[str, Any], ttl_seconds: int) -> None:
        with self._lock:
            self._purge()
            self._data[key] = (self._clock() + ttl_seconds, copy.deepcopy(data))

    def claim(self, key: str, step: int, ttl_seconds: int = 30) -> bool:
        with self._lock:
            now = self._clock()
            expires = self._claims.get((key, step))
            if expires is not None and expires > now:
                return False
            self._claims[(key, step)] = now + ttl_seconds
            return True

    def ping(self) -> None:
        return None

    def _purge(self) -> None:
        """Drop expired entries once a minute so a long-running process does not grow."""
        now = self._clock()
        if now >= self._next_purge:
            self._next_purge = now + 60
            for key in [k for k, (exp, _) in self._data.items() if exp <= now]:
                del self._data[key]
            for claim in [c for c, exp in self._claims.items() if exp <= now]:
                del self._claims[claim]
