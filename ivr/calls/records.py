"""Write calls and their events; every write is safe to repeat (Twilio retries, replays)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, bindparam, func, select, text
from sqlalchemy.orm import Session

from db.models import Call, CallEvent
from ivr.stats.contribution import join_flows


@dataclass(frozen=True)
class CallFacts:
    """What is known about a call when it starts."""

    call_sid: str
    caller: str
    caller_kind: str
    dialed: str
    region_id: int | None
    routed_by: str
    language: str
    started_at: datetime
    channel: str = "voice"


def open_call(session: Session, facts: CallFacts) -> Call:
    """The row of a call seen for the first time (the caller has looked and found none)."""
    call = Call(
        call_sid=facts.call_sid,
        channel=facts.channel,
        caller=facts.caller,
        caller_kind=facts.caller_kind,
        dialed=facts.dialed,
        region_id=facts.region_id,
        routed_by=facts.routed_by,
        language=facts.language,
        started_at=facts.started_at,
    )
    session.add(call)
    session.flush()
    return call


# Written out because SQLAlchemy 2.0 cannot cache a statement with ON CONFLICT: built with
# insert().on_conflict_do_nothing() it was compiled again on every webhook. Same SQL on both backends.
_INSERT_EVENTS = text(
    "INSERT INTO call_events (call_id, seq, at, kind, flow, node, detail)"
    " VALUES (:call_id, :seq, :at, :kind, :flow, :node, :detail) ON CONFLICT (call_id, seq) DO NOTHING"
).bindparams(bindparam("at", type_=CallEvent.__table__.c.at.type), bindparam("detail", type_=JSON()))


def append_events(session: Session, call_id: int, events: Iterable[Mapping[str, Any]]) -> None:
    """Insert events by their per-call sequence number in one statement; any already stored is skipped."""
    rows = [
        {
            "call_id": call_id,
            "seq": event["seq"],
            "at": datetime.fromisoformat(event["at"]),
            "kind": event["kind"],
            "flow": event.get("flow"),
            "node": event.get("node"),
            "detail": dict(event.get("detail") or {}),
        }
        for event in events
    ]
    if rows:  # executemany: the driver sends the rows in one pipeline
        session.execute(_INSERT_EVENTS, rows)


def note_flows(call: Call, events: Iterable[Mapping[str, Any]]) -> None:
    """Remember which flows the call entered ("node" events) and completed ("served" events)."""
    pending = list(events)
    reached = [event.get("flow") for event in pending if event["kind"] == "node"]
    completed = [event.get("flow") for event in pending if event["kind"] == "served"]
    if reached:
        call.flows_reached = join_flows(call.flows_reached, reached)
    if completed:
        call.flows_completed = join_flows(call.flows_completed, completed)


def last_event_seq(session: Session, call_id: int) -> int:
    """The highest event number stored for a call (0 for none)."""
    return session.scalar(select(func.coalesce(func.max(CallEvent.seq), 0)).where(CallEvent.call_id == call_id)) or 0
