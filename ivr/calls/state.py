"""The record of one live call or text conversation, as kept in the call-state store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivr.calls.records import CallFacts
from ivr.engine.model import Event
from ivr.engine.state import ConversationState
from ivr.services.context import ServiceContext


@dataclass
class LiveCall:
    """Conversation position plus what the adapter needs to answer retries and log events.

    `step` numbers the replies sent: a gather posts back `?step=N`, so a retried request
    (N below the current step) gets the stored reply instead of moving the flow again.
    `pending` holds events not yet in the database; they are written on the next good request.
    """

    facts: CallFacts
    conversation: ConversationState
    caller_is_mobile: bool = False
    agent_number: str | None = None
    call_id: int | None = None
    step: int = 0
    last_reply: str = ""
    event_seq: int = 0
    pending: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False
    # Facts for the call record (see ivr/calls/outcome.py); they only ever become true.
    served: bool = False
    ivr_hung_up: bool = False
    had_error: bool = False
    # Queueing: the queue the caller waits in, and why they will leave it ("overflow", or the
    # node of flows/agent.yaml a callback continues at).
    queue: str | None = None
    leaving_for: str | None = None
    callback_offered: bool = False
    last_queue_result: str | None = None  # the last queue callback handled, to spot Twilio's retries
    returned_from_queue: bool = False  # back in the menus (for a callback) after holding
    turned_away: bool = False  # every line was busy at call start (MAX_ACTIVE_CALLS): kept off the live board

    def service_context(self, session: Any, now: datetime, timezone: str, sms_enabled: bool = False) -> ServiceContext:
        """What the services of this call's next turn get: its unit of work and its facts."""
        return ServiceContext(
            session=session,
            conversation_id=self.facts.call_sid,
            caller=self.facts.caller,
            caller_is_mobile=self.caller_is_mobile,
            region_id=self.facts.region_id,
            channel=self.facts.channel,
            now=now,
            timezone=timezone,
            language=self.conversation.language,
            step=self.step,
            sms_enabled=sms_enabled,
        )

    def add_events(self, events: list[Event], at: datetime) -> None:
        for event in events:
            self.event_seq += 1
            self.pending.append(
                {
                    "seq": self.event_seq,
                    "at": at.isoformat(),
                    "kind": event.kind,
                    "flow": event.flow,
                    "node": event.node,
                    "detail": event.detail,
                }
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
            "conversation": self.conversation.to_dict(),
            "caller_is_mobile": self.caller_is_mobile,
            "agent_number": self.agent_number,
            "call_id": self.call_id,
            "step": self.step,
            "last_reply": self.last_reply,
            "event_seq": self.event_seq,
            "pending": self.pending,
            "closed": self.closed,
            "served": self.served,
            "ivr_hung_up": self.ivr_hung_up,
            "had_error": self.had_error,
            "queue": self.queue,
            "leaving_for": self.leaving_for,
            "callback_offered": self.callback_offered,
            "last_queue_result": self.last_queue_result,
            "returned_from_queue": self.returned_from_queue,
            "turned_away": self.turned_away,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LiveCall:
        raw = dict(data["facts"])
        raw["started_at"] = datetime.fromisoformat(raw["started_at"])
        return cls(
            facts=CallFacts(**raw),
            conversation=ConversationState.from_dict(data["conversation"]),
            caller_is_mobile=bool(data.get("caller_is_mobile")),
            agent_number=data.get("agent_number"),
            call_id=data.get("call_id"),
            step=int(data.get("step", 0)),
            last_reply=str(data.get("last_reply", "")),
            event_seq=int(data.get("event_seq", 0)),
            pending=list(data.get("pending", [])),
            closed=bool(data.get("closed", False)),
            served=bool(data.get("served", False)),
            ivr_hung_up=bool(data.get("ivr_hung_up", False)),
            had_error=bool(data.get("had_error", False)),
            queue=data.get("queue"),
            leaving_for=data.get("leaving_for"),
            callback_offered=bool(data.get("callback_offered", False)),
            last_queue_result=data.get("last_queue_result"),
            returned_from_queue=bool(data.get("returned_from_queue", False)),
            turned_away=bool(data.get("turned_away", False)),
        )
