"""Prepaid token history (menu 5): the newest purchases, read back so a caller can re-enter a token."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import PREPAID, Meter, TokenPurchase
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.services.context import ServiceContext
from ivr.services.customers import METER_LENGTH, Account, find_account

HISTORY_SIZE = 3
QUEUE = "token_queue"


def recent_purchases(session: Session, account: Account, typed: str, limit: int = HISTORY_SIZE) -> list[TokenPurchase]:
    """Newest first: for a typed meter number that meter only, for an IDPEL every meter of the customer."""
    if len(typed) == METER_LENGTH and account.meter is not None:
        meters = select(Meter.id).where(Meter.id == account.meter.id)
    else:
        meters = select(Meter.id).where(Meter.customer_id == account.customer.id)
    query = (
        select(TokenPurchase)
        .where(TokenPurchase.meter_id.in_(meters))
        .order_by(TokenPurchase.purchased_at.desc(), TokenPurchase.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def _kwh_text(value: Decimal | float) -> str:
    """kWh as a short decimal string ("32.1"), the same on SQLite (float) and PostgreSQL."""
    exact = Decimal(str(value)).quantize(Decimal("0.01")).normalize()
    return format(exact, "f")


def _as_item(purchase: TokenPurchase, zone: ZoneInfo) -> dict[str, str]:
    return {
        "token_date": purchase.purchased_at.astimezone(zone).date().isoformat(),
        "token_kwh": _kwh_text(purchase.kwh),
        "token_number": purchase.token,
    }


def _zone(context: ServiceContext, account: Account) -> ZoneInfo:
    """The customer's own region clock: a purchase is dated where the meter is, not where the call lands."""
    region = account.customer.region
    return ZoneInfo(region.timezone) if region is not None and region.timezone else context.zone


def history(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Queue the account's newest purchases for the flow to read, or say why there are none."""
    typed = str(args.get("customer_id") or "")
    account = find_account(context.session, typed)
    if account is None:
        return ServiceResult("unknown")
    if account.customer.payment_type != PREPAID:
        return ServiceResult("postpaid")
    purchases = recent_purchases(context.session, account, typed)
    if not purchases:
        return ServiceResult("none")
    zone = _zone(context, account)
    return ServiceResult("found", {QUEUE: [_as_item(p, zone) for p in purchases]})


def next_purchase(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Pop the next purchase off the queue so a `say` node can speak it (the list loop)."""
    queue = list(args.get("queue") or [])
    if not queue:
        return ServiceResult("done", {QUEUE: []})
    return ServiceResult("item", {**queue[0], QUEUE: queue[1:]})


def register(registry: ServiceRegistry) -> None:
    """Offer this module's services (and validators) to flow files by name."""
    registry.add("tokens.history", history, {"found", "none", "postpaid", "unknown"})
    registry.add("tokens.next_purchase", next_purchase, {"item", "done"})
