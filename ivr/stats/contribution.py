"""What one ended call adds to the rollups: the single place that classifies a call for statistics.

The rollups are sums of contributions, so keeping them current is "subtract what the call added
before this write, add what it adds now", and rebuilding them is summing over the calls again.
Both use this module, so a figure cannot mean one thing live and another after a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from db.models.stats import NO_REGION, SERVICE_LEVEL_THRESHOLDS, within_column
from ivr.calls import outcome as outcomes
from ivr.calls.flows import flow_names
from ivr.calls.modes import MISSED, SPOKEN, parse_modes

# Outcome -> the hour counter it adds one to (outcomes not listed only count as offered).
OUTCOME_COUNTERS: dict[str, str] = {
    outcomes.SELF_SERVED: "self_served",
    outcomes.ANSWERED_BY_AGENT: "answered",
    outcomes.TRANSFERRED: "transferred",
    outcomes.AGENT_UNAVAILABLE: "agent_unavailable",
    outcomes.HUNG_UP_IN_MENU: "abandoned_in_menu",
    outcomes.ABANDONED_IN_QUEUE: "abandoned_in_queue",
    outcomes.CALLBACK_REQUESTED: "callback_requested",
    outcomes.ENDED_BY_IVR: "ended_by_ivr",
    outcomes.ERROR: "errors",
}
REACHED, COMPLETED, GAVE_UP = "reached", "completed", "gave_up"
# Per node: the call answered it (any way, a missed utterance included), spoke at it, was misheard there.
ANSWERED, SPOKE, MISHEARD = "input", "spoke", "misheard"


class CallFacts(Protocol):
    """What the statistics read of a call: an ORM `Call`, a `CallRow`, or a row of a query."""

    @property
    def region_id(self) -> int | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def queued_at(self) -> datetime | None: ...
    @property
    def queue_seconds(self) -> int | None: ...
    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def last_node(self) -> str | None: ...
    @property
    def flows_reached(self) -> str: ...
    @property
    def flows_completed(self) -> str: ...
    @property
    def input_modes(self) -> str: ...


HourKey = tuple[int, str, datetime]
DayKey = tuple[int, str, date]
FlowKey = tuple[str, str, str]  # flow, measure, node


@dataclass(frozen=True)
class Contribution:
    """The counters one call adds to its hour row and its day's flow rows."""

    hour_key: HourKey
    counters: dict[str, int]
    wait: int
    flows: dict[FlowKey, int] = field(default_factory=dict)

    @property
    def day_key(self) -> DayKey:
        region, channel, hour = self.hour_key
        return region, channel, hour.date()


def local_hour(started_at: datetime, zone: ZoneInfo) -> datetime:
    """The call's start on its region's wall clock, truncated to the hour, without tzinfo."""
    return started_at.astimezone(zone).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def contribution(call: CallFacts, zone: ZoneInfo) -> Contribution | None:
    """What this call adds to the statistics; nothing until it has ended."""
    if call.ended_at is None or call.started_at is None:
        return None
    region = call.region_id if call.region_id is not None else NO_REGION
    hour = local_hour(call.started_at, zone)
    counters = {"offered": 1}
    counter = OUTCOME_COUNTERS.get(call.outcome)
    if counter:
        counters[counter] = 1
    queued = call.queued_at is not None
    wait = (call.queue_seconds or 0) if queued else 0
    if queued:
        counters["queued"] = 1
    if call.outcome == outcomes.ANSWERED_BY_AGENT:
        counters["answer_seconds"] = wait
        if call.answered_at is not None:
            counters["handle_seconds"] = max(0, round((call.ended_at - call.answered_at).total_seconds()))
        for seconds in SERVICE_LEVEL_THRESHOLDS:
            if wait <= seconds:
                counters[within_column(seconds)] = 1
    return Contribution(
        hour_key=(region, call.channel, hour),
        counters=counters,
        wait=wait,
        flows=_flow_counts(call),
    )


def _flow_counts(call: CallFacts) -> dict[FlowKey, int]:
    counts: dict[FlowKey, int] = {}
    for flow in flow_names(call.flows_reached):
        counts[(flow, REACHED, "")] = 1
    for flow in flow_names(call.flows_completed):
        counts[(flow, COMPLETED, "")] = 1
    if call.outcome == outcomes.HUNG_UP_IN_MENU and call.last_node and "." in call.last_node:
        flow, node = call.last_node.split(".", 1)
        counts[(flow, GAVE_UP, node[:64])] = 1
    for where, letters in parse_modes(call.input_modes).items():
        flow, _, node = where.partition(".")
        if flow and node:
            flow, node = flow[:64], node[:64]
            counts[(flow, ANSWERED, node)] = 1
            if letters & SPOKEN:
                counts[(flow, SPOKE, node)] = 1
            if MISSED in letters:
                counts[(flow, MISHEARD, node)] = 1
    return counts
