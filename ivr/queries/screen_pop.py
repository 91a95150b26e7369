"""What an agent needs on screen the moment a caller is bridged to them (the console's screen pop).

Built on get_call (so the same rule says who may see it: the agent who answered always may) and
the customer it names: their open tickets, unpaid bills and last readings, the menu options the
caller reached and the ids they typed, masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from db.models import ACTIVE_STATUSES, Bill, Complaint, Meter, Reading, ServiceRequest
from ivr.auth.roles import Principal
from ivr.phone.numbers import mask
from ivr.queries.calls import CallDetail, EventRow, entered_numbers, get_call
from ivr.queries.customer_page import BillRow
from ivr.queries.customers import ComplaintRef, ReadingRow, RequestRef, complaint_ref, reading_row, request_ref
from ivr.queues.whisper import NOT_A_STEP

READINGS_SHOWN = 3
TYPED_SHOWN_FROM = 5  # shorter entries are menu keys and answers; longer ones are ids, numbers, stands


@dataclass(frozen=True)
class ScreenPop:
    call: CallDetail
    flows: tuple[str, ...]  # menu options reached, first visit order (main menu and the agent menu left out)
    typed: tuple[str, ...]  # ids and numbers the caller typed, all but the last 4 digits masked
    complaints: tuple[ComplaintRef, ...]  # open ones, the customer's or left from the caller's number
    requests: tuple[RequestRef, ...]
    bills_due: tuple[BillRow, ...]
    readings: tuple[ReadingRow, ...]


def screen_pop(session: Session, principal: Principal, call_sid: str) -> ScreenPop | None:
    """The caller in hand; None when the call is not (yet) there or not the principal's to see."""
    call = get_call(session, principal, call_sid)
    if call is None:
        return None
    customer_id = call.customer.id if call.customer else None
    owned = [call.caller]
    complaints = session.scalars(_open(Complaint, customer_id, owned).order_by(Complaint.created_at, Complaint.id))
    requests = session.scalars(
        _open(ServiceRequest, customer_id, owned).order_by(ServiceRequest.created_at, ServiceRequest.id)
    )
    bills: list[BillRow] = []
    readings: list[ReadingRow] = []
    if customer_id is not None:
        bills = [
            BillRow(b.period, b.stand_start, b.stand_end, b.kwh, b.amount_rupiah, b.due_date, b.paid_at)
            for b in session.scalars(
                select(Bill).where(Bill.customer_id == customer_id, Bill.paid_at.is_(None)).order_by(Bill.due_date)
            )
        ]
        readings = [
            reading_row(reading, number)
            for reading, number in session.execute(
                select(Reading, Meter.meter_number)
                .join(Meter, Reading.meter_id == Meter.id)
                .where(Meter.customer_id == customer_id)
                .order_by(Reading.submitted_at.desc(), Reading.id.desc())
                .limit(READINGS_SHOWN)
            )
        ]
    return ScreenPop(
        call=call,
        flows=flows_reached(call.events),
        typed=typed_masked(call.events),
        complaints=tuple(complaint_ref(c) for c in complaints),
        requests=tuple(request_ref(r) for r in requests),
        bills_due=tuple(bills),
        readings=tuple(readings),
    )


def flows_reached(events: tuple[EventRow, ...]) -> tuple[str, ...]:
    """The menu options the caller went into, in the order first reached."""
    flows = (event.flow for event in events if event.kind == "node" and event.flow)
    return tuple(dict.fromkeys(flow for flow in flows if flow not in NOT_A_STEP))


def typed_masked(events: tuple[EventRow, ...]) -> tuple[str, ...]:
    """What the caller typed that names something (ids, numbers), masked but for the last 4 digits."""
    return tuple(mask(digits) for digits in entered_numbers(events) if len(digits) >= TYPED_SHOWN_FROM)


def _open(model: type[Complaint] | type[ServiceRequest], customer_id: int | None, numbers: list[str]) -> Any:
    """Open tickets of `model` for the customer, or left with the caller's number."""
    owners: list[ColumnElement[bool]] = [model.callback_number.in_(numbers)]
    if customer_id is not None:
        owners.append(model.customer_id == customer_id)
    return select(model).where(model.status.in_(ACTIVE_STATUSES), or_(*owners))
