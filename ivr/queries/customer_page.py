"""A customer's page: who they are, their bills, readings, tokens, tickets, requests and calls.

It builds on both `ivr.queries.customers` and `ivr.queries.calls`, which do not import each other's
pages, so neither needs the other at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Bill, Complaint, Customer, Meter, Reading, ServiceRequest, TokenPurchase
from ivr.auth.roles import Principal
from ivr.queries.calls import CallFilter, CallRow, list_calls
from ivr.queries.customers import (
    ComplaintRef,
    CustomerSummary,
    ReadingRow,
    RequestRef,
    complaint_ref,
    reading_row,
    request_ref,
    summarize,
)

BILLS_SHOWN = 12
READINGS_SHOWN = 12
TOKENS_SHOWN = 10
CALLS_SHOWN = 20


@dataclass(frozen=True)
class BillRow:
    period: date
    stand_start: int
    stand_end: int
    kwh: int
    amount_rupiah: int
    due_date: date
    paid_at: datetime | None


@dataclass(frozen=True)
class TokenRow:
    meter_number: str
    token: str
    amount_rupiah: int
    kwh: Decimal
    purchased_at: datetime

    @property
    def grouped(self) -> str:
        """'1234 5678 ...': how a token is read out and shown, never as one long run."""
        return " ".join(self.token[i : i + 4] for i in range(0, len(self.token), 4))


@dataclass(frozen=True)
class CustomerDetail:
    """Everything the customer page shows; `calls` are `ivr.queries.calls.CallRow`s from their phone."""

    customer: CustomerSummary
    reading_window: tuple[int, int]
    bills: tuple[BillRow, ...]
    readings: tuple[ReadingRow, ...]
    tokens: tuple[TokenRow, ...]
    complaints: tuple[ComplaintRef, ...]
    requests: tuple[RequestRef, ...]
    calls: tuple[CallRow, ...]


def get_customer(session: Session, principal: Principal, customer_id: int) -> CustomerDetail | None:
    """The customer page; None when missing or outside the principal's region (no leak either way)."""
    customer = session.get(Customer, customer_id)
    if customer is None or not principal.may_see_region(customer.region_id):
        return None
    bills = session.scalars(
        select(Bill).where(Bill.customer_id == customer.id).order_by(Bill.period.desc()).limit(BILLS_SHOWN)
    )
    readings = session.execute(
        select(Reading, Meter.meter_number)
        .join(Meter, Reading.meter_id == Meter.id)
        .where(Meter.customer_id == customer.id)
        .order_by(Reading.submitted_at.desc(), Reading.id.desc())
        .limit(READINGS_SHOWN)
    )
    tokens = session.execute(
        select(TokenPurchase, Meter.meter_number)
        .join(Meter, TokenPurchase.meter_id == Meter.id)
        .where(Meter.customer_id == customer.id)
        .order_by(TokenPurchase.purchased_at.desc(), TokenPurchase.id.desc())
        .limit(TOKENS_SHOWN)
    )
    complaints = session.scalars(
        select(Complaint).where(Complaint.customer_id == customer.id).order_by(Complaint.created_at.desc())
    )
    requests = session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.customer_id == customer.id)
        .order_by(ServiceRequest.created_at.desc())
    )
    calls = (
        list_calls(session, principal, CallFilter(caller=customer.phone), per_page=CALLS_SHOWN).items
        if customer.phone
        else ()
    )
    return CustomerDetail(
        customer=summarize(session, customer),
        reading_window=(customer.reading_window_start_day, customer.reading_window_end_day),
        bills=tuple(
            BillRow(b.period, b.stand_start, b.stand_end, b.kwh, b.amount_rupiah, b.due_date, b.paid_at) for b in bills
        ),
        readings=tuple(reading_row(reading, number) for reading, number in readings),
        tokens=tuple(TokenRow(number, t.token, t.amount_rupiah, t.kwh, t.purchased_at) for t, number in tokens),
        complaints=tuple(complaint_ref(c) for c in complaints),
        requests=tuple(request_ref(r) for r in requests),
        calls=tuple(calls),
    )
