"""Live contact-centre counters for the supervisor console and Prometheus."""

from __future__ import annotations

from ivr.live.board import LiveBoard, LiveSnapshot, QueueLive, RegionLive, make_board
from ivr.live.memory import MemoryLiveBoard

__all__ = ["LiveBoard", "LiveSnapshot", "MemoryLiveBoard", "QueueLive", "RegionLive", "make_board"]
