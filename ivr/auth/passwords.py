"""Password hashing: scrypt through Werkzeug (memory-hard, salted, parameters in the hash)."""

from __future__ import annotations

import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
UNUSABLE = "!"  # a user with this hash cannot log in (e.g. an agent known only by phone)


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return generate_password_hash(password, method="scrypt")


def verify_password(stored_hash: str, password: str) -> bool:
    if not stored_hash or stored_hash == UNUSABLE:
        return False
    return check_password_hash(stored_hash, password)


@cache
def _dummy_hash() -> str:
    """A hash of a random password at the same cost as real ones, made once per process."""
    return generate_password_hash(secrets.token_urlsafe(24), method="scrypt")


def check_login_password(stored_hash: str | None, password: str) -> bool:
    """Exactly one scrypt check whether the user exists, may log in or not, so timing tells nothing.

    `stored_hash` is None for an unknown user name; UNUSABLE for a user without a password.
    """
    usable = bool(stored_hash) and stored_hash != UNUSABLE
    matches = check_password_hash(stored_hash if usable and stored_hash else _dummy_hash(), password)
    return usable and matches
