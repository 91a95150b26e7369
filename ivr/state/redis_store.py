"""Redis call-state store: shared by every web process, entries expire by themselves."""

from __future__ import annotations

import json
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from ivr.state.base import StateStoreError


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


class RedisStateStore:
    """State as JSON under `<namespace>:call:<key>`, with a TTL on every write."""

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self._client = client
        self._namespace = namespace

    @property
    def client(self) -> redis.Redis:
        """The connection pool, so the live board can share it instead of opening another."""
        return self._client

    def _key(self, kind: str, key: str) -> str:
        return f"{self._namespace}:{kind}:{key}"

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            raw = self._client.get(self._key("call", key))
        except redis.RedisError as exc:
            raise StateStoreError(f"redis load failed: {exc}") from exc
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise StateStoreError("stored call state is not valid JSON") from exc
        return data if isinstance(data, dict) else None

    def save(self, key: str, data: dict[str, Any], ttl_seconds: int) -> None:
        try:
            self._client.set(self._key("call", key), json.dumps(data, separators=(",", ":")), ex=ttl_seconds)
        except redis.RedisError as exc:
            raise StateStoreError(f"redis save failed: {exc}") from exc

    def claim(self, key: str, step: int, ttl_seconds: int = 30) -> bool:
        try:
            return bool(self._client.set(self._key("claim", f"{key}:{step}"), 1, nx=True, ex=ttl_seconds))
        except redis.RedisError as exc:
            raise StateStoreError(f"redis claim failed: {exc}") from exc

    def ping(self) -> None:
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise StateStoreError(f"redis ping failed: {exc}") from exc
