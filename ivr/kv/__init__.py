"""What the Redis-backed parts share (the call-state store, the live board, counters): the error
callers see, the client's settings and Lua scripts. Nothing above ivr/ imports from here but them."""

from __future__ import annotations

from typing import TypeAlias

import redis
from redis.backoff import ExponentialBackoff
from redis.client import Pipeline
from redis.cluster import ClusterPipeline, RedisCluster
from redis.exceptions import RedisClusterException
from redis.retry import Retry

from ivr import telemetry

# One Redis, or a Redis Cluster (REDIS_CLUSTER=true): the callers use what both answer alike.
Client: TypeAlias = redis.Redis | RedisCluster
Pipe: TypeAlias = Pipeline | ClusterPipeline

# What a failed Redis command raises. A cluster none of whose nodes answers raises
# RedisClusterException, which is not a RedisError.
ERRORS = (redis.RedisError, RedisClusterException)


class StateStoreError(RuntimeError):
    """The store could not be reached or answered badly; the caller gets an apology."""


def failure(operation: str, message: str) -> StateStoreError:
    """The error to raise for a failed store operation, counted on /metrics (ivr_state_store_failures_total)."""
    telemetry.store_failed(operation)
    return StateStoreError(message)


def connect(url: str, cluster: bool = False) -> Client:
    """A client that fails fast (a caller is waiting) but rides out a brief blip."""
    if cluster:
        return _connect_cluster(url)
    return redis.Redis.from_url(
        url,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )


def _connect_cluster(url: str) -> RedisCluster:
    """The same timeouts on each node's connections; the client retries a command twice itself.

    The client learns which node holds which slots when it is built, so (unlike the single Redis
    client) it needs a node that answers now. It retries on connection errors, timeouts and a
    cluster that is down, asking for the slots again between tries (redis-py takes only the
    number of retries from `retry`, not its backoff); `health_check_interval` and
    `retry_on_error` are not passed on to the nodes.
    """
    try:
        return RedisCluster.from_url(
            url,
            socket_timeout=1.0,
            socket_connect_timeout=1.0,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
        )
    except ERRORS as exc:
        raise failure("connect", f"redis cluster unreachable at start: {exc}") from exc
