"""Call-state stores: Redis in production, in-process as the embedded default."""

from __future__ import annotations

from ivr.state.base import CallStateStore, StateStoreError
from ivr.state.memory import MemoryStateStore


def make_store(redis_url: str | None, namespace: str) -> CallStateStore:
    """Redis when a URL is configured, otherwise the in-process store."""
    if not redis_url:
        return MemoryStateStore()
    from ivr.state.redis_store import RedisStateStore, connect

    return RedisStateStore(connect(redis_url), namespace)


__all__ = ["CallStateStore", "MemoryStateStore", "StateStoreError", "make_store"]
