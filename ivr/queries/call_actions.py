"""What an agent opens for the caller in hand, from the screen pop: a ticket or a callback.

Both go through the same services the menus use (ivr/services/tickets.py open_complaint,
ivr/services/agents.py request_callback), with the call as the conversation: a double click or a
retried form gets the same ticket (one open ticket per call and category) and the same callback
(one per call), and a ticket the caller already filed in that category from the menus is the one
returned. The ticket's history says which agent opened it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CallbackRequest, Complaint, TicketUpdate
from ivr.auth.roles import Principal
from ivr.phone.numbers import parse_caller
from ivr.queries.calls import CallDetail, get_call
from ivr.queries.tickets import TicketError, clean_note
from ivr.services.agents import request_callback
from ivr.services.context import ServiceContext
from ivr.services.tickets import CATEGORIES, open_complaint

OPENED_BY_AGENT = "Dibuka petugas dari panggilan"  # the history note of a ticket opened from the pop
CALLBACK_REASON = "agent"


@dataclass(frozen=True)
class Opened:
    """What the agent's action left: the ticket number or the callback number, and whether it was new."""

    reference: str
    new: bool


def _call(session: Session, principal: Principal, call_sid: str) -> CallDetail:
    """The call, when the principal may see it (with its recognised customer); LookupError otherwise."""
    call = get_call(session, principal, call_sid)
    if call is None:
        raise LookupError(f"call {call_sid!r} not found")
    return call


def _context(session: Session, call: CallDetail, now: datetime) -> ServiceContext:
    return ServiceContext(
        session=session,
        conversation_id=call.call_sid,
        caller=call.caller,
        caller_is_mobile=parse_caller(call.caller).is_mobile,
        region_id=call.region.id if call.region else None,
        channel=call.channel,
        now=now,
        language=call.language,
    )


def open_ticket(
    session: Session, principal: Principal, call_sid: str, category: str, note: str | None, now: datetime
) -> Opened:
    """A complaint for the caller in hand (their customer, their number to call back), with the agent's note."""
    if category not in CATEGORIES:
        raise TicketError(f"Kategori tidak dikenal: {category!r}.")
    text = clean_note(note, what="Keterangan")
    call = _call(session, principal, call_sid)
    customer_id = call.customer.id if call.customer else None
    caller = parse_caller(call.caller)
    existing = session.scalar(
        select(Complaint.id).where(
            Complaint.call_sid == call.call_sid, Complaint.category == category, Complaint.resolved_at.is_(None)
        )
    )
    complaint = open_complaint(
        _context(session, call, now),
        category,
        customer_id=customer_id,
        callback_number=caller.value if caller.is_phone else None,
        description=text,
    )
    if existing is None:
        session.add(
            TicketUpdate(
                ticket_kind="complaint",
                ticket_id=complaint.id,
                user_id=principal.id,
                at=now,
                old_status=complaint.status,
                new_status=complaint.status,
                note=OPENED_BY_AGENT + (f": {text}" if text else ""),
            )
        )
        session.flush()
    return Opened(complaint.ticket_number, existing is None)


def book_callback(session: Session, principal: Principal, call_sid: str, now: datetime) -> Opened | None:
    """A callback to the caller's own number (one per call); None when the caller has no number to ring."""
    call = _call(session, principal, call_sid)
    existing = session.scalar(select(CallbackRequest.id).where(CallbackRequest.call_sid == call.call_sid))
    result = request_callback(_context(session, call, now), {"reason": CALLBACK_REASON})
    if result.outcome != "created":
        return None
    return Opened(str(result.vars["callback_number"]), existing is None)
