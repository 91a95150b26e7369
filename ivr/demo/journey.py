"""What a synthetic call is made of: where it is placed, who calls, and the journey a walk records."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ivr.demo.graph import (
    Step,
)

Event = tuple[int, str, str | None, str | None, str]  # at, kind, flow, node, detail as JSON

NOWHERE = Step("", "")  # where a journey is before its first node


@dataclass(frozen=True)
class Place:
    """A region as the walk sees it: its clock, number, hours (seconds after local midnight)."""

    id: int
    code: str
    zone: ZoneInfo
    dialed: str
    area_code: str | None
    opens: int
    closes: int
    national: bool


@dataclass(frozen=True)
class Account:
    customer_id: int
    meter_id: int | None
    postpaid: bool
    window: tuple[int, int]  # days of the month self readings are taken


@dataclass(frozen=True)
class World:
    national: Place | None
    accounts: dict[int, list[Account]]  # by region id
    everyone: list[Account]


@dataclass(slots=True)
class Journey:
    """Where one caller went and what it left behind; times are seconds after the start."""

    events: list[Event] = field(default_factory=list)
    language: str = "id"
    end: int = 0
    served: bool = False
    ivr_hung_up: bool = False
    had_error: bool = False
    direct_transfer: str | None = None
    queue_name: str | None = None
    queued_at: int | None = None
    queue_entered_at: int | None = None
    queue_seconds: int | None = None
    overflowed: bool = False
    answered_at: int | None = None
    agent_call_sid: str | None = None
    callback_at: int | None = None
    last: Step = NOWHERE
    reached: set[str] = field(default_factory=set)
    completed: set[str] = field(default_factory=set)
    complaints: list[tuple[int, str, int | None, str, bool, str | None]] = field(default_factory=list)
    readings: list[tuple[int, int, str, str | None]] = field(default_factory=list)  # at, meter, status, flag
    callback: tuple[str, str, list[str]] | None = None  # number, reason, menu path
    modes: dict[str, set[str]] = field(default_factory=dict)  # "flow.node" -> how it was answered (ivr/calls/modes.py)

    def answered(self, step: Step, letter: str) -> None:
        self.modes.setdefault(f"{step.flow}.{step.node}", set()).add(letter)

    @property
    def last_node(self) -> str:
        return f"{self.last.flow}.{self.last.node}"


def e164(national: str) -> str:
    """A number keyed in nationally (08...) as E.164."""
    return "+62" + national.removeprefix("0")


def menu_path(events: Iterable[Event]) -> list[str]:
    """The nodes passed, in order, without immediate repeats (as ivr/services/agents.py keeps it)."""
    path: list[str] = []
    for _, kind, flow, node, _ in events:
        if kind == "node" and (not path or path[-1] != f"{flow}.{node}"):
            path.append(f"{flow}.{node}")
    return path


EMPTY, ENDED = "{}", json.dumps({"status": "completed"})
