"""How many messages one address may send per window, counted where every web process sees it.

Fixed windows: the call-state store adds one to a counter named after the sender and the window
(in the same round trip that opens the conversation), and the counter expires with the window.
When the count cannot be read the message goes through: a customer is never refused because our
counter is down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    messages: int  # allowed per window
    window_seconds: int


class RateLimiter:
    """Decides per message: go on, tell the sender to slow down (once a window), or stay quiet."""

    ALLOW, WARN, QUIET = "allow", "warn", "quiet"

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.clock = clock

    def window(self) -> int:
        """The number of the current window (its counter's name)."""
        return int(self.clock() // self.limit.window_seconds)

    def verdict(self, count: int) -> str:
        """What to do with the message that brought the window's count to `count` (0: not counted)."""
        if count <= self.limit.messages:
            return self.ALLOW
        return self.WARN if count == self.limit.messages + 1 else self.QUIET
