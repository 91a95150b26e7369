"""Menu 3 and 4: outage reports and complaints (ticket numbers), and the status of any reference.

The rules live here, not in the flows: which category is urgent, when the caller's area has a
known outage or planned maintenance, how ticket numbers are drawn, and that one call opens at
most one ticket per category however often Twilio retries or the caller repeats themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import DONE_STATUSES, TICKET_STATUSES, Complaint, MaintenanceNotice, Reading, Region, ServiceRequest
from db.models.tickets import CLOSED, OPEN
from db.references import COMPLAINT_PREFIX, READING_PREFIX, REQUEST_PREFIX, is_reference
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.phone.numbers import national_format, to_e164
from ivr.services.context import ServiceContext
from ivr.services.customers import find_account
from ivr.services.notes import plain_note
from ivr.services.references import new_reference
from ivr.services.validators import is_phone_number

CATEGORIES = ("no_power", "outage_area", "billing", "dangerous_installation", "other")
URGENT_CATEGORIES = frozenset({"dangerous_installation"})
OUTAGE_CATEGORIES = ("no_power", "outage_area")
OUTAGE_WINDOW = timedelta(hours=2)
OUTAGE_MIN_REPORTS = 3  # this many recent, unresolved outage reports in a region = a known outage
STATES = ("open", "in_progress", "resolved", "accepted", "flagged", "rejected", "replaced")
STATE_ALIASES = {"closed": "resolved"}
NOTE_MAX_CHARS = 500  # what agents may write (ivr/queries/tickets.py); callers hear it as plain words (notes.py)
# Any status may follow any other, except that a closed ticket is never simply "open" again:
# reopening a closed one means taking it up (in_progress), so it does not look brand new.
TRANSITIONS: dict[str, frozenset[str]] = {
    old: frozenset(new for new in TICKET_STATUSES if new != old and not (old == CLOSED and new == OPEN))
    for old in TICKET_STATUSES
}

# Variables one complaint leaves behind; cleared when the next one starts, so nothing leaks over.
COMPLAINT_VARS = (
    "complaint_category",
    "complaint_customer",
    "callback_number",
    "complaint_recording",
    "complaint_description",
)


# -- shared helpers ---------------------------------------------------------------------------


def _urgency(category: str) -> str:
    return "urgent" if category in URGENT_CATEGORIES else "routine"


def _local_parts(context: ServiceContext, moment: datetime, prefix: str) -> dict[str, Any]:
    """A UTC moment as the region's local date, `HH:MM` and zone (WIB, WITA, WIT), ready for prompts."""
    local = context.local(moment)
    return {
        f"{prefix}_date": local.date().isoformat(),
        f"{prefix}_time": local.strftime("%H:%M"),
        f"{prefix}_zone": local.tzname() or "",
    }


# -- before the complaint: what the caller's area already knows -------------------------------


def _active_notice(context: ServiceContext) -> MaintenanceNotice | None:
    """The planned work in force now that ends last: the longest wait a caller should hear of."""
    query = (
        select(MaintenanceNotice)
        .where(
            MaintenanceNotice.region_id == context.region_id,
            MaintenanceNotice.starts_at <= context.now,
            MaintenanceNotice.ends_at >= context.now,
        )
        .order_by(MaintenanceNotice.ends_at.desc(), MaintenanceNotice.id)
        .limit(1)
    )
    return context.session.scalar(query)


def known_outage(context: ServiceContext) -> bool:
    """Several recent, unresolved outage reports in the caller's region mean we already know."""
    query = select(func.count(Complaint.id)).where(
        Complaint.region_id == context.region_id,
        Complaint.category.in_(OUTAGE_CATEGORIES),
        Complaint.created_at >= context.now - OUTAGE_WINDOW,
        Complaint.created_at <= context.now,
        Complaint.resolved_at.is_(None),
        Complaint.status.not_in(DONE_STATUSES),
    )
    return (context.session.scalar(query) or 0) >= OUTAGE_MIN_REPORTS


