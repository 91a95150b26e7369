"""Call-state stores: Redis in production, in-process as the embedded default."""

from __future__ import annotations

import time
from collections.abc import Callable

from ivr.live.memory import MemoryLiveBoard
from ivr.live.redis_board import RedisLiveBoard
from ivr.state.base import CallStateStore, Closing, Opened, Opening, StateStoreError
from ivr.state.memory import MemoryStateStore


def make_store(
    redis_url: str | None, namespace: str, cluster: bool = False, clock: Callable[[], float] = time.time
) -> CallStateStore:
    """Redis when a URL is configured, otherwise the in-process store; each with its live board on `clock`."""
    if not redis_url:
        return MemoryStateStore(MemoryLiveBoard(clock=clock))
    from ivr.kv import connect
    from ivr.state.redis_store import RedisStateStore

    client = connect(redis_url, cluster=cluster)
    return RedisStateStore(client, RedisLiveBoard(client, namespace, clock=clock))


__all__ = ["CallStateStore", "Closing", "MemoryStateStore", "Opened", "Opening", "StateStoreError", "make_store"]
