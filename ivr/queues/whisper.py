"""Who an agent takes next from a queue, and what the agent is told about them before the bridge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import ACTIVE_STATUSES, ROLES, Call, CallEvent, Complaint, Region, ServiceRequest, User
from ivr.phone.numbers import national_format, parse_caller
from ivr.queues import policy

NOT_A_STEP = ("main_menu", "agent")  # flows every queued caller went through: not worth saying


@dataclass(frozen=True)
class NextCaller:
    """The head of a queue, as the agent hears it."""

    number: str  # the caller's number as digits to read out, or the kind of caller id
    region_name: str
    waited_minutes: int
    flows: list[str]  # the menus they went through, in order
    open_tickets: int
    urgent: bool = False  # waits in the urgent tier: the agent takes it from there
    urgent_category: str | None = None  # the urgent ticket's category this call opened, if any


@dataclass(frozen=True)
class AgentLine:
    """An agent phoning in: who, and which queue they take callers from."""

    user_id: int
    queue: str


def agent_line(session: Session, caller: str) -> AgentLine | None:
    """The active agent whose phone (E.164) or Twilio Client identity is calling, and their queue."""
    parsed = parse_caller(caller)
    user = session.scalar(select(User).where(User.phone == parsed.value, User.active.is_(True), User.role.in_(ROLES)))
    if user is None:
        return None
    region = session.get(Region, user.region_id) if user.region_id else None
    queue = region.code if region is not None and not region.is_national else policy.NATIONAL_QUEUE
    return AgentLine(user.id, queue)


def next_caller(session: Session, queue: str, now: datetime) -> tuple[int, NextCaller | None]:
    """How many wait in `queue`, and the one an agent takes next (None when nobody waits)."""
    waiting = policy.waiting_count(session, queue)
    head = policy.head_of(session, queue)
    if head is None:
        return waiting, None
    region = session.get(Region, head.region_id) if head.region_id else None
    caller = parse_caller(head.caller)
    number = national_format(head.caller) if caller.is_phone else head.caller_kind
    waited = (now - (head.queued_at or now)).total_seconds()
    return waiting, NextCaller(
        number="".join(c for c in number if c.isdigit()) or number,
        region_name=region.name if region else "-",
        waited_minutes=max(0, round(waited / 60)),
        flows=_flows_visited(session, head),
        open_tickets=_open_tickets(session, head),
        urgent=head.urgent,
        urgent_category=_urgent_category(session, head) if head.urgent else None,
    )


def _flows_visited(session: Session, call: Call) -> list[str]:
    flows = session.scalars(
        select(CallEvent.flow).where(CallEvent.call_id == call.id, CallEvent.kind == "node").order_by(CallEvent.seq)
    ).all()
    return list(dict.fromkeys(flow for flow in flows if flow and flow not in NOT_A_STEP))


def _urgent_category(session: Session, call: Call) -> str | None:
    """What the urgent caller reported on this call (e.g. dangerous_installation), for the whisper."""
    return session.scalar(
        select(Complaint.category)
        .where(Complaint.call_sid == call.call_sid, Complaint.urgent.is_(True))
        .order_by(Complaint.id)
        .limit(1)
    )


def _open_tickets(session: Session, call: Call) -> int:
    """Open complaints and requests left by this caller's number, on any call."""
    counts = 0
    for model in (Complaint, ServiceRequest):
        counts += (
            session.scalar(
                select(func.count())
                .select_from(model)
                .where(
                    model.status.in_(ACTIVE_STATUSES),
                    or_(model.callback_number == call.caller, model.call_sid == call.call_sid),
                )
            )
            or 0
        )
    return counts
