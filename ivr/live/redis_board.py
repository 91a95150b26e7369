"""Redis live board: shared by every web process, each move of a call one Lua script.

Keys under `<namespace>:{live}:` (one Redis Cluster hash tag, so every script finds its keys on
one node):
- `where` (hash) call_sid -> "menu:<region>" | "queue:<queue>" | "agent:<queue>" | "idle"
- `seen` (zset) call_sid by the newest timestamp seen; `ended` (zset) call_sid by when it ended
- `menu:<region>`, `queue:<queue>`, `agents:<queue>` (zsets) call_sid by arrival timestamp
- `regions`, `queues` (sets) the names seen since the last prune
- `callers` (set) the callers' call_sids still up, in any place or idle (agent legs never): the
  active call count is one SCARD, so admission control at call start costs no extra round trip

A move reads where the call is and changes it in one script, which Redis runs atomically: two
events of one call cannot interleave, and a move can travel in the same pipeline as the call's
state save (see ivr/state/redis_store.py). The rules are board.py's `should_enter` and the memory
board's; tests/test_live.py runs every scenario on both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from ivr.kv import ERRORS, Client, Pipe, failure, scripts
from ivr.kv.scripts import LuaScript, ScriptCall
from ivr.live.board import (
    END,
    ENTER,
    LEAVE,
    MENU,
    QUEUE,
    LiveSnapshot,
    Move,
    PlaceBoard,
    QueueLive,
    RegionLive,
    longest_wait,
)

# `member(place)`: the zset counting a place; ARGV[1] is the key prefix of every script.
_PRELUDE = """
local p = ARGV[1]
local function member(where)
  local kind, name = string.match(where, '^([^:]*):(.*)$')
  if kind == 'agent' then kind = 'agents' end
  return p .. kind .. ':' .. name
end
local function take_out(sid, where)
  if where and where ~= 'idle' then redis.call('ZREM', member(where), sid) end
end
"""

# ARGV: prefix, kind, name, call_sid, at. The same decision as board.should_enter.
ENTER_SCRIPT = LuaScript(
    "enter",
    _PRELUDE
    + """
local kind, name, sid, at = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local target = kind .. ':' .. name
if redis.call('ZSCORE', p .. 'ended', sid) then return 0 end
local current = redis.call('HGET', p .. 'where', sid)
local last = redis.call('ZSCORE', p .. 'seen', sid)
if current and last then
  last = tonumber(last)
  if at < last or current == target then return 0 end
  if current == 'idle' and at <= last then return 0 end
end
take_out(sid, current)
redis.call('ZADD', member(target), ARGV[5], sid)
redis.call('HSET', p .. 'where', sid, target)
redis.call('ZADD', p .. 'seen', ARGV[5], sid)
if kind ~= 'agent' then redis.call('SADD', p .. 'callers', sid) end
if kind == 'menu' then redis.call('SADD', p .. 'regions', name) else redis.call('SADD', p .. 'queues', name) end
return 1
""",
)

# ARGV: prefix, kind, call_sid. Leaves only the kind of place the call is in.
LEAVE_SCRIPT = LuaScript(
    "leave",
    _PRELUDE
    + """
local kind, sid = ARGV[2], ARGV[3]
local current = redis.call('HGET', p .. 'where', sid)
if not current or string.match(current, '^([^:]*)') ~= kind then return 0 end
take_out(sid, current)
redis.call('HSET', p .. 'where', sid, 'idle')
return 1
""",
)

# ARGV: prefix, call_sid, now. Gone everywhere; the tombstone keeps later events out until pruned.
END_SCRIPT = LuaScript(
    "end",
    _PRELUDE
    + """
local sid = ARGV[2]
take_out(sid, redis.call('HGET', p .. 'where', sid))
redis.call('HDEL', p .. 'where', sid)
redis.call('ZREM', p .. 'seen', sid)
redis.call('SREM', p .. 'callers', sid)
redis.call('ZADD', p .. 'ended', 'NX', ARGV[3], sid)
return 1
""",
)

# ARGV: prefix, cutoff. Forgets calls last seen before the cutoff, old tombstones and empty names.
PRUNE_SCRIPT = LuaScript(
    "prune",
    _PRELUDE
    + """
local cutoff = '(' .. ARGV[2]
local stale = redis.call('ZRANGEBYSCORE', p .. 'seen', '-inf', cutoff)
for _, sid in ipairs(stale) do
  take_out(sid, redis.call('HGET', p .. 'where', sid))
  redis.call('HDEL', p .. 'where', sid)
  redis.call('ZREM', p .. 'seen', sid)
  redis.call('SREM', p .. 'callers', sid)
