"""Where a call ended, derived from facts that only move forward.

Twilio's callbacks for one call (gathers, queue results, the final status) can arrive twice, late
or out of order. Each writes a fact; the outcome is recomputed from all facts every time, so
whichever arrives last, the record says the same thing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

IN_PROGRESS = "in_progress"
HUNG_UP_IN_MENU = "hung_up_in_menu"
SELF_SERVED = "self_served"
ENDED_BY_IVR = "ended_by_ivr"
QUEUED = "queued"
ABANDONED_IN_QUEUE = "abandoned_in_queue"
ANSWERED_BY_AGENT = "answered_by_agent"
CALLBACK_REQUESTED = "callback_requested"
TRANSFERRED = "transferred"
AGENT_UNAVAILABLE = "agent_unavailable"
ERROR = "error"

OUTCOMES = (
    IN_PROGRESS,
    HUNG_UP_IN_MENU,
    SELF_SERVED,
    ENDED_BY_IVR,
    QUEUED,
    ABANDONED_IN_QUEUE,
    ANSWERED_BY_AGENT,
    CALLBACK_REQUESTED,
    TRANSFERRED,
    AGENT_UNAVAILABLE,
    ERROR,
)


class OutcomeFacts(Protocol):
    """What the outcome is derived from: an ORM `Call`, a `CallRow`, or the facts an UPDATE returned."""

    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def callback_requested_at(self) -> datetime | None: ...
    @property
    def queued_at(self) -> datetime | None: ...
    @property
    def direct_transfer(self) -> str | None: ...
    @property
    def self_served(self) -> bool: ...
    @property
    def had_error(self) -> bool: ...
    @property
    def ivr_hung_up(self) -> bool: ...


def derive_outcome(call: OutcomeFacts) -> str:
    """The one place that decides a call's outcome; the most significant fact wins."""
    ended = call.ended_at is not None
    if call.answered_at is not None:
        return ANSWERED_BY_AGENT
    if call.callback_requested_at is not None:
        return CALLBACK_REQUESTED
    if call.queued_at is not None:
        return ABANDONED_IN_QUEUE if ended else QUEUED
    if call.direct_transfer == "answered":
        return TRANSFERRED
    if call.direct_transfer == "unanswered":
        return AGENT_UNAVAILABLE
    if call.self_served:
        return SELF_SERVED
    if call.had_error:
        return ERROR
    if call.ivr_hung_up:
        return ENDED_BY_IVR
    return HUNG_UP_IN_MENU if ended else IN_PROGRESS
