"""Input validators flow files name on `collect` nodes."""

from __future__ import annotations

import phonenumbers

from db.references import COMPLAINT_PREFIX, READING_PREFIX, REQUEST_PREFIX, is_reference
from ivr.engine.services import ServiceRegistry
from ivr.phone.numbers import DEFAULT_COUNTRY
from ivr.services.customers import is_customer_id


def is_phone_number(value: str) -> bool:
    """A number an agent can call back: a valid Indonesian landline or mobile, typed nationally."""
    try:
        number = phonenumbers.parse(value, DEFAULT_COUNTRY)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == DEFAULT_COUNTRY


def is_any_reference(value: str) -> bool:
    return any(is_reference(value, prefix) for prefix in (READING_PREFIX, COMPLAINT_PREFIX, REQUEST_PREFIX))


def register(registry: ServiceRegistry) -> None:
    registry.add_validator("customer_id", is_customer_id)
    registry.add_validator("phone_number", is_phone_number)
    registry.add_validator("reference", is_any_reference)
