"""Service requests by phone (menu 6): new connection, power change, temporary connection.

The flow gathers what an officer needs to call back; one request per call and kind, so a
caller who goes through the menu twice (or a retried webhook) never files a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from db.models import ServiceRequest
from db.references import REQUEST_PREFIX
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.phone.numbers import national_format, to_e164
from ivr.services.context import ServiceContext
from ivr.services.customers import find_account
from ivr.services.references import new_reference
from ivr.services.validators import is_phone_number

NEW_CONNECTION = "new_connection"
POWER_CHANGE = "power_change"
TEMPORARY = "temporary"
KINDS = {"1": NEW_CONNECTION, "2": POWER_CHANGE, "3": TEMPORARY}
OPEN = "open"

# PLN's standard low-voltage steps offered by phone; key n picks POWER_STEPS_VA[n - 1].
POWER_STEPS_VA = (1300, 2200, 3500, 4400, 5500, 6600)


def is_kind_key(value: str) -> bool:
    """A key of the request-type menu (used as a flow validator)."""
    return value in KINDS


def is_power_key(value: str) -> bool:
    """A key of the power-step menu (used as a flow validator)."""
    return value.isascii() and value.isdigit() and 1 <= int(value) <= len(POWER_STEPS_VA)


def choose_kind(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Start a request of the chosen kind, forgetting what an earlier request in this call entered."""
    kind = KINDS[str(args.get("key"))]
    fresh = {
        "request_kind": kind,
        "request_customer_id": None,
        "request_current_power_va": 0,
        "request_power_va": None,
        "request_callback": None,
    }
    return ServiceResult(kind, fresh)


def find_customer(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """The customer asking for more power, and whether the phone menu goes any higher."""
    account = find_account(context.session, args.get("customer_id"))
    if account is None:
        return ServiceResult("unknown")
    current = account.customer.power_va
    found = {"request_current_power_va": current, "request_top_power_va": POWER_STEPS_VA[-1]}
    return ServiceResult("at_top" if current >= POWER_STEPS_VA[-1] else "found", found)


def choose_power(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Take a power step; a power change must go above the current power."""
    requested = POWER_STEPS_VA[int(str(args.get("key"))) - 1]
    current = int(args.get("current_power") or 0)
    if requested <= current:
        return ServiceResult("not_above", {"request_power_va": requested})
    outcome = "ready" if args.get("kind") == POWER_CHANGE else "callback"
    return ServiceResult(outcome, {"request_power_va": requested})


def _national_digits(e164: str) -> str:
    return "".join(c for c in national_format(e164) if c.isdigit())


def caller_number(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Offer the caller id as the callback number when it is one an officer can dial."""
    if not is_phone_number(context.caller):
        return ServiceResult("ask")
    return ServiceResult("offer", {"request_callback": _national_digits(context.caller)})


def existing_request(context: ServiceContext, kind: str) -> ServiceRequest | None:
    """The request of this kind already filed in this call, if any (idempotency)."""
    query = select(ServiceRequest).where(
        ServiceRequest.call_sid == context.conversation_id, ServiceRequest.kind == kind
    )
    return context.session.scalars(query.order_by(ServiceRequest.id)).first()


def _callback_for_customer(context: ServiceContext, phone: str | None) -> str | None:
    """A power change is called back on the number on file, else on the caller id if dialable."""
    return to_e164(phone or "") or to_e164(context.caller)


def _request_row(context: ServiceContext, kind: str, args: Mapping[str, Any]) -> ServiceRequest:
    row = ServiceRequest(
        kind=kind,
        status=OPEN,
        region_id=context.region_id,
        requested_power_va=int(args["power"]),
        call_sid=context.conversation_id,
        language=context.language,
        created_at=context.now,
        updated_at=context.now,
    )
    if kind == POWER_CHANGE:
        account = find_account(context.session, args.get("customer_id"))
        if account is None:
            raise LookupError("a power change needs a known customer")
        row.customer_id = account.customer.id
        row.region_id = account.customer.region_id
        row.callback_number = _callback_for_customer(context, account.customer.phone)
    else:
        row.callback_number = to_e164(str(args.get("callback") or ""))
    return row


def create(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """File the request (once per call and kind) and hand back its reference to read out."""
    kind = str(args.get("kind"))
    if kind not in KINDS.values():
        raise ValueError(f"unknown request kind {kind!r}")
    row = existing_request(context, kind)
    if row is None:
        row = _request_row(context, kind, args)
        row.reference = new_reference(context.session, ServiceRequest.reference, REQUEST_PREFIX)
        context.session.add(row)
        context.session.flush()
    return ServiceResult("created", {"request_reference": row.reference})


def register(registry: ServiceRegistry) -> None:
    """Offer this module's services (and validators) to flow files by name."""
    registry.add_validator("request_kind", is_kind_key)
    registry.add_validator("power_step", is_power_key)
    registry.add("requests.choose_kind", choose_kind, set(KINDS.values()))
    registry.add("requests.find_customer", find_customer, {"found", "unknown", "at_top"})
    registry.add("requests.choose_power", choose_power, {"ready", "callback", "not_above"})
    registry.add("requests.caller_number", caller_number, {"offer", "ask"})
    registry.add("requests.create", create, {"created"})
