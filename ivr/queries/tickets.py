"""Work queues: complaints, service requests and callback requests, read and changed by agents.

Menu 4 reads what these functions write (status, `updated_at`, `last_note`), so a caller hears an
agent's change as soon as it is committed. Region rules are applied here, never in the views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from db.models import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    TICKET_STATUSES,
    Complaint,
    Customer,
    OutboxMessage,
    Region,
    ServiceRequest,
    TicketUpdate,
    User,
)
from ivr.auth.roles import Principal, region_clause
from ivr.queries.paging import Page, page_bounds
from ivr.services.notices import TicketNotices, notify_status_change, outbox_key
from ivr.services.tickets import NOTE_MAX_CHARS, may_transition

KINDS = ("complaint", "request")
ACTIVE = "active"  # list filter: the work still to do (ACTIVE_STATUSES)
STATUS_LABELS = {"open": "Baru", "in_progress": "Sedang ditangani", "resolved": "Selesai", "closed": "Ditutup"}
MAX_PER_PAGE = 100
Ticket = Complaint | ServiceRequest


class TicketError(ValueError):
    """A change that cannot be made as asked; the message says why, for the agent to read.

    The message is `text` (Indonesian, with {placeholders}) filled with `values`: the console looks `text`
    up to say it in the viewer's language; everywhere else the message is the filled Indonesian.
    """

    def __init__(self, text: str, **values: object) -> None:
        super().__init__(text.format(**values) if values else text)
        self.text = text
        self.values = values


@dataclass(frozen=True)
class TicketRow:
    """A complaint or service request as a work queue lists it."""

    kind: str
    id: int
    number: str
    category: str
    urgent: bool
    status: str
    created_at: datetime
    updated_at: datetime
    age_seconds: int
    region_id: int | None
    region_name: str | None
    timezone: str | None
    customer_name: str | None
    callback_number: str | None
    last_note: str | None


@dataclass(frozen=True)
class HistoryEntry:
    """One TicketUpdate: who changed what, when, and how the customer was told (ivr/services/notices.py)."""

    at: datetime
    user_id: int | None
    user_name: str | None
    old_status: str | None
    new_status: str
    note: str | None
    notice: str | None  # sms, whatsapp (queued to notice_to), not_configured, no_number; None: not told of
    notice_to: str | None  # masked
    notice_status: str | None  # the message's: queued, sent, failed (the outbox worker's progress)


@dataclass(frozen=True)
class TicketDetail(TicketRow):
    """One ticket with everything an agent needs to work it."""

    description: str | None
    recording_url: str | None
    call_sid: str | None
    language: str
    customer_idpel: str | None
    requested_power_va: int | None
    resolved_at: datetime | None
    allowed_statuses: tuple[str, ...]
    history: list[HistoryEntry]


def clean_note(note: str | None, *, required: bool = False, what: str = "Catatan") -> str | None:
    """Strip a typed note and keep it within NOTE_MAX_CHARS; empty means none."""
    text = (note or "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise TicketError(
            "{what} terlalu panjang ({length} karakter, paling banyak {limit}).",
            what=what, length=len(text), limit=NOTE_MAX_CHARS,
        )  # fmt: skip
    if required and not text:
        raise TicketError("{what} wajib diisi.", what=what)
    return text or None


def user_name(user: User | None) -> str | None:
    return (user.full_name or user.username) if user is not None else None


def _model(kind: str) -> type[Ticket]:
    if kind == "complaint":
        return Complaint
    if kind == "request":
        return ServiceRequest
    raise TicketError("Jenis tiket tidak dikenal: {kind!r}.", kind=kind)


def _get(session: Session, kind: str, id: int, *, with_for_update: bool | None = None) -> Ticket | None:
    """The ticket of `kind` with this id, or None; TicketError for an unknown kind."""
    model = _model(kind)
    # One call per model: Session.get of a union of models would be typed as their common Base.
    if issubclass(model, Complaint):
        return session.get(model, id, with_for_update=with_for_update)
    return session.get(model, id, with_for_update=with_for_update)


def _row_fields(
    kind: str, ticket: Any, region: Region | None, customer: Customer | None, now: datetime
) -> dict[str, Any]:
    complaint = kind == "complaint"
    return {
        "kind": kind,
        "id": ticket.id,
        "number": ticket.ticket_number if complaint else ticket.reference,
        "category": ticket.category if complaint else ticket.kind,
        "urgent": bool(ticket.urgent) if complaint else False,
        "status": ticket.status,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "age_seconds": max(0, int((now - ticket.created_at).total_seconds())),
        "region_id": ticket.region_id,
        "region_name": region.name if region else None,
        "timezone": region.timezone if region else None,
        "customer_name": customer.name if customer else None,
        "callback_number": ticket.callback_number,
        "last_note": ticket.last_note,
    }


def list_tickets(
    session: Session,
    principal: Principal,
    kind: str,
    status: str | None,
    page: int = 1,
    per_page: int = 25,
    *,
    now: datetime,
    urgent_only: bool = False,
) -> Page[TicketRow]:
    """Urgent first, then oldest first; `status` is one of TICKET_STATUSES, ACTIVE, or None for all.

    `urgent_only` keeps urgent complaints alone (service requests are never urgent).
    """
    model = _model(kind)
    if status is not None and status != ACTIVE and status not in TICKET_STATUSES:
        raise TicketError("Status tidak dikenal: {status!r}.", status=status)
    page, per_page = page_bounds(page, per_page, MAX_PER_PAGE)
    where = [region_clause(principal, model.region_id)]
    if urgent_only:
        where.append(Complaint.urgent.is_(True) if model is Complaint else false())
    if status == ACTIVE:
        where.append(model.status.in_(ACTIVE_STATUSES))
    elif status is not None:
        where.append(model.status == status)
    total = session.scalar(select(func.count(model.id)).where(*where)) or 0
    order: list[ColumnElement[Any]] = [model.created_at.asc(), model.id.asc()]
    if model is Complaint:
        order.insert(0, Complaint.urgent.desc())
    query = (
        select(model, Region, Customer)
        .outerjoin(Region, Region.id == model.region_id)
        .outerjoin(Customer, Customer.id == model.customer_id)
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [TicketRow(**_row_fields(kind, t, r, c, now)) for t, r, c in session.execute(query)]
    return Page(rows, page, per_page, total)


def get_ticket(session: Session, principal: Principal, kind: str, id: int, *, now: datetime) -> TicketDetail | None:
    """One ticket with its history, oldest change first; None when missing or not the agent's region."""
    ticket = _get(session, kind, id)
    if ticket is None or not principal.may_see_region(ticket.region_id):
        return None
    region = session.get(Region, ticket.region_id) if ticket.region_id else None
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    fields = _row_fields(kind, ticket, region, customer, now)
    key = outbox_key(kind, fields["number"])
    messages = session.execute(select(OutboxMessage.step, OutboxMessage.status).where(OutboxMessage.call_sid == key))
    sent = {step: status for step, status in messages}
    updates = session.execute(
        select(TicketUpdate, User)
        .outerjoin(User, User.id == TicketUpdate.user_id)
        .where(TicketUpdate.ticket_kind == kind, TicketUpdate.ticket_id == id)
        .order_by(TicketUpdate.at, TicketUpdate.id)
    )
    history = [
        HistoryEntry(
            u.at, u.user_id, user_name(user), u.old_status, u.new_status, u.note, u.notice, u.notice_to, sent.get(u.id)
        )
        for u, user in updates
    ]
    return TicketDetail(
        **fields,
        description=ticket.description if isinstance(ticket, Complaint) else None,
        recording_url=ticket.recording_url if isinstance(ticket, Complaint) else None,
        call_sid=ticket.call_sid,
        language=ticket.language,
        customer_idpel=customer.idpel if customer else None,
        requested_power_va=ticket.requested_power_va if isinstance(ticket, ServiceRequest) else None,
        resolved_at=ticket.resolved_at,
        allowed_statuses=tuple(s for s in TICKET_STATUSES if may_transition(ticket.status, s)),
        history=history,
    )


