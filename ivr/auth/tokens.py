"""API tokens: shown once, stored as SHA-256, revocable; a request carries one as a Bearer token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ApiToken, User
from ivr.auth.roles import Principal
from ivr.extensions import runtime

TOKEN_PREFIX = "ivr_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str) -> str:
    """Create a token for `user`; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name[:120], prefix=raw[:12], token_hash=_digest(raw)))
    return raw


def revoke_token(session: Session, token_id: int, now: datetime) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = now
    return True


def user_for_token(session: Session, raw: str, now: datetime) -> User | None:
    """The active user behind a live token; records when it was last used."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None or not hmac.compare_digest(token.token_hash, _digest(raw)):
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    token.last_used_at = now
    return user


def _problem(status: int, title: str) -> Any:
    response = jsonify(error=title)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ivr"'
    return response


def api_auth(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require `Authorization: Bearer <token>`; 401 without a valid one, 403 for the wrong role."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            raw = header[7:].strip() if header.startswith("Bearer ") else ""
            with runtime().database.session() as db:
                user = user_for_token(db, raw, runtime().clock.now()) if raw else None
                principal = Principal.of(user) if user else None
            if principal is None:
                return _problem(401, "a valid API token is required")
            if roles and principal.role not in roles:
                return _problem(403, "this token's role may not use this endpoint")
            g.principal = principal
            return view(*args, **kwargs)

        return wrapper

    return decorate
