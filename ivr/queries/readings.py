"""Reviewing flagged meter readings: an agent accepts one (it becomes the next baseline) or rejects it.

Menu 4 tells the caller the outcome and the review note, and `ivr.services.readings.baseline`
compares the customer's next reading with the accepted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from db.models import Customer, Meter, Reading, Region, User
from ivr.auth.roles import Principal, region_clause
from ivr.queries.paging import Page, page_bounds
from ivr.queries.tickets import TicketError, clean_note, user_name
from ivr.services.readings import ACCEPTED, FLAGGED, REJECTED, baseline


class ReviewError(ValueError):
    """A review that cannot be made as asked; the message says why, for the agent to read.

    As a TicketError: `text` (Indonesian, with {placeholders}) filled with `values`, for the console to translate.
    """

    def __init__(self, text: str, **values: object) -> None:
        super().__init__(text.format(**values) if values else text)
        self.text = text
        self.values = values


@dataclass(frozen=True)
class ReadingRow:
    """A submitted reading next to the stand it is compared with."""

    id: int
    reference: str
    status: str
    stand: int
    period: date
    source: str
    flag_reason: str | None
    media_url: str | None
    media_type: str | None
    call_sid: str | None
    submitted_at: datetime
    meter_id: int
    meter_number: str
    customer_id: int
    customer_name: str
    idpel: str
    region_id: int
    region_name: str | None
    timezone: str | None
    previous_stand: int | None
    previous_period: date | None
    previous_reference: str | None
    reviewed_at: datetime | None
    reviewed_by_name: str | None
    review_note: str | None


def _row(session: Session, reading: Reading, meter: Meter, customer: Customer, region: Region | None) -> ReadingRow:
    previous = baseline(session, meter.id, reading.period)
    reviewer = session.get(User, reading.reviewed_by_id) if reading.reviewed_by_id else None
    return ReadingRow(
        id=reading.id,
        reference=reading.reference,
        status=reading.status,
        stand=reading.stand,
        period=reading.period,
        source=reading.source,
        flag_reason=reading.flag_reason,
        media_url=reading.media_url,
        media_type=reading.media_type,
        call_sid=reading.call_sid,
        submitted_at=reading.submitted_at,
        meter_id=meter.id,
        meter_number=meter.meter_number,
        customer_id=customer.id,
        customer_name=customer.name,
        idpel=customer.idpel,
        region_id=customer.region_id,
        region_name=region.name if region else None,
        timezone=region.timezone if region else None,
        previous_stand=previous.stand if previous else None,
        previous_period=previous.period if previous else None,
        previous_reference=previous.reference if previous else None,
        reviewed_at=reading.reviewed_at,
        reviewed_by_name=user_name(reviewer),
        review_note=reading.review_note,
    )


def _joined() -> Select[tuple[Reading, Meter, Customer, Region]]:
    return (
        select(Reading, Meter, Customer, Region)
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Customer, Customer.id == Meter.customer_id)
        .outerjoin(Region, Region.id == Customer.region_id)
    )


def list_flagged_readings(
    session: Session, principal: Principal, page: int = 1, per_page: int = 25
) -> Page[ReadingRow]:
    """Readings waiting for review, oldest first; agents see their customers' region only."""
    page, per_page = page_bounds(page, per_page, 100)
    where = [Reading.status == FLAGGED, region_clause(principal, Customer.region_id)]
    total = session.scalar(
        select(func.count(Reading.id))
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Customer, Customer.id == Meter.customer_id)
        .where(*where)
    )
    query = (
        _joined().where(*where).order_by(Reading.submitted_at, Reading.id).limit(per_page).offset((page - 1) * per_page)
    )
    rows = [_row(session, *found) for found in session.execute(query)]
    return Page(rows, page, per_page, total or 0)


def review_reading(
    session: Session, principal: Principal, reading_id: int, accept: bool, reason: str | None, now: datetime
) -> ReadingRow:
    """Accept (the new baseline) or reject (a reason is required) a flagged reading.

    Raises LookupError (no such reading), PermissionError (another region's), ReviewError (not
    flagged any more, or a rejection without a reason).
    """
    found = session.execute(_joined().where(Reading.id == reading_id).with_for_update(of=Reading)).one_or_none()
    if found is None:
        raise LookupError(f"reading {reading_id} not found")
    reading, meter, customer, region = found
    if not principal.may_see_region(customer.region_id):
        raise PermissionError(f"reading {reading_id} belongs to another region")
    if reading.status != FLAGGED:
        raise ReviewError("Pembacaan ini sudah tidak menunggu pemeriksaan.")
    try:
        note = clean_note(reason, required=not accept, what="Alasan penolakan" if not accept else "Catatan")
    except TicketError as error:
        raise ReviewError(error.text, **error.values) from None
    reading.status = ACCEPTED if accept else REJECTED
    reading.reviewed_at = now
    reading.reviewed_by_id = principal.id
    reading.review_note = note
    session.flush()
    return _row(session, reading, meter, customer, region)