def update_ticket(
    session: Session,
    principal: Principal,
    kind: str,
    id: int,
    status: str | None,
    note: str | None,
    now: datetime,
    *,
    notices: TicketNotices,
) -> TicketDetail:
    """Change status and/or add a note, recorded in the history; what menu 4 then tells the caller.

    A change customers are told of queues their message in this same unit of work (`notices`).
    A repeat of the same change (a double click, a retried request) changes no status: no second message.
    Raises LookupError (no such ticket), PermissionError (another region's), TicketError (bad change).
    """
    ticket = _get(session, kind, id, with_for_update=True)
    if ticket is None:
        raise LookupError(f"{kind} {id} not found")
    if not principal.may_see_region(ticket.region_id):
        raise PermissionError(f"{kind} {id} belongs to another region")
    new = (status or "").strip() or None
    if new is not None and new not in TICKET_STATUSES:
        raise TicketError("Status tidak dikenal: {status!r}.", status=new)
    text = clean_note(note)
    old = ticket.status
    if new == old:
        new = None
    if new is None and text is None:
        raise TicketError("Tidak ada perubahan: pilih status lain atau tulis catatan.")
    if new is not None and not may_transition(old, new):
        raise TicketError(
            'Status tidak dapat diubah dari "{old}" ke "{new}".',
            old=STATUS_LABELS.get(old, old), new=STATUS_LABELS.get(new, new),
        )  # fmt: skip
    if new is not None:
        ticket.status = new
        if new in DONE_STATUSES and ticket.resolved_at is None:
            ticket.resolved_at = now
        elif new not in DONE_STATUSES:
            ticket.resolved_at = None
    if text is not None:
        ticket.last_note = text
    ticket.updated_at = now
    update = TicketUpdate(
        ticket_kind=kind, ticket_id=id, user_id=principal.id, at=now, old_status=old, new_status=new or old, note=text
    )
    session.add(update)
    session.flush()
    notify_status_change(session, notices, kind, ticket, update)
    session.flush()
    detail = get_ticket(session, principal, kind, id, now=now)
    assert detail is not None
    return detail
