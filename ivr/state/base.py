"""The call-state store interface: short-lived per-conversation state keyed by CallSid."""

from __future__ import annotations

from typing import Any, Protocol


class StateStoreError(RuntimeError):
    """The store could not be reached or answered badly; the caller gets an apology."""


class CallStateStore(Protocol):
    """Where a conversation's position lives between webhooks, with a time to live."""

    def load(self, key: str) -> dict[str, Any] | None:
        """The saved state, or None when there is none (new, expired or unknown)."""
        ...

    def save(self, key: str, data: dict[str, Any], ttl_seconds: int) -> None:
        """Replace the state and restart its time to live."""
        ...

    def claim(self, key: str, step: int, ttl_seconds: int = 30) -> bool:
        """True for the first request to handle `step` of `key`; False for a concurrent retry."""
        ...

    def ping(self) -> None:
        """Raise StateStoreError unless the store answers."""
        ...
