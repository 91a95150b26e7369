"""The call-state store: what lives for one call or text conversation, and the two round trips of a turn.

A webhook reads everything it needs in one round trip (`open`: the conversation's state, the claim
of its turn, and for a text message whether it was seen before and how many its sender sent) and
writes everything in one more (`close`: the new state with its reply, the replies kept for retries,
the release of the turn's lock, and the live board's moves). Both implementations keep the same
promises; Redis serves any number of web processes, the in-process one a single process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ivr.kv import StateStoreError
from ivr.live.board import LiveBoard, Move

__all__ = ["CallStateStore", "Closing", "Opened", "Opening", "StateStoreError"]


@dataclass(frozen=True)
class Opening:
    """What one webhook's first round trip asks for; every part but `key` is optional."""

    key: str  # the conversation's state
    claim: str | None = None  # a claim to take for this turn (set-if-absent); see `Opened.claimed`
    claim_ttl: int = 30
    claim_token: str = "1"  # kept in the claim, so only its holder releases it (`Closing.release`)
    seen: str | None = None  # a once-only marker (a MessageSid's): set if absent, else read what it holds
    seen_ttl: int = 0
    counter: str | None = None  # a counter to add one to (a sender's messages in this window)
    counter_ttl: int = 0
    count_active: bool = False  # also read the live board's active call count
    also: tuple[str, ...] = ()  # other states to read in the same round trip (an agent's session)


@dataclass(frozen=True)
class Opened:
    state: dict[str, Any] | None  # None: no conversation under the key (new, expired or unknown)
    claimed: bool  # this request took the claim (always True when none was asked)
    seen: str | None = None  # None: first time; else what the marker holds ("" until a reply is kept)
    count: int = 0  # the counter after this request's hit
    active_calls: int | None = None  # None unless asked (or the board could not be read)
    also: tuple[dict[str, Any] | None, ...] = ()  # the states of `Opening.also`, in order


@dataclass(frozen=True)
class Closing:
    """What one webhook's last round trip writes; `key` and `state` always, the rest when given."""

    key: str
    state: dict[str, Any]
    ttl: int
    puts: tuple[tuple[str, str, int], ...] = ()  # (key, text, ttl) kept beside the state, e.g. a message's reply
    release: tuple[str, str] | None = None  # (claim key, token): let the next turn in
    moves: tuple[Move, ...] = ()  # the live board's, best effort: a failed move never fails the save


class CallStateStore(Protocol):
    """Where conversations live between webhooks; `board` is the live board it writes moves to."""

    @property
    def board(self) -> LiveBoard:
        """Read-only here, so a store may hold a more specific board (the Redis store's RedisLiveBoard)."""
        ...

    def open(self, opening: Opening) -> Opened:
        """One round trip; raises StateStoreError when the store cannot be reached."""
        ...

    def close(self, closing: Closing) -> None:
        """One round trip; raises StateStoreError when the state could not be saved."""
        ...

    def load(self, key: str) -> dict[str, Any] | None:
        """The saved state alone (no claim), for callbacks that only read."""
        ...

    def save(self, key: str, data: dict[str, Any], ttl_seconds: int) -> None:
        """Replace one state and restart its time to live."""
        ...

    def claim(self, key: str, ttl_seconds: int = 30, token: str = "1") -> bool:
        """Take a claim alone: True for the first taker while it lives."""
        ...

    def release(self, key: str, token: str) -> None:
        """Remove a claim alone, if `token` still holds it."""
        ...

    def ping(self) -> None:
        """Raise StateStoreError unless the store answers."""
        ...
