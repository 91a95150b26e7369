"""Finding a customer from what a caller types: a 12-digit IDPEL or an 11-digit meter number."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Customer, Meter

IDPEL_LENGTH = 12
METER_LENGTH = 11


@dataclass(frozen=True)
class Account:
    customer: Customer
    meter: Meter | None


def is_customer_id(value: str) -> bool:
    """What a caller may type to identify themselves (used as a flow validator)."""
    return value.isascii() and value.isdigit() and len(value) in (IDPEL_LENGTH, METER_LENGTH)


def find_account(session: Session, digits: str | None) -> Account | None:
    """The customer (and meter) behind an IDPEL or a meter number; None when unknown."""
    if not digits or not is_customer_id(digits):
        return None
    if len(digits) == METER_LENGTH:
        meter = session.scalar(select(Meter).where(Meter.meter_number == digits))
        return Account(meter.customer, meter) if meter else None
    customer = session.scalar(select(Customer).where(Customer.idpel == digits))
    if customer is None:
        return None
    meter = session.scalar(select(Meter).where(Meter.customer_id == customer.id).order_by(Meter.id))
    return Account(customer, meter)
