"""Customers as agents look them up: by IDPEL, meter number or phone, within the agent's region.

Region rule: agents see customers of their own region only; supervisors and admins see all.
`ivr.queries.calls` builds on this module (the customer a call was about); the customer's page,
which lists their calls too, is `ivr.queries.customer_page`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from db.models import Complaint, Customer, Meter, Reading, Region, ServiceRequest
from ivr.auth.roles import Principal, region_clause
from ivr.phone.numbers import parse_caller
from ivr.services.customers import IDPEL_LENGTH, METER_LENGTH

MAX_LOOKUP_RESULTS = 50


@dataclass(frozen=True)
class RegionRef:
    id: int
    code: str
    name: str
    timezone: str


@dataclass(frozen=True)
class CustomerSummary:
    """One line of a lookup result, and the customer a call was about."""

    id: int
    idpel: str
    name: str
    address: str
    tariff_class: str
    power_va: int
    payment_type: str
    phone: str | None
    region: RegionRef
    meter_numbers: tuple[str, ...]


@dataclass(frozen=True)
class ReadingRow:
    reference: str
    meter_number: str
    period: date
    stand: int
    status: str
    source: str
    flag_reason: str | None
    submitted_at: datetime
    call_sid: str | None


@dataclass(frozen=True)
class ComplaintRef:
    id: int
    ticket_number: str
    category: str
    urgent: bool
    status: str
    created_at: datetime
    recording_url: str | None
    call_sid: str | None


@dataclass(frozen=True)
class RequestRef:
    id: int
    reference: str
    kind: str
    status: str
    requested_power_va: int | None
    created_at: datetime
    call_sid: str | None


def region_ref(region: Region) -> RegionRef:
    return RegionRef(region.id, region.code, region.name, region.timezone)


def summarize(session: Session, customer: Customer) -> CustomerSummary:
    meters = session.scalars(select(Meter.meter_number).where(Meter.customer_id == customer.id).order_by(Meter.id))
    return CustomerSummary(
        id=customer.id,
        idpel=customer.idpel,
        name=customer.name,
        address=customer.address,
        tariff_class=customer.tariff_class,
        power_va=customer.power_va,
        payment_type=customer.payment_type,
        phone=customer.phone,
        region=region_ref(customer.region),
        meter_numbers=tuple(meters),
    )


def complaint_ref(row: Complaint) -> ComplaintRef:
    return ComplaintRef(
        row.id, row.ticket_number, row.category, row.urgent, row.status, row.created_at, row.recording_url, row.call_sid
    )


def request_ref(row: ServiceRequest) -> RequestRef:
    return RequestRef(row.id, row.reference, row.kind, row.status, row.requested_power_va, row.created_at, row.call_sid)


def reading_row(reading: Reading, meter_number: str) -> ReadingRow:
    return ReadingRow(
        reading.reference,
        meter_number,
        reading.period,
        reading.stand,
        reading.status,
        reading.source,
        reading.flag_reason,
        reading.submitted_at,
        reading.call_sid,
    )


def _conditions(query: str) -> list[ColumnElement[bool]]:
    """Every way the typed text can name a customer; an 11/12-digit run may also be a phone number."""
    text = "".join(ch for ch in query.strip() if ch not in " -.()")[:32]
    found: list[ColumnElement[bool]] = []
    if text.isascii() and text.isdigit():
        if len(text) == IDPEL_LENGTH:
            found.append(Customer.idpel == text)
        if len(text) == METER_LENGTH:
            found.append(Customer.id.in_(select(Meter.customer_id).where(Meter.meter_number == text)))
    caller = parse_caller(text)
    if text and caller.is_phone:
        found.append(Customer.phone == caller.value)
    return found


def lookup_customers(session: Session, principal: Principal, query: str) -> list[CustomerSummary]:
    """Customers matching an IDPEL (12 digits), a meter number (11 digits) or a phone in any format."""
    conditions = _conditions(query)
    if not conditions:
        return []
    stmt = (
        select(Customer)
        .where(or_(*conditions), region_clause(principal, Customer.region_id))
        .order_by(Customer.idpel)
        .limit(MAX_LOOKUP_RESULTS)
    )
    return [summarize(session, customer) for customer in session.scalars(stmt)]


def customer_for_call(
    session: Session,
    principal: Principal,
    caller: str,
    typed: Iterable[str],
    customer_ids: Iterable[int | None],
    *,
    answered: bool = False,
) -> CustomerSummary | None:
    """Who a call was most likely about: the last id typed, a ticket's customer, then the caller's phone.

    `answered`: the principal took this call, so the customer is shown whatever their region.
    """
    candidates: list[ColumnElement[bool]] = []
    for digits in reversed(list(typed)):
        if len(digits) == IDPEL_LENGTH:
            candidates.append(Customer.idpel == digits)
        elif len(digits) == METER_LENGTH:
            candidates.append(Customer.id.in_(select(Meter.customer_id).where(Meter.meter_number == digits)))
    candidates += [Customer.id == cid for cid in customer_ids if cid is not None]
    if caller.startswith("+"):
        candidates.append(Customer.phone == caller)
    scope = true() if answered else region_clause(principal, Customer.region_id)
    for condition in candidates:
        customer = session.scalar(select(Customer).where(condition, scope).order_by(Customer.id).limit(1))
        if customer is not None:
            return summarize(session, customer)
    return None
