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

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

MENU = "menu"
QUEUE = "queue"
AGENT = "agent"
IDLE = "idle"  # left a queue or disconnected, call still up: remembered, counted nowhere
ENTER, LEAVE, END = "enter", "leave", "end"


@dataclass(frozen=True)
class Move:
    """One change of where a CallSid is, as a value: the core sends it with the call's state save."""

    action: str  # ENTER | LEAVE | END
    call_sid: str
    kind: str = ""  # MENU | QUEUE | AGENT (what is entered or left)
    name: str = ""  # the region or queue entered
    at: float = 0.0  # when (epoch seconds), for ENTER


def in_menu(region: str, call_sid: str, at: float) -> Move:
    return Move(ENTER, call_sid, MENU, region, at)


def waiting(queue: str, call_sid: str, since: float) -> Move:
    return Move(ENTER, call_sid, QUEUE, queue, since)


def left_queue(call_sid: str) -> Move:
    return Move(LEAVE, call_sid, QUEUE)


def ended(call_sid: str) -> Move:
    return Move(END, call_sid)


def agent_in(queue: str, agent_call_sid: str, at: float) -> Move:
    return Move(ENTER, agent_call_sid, AGENT, queue, at)


def agent_out(agent_call_sid: str) -> Move:
    return Move(LEAVE, agent_call_sid, AGENT)


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

    def apply(self, moves: Iterable[Move]) -> None:
        """Make each move in order (the methods below are single moves)."""
        ...

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

    @abstractmethod
    def call_ended(self, call_sid: str) -> None: ...

    def apply(self, moves: Iterable[Move]) -> None:
        for move in moves:
            if move.action == ENTER:
                self._enter(move.kind, move.name, move.call_sid, move.at)
            elif move.action == LEAVE:
                self._leave(move.kind, move.call_sid)
            else:
                self.call_ended(move.call_sid)

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
