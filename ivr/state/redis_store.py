"""Redis call-state store: shared by every web process, entries expire by themselves.

Each `open` and each `close` is one pipeline, so one round trip whatever it carries; the keys of
one conversation share a Redis Cluster hash tag (ivr/conversations/keys.py), so on a cluster they
are on one node. The live board's moves ride in the closing pipeline as Lua scripts (its count in a
call's opening one); on a cluster they go to the board's node (`{live}`) in the same round trip, as
a cluster pipeline writes to every node it needs before it reads any answer.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.cluster import RedisCluster

from ivr.kv import ERRORS, Client, failure, scripts
from ivr.kv.scripts import LuaScript, ScriptCall
from ivr.live.redis_board import RedisLiveBoard
from ivr.state.base import Closing, Opened, Opening

log = logging.getLogger(__name__)

# Let the next turn in only if the claim is still ours (it may have expired and been taken).
RELEASE_SCRIPT = LuaScript(
    "release",
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
)


def _decode(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise failure("decode", "stored call state is not valid JSON") from exc
    return data if isinstance(data, dict) else None


def _encode(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))


class RedisStateStore:
    """State as JSON under the keys ivr/conversations/keys.py names, with a TTL on every write."""

    def __init__(self, client: Client, board: RedisLiveBoard) -> None:
        self._client = client
        self.board = board

    @property
    def client(self) -> Client:
        """The connection pool, so the rate limiter and the board share it instead of opening another."""
        return self._client

    # Commands go in as `execute_command`: redis-py's command methods check their arguments through
    # decorators that cost more than the rest of a pipeline's client-side work.
    def open(self, opening: Opening) -> Opened:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                pipe.execute_command("GET", opening.key)
                if opening.claim is not None:
                    pipe.execute_command("SET", opening.claim, opening.claim_token, "NX", "EX", opening.claim_ttl)
                if opening.seen is not None:
                    pipe.execute_command("SET", opening.seen, "", "NX", "EX", opening.seen_ttl)
                    pipe.execute_command("GET", opening.seen)
                if opening.counter is not None:
                    pipe.execute_command("INCR", opening.counter)
                    pipe.execute_command("EXPIRE", opening.counter, opening.counter_ttl)
                if opening.count_active:
                    self.board.queue_active_count(pipe)
                for key in opening.also:
                    pipe.execute_command("GET", key)
                results = iter(pipe.execute(raise_on_error=False))
        except ERRORS as exc:
            raise failure("open", f"redis open failed: {exc}") from exc
        state = _decode(_checked(next(results)))
        claimed = bool(_checked(next(results))) if opening.claim is not None else True
        seen = None
        if opening.seen is not None:
            first, held = _checked(next(results)), _checked(next(results))
            seen = None if first else (held or b"").decode()
        count = 0
        if opening.counter is not None:
            hit, _ = next(results), next(results)
            if isinstance(hit, Exception):  # an unreadable counter lets the message through
                log.warning("counter %s unreadable: %s", opening.counter, hit)
            else:
                count = int(hit)
        active = None
        if opening.count_active:
            raw = next(results)
            active = None if isinstance(raw, Exception) else int(raw)  # unreadable: decided by the caller
        also = tuple(_decode(_checked(next(results))) for _ in opening.also)
        return Opened(state, claimed, seen, count, active, also)

    def close(self, closing: Closing) -> None:
        calls = [self.board.script_call(move) for move in closing.moves]
        if closing.release is not None:
            key, token = closing.release
            calls.append(ScriptCall(RELEASE_SCRIPT, (key,), (token,)))
        state = _encode(closing.state)
        try:
            if not closing.puts and not calls:  # the usual menu step: one command, no pipeline around it
                self._client.execute_command("SET", closing.key, state, "EX", closing.ttl)
                return
            with self._client.pipeline(transaction=False) as pipe:
                pipe.execute_command("SET", closing.key, state, "EX", closing.ttl)
                for key, text, ttl in closing.puts:
                    pipe.execute_command("SET", key, text, "EX", ttl)
                for call in calls:
                    scripts.queue(pipe, call)
                results = pipe.execute(raise_on_error=False)
        except ERRORS as exc:
            raise failure("save", f"redis save failed: {exc}") from exc
        saved, script_results = results[: 1 + len(closing.puts)], results[1 + len(closing.puts) :]
        for result in saved:
            _checked(result)
        try:
            script_results = scripts.retry_unknown(self._client, calls, script_results)
        except ERRORS:
            log.warning("live board moves or claim release failed", exc_info=True)
            return
        for call, result in zip(calls, script_results, strict=True):
            if isinstance(result, Exception):
                log.warning("%s script failed: %s", call.script.name, result)

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            raw = self._client.execute_command("GET", key)
        except ERRORS as exc:
            raise failure("load", f"redis load failed: {exc}") from exc
        return _decode(raw)

    def save(self, key: str, data: dict[str, Any], ttl_seconds: int) -> None:
        try:
            self._client.set(key, _encode(data), ex=ttl_seconds)
        except ERRORS as exc:
            raise failure("save", f"redis save failed: {exc}") from exc

    def claim(self, key: str, ttl_seconds: int = 30, token: str = "1") -> bool:
        try:
            return bool(self._client.set(key, token, nx=True, ex=ttl_seconds))
        except ERRORS as exc:
            raise failure("claim", f"redis claim failed: {exc}") from exc

    def release(self, key: str, token: str) -> None:
        try:
            scripts.run(self._client, ScriptCall(RELEASE_SCRIPT, (key,), (token,)))
        except ERRORS as exc:
            raise failure("release", f"redis release failed: {exc}") from exc

    def ping(self) -> None:
        try:
            if isinstance(self._client, RedisCluster):  # any primary may hold the next call's state
                self._client.ping(target_nodes=RedisCluster.PRIMARIES)
            else:
                self._client.ping()
        except ERRORS as exc:
            raise failure("ping", f"redis ping failed: {exc}") from exc


def _checked(result: Any) -> Any:
    """A pipeline result, or StateStoreError for a command that failed inside it."""
    if isinstance(result, Exception):
        raise failure("command", f"redis command failed: {result}")
    return result
