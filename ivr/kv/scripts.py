"""Lua scripts run by SHA, alone or inside a caller's pipeline, loaded again when Redis forgot them.

redis-py's `Script` objects check `SCRIPT EXISTS` before every pipeline that uses them: one more
round trip per webhook. Here a pipeline sends `EVALSHA` directly and only a `NOSCRIPT` answer
(Redis restarted or flushed its script cache) costs a `SCRIPT LOAD` and a second try. On a Redis
Cluster the load goes to every primary, so the node that answered NOSCRIPT has it for the retry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.cluster import ClusterPipeline
from redis.exceptions import NoScriptError

from ivr.kv import Client, Pipe

Arg = str | int | float


@dataclass(frozen=True)
class LuaScript:
    name: str
    source: str

    @property
    def sha(self) -> str:
        return hashlib.sha1(self.source.encode()).hexdigest()


@dataclass(frozen=True)
class ScriptCall:
    """One queued EVALSHA: which script, with which keys and arguments."""

    script: LuaScript
    keys: tuple[str, ...]
    args: tuple[Arg, ...]


def queue(pipe: Pipe, call: ScriptCall) -> None:
    """Add the call to a pipeline as a bare EVALSHA (no SCRIPT EXISTS round trip first)."""
    command = ("EVALSHA", call.script.sha, len(call.keys), *call.keys, *call.args)
    if isinstance(pipe, ClusterPipeline):
        # Named, the node spares a round trip: a cluster pipeline otherwise asks a node for the
        # keys of every EVALSHA (COMMAND GETKEYS) before sending anything. A MOVED answer is
        # still followed.
        pipe.execute_command(*command, target_nodes=pipe.get_node_from_key(call.keys[0]))
    else:
        pipe.execute_command(*command)


def run(client: Client, call: ScriptCall) -> Any:
    """Run one script now, loading it first if Redis does not know it."""
    try:
        return client.evalsha(call.script.sha, len(call.keys), *call.keys, *call.args)
    except NoScriptError:
        client.script_load(call.script.source)
        return client.evalsha(call.script.sha, len(call.keys), *call.keys, *call.args)


def retry_unknown(client: Client, calls: Sequence[ScriptCall], results: list[Any]) -> list[Any]:
    """Results of a pipeline's script calls, with any NOSCRIPT answer replaced by a run after loading."""
    return [
        run(client, call) if isinstance(result, NoScriptError) else result
        for call, result in zip(calls, results, strict=True)
    ]
