"""In-process call-state store: the embedded default for a single web process."""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ivr.live.board import LiveBoard
from ivr.live.memory import MemoryLiveBoard
from ivr.state.base import Closing, Opened, Opening

log = logging.getLogger(__name__)


class MemoryStateStore:
    """Dicts with expiry under one lock; correct only when every webhook reaches the same process."""

    def __init__(self, board: LiveBoard | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.board = board if board is not None else MemoryLiveBoard()
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, Any]] = {}
        self._next_purge = 0.0

    def open(self, opening: Opening) -> Opened:
        with self._lock:
            state = self._get(opening.key)
            claimed = opening.claim is None or self._set_absent(opening.claim, opening.claim_token, opening.claim_ttl)
            seen = None
            if opening.seen is not None and not self._set_absent(opening.seen, "", opening.seen_ttl):
                seen = str(self._get(opening.seen) or "")
            count = self._add_one(opening.counter, opening.counter_ttl) if opening.counter else 0
            also = tuple(copy.deepcopy(self._get(key)) for key in opening.also)
        return Opened(copy.deepcopy(state), claimed, seen, count, self._active(opening), also)

    def close(self, closing: Closing) -> None:
        with self._lock:
            self._purge()
            self._put(closing.key, copy.deepcopy(closing.state), closing.ttl)
            for key, text, ttl in closing.puts:
                self._put(key, text, ttl)
            if closing.release is not None and self._get(closing.release[0]) == closing.release[1]:
                del self._values[closing.release[0]]
        if closing.moves:
            try:
                self.board.apply(closing.moves)
            except Exception:  # best effort, as on Redis: a failed move never fails the save
                log.warning("live board moves failed", exc_info=True)

    def _active(self, opening: Opening) -> int | None:
        if not opening.count_active:
            return None
        try:
            return self.board.active_calls()
        except Exception:  # unreadable: the caller decides (admission control admits the call)
            log.warning("live board count unreadable", exc_info=True)
            return None

    def load(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._get(key))

    def save(self, key: str, data: dict[str, Any], ttl_seconds: int) -> None:
        with self._lock:
            self._purge()
            self._put(key, copy.deepcopy(data), ttl_seconds)

    def claim(self, key: str, ttl_seconds: int = 30, token: str = "1") -> bool:
        with self._lock:
            return self._set_absent(key, token, ttl_seconds)

    def release(self, key: str, token: str) -> None:
        with self._lock:
            if self._get(key) == token:
                del self._values[key]

    def ping(self) -> None:
        return None

    # -- under the lock ---------------------------------------------------------------------------

    def _get(self, key: str) -> Any:
        item = self._values.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= self._clock():
            del self._values[key]
            return None
        return value

    def _put(self, key: str, value: Any, ttl: int) -> None:
        self._values[key] = (self._clock() + ttl, value)

    def _set_absent(self, key: str, value: Any, ttl: int) -> bool:
        if self._get(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    def _add_one(self, key: str, ttl: int) -> int:
        count = int(self._get(key) or 0) + 1
        expires = self._values[key][0] if count > 1 else self._clock() + ttl
        self._values[key] = (expires, count)
        return count

    def _purge(self) -> None:
        """Drop expired entries once a minute so a long-running process does not grow."""
        now = self._clock()
        if now >= self._next_purge:
            self._next_purge = now + 60
            for key in [k for k, (expires, _) in self._values.items() if expires <= now]:
                del self._values[key]
