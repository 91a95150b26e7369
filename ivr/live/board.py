"""Live contact-centre counters: who is in the menus, waiting in a queue, or answering one.

Every entry is keyed by CallSid, so a retried or late Twilio callback repeats a fact instead of
adding to a count. The rules that make that true live here, shared by both implementations:

- an arrival whose timestamp is older than the newest one seen for that CallSid is stale;
- an arrival where the CallSid already is keeps the first timestamp (a retry cannot reset a wait);
- after leaving (queue left, agent disconnected) the same arrival re-delivered is ignored;
- an ended CallSid is remembered until `prune`, and every later event for it is ignored;
- a caller's CallSid (one that entered the menus or a queue, never an agent leg) counts as an
  active call from its first arrival until it ends or is pruned (`active_calls`, admission control).

Timestamps are epoch seconds and should come from call state, so a retried webhook repeats them.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import redis

MENU = "menu"
QUEUE = "queue"
AGENT = "agent"
IDLE = "idle"  # left a queue or disconnected, call still up: remembered, counted nowhere


@dataclass(frozen=True)
class RegionLive:
    in_menu: int = 0


@dataclass(frozen=True)
class QueueLive:
    waiting: int = 0
    longest_wait_seconds: float = 0.0
    agents_connected: int = 0


@dataclass(frozen=True)
class LiveSnapshot:
    """The counters at one moment; regions and queues seen since the last prune, empty ones as zeros."""

    taken_at: float
    regions: dict[str, RegionLive]
    queues: dict[str, QueueLive]


class LiveBoard(Protocol):
    """Best-effort live counters; Redis-backed implementations raise StateStoreError."""

    def call_in_menu(self, region: str, call_sid: str, at: float) -> None:
        """The caller is in the IVR menus of `region`."""
        ...

    def call_waiting(self, queue: str, call_sid: str, since: float) -> None:
        """The caller waits in `queue` since `since`; leaves the menus or the queue it was in."""
        ...

    def call_left_queue(self, call_sid: str) -> None:
        """Answered, left for a callback, or about to move: no longer waiting."""
        ...

    def call_ended(self, call_sid: str) -> None:
        """Gone from everywhere; later events for this CallSid are ignored until pruned."""
        ...

    def agent_connected(self, queue: str, agent_call_sid: str, at: float) -> None:
        """An agent leg is connected to `queue`."""
        ...

    def agent_disconnected(self, agent_call_sid: str) -> None:
        """The agent leg left its queue (it may connect again later with a newer timestamp)."""
        ...

    def snapshot(self, now: float) -> LiveSnapshot:
        """The counters as of `now` (used for the longest wait)."""
        ...

    def active_calls(self) -> int:
        """Callers' calls still up (in the menus, waiting, or idle), agent legs left out; one cheap read."""
        ...

    def active_callers(self) -> set[str]:
        """The CallSids `active_calls` counts, for the sweeper to check against the calls that ended."""
        ...

    def prune(self, older_than: float) -> int:
        """Forget entries last seen before `older_than` (their end never came); how many."""
        ...


class PlaceBoard(ABC):
    """The moves every board shares, as entering or leaving a place; each storage does the two."""

    @abstractmethod
    def _enter(self, kind: str, name: str, call_sid: str, at: float) -> None: ...

    @abstractmethod
    def _leave(self, kind: str, call_sid: str) -> None: ...

    def call_in_menu(self, region: str, call_sid: str, at: float) -> None:
        self._enter(MENU, region, call_sid, at)

    def call_waiting(self, queue: str, call_sid: str, since: float) -> None:
        self._enter(QUEUE, queue, call_sid, since)

    def agent_connected(self, queue: str, agent_call_sid: str, at: float) -> None:
        self._enter(AGENT, queue, agent_call_sid, at)

    def call_left_queue(self, call_sid: str) -> None:
        self._leave(QUEUE, call_sid)

    def agent_disconnected(self, agent_call_sid: str) -> None:
        self._leave(AGENT, agent_call_sid)


def place(kind: str, name: str) -> str:
    """The location string kept per CallSid, e.g. "queue:BEKASI"."""
    return f"{kind}:{name}"


def split_place(value: str) -> tuple[str, str]:
    """("queue", "BEKASI") from "queue:BEKASI"; (IDLE, "") for a call counted nowhere."""
    kind, _, name = value.partition(":")
    return kind, name


def should_enter(current: str | None, last_seen: float | None, ended: bool, target: str, at: float) -> bool:
    """Whether arriving at `target` at `at` changes anything (False when stale or a repeat)."""
    if ended:
        return False
    if current is None or last_seen is None:
        return True
    if at < last_seen or current == target:
        return False
    return not (current == IDLE and at <= last_seen)


def longest_wait(oldest_since: float | None, now: float) -> float:
    """Seconds the oldest caller has waited, to the millisecond; 0 when nobody waits or clocks disagree."""
    if oldest_since is None:
        return 0.0
    return round(max(0.0, now - oldest_since), 3)


def make_board(client: redis.Redis | None, namespace: str, clock: Callable[[], float] = time.time) -> LiveBoard:
    """Redis when the app has a client (shared with the call-state store), otherwise in-process."""
    if client is None:
        from ivr.live.memory import MemoryLiveBoard

        return MemoryLiveBoard(clock=clock)
    from ivr.live.redis_board import RedisLiveBoard

    return RedisLiveBoard(client, namespace, clock=clock)
