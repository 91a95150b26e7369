"""Caller ids as Twilio sends them: E.164 numbers, but also anonymous, SIP and client ids."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

DEFAULT_COUNTRY = "ID"
MAX_CALLER_LENGTH = 128
ANONYMOUS_IDS = {"", "anonymous", "restricted", "private", "unknown", "unavailable", "+266696687", "266696687"}


@dataclass(frozen=True)
class CallerId:
    """What we know about a caller id: the value to store, its kind, and its area code."""

    value: str
    kind: str
    area_code: str | None = None
    is_mobile: bool = False

    @property
    def is_phone(self) -> bool:
        return self.kind == "phone"


def parse_caller(raw: str | None, country: str = DEFAULT_COUNTRY) -> CallerId:
    """Classify and normalise a caller id; never raises, whatever the carrier sent."""
    text = (raw or "").strip()[:MAX_CALLER_LENGTH]
    lowered = text.lower()
    if lowered in ANONYMOUS_IDS:
        return CallerId(value=text or "anonymous", kind="anonymous")
    for prefix in ("sip:", "client:"):
        if lowered.startswith(prefix):
            return CallerId(value=text, kind=prefix[:-1])
    number_text = text[len("whatsapp:") :] if lowered.startswith("whatsapp:") else text
    try:
        number = phonenumbers.parse(number_text, country)
    except NumberParseException:
        return CallerId(value=text, kind="unknown")
    if not phonenumbers.is_possible_number(number):
        return CallerId(value=text, kind="unknown")
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    number_type = phonenumbers.number_type(number)
    area_code = None
    domestic = phonenumbers.region_code_for_number(number) == country
    area_length = phonenumbers.length_of_geographical_area_code(number)
    if domestic and number_type == PhoneNumberType.FIXED_LINE and area_length:
        area_code = phonenumbers.national_significant_number(number)[:area_length]
    is_mobile = number_type in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return CallerId(value=e164, kind="phone", area_code=area_code, is_mobile=is_mobile)


def to_e164(raw: str, country: str = DEFAULT_COUNTRY) -> str | None:
    """E.164 for a dialable number, or None (used for configured agent numbers and input)."""
    caller = parse_caller(raw, country)
    return caller.value if caller.is_phone else None


def national_format(value: str, country: str = DEFAULT_COUNTRY) -> str:
    """How an agent in Indonesia reads a number: (021) 5551234, 0812-3456-7890; else as is."""
    try:
        number = phonenumbers.parse(value, country)
    except NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    if phonenumbers.region_code_for_number(number) != country:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def mask(value: str | None, keep: int = 4) -> str:
    """Mask all but the last `keep` characters, for logs (ids, tokens, numbers)."""
    if not value:
        return ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]