def begin_complaint(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Forget any earlier complaint's answers, then tell of planned work or a known outage first."""
    fresh: dict[str, Any] = dict.fromkeys(COMPLAINT_VARS)
    if context.region_id is None:
        return ServiceResult("none", fresh)
    notice = _active_notice(context)
    if notice is not None:
        until = _local_parts(context, notice.ends_at, "notice_until")
        return ServiceResult("maintenance", {**fresh, "notice_area": notice.area, **until})
    if known_outage(context):
        region = context.session.get(Region, context.region_id)
        return ServiceResult("outage", {**fresh, "notice_area": region.name if region else ""})
    return ServiceResult("none", fresh)


# -- the complaint's details ------------------------------------------------------------------


def _category_chooser(category: str) -> Callable[[ServiceContext, Mapping[str, Any]], ServiceResult]:
    def choose(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
        """Remember the category the caller picked; urgent ones skip straight to an agent."""
        return ServiceResult(_urgency(category), {"complaint_category": category})

    return choose


def urgency(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Whether the chosen category goes straight to an agent (no recording is offered then)."""
    return ServiceResult(_urgency(str(args.get("category"))))


def reported_urgent(session: Session, conversation_id: str) -> bool:
    """Whether this call or text conversation opened an urgent ticket (its caller is served first)."""
    found = session.scalar(
        select(Complaint.id).where(Complaint.call_sid == conversation_id, Complaint.urgent.is_(True)).limit(1)
    )
    return found is not None


def find_customer(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Link the ticket to a customer when the IDPEL or meter number they typed is known."""
    account = find_account(context.session, args.get("digits"))
    if account is None:
        return ServiceResult("unknown", {"complaint_customer": None})
    return ServiceResult("found", {"complaint_customer": account.customer.id})


def default_callback(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """The caller's own number as the callback default, read back in its national form."""
    if not is_phone_number(context.caller):
        return ServiceResult("none", {"callback_number": None})
    national = "".join(c for c in national_format(context.caller) if c.isdigit())
    return ServiceResult("phone", {"callback_number": context.caller, "caller_national": national})


def set_callback(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Store the number the caller typed (already validated) in E.164, as agents dial it."""
    number = to_e164(str(args.get("digits") or ""))
    if number is None:
        raise ValueError("callback number was not validated before set_callback")
    return ServiceResult("ok", {"callback_number": number})


# -- the ticket ------------------------------------------------------------------------------


def open_complaint(
    context: ServiceContext,
    category: str,
    *,
    customer_id: int | None = None,
    callback_number: str | None = None,
    recording_url: str | None = None,
    description: str | None = None,
) -> Complaint:
    """One unresolved ticket per call and category: a retry or a repeat gets the same ticket."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown complaint category {category!r}")
    existing = context.session.scalar(
        select(Complaint)
        .where(
            Complaint.call_sid == context.conversation_id,
            Complaint.category == category,
            Complaint.resolved_at.is_(None),
        )
        .order_by(Complaint.id)
        .limit(1)
    )
    if existing is not None:
        return existing
    complaint = Complaint(
        ticket_number=new_reference(context.session, Complaint.ticket_number, COMPLAINT_PREFIX),
        category=category,
        urgent=category in URGENT_CATEGORIES,
        status=OPEN,
        customer_id=customer_id,
        region_id=context.region_id,
        callback_number=callback_number,
        recording_url=recording_url,
        description=description,
        call_sid=context.conversation_id,
        channel=context.channel,
        language=context.language,
        created_at=context.now,
        updated_at=context.now,
    )
    context.session.add(complaint)
    context.session.flush()
    return complaint


def create_complaint(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Open the ticket and hand its number to the flow to read back."""
    customer = args.get("customer_id")
    complaint = open_complaint(
        context,
        str(args.get("category")),
        customer_id=int(customer) if customer is not None else None,
        callback_number=args.get("callback_number"),
        recording_url=args.get("recording_url"),
        description=args.get("description"),
    )
    return ServiceResult(_urgency(complaint.category), {"ticket_number": complaint.ticket_number})


# -- status of a reference (menu 4) ----------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """What a caller may hear about one reference: its kind, status, last change and last note."""

    kind: str
    status: str
    changed: datetime
    note: str | None


def find_status(session: Session, reference: str) -> Status | None:
    """What a reference number points to, by its type digit; None when nothing matches."""
    if is_reference(reference, COMPLAINT_PREFIX):
        complaint = session.scalar(select(Complaint).where(Complaint.ticket_number == reference))
        if complaint is not None:
            return Status("complaint", complaint.status, complaint.updated_at, complaint.last_note)
    elif is_reference(reference, REQUEST_PREFIX):
        request = session.scalar(select(ServiceRequest).where(ServiceRequest.reference == reference))
        if request is not None:
            return Status("request", request.status, request.updated_at, request.last_note)
    elif is_reference(reference, READING_PREFIX):
        reading = session.scalar(select(Reading).where(Reading.reference == reference))
        if reading is not None:
            return Status("reading", reading.status, reading.reviewed_at or reading.submitted_at, reading.review_note)
    return None


def lookup_status(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """A ticket, request or reading's status, last change (local time) and last note."""
    found = find_status(context.session, str(args.get("reference") or ""))
    if found is None:
        return ServiceResult("not_found")
    note = plain_note(found.note)  # markup, links and entities are not read to a caller
    facts = {"status_code": found.status, "status_note": note, **_local_parts(context, found.changed, "status")}
    return ServiceResult(found.kind, facts)


def status_state(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Map a stored status onto the ones callers hear in words; anything new is 'other'."""
    status = str(args.get("status") or "")
    status = STATE_ALIASES.get(status, status)
    return ServiceResult(status if status in STATES else "other")


def note_state(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Whether an agent has left a note worth reading out."""
    return ServiceResult("note" if args.get("note") else "no_note")


def register(registry: ServiceRegistry) -> None:
    registry.add("tickets.begin_complaint", begin_complaint, {"maintenance", "outage", "none"})
    for category in CATEGORIES:
        registry.add(f"tickets.category.{category}", _category_chooser(category), {"routine", "urgent"})
    registry.add("tickets.urgency", urgency, {"routine", "urgent"})
    registry.add("tickets.find_customer", find_customer, {"found", "unknown"})
    registry.add("tickets.default_callback", default_callback, {"phone", "none"})
    registry.add("tickets.set_callback", set_callback, {"ok"})
    registry.add("tickets.create_complaint", create_complaint, {"routine", "urgent"})
    registry.add("tickets.lookup", lookup_status, {"complaint", "request", "reading", "not_found"})
    registry.add("tickets.status_state", status_state, {*STATES, "other"})
    registry.add("tickets.note", note_state, {"note", "no_note"})


def may_transition(old: str, new: str) -> bool:
    """Whether an agent may put a ticket in `old` into `new` (an unknown old status may go anywhere)."""
    return new in TICKET_STATUSES and new != old and new in TRANSITIONS.get(old, frozenset(TICKET_STATUSES))
