"""Callback requests agents work through: urgent ones first, then oldest first; the caller's number and menu path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CallbackRequest, Region, User
from ivr.auth.roles import Principal, region_clause
from ivr.queries.tickets import TicketError, clean_note, user_name

CALLBACK_OPEN, CALLBACK_DONE = "open", "done"


@dataclass(frozen=True)
class CallbackRow:
    """A caller waiting to be phoned back."""

    id: int
    number: str
    reason: str
    urgent: bool
    language: str
    menu_path: list[str]
    status: str
    requested_at: datetime
    region_id: int | None
    region_name: str | None
    timezone: str | None
    call_sid: str
    fulfilled_at: datetime | None
    fulfilled_by_name: str | None
    note: str | None


def _callback_row(callback: CallbackRequest, region: Region | None, user: User | None) -> CallbackRow:
    return CallbackRow(
        id=callback.id,
        number=callback.number,
        reason=callback.reason,
        urgent=callback.urgent,
        language=callback.language,
        menu_path=list(callback.menu_path or []),
        status=callback.status,
        requested_at=callback.requested_at,
        region_id=callback.region_id,
        region_name=region.name if region else None,
        timezone=region.timezone if region else None,
        call_sid=callback.call_sid,
        fulfilled_at=callback.fulfilled_at,
        fulfilled_by_name=user_name(user),
        note=callback.note,
    )


def list_callbacks(
    session: Session, principal: Principal, status: str | None = CALLBACK_OPEN, limit: int = 200
) -> list[CallbackRow]:
    """Callback requests, urgent ones first, then oldest first (first asked, first phoned); `status` None lists all."""
    query = (
        select(CallbackRequest, Region, User)
        .outerjoin(Region, Region.id == CallbackRequest.region_id)
        .outerjoin(User, User.id == CallbackRequest.fulfilled_by_id)
        .where(region_clause(principal, CallbackRequest.region_id))
        .order_by(CallbackRequest.urgent.desc(), CallbackRequest.requested_at, CallbackRequest.id)
        .limit(max(1, limit))
    )
    if status is not None:
        query = query.where(CallbackRequest.status == status)
    return [_callback_row(c, r, u) for c, r, u in session.execute(query)]


def complete_callback(session: Session, principal: Principal, id: int, note: str | None, now: datetime) -> CallbackRow:
    """Mark a callback done by this user. Raises LookupError, PermissionError or TicketError."""
    callback = session.get(CallbackRequest, id, with_for_update=True)
    if callback is None:
        raise LookupError(f"callback {id} not found")
    if not principal.may_see_region(callback.region_id):
        raise PermissionError(f"callback {id} belongs to another region")
    if callback.status != CALLBACK_OPEN:
        raise TicketError("Permintaan panggil balik ini sudah selesai.")
    callback.note = clean_note(note)
    callback.status = CALLBACK_DONE
    callback.fulfilled_at = now
    callback.fulfilled_by_id = principal.id
    session.flush()
    region = session.get(Region, callback.region_id) if callback.region_id else None
    return _callback_row(callback, region, session.get(User, principal.id))
