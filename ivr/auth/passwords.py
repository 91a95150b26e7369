"""Password hashing: scrypt through Werkzeug (memory-hard, salted, parameters in the hash)."""

from __future__ import annotations

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
