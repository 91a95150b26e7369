"""Console login throttling: failed logins counted per user name and per client address.

Fixed windows, as the messaging rate limit counts (ivr/messaging/ratelimit.py): a counter named
after the name (or address) and the window number, which expires with the window. Counters live
in Redis when the app has one, so every web process sees the same count, and in-process
otherwise. Only failures count; a name that succeeds starts again from zero, an address does not
(or one valid account would reset an attacker's address). When Redis cannot be read the login is
judged on the password alone: nobody is locked out because the counter is down.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ivr.kv import ERRORS, Client
from ivr.state import CallStateStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginLimits:
    per_user: int  # failed logins allowed per user name per window
    per_address: int  # failed logins allowed per client address per window
    window_seconds: int


class FailureCounts(Protocol):
    def read(self, keys: Sequence[str]) -> list[int]:
        """The counts under `keys` (0 for a missing one)."""
        ...

    def add(self, keys: Sequence[str], ttl: int) -> None:
        """Add one to each counter; a new counter lives `ttl` seconds."""
        ...

    def clear(self, key: str) -> None: ...


class MemoryCounts:
    """Counters in this process, on the app's clock; for the embedded default (one web process)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}

    def read(self, keys: Sequence[str]) -> list[int]:
        now = self._clock()
        with self._lock:
            return [count if expires > now else 0 for expires, count in (self._counts.get(k, (0.0, 0)) for k in keys)]

    def add(self, keys: Sequence[str], ttl: int) -> None:
        now = self._clock()
        with self._lock:
            for key in [k for k, (expires, _) in self._counts.items() if expires <= now]:
                del self._counts[key]  # old windows go, so the dict stays small
            for key in keys:
                expires, count = self._counts.get(key, (now + ttl, 0))
                self._counts[key] = (expires, count + 1)

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class RedisCounts:
    """Counters in the app's Redis (the call-state store's client), one round trip per call."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def read(self, keys: Sequence[str]) -> list[int]:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.execute_command("GET", key)
                results = pipe.execute()
        except ERRORS as exc:
            log.warning("login failure counters unreadable: %s", exc)
            return [0] * len(keys)
        return [int(raw or 0) for raw in results]

    def add(self, keys: Sequence[str], ttl: int) -> None:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.execute_command("INCR", key)
                    pipe.execute_command("EXPIRE", key, ttl)
                pipe.execute()
        except ERRORS as exc:
            log.warning("login failure not counted: %s", exc)

    def clear(self, key: str) -> None:
        try:
            self._client.execute_command("DEL", key)
        except ERRORS as exc:
            log.warning("login failure counter not cleared: %s", exc)


def counts_for(store: CallStateStore, clock: Callable[[], float]) -> FailureCounts:
    """Redis counters when the call-state store is Redis (sharing its connections), else in-process."""
    from ivr.state.redis_store import RedisStateStore

    if isinstance(store, RedisStateStore):
        return RedisCounts(store.client)
    return MemoryCounts(clock)


class LoginThrottle:
    """Says whether a login may be tried now, and counts the ones that fail."""

    def __init__(self, limits: LoginLimits, counts: FailureCounts, namespace: str, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.counts = counts
        self.namespace = namespace
        self.clock = clock

    def _window(self) -> int:
        return int(self.clock() // self.limits.window_seconds)

    def _user_key(self, username: str) -> str:
        """Named by a digest: a typed name may hold anything, and is not kept in Redis in clear."""
        digest = hashlib.sha256(username.encode()).hexdigest()[:32]
        return f"{self.namespace}:login:user:{digest}:{self._window()}"

    def _address_key(self, address: str) -> str:
        return f"{self.namespace}:login:address:{address}:{self._window()}"

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until this name and address may try again; None when they may try now."""
        by_user, by_address = self.counts.read([self._user_key(username), self._address_key(address)])
        if by_user < self.limits.per_user and by_address < self.limits.per_address:
            return None
        left = self.limits.window_seconds - self.clock() % self.limits.window_seconds
        return max(1, math.ceil(left))

    def failed(self, username: str, address: str) -> None:
        self.counts.add([self._user_key(username), self._address_key(address)], self.limits.window_seconds + 1)

    def succeeded(self, username: str) -> None:
        self.counts.clear(self._user_key(username))
