"""The outcome rule: the most significant fact wins, whatever order the facts arrived in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from db.models import Call
from ivr.calls.outcome import derive_outcome

T = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)

FACTS = {
    "ended": ("ended_at", T),
    "served": ("self_served", True),
    "queued": ("queued_at", T),
    "answered": ("answered_at", T),
    "callback": ("callback_requested_at", T),
    "error": ("had_error", True),
    "ivr_hung_up": ("ivr_hung_up", True),
    "direct_answered": ("direct_transfer", "answered"),
    "direct_unanswered": ("direct_transfer", "unanswered"),
}


def _call(*facts: str) -> Call:
    call = Call(self_served=False, had_error=False, ivr_hung_up=False)
    for fact in facts:
        name, value = FACTS[fact]
        setattr(call, name, value)
    return call


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        ((), "in_progress"),
        (("ended",), "hung_up_in_menu"),
        (("served", "ended"), "self_served"),
        (("ivr_hung_up", "ended"), "ended_by_ivr"),
        (("error", "ended"), "error"),
        (("served", "queued"), "queued"),
        (("served", "queued", "ended"), "abandoned_in_queue"),
        (("queued", "answered", "ended"), "answered_by_agent"),
        (("queued", "callback", "ended"), "callback_requested"),
        (("error", "direct_answered", "ended"), "transferred"),
        (("error", "direct_unanswered", "ended"), "agent_unavailable"),
    ],
)
def test_outcome_from_facts(facts: tuple[str, ...], outcome: str) -> None:
    assert derive_outcome(_call(*facts)) == outcome


def test_order_of_arrival_does_not_matter() -> None:
    facts = ("served", "queued", "answered", "ended")
    outcomes = {derive_outcome(_call(*order)) for order in itertools.permutations(facts)}
    assert outcomes == {"answered_by_agent"}
