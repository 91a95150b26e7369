"""Redis live board: shared by every web process, each call's move one WATCH/MULTI/EXEC.

Keys under `<namespace>:live:`
- `where` (hash) call_sid -> "menu:<region>" | "queue:<queue>" | "agent:<queue>" | "idle"
- `seen` (zset) call_sid by the newest timestamp seen; `ended` (zset) call_sid by when it ended
- `menu:<region>`, `queue:<queue>`, `agents:<queue>` (zsets) call_sid by arrival timestamp
- `regions`, `queues` (sets) the names seen since the last prune
- `callers` (set) the callers' call_sids still up, in any place or idle (agent legs never): the
  active call count is one SCARD, so admission control at call start costs one round trip
- `guard:<call_sid>` (string, 60 s TTL) bumped by every change to that call

Each change WATCHes only its call's guard, so different calls never make each other retry;
two events for the same call race safely and the loser re-reads and decides again.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable

import redis
from redis.client import Pipeline

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
from ivr.state.base import StateStoreError

_MEMBER_KEY = {MENU: "menu", QUEUE: "queue", AGENT: "agents"}
_NAME_KINDS = {"regions": (MENU,), "queues": (QUEUE, AGENT)}
_GUARD_TTL_SECONDS = 60  # outlives any transaction; an expired guard costs at most one retry
# After a lost race wait a random 0-1 ms, doubling up to 20 ms: writers drift apart, a webhook waits little.
_BACKOFF_BASE = 0.001
_BACKOFF_CAP = 0.02


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisLiveBoard(PlaceBoard):
    """The live counters in Redis; every Redis failure surfaces as StateStoreError."""

    def __init__(
        self, client: redis.Redis, namespace: str, clock: Callable[[], float] = time.time, attempts: int = 12
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._clock = clock
        self._attempts = attempts

    def call_ended(self, call_sid: str) -> None:
        def change(pipe: Pipeline) -> bool:
            pipe.watch(self._guard(call_sid))
            current = self._where_of(pipe, call_sid)
            pipe.multi()
            self._remove_member(pipe, call_sid, current)
            pipe.hdel(self._key("where"), call_sid)
            pipe.zrem(self._key("seen"), call_sid)
            pipe.srem(self._key("callers"), call_sid)
            pipe.zadd(self._key("ended"), {call_sid: self._clock()}, nx=True)
            self._touch(pipe, call_sid)
            return True

        self._atomic("call_ended", change)

    def snapshot(self, now: float) -> LiveSnapshot:
        try:
            with self._client.pipeline(transaction=True) as pipe:
                pipe.smembers(self._key("regions"))
                pipe.smembers(self._key("queues"))
                raw_regions, raw_queues = pipe.execute()
                regions = sorted(_text(name) for name in raw_regions)
                queues = sorted(_text(name) for name in raw_queues)
                for name in regions:
                    pipe.zcard(self._member_key(place(MENU, name)))
                for name in queues:
                    pipe.zcard(self._member_key(place(QUEUE, name)))
                    pipe.zrange(self._member_key(place(QUEUE, name)), 0, 0, withscores=True)
                    pipe.zcard(self._member_key(place(AGENT, name)))
                counts = pipe.execute()
        except redis.RedisError as exc:
            raise StateStoreError(f"live board snapshot failed: {exc}") from exc
        in_menu = {name: RegionLive(in_menu=int(counts[i])) for i, name in enumerate(regions)}
        waiting = {}
        for i, name in enumerate(queues):
            size, oldest, agents = counts[len(regions) + 3 * i : len(regions) + 3 * i + 3]
            waiting[name] = QueueLive(
                waiting=int(size),
                longest_wait_seconds=longest_wait(float(oldest[0][1]) if oldest else None, now),
                agents_connected=int(agents),
            )
        return LiveSnapshot(taken_at=now, regions=in_menu, queues=waiting)

    def active_calls(self) -> int:
        try:
            return int(self._client.scard(self._key("callers")))
        except redis.RedisError as exc:
            raise StateStoreError(f"live board active calls failed: {exc}") from exc

    def active_callers(self) -> set[str]:
        try:
            return {_text(sid) for sid in self._client.smembers(self._key("callers"))}
        except redis.RedisError as exc:
            raise StateStoreError(f"live board active callers failed: {exc}") from exc

    def prune(self, older_than: float) -> int:
        forgotten = 0
        below = f"({older_than!r}"

        def change(pipe: Pipeline) -> bool:
            nonlocal forgotten
            stale = [_text(sid) for sid in self._client.zrangebyscore(self._key("seen"), "-inf", below)]
            places: list[str | None] = []
            if stale:
                pipe.watch(*(self._guard(sid) for sid in stale))  # then re-read: a call may have moved on
                scores = pipe.zmscore(self._key("seen"), stale)
                stale = [
                    sid for sid, score in zip(stale, scores, strict=True) if score is not None and score < older_than
                ]
                places = (
                    [None if p is None else _text(p) for p in pipe.hmget(self._key("where"), stale)] if stale else []
                )
            removed = Counter(p for p in places if p is not None and p != IDLE)
            emptied = {names_key: self._emptied(pipe, names_key, removed) for names_key in _NAME_KINDS}
            pipe.multi()
            for sid, current in zip(stale, places, strict=True):
                self._remove_member(pipe, sid, current)
                self._touch(pipe, sid)
            if stale:
                pipe.hdel(self._key("where"), *stale)
                pipe.zrem(self._key("seen"), *stale)
                pipe.srem(self._key("callers"), *stale)
            pipe.zremrangebyscore(self._key("ended"), "-inf", below)
            for names_key, names in emptied.items():
                if names:
                    pipe.srem(self._key(names_key), *names)
            forgotten = len(stale)
            return True

        self._atomic("prune", change)
        return forgotten

    def _enter(self, kind: str, name: str, call_sid: str, at: float) -> None:
        target = place(kind, name)

        def change(pipe: Pipeline) -> bool:
            pipe.watch(self._guard(call_sid))
            current = self._where_of(pipe, call_sid)
            last_seen = pipe.zscore(self._key("seen"), call_sid)
            ended = pipe.zscore(self._key("ended"), call_sid) is not None
            if not should_enter(current, last_seen, ended, target, at):
                return False
            pipe.multi()
            self._remove_member(pipe, call_sid, current)
            pipe.zadd(self._member_key(target), {call_sid: at})
            pipe.hset(self._key("where"), call_sid, target)
            pipe.zadd(self._key("seen"), {call_sid: at})
            if kind != AGENT:
                pipe.sadd(self._key("callers"), call_sid)
            pipe.sadd(self._key("regions" if kind == MENU else "queues"), name)
            self._touch(pipe, call_sid)
            return True

        self._atomic(f"{kind} arrival", change)

    def _leave(self, kind: str, call_sid: str) -> None:
        def change(pipe: Pipeline) -> bool:
            pipe.watch(self._guard(call_sid))
            current = self._where_of(pipe, call_sid)
            if current is None or split_place(current)[0] != kind:
                return False
            pipe.multi()
            self._remove_member(pipe, call_sid, current)
            pipe.hset(self._key("where"), call_sid, IDLE)
            self._touch(pipe, call_sid)
            return True

        self._atomic(f"{kind} departure", change)

    def _atomic(self, what: str, change: Callable[[Pipeline], bool]) -> None:
        """Run `change` (WATCH, read, MULTI, queue writes) until EXEC succeeds or attempts run out."""
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for attempt in range(self._attempts):
                    if not change(pipe):
                        pipe.reset()
                        return
                    try:
                        pipe.execute()
                        return
                    except redis.WatchError:
                        time.sleep(random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt)))
        except redis.RedisError as exc:
            raise StateStoreError(f"live board {what} failed: {exc}") from exc
        raise StateStoreError(f"live board {what} gave up after {self._attempts} conflicting attempts")

    def _where_of(self, pipe: Pipeline, call_sid: str) -> str | None:
        value = pipe.hget(self._key("where"), call_sid)
        return None if value is None else _text(value)

    def _remove_member(self, pipe: Pipeline, call_sid: str, current: str | None) -> None:
        """Inside MULTI: take the CallSid out of the place it is counted in."""
        if current is not None and current != IDLE:
            pipe.zrem(self._member_key(current), call_sid)

    def _touch(self, pipe: Pipeline, call_sid: str) -> None:
        """Inside MULTI: bump the call's guard so a concurrent change to the same call retries."""
        pipe.incr(self._guard(call_sid))
        pipe.expire(self._guard(call_sid), _GUARD_TTL_SECONDS)

    def _emptied(self, pipe: Pipeline, names_key: str, removed: Counter[str]) -> list[str]:
        """Known names left with no members once `removed` goes, watched so a newcomer keeps its name."""
        names = sorted(_text(raw) for raw in self._client.smembers(self._key(names_key)))
        keys = {name: [self._member_key(place(kind, name)) for kind in _NAME_KINDS[names_key]] for name in names}
        taken = {name: sum(removed[place(kind, name)] for kind in _NAME_KINDS[names_key]) for name in names}
        looks_empty = [name for name in names if self._members(self._client, keys[name]) <= taken[name]]
        if not looks_empty:
            return []
        pipe.watch(*(key for name in looks_empty for key in keys[name]))
        return [name for name in looks_empty if self._members(pipe, keys[name]) <= taken[name]]

    @staticmethod
    def _members(reader: redis.Redis | Pipeline, keys: list[str]) -> int:
        return sum(int(reader.zcard(key)) for key in keys)

    def _guard(self, call_sid: str) -> str:
        return self._key("guard", call_sid)

    def _member_key(self, where: str) -> str:
        kind, name = split_place(where)
        return self._key(_MEMBER_KEY[kind], name)

    def _key(self, *parts: str) -> str:
        return ":".join((self._namespace, "live", *parts))
