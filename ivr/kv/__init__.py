"""What the Redis-backed parts share (the call-state store, the live board, counters): the error
callers see, the client's settings and Lua scripts. Nothing above ivr/ imports from here but them."""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry


class StateStoreError(RuntimeError):
    """The store could not be reached or answered badly; the caller gets an apology."""


def connect(url: str) -> redis.Redis:
    """A client that fails fast (a caller is waiting) but rides out a brief blip."""
    return redis.Redis.from_url(
        url,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )
