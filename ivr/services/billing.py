"""Bills a caller hears in menu 1: the latest one, what is owed, and the 20 % jump warning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import PREPAID, Bill
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.services.context import ServiceContext
from ivr.services.customers import find_account

JUMP_THRESHOLD = 0.20  # a bill 20 % or more above the month before is worth a word


def _latest_bills(session: Session, customer_id: int, count: int) -> list[Bill]:
    query = select(Bill).where(Bill.customer_id == customer_id).order_by(Bill.period.desc()).limit(count)
    return list(session.scalars(query))


def latest_bill(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """The customer's most recent bill, as values a prompt can speak."""
    account = find_account(context.session, args.get("customer_id"))
    if account is None:
        return ServiceResult("not_found")
    customer = account.customer
    if customer.payment_type == PREPAID:
        return ServiceResult("prepaid")
    bills = _latest_bills(context.session, customer.id, 1)
    if not bills:
        return ServiceResult("no_bill")
    bill = bills[0]
    return ServiceResult(
        "found",
        {
            "customer_ref": customer.id,
            "bill_period": bill.period.isoformat(),
            "bill_kwh": bill.kwh,
            "bill_amount": bill.amount_rupiah,
            "bill_due": bill.due_date.isoformat(),
        },
    )


def payment_status(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Paid, unpaid but not yet due, or overdue: the count and total cover only bills past due.

    A bill not yet due is never called overdue; when older bills are overdue and the latest one is
    unpaid but not yet due, `overdue_and_unpaid` lets the flow say both, each for what it is.
    """
    customer_id = int(args["customer_ref"])
    unpaid = list(context.session.scalars(select(Bill).where(Bill.customer_id == customer_id, Bill.paid_at.is_(None))))
    latest = _latest_bills(context.session, customer_id, 1)[0]
    today = context.local_now.date()
    overdue = [bill for bill in unpaid if bill.due_date < today]
    latest_open = latest in unpaid and latest not in overdue
    if overdue:
        owed = {"owed_total": sum(b.amount_rupiah for b in overdue), "owed_count": len(overdue)}
        return ServiceResult("overdue_and_unpaid" if latest_open else "overdue", owed)
    if latest_open:
        return ServiceResult("unpaid")
    return ServiceResult("paid", {"paid_on": _paid_on(context, latest)})


def _paid_on(context: ServiceContext, bill: Bill) -> str:
    assert bill.paid_at is not None
    return context.local(bill.paid_at).date().isoformat()


def jump_check(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Whether the latest bill is 20 % or more above the one before it."""
    bills = _latest_bills(context.session, int(args["customer_ref"]), 2)
    if len(bills) < 2 or bills[1].amount_rupiah <= 0:
        return ServiceResult("normal")
    latest, previous = bills
    rise = (latest.amount_rupiah - previous.amount_rupiah) / previous.amount_rupiah
    if rise < JUMP_THRESHOLD:
        return ServiceResult("normal")
    return ServiceResult(
        "jump",
        {
            "jump_percent": round(rise * 100),
            "previous_amount": previous.amount_rupiah,
            "previous_period": previous.period.isoformat(),
        },
    )


def register(registry: ServiceRegistry) -> None:
    registry.add("billing.latest", latest_bill, {"found", "not_found", "prepaid", "no_bill"})
    registry.add("billing.payment_status", payment_status, {"paid", "unpaid", "overdue", "overdue_and_unpaid"})
    registry.add("billing.jump_check", jump_check, {"normal", "jump"})
