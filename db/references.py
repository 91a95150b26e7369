"""Reference numbers callers type on a keypad: a type digit (the menu option) + 9 digits."""

from __future__ import annotations

READING_PREFIX = "2"
COMPLAINT_PREFIX = "3"
REQUEST_PREFIX = "6"
REFERENCE_LENGTH = 10


def is_reference(value: str, prefix: str) -> bool:
    """True for exactly REFERENCE_LENGTH ASCII digits that start with `prefix`."""
    return len(value) == REFERENCE_LENGTH and value.isascii() and value.isdigit() and value.startswith(prefix)
