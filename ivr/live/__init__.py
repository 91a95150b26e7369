"""Live contact-centre counters for the supervisor console and Prometheus."""

from __future__ import annotations

import time
from collections.abc import Callable

from ivr.kv import Client
from ivr.live.board import LiveBoard, LiveSnapshot, QueueLive, RegionLive
from ivr.live.memory import MemoryLiveBoard
from ivr.live.redis_board import RedisLiveBoard


def make_board(client: Client | None, namespace: str, clock: Callable[[], float] = time.time) -> LiveBoard:
    """Redis when the app has a client (shared with the call-state store), otherwise in-process."""
    if client is None:
        return MemoryLiveBoard(clock=clock)
    return RedisLiveBoard(client, namespace, clock=clock)


__all__ = ["LiveBoard", "LiveSnapshot", "MemoryLiveBoard", "QueueLive", "RedisLiveBoard", "RegionLive", "make_board"]
