"""One live call or text conversation, as kept in the call-state store between webhooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivr.calls.flows import join_flows
from ivr.calls.modes import join_modes, mode_letter, node_key
from ivr.calls.records import CallFacts, RowState
from ivr.engine.model import Event
from ivr.engine.state import ConversationState


@dataclass(frozen=True)
class Mark:
    """Where a conversation stood before a turn, to go back there if the turn is tried again."""

    state: dict[str, Any]
    values: dict[str, Any]
    pending: int


# What a turn (the engine, the writer, an adapter's settle) may change besides the engine state.
_TURN_FIELDS = ("call_id", "step", "event_seq", "closed", "served", "ivr_hung_up", "had_error", "flows_reached",
                "flows_completed", "input_modes", "known_flags", "queue", "urgent")  # fmt: skip


@dataclass
class Conversation:
    """Where the conversation is in its flow, plus what the adapters need to answer retries and log events.

    `step` numbers the replies sent: a gather posts back `?step=N`, so a retried request (N below
    the current step) gets the stored reply instead of moving the flow again. `pending` holds
    events not yet in the database; they are written with the next turn that reaches it.
    """

    facts: CallFacts
    state: ConversationState
    caller_is_mobile: bool = False
    agent_number: str | None = None
    call_id: int | None = None
    step: int = 0
    last_reply: str = ""
    event_seq: int = 0
    pending: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False
    status_sequence: int | None = None  # the SequenceNumber of the final status callback applied
    # Facts for the call record (see ivr/calls/outcome.py); they only ever become true or grow.
    served: bool = False
    ivr_hung_up: bool = False
    had_error: bool = False
    flows_reached: str = ""
    flows_completed: str = ""
    input_modes: str = ""  # how each node was answered (ivr/calls/modes.py)
    known_flags: int | None = None  # which of those facts the call's row is known to have (written by us)
    # Queueing: the queue the caller waits in, and why they will leave it ("overflow", or the
    # node of flows/agent.yaml a callback continues at).
    queue: str | None = None
    urgent: bool = False  # queued in the urgent tier; stays so for an overflow and for the callback
    leaving_for: str | None = None
    callback_offered: bool = False
    last_queue_result: str | None = None  # the last queue callback handled, to spot Twilio's retries
    returned_from_queue: bool = False  # back in the menus (for a callback) after holding
    turned_away: bool = False  # every line was busy at call start (MAX_ACTIVE_CALLS): kept off the live board

    @property
    def sid(self) -> str:
        return self.facts.call_sid

    @property
    def language(self) -> str:
        return self.state.language

    def add_events(self, events: list[Event], at: datetime) -> None:
        """Number the events and keep them until written; note flows entered and completed, nodes answered."""
        stamp = at.isoformat()
        for event in events:
            self.event_seq += 1
            self.pending.append(
                {
                    "seq": self.event_seq,
                    "at": stamp,
                    "kind": event.kind,
                    "flow": event.flow,
                    "node": event.node,
                    "detail": event.detail,
                }
            )
            if event.kind == "node" and event.flow:
                self.flows_reached = join_flows(self.flows_reached, [event.flow])
            elif event.kind == "served" and event.flow:
                self.flows_completed = join_flows(self.flows_completed, [event.flow])
            else:
                letter = mode_letter(event.kind, event.detail, self.facts.channel)
                node = node_key(event.flow, event.node)
                if letter is not None and node is not None:
                    self.input_modes = join_modes(self.input_modes, [(node, letter)])

    def mark(self) -> Mark:
        return Mark(self.state.to_dict(), {name: getattr(self, name) for name in _TURN_FIELDS}, len(self.pending))

    def rewind(self, mark: Mark) -> None:
        """Back to `mark`, as if the turn had never run (its events too)."""
        self.state = ConversationState.from_dict(mark.state)
        for name, value in mark.values.items():
            setattr(self, name, value)
        del self.pending[mark.pending :]

    def row_state(self) -> RowState:
        return RowState(
            language=self.state.language,
            last_node=f"{self.state.flow}.{self.state.node}",
            served=self.served,
            ivr_hung_up=self.ivr_hung_up,
            had_error=self.had_error,
            flows_reached=self.flows_reached,
            flows_completed=self.flows_completed,
            input_modes=self.input_modes,
        )

    def to_dict(self) -> dict[str, Any]:
        facts = self.facts
        return {
            "facts": {
                "call_sid": facts.call_sid,
                "caller": facts.caller,
                "caller_kind": facts.caller_kind,
                "dialed": facts.dialed,
                "region_id": facts.region_id,
                "routed_by": facts.routed_by,
                "language": facts.language,
                "started_at": facts.started_at.isoformat(),
                "channel": facts.channel,
            },
            "state": self.state.to_dict(),
            "caller_is_mobile": self.caller_is_mobile,
            "agent_number": self.agent_number,
            "call_id": self.call_id,
            "step": self.step,
            "last_reply": self.last_reply,
            "event_seq": self.event_seq,
            "pending": self.pending,
            "closed": self.closed,
            "status_sequence": self.status_sequence,
            "served": self.served,
            "ivr_hung_up": self.ivr_hung_up,
            "had_error": self.had_error,
            "flows_reached": self.flows_reached,
            "flows_completed": self.flows_completed,
            "input_modes": self.input_modes,
            "known_flags": self.known_flags,
            "queue": self.queue,
            "urgent": self.urgent,
            "leaving_for": self.leaving_for,
            "callback_offered": self.callback_offered,
            "last_queue_result": self.last_queue_result,
            "returned_from_queue": self.returned_from_queue,
            "turned_away": self.turned_away,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        raw = dict(data["facts"])
        raw["started_at"] = datetime.fromisoformat(raw["started_at"])
        return cls(
            facts=CallFacts(**raw),
            state=ConversationState.from_dict(data["state"]),
            caller_is_mobile=bool(data.get("caller_is_mobile")),
            agent_number=data.get("agent_number"),
            call_id=data.get("call_id"),
            step=int(data.get("step", 0)),
            last_reply=str(data.get("last_reply", "")),
            event_seq=int(data.get("event_seq", 0)),
            pending=list(data.get("pending", [])),
            closed=bool(data.get("closed", False)),
            status_sequence=data.get("status_sequence"),
            served=bool(data.get("served", False)),
            ivr_hung_up=bool(data.get("ivr_hung_up", False)),
            had_error=bool(data.get("had_error", False)),
            flows_reached=str(data.get("flows_reached", "")),
            flows_completed=str(data.get("flows_completed", "")),
            input_modes=str(data.get("input_modes", "")),
            known_flags=data.get("known_flags"),
            queue=data.get("queue"),
            urgent=bool(data.get("urgent", False)),
            leaving_for=data.get("leaving_for"),
            callback_offered=bool(data.get("callback_offered", False)),
            last_queue_result=data.get("last_queue_result"),
            returned_from_queue=bool(data.get("returned_from_queue", False)),
            turned_away=bool(data.get("turned_away", False)),
        )
