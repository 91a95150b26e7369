"""Input validators flow files name on `collect` nodes."""

from __future__ import annotations

from db.references import COMPLAINT_PREFIX, READING_PREFIX, REQUEST_PREFIX, is_reference
from ivr.engine.services import ServiceRegistry
from ivr.phone.numbers import parse_caller
from ivr.services.customers import is_customer_id


def is_phone_number(value: str) -> bool:
    """A number an agent can call back: an Indonesian landline or mobile, typed nationally."""
    caller = parse_caller(value)
    return caller.is_phone and caller.value.startswith("+62") and 10 <= len(caller.value) <= 15


def is_any_reference(value: str) -> bool:
    return any(is_reference(value, prefix) for prefix in (READING_PREFIX, COMPLAINT_PREFIX, REQUEST_PREFIX))


def register(registry: ServiceRegistry) -> None:
    registry.add_validator("customer_id", is_customer_id)
    registry.add_validator("phone_number", is_phone_number)
    registry.add_validator("reference", is_any_reference)
