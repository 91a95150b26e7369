"""Which caller each agent has in hand: written by the bridge webhook, read by the console's screen pop.

One small entry per agent user in the call-state store (the key is ivr/conversations/keys.py's
`agent_user`), so every web process sees it: Redis across gunicorn workers, the in-process store
for the embedded single process. The bridge writes it once per answered call (one more round trip,
after the caller's state is saved); the console reads it once a poll. "Selesai" leaves a cleared
entry behind rather than deleting it, so the page knows the agent moved on (and which call, so a
late click never clears a caller bridged since).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivr.state import CallStateStore

IN_HAND_TTL = 12 * 3600  # an agent's shift; the agent session (ivr/voice/queueing.py) lives as long


@dataclass(frozen=True)
class InHand:
    """The caller an agent was bridged to; `caller` and `queue_seconds` as Twilio sent them at the bridge."""

    call_sid: str
    caller: str
    at: float  # epoch seconds of the bridge
    queue_seconds: int


def hand_over(store: CallStateStore, key: str, taken: InHand) -> None:
    """The agent now has this caller (replaces any earlier one); raises StateStoreError."""
    store.save(key, {"call_sid": taken.call_sid, "caller": taken.caller, "at": taken.at,
                     "queue_seconds": taken.queue_seconds}, IN_HAND_TTL)  # fmt: skip


def in_hand(store: CallStateStore, key: str) -> InHand | None:
    """The agent's caller, or None when nothing is in hand; raises StateStoreError."""
    return _parsed(store.load(key))


def put_down(store: CallStateStore, key: str, call_sid: str) -> bool:
    """The agent moved on from `call_sid`: clear it, unless another caller was bridged since."""
    current = in_hand(store, key)
    if current is None or current.call_sid != call_sid:
        return False
    store.save(key, {"call_sid": None, "done": call_sid}, IN_HAND_TTL)
    return True


def _parsed(data: dict[str, Any] | None) -> InHand | None:
    if not data or not isinstance(data.get("call_sid"), str):
        return None
    try:
        return InHand(data["call_sid"], str(data.get("caller") or ""), float(data.get("at") or 0),
                      int(data.get("queue_seconds") or 0))  # fmt: skip
    except (TypeError, ValueError):
        return None