end
redis.call('ZREMRANGEBYSCORE', p .. 'ended', '-inf', cutoff)
for _, name in ipairs(redis.call('SMEMBERS', p .. 'regions')) do
  if redis.call('ZCARD', p .. 'menu:' .. name) == 0 then redis.call('SREM', p .. 'regions', name) end
end
for _, name in ipairs(redis.call('SMEMBERS', p .. 'queues')) do
  if redis.call('ZCARD', p .. 'queue:' .. name) + redis.call('ZCARD', p .. 'agents:' .. name) == 0 then
    redis.call('SREM', p .. 'queues', name)
  end
end
return #stale
""",
)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _number(value: float) -> str:
    """A timestamp as Redis and Lua read it back exactly (repr keeps every digit)."""
    return repr(float(value))


class RedisLiveBoard(PlaceBoard):
    """The live counters in Redis; every Redis failure surfaces as StateStoreError."""

    def __init__(self, client: Client, namespace: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._prefix = f"{namespace}:{{live}}:"
        self._clock = clock

    def script_call(self, move: Move) -> ScriptCall:
        """The script that makes `move`, to run alone or inside a caller's pipeline."""
        keys = (self._prefix + "where",)  # declared so a cluster routes the call; the rest share its hash tag
        if move.action == ENTER:
            args = (self._prefix, move.kind, move.name, move.call_sid, _number(move.at))
            return ScriptCall(ENTER_SCRIPT, keys, args)
        if move.action == END:
            return ScriptCall(END_SCRIPT, keys, (self._prefix, move.call_sid, _number(self._clock())))
        return ScriptCall(LEAVE_SCRIPT, keys, (self._prefix, move.kind, move.call_sid))

    def queue_active_count(self, pipe: Pipe) -> None:
        """Add the active call count (one SCARD) to a caller's pipeline."""
        pipe.execute_command("SCARD", self._prefix + "callers")

    def apply(self, moves: Iterable[Move]) -> None:
        calls = [self.script_call(move) for move in moves]
        if not calls:
            return
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for call in calls:
                    scripts.queue(pipe, call)
                results = pipe.execute(raise_on_error=False)
            results = scripts.retry_unknown(self._client, calls, results)
        except ERRORS as exc:
            raise failure("board_update", f"live board update failed: {exc}") from exc
        failed = [result for result in results if isinstance(result, Exception)]
        if failed:
            raise failure("board_update", f"live board update failed: {failed[0]}")

    def _enter(self, kind: str, name: str, call_sid: str, at: float) -> None:
        self.apply([Move(ENTER, call_sid, kind, name, at)])

    def _leave(self, kind: str, call_sid: str) -> None:
        self.apply([Move(LEAVE, call_sid, kind)])

    def call_ended(self, call_sid: str) -> None:
        self.apply([Move(END, call_sid)])

    def snapshot(self, now: float) -> LiveSnapshot:
        try:
            with self._client.pipeline(transaction=True) as pipe:
                pipe.smembers(self._prefix + "regions")
                pipe.smembers(self._prefix + "queues")
                raw_regions, raw_queues = pipe.execute()
                regions = sorted(_text(name) for name in raw_regions)
                queues = sorted(_text(name) for name in raw_queues)
                for name in regions:
                    pipe.zcard(self._member_key(MENU, name))
                for name in queues:
                    pipe.zcard(self._member_key(QUEUE, name))
                    pipe.zrange(self._member_key(QUEUE, name), 0, 0, withscores=True)
                    pipe.zcard(self._prefix + f"agents:{name}")
                counts = pipe.execute()
        except ERRORS as exc:
            raise failure("board_snapshot", f"live board snapshot failed: {exc}") from exc
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
            return int(self._client.scard(self._prefix + "callers"))
        except ERRORS as exc:
            raise failure("board_read", f"live board active calls failed: {exc}") from exc

    def active_callers(self) -> set[str]:
        try:
            return {_text(sid) for sid in self._client.smembers(self._prefix + "callers")}
        except ERRORS as exc:
            raise failure("board_read", f"live board active callers failed: {exc}") from exc

    def prune(self, older_than: float) -> int:
        call = ScriptCall(PRUNE_SCRIPT, (self._prefix + "where",), (self._prefix, _number(older_than)))
        try:
            return int(scripts.run(self._client, call))
        except ERRORS as exc:
            raise failure("board_prune", f"live board prune failed: {exc}") from exc

    def _member_key(self, kind: str, name: str) -> str:
        return self._prefix + {MENU: "menu", QUEUE: "queue"}[kind] + f":{name}"
