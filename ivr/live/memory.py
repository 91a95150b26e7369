"""In-process live board: the embedded default, correct when every webhook reaches one process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ivr.live.board import (
    AGENT,
    IDLE,
    MENU,
    QUEUE,
    LiveSnapshot,
    PlaceBoard,
    QueueLive,
    RegionLive,
    longest_wait,
    place,
    should_enter,
    split_place,
)


class MemoryLiveBoard(PlaceBoard):
    """The Redis board's structures as dicts under one lock, so both count the same way."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._where: dict[str, str] = {}  # call_sid -> "menu:R" | "queue:Q" | "agent:Q" | IDLE
        self._seen: dict[str, float] = {}  # call_sid -> newest timestamp seen
        self._ended: dict[str, float] = {}  # call_sid -> when it ended (clock)
        self._callers: set[str] = set()  # callers' call_sids still up (never agent legs)
        self._members: dict[str, dict[str, float]] = {}  # place -> {call_sid: timestamp}
        self._regions: set[str] = set()
        self._queues: set[str] = set()

    def call_ended(self, call_sid: str) -> None:
        with self._lock:
            self._remove_member(call_sid)
            self._where.pop(call_sid, None)
            self._seen.pop(call_sid, None)
            self._callers.discard(call_sid)
            self._ended.setdefault(call_sid, self._clock())

    def snapshot(self, now: float) -> LiveSnapshot:
        with self._lock:
            regions = {
                name: RegionLive(in_menu=len(self._members.get(place(MENU, name), {}))) for name in self._regions
            }
            queues = {}
            for name in self._queues:
                waiting = self._members.get(place(QUEUE, name), {})
                queues[name] = QueueLive(
                    waiting=len(waiting),
                    longest_wait_seconds=longest_wait(min(waiting.values(), default=None), now),
                    agents_connected=len(self._members.get(place(AGENT, name), {})),
                )
        return LiveSnapshot(taken_at=now, regions=regions, queues=queues)

    def active_calls(self) -> int:
        with self._lock:
            return len(self._callers)

    def active_callers(self) -> set[str]:
        with self._lock:
            return set(self._callers)

    def prune(self, older_than: float) -> int:
        with self._lock:
            stale = [sid for sid, seen in self._seen.items() if seen < older_than]
            for sid in stale:
                self._remove_member(sid)
                self._where.pop(sid, None)
                self._callers.discard(sid)
                del self._seen[sid]
            for sid in [sid for sid, ended in self._ended.items() if ended < older_than]:
                del self._ended[sid]
            self._members = {key: members for key, members in self._members.items() if members}
            self._regions = {name for name in self._regions if place(MENU, name) in self._members}
            self._queues = {
                name for name in self._queues if {place(QUEUE, name), place(AGENT, name)} & self._members.keys()
            }
            return len(stale)

    def _enter(self, kind: str, name: str, call_sid: str, at: float) -> None:
        target = place(kind, name)
        with self._lock:
            current = self._where.get(call_sid)
            if not should_enter(current, self._seen.get(call_sid), call_sid in self._ended, target, at):
                return
            self._remove_member(call_sid)
            self._members.setdefault(target, {})[call_sid] = at
            self._where[call_sid] = target
            self._seen[call_sid] = at
            if kind != AGENT:
                self._callers.add(call_sid)
            (self._regions if kind == MENU else self._queues).add(name)

    def _leave(self, kind: str, call_sid: str) -> None:
        with self._lock:
            if split_place(self._where.get(call_sid, IDLE))[0] != kind:
                return
            self._remove_member(call_sid)
            self._where[call_sid] = IDLE

    def _remove_member(self, call_sid: str) -> None:
        """Take the CallSid out of the place it is counted in (caller holds the lock)."""
        current = self._where.get(call_sid)
        if current is not None and current != IDLE:
            self._members.get(current, {}).pop(call_sid, None)
