"""Finding a customer: from what a caller types (a 12-digit IDPEL or an 11-digit meter number), or from
the phone they call from; and remembering the account for the rest of the call."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Customer, Meter
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.phone.numbers import mask
from ivr.services.context import ServiceContext

log = logging.getLogger(__name__)

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


# -- recognising the caller and remembering the account for the rest of the call -----------------
# Conversation vars (JSON, small): `account_id` the digits of the account in use this call (typed,
# or chosen from an offer); `caller_accounts` the IDPELs registered to the caller's phone, looked up
# once; `account_offers` the IDPELs offered at this step; `offer_tail_N` and `account_tail` the last
# digits a prompt may speak. Nothing about an account is spoken in full.

MAX_OFFERED = 3  # accounts read out as a numbered list; any more are reached through "another account"
TAIL = 4
OFFER_OUTCOMES = ("none", "one", "two", "three")


def tail(idpel: str) -> str:
    """The last digits of an IDPEL: all a caller we only guess at ever hears of it."""
    return idpel[-TAIL:]


def is_registered_phone(customer: Customer, caller: str) -> bool:
    """Whether the caller id (E.164) is the phone the customer registered."""
    return bool(customer.phone) and customer.phone == caller


def registered_accounts(session: Session, phone: str, limit: int = MAX_OFFERED) -> list[str]:
    """IDPELs whose registered phone (E.164) is `phone`, oldest first: one indexed query."""
    if not phone.startswith("+"):
        return []  # anonymous, SIP or client ids are never a customer's phone
    query = select(Customer.idpel).where(Customer.phone == phone).order_by(Customer.id).limit(limit)
    return list(session.scalars(query))


def _offers(offered: list[str], idpels: list[str]) -> dict[str, Any]:
    """What an offer keeps: the numbers a key picks, and the tails its prompts speak."""
    tails = {f"offer_tail_{n}": tail(idpel) for n, idpel in enumerate(idpels, start=1)}
    return {"account_offers": offered, "account_choice": None, **tails}


def recognise(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """The account to offer: the one already used in this call, else those registered to the caller's phone."""
    remembered = str(args.get("account") or "")
    account = find_account(context.session, remembered)
    if account is not None:  # typed (an IDPEL or a meter number) or chosen earlier in this call
        idpel = account.customer.idpel
        return ServiceResult("remembered", {**_offers([remembered], [idpel]), "account_tail": tail(idpel)})
    known = args.get("known")
    if not isinstance(known, list):
        known = registered_accounts(context.session, context.caller)
        log.info("caller %s has %d registered accounts", mask(context.caller), len(known))
    offered = [str(idpel) for idpel in known[:MAX_OFFERED]]
    return ServiceResult(OFFER_OUTCOMES[len(offered)], {"caller_accounts": offered, **_offers(offered, offered)})


def choose(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """The offered account the caller picked by its number, or "other" for the key after the list."""
    offers = [str(item) for item in args.get("offers") or []]
    choice = str(args.get("choice") or "")
    index = int(choice) - 1 if choice.isdigit() else -1
    picked = offers[index] if 0 <= index < len(offers) else None
    account = find_account(context.session, picked)
    if picked is None or account is None:
        return ServiceResult("other", {"account_choice": None})
    return ServiceResult(
        "chosen", {"account_choice": None, "account_id": picked, "account_tail": tail(account.customer.idpel)}
    )


def _offer_keys(count: int) -> Callable[[str], bool]:
    """A validator for an offer of `count` accounts: their numbers, and the one after for "another"."""
    keys = {str(n) for n in range(1, count + 2)}
    return lambda value: value in keys


def register(registry: ServiceRegistry) -> None:
    registry.add("customers.recognise", recognise, {"remembered", *OFFER_OUTCOMES})
    registry.add("customers.choose", choose, {"chosen", "other"})
    for count in range(1, MAX_OFFERED + 1):
        registry.add_validator(f"offer_of_{count}", _offer_keys(count))
