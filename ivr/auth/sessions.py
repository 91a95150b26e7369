"""Console logins: sessions kept in the database, a cookie that holds only their random id, CSRF tokens.

The signed cookie carries nothing but the session id (and, before login, the login form's CSRF
token); the user, the expiry, the CSRF token and one-time data such as a freshly issued API token
live in the `console_sessions` row, stored under the id's SHA-256. So logging out, deactivating a
user or changing their password ends the session on the server, and a copied cookie dies with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import ConsoleSession, User
from ivr.auth.roles import Principal
from ivr.extensions import runtime

SESSION_ID = "sid"  # the cookie's only entry once logged in
LOGIN_CSRF = "csrf"  # before login: the login form's token (it proves nothing but "this browser")
SEEN_EVERY = timedelta(minutes=1)  # how stale `last_seen_at` may get, so not every page writes


@dataclass(frozen=True)
class LiveSession:
    """The request's session row, read once: who, its CSRF token, its one-time data."""

    row_id: int
    principal: Principal
    csrf: str
    pending: dict[str, Any] = field(default_factory=dict)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def password_stamp(password_hash: str) -> str:
    """A fingerprint of the password hash, so a password changed by any path ends older sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def log_in(user: User) -> None:
    """Start a fresh session (new id, new CSRF token) so a fixed session cannot be reused."""
    now = runtime().clock.now()
    raw = secrets.token_urlsafe(32)
    with runtime().database.session() as db:
        _drop_current(db)
        db.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))  # tidy up expired ones
        db.add(
            ConsoleSession(
                session_hash=_digest(raw),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                password_stamp=password_stamp(user.password_hash),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=runtime().settings.session_hours),
            )
        )
    session.clear()
    session.permanent = True
    session[SESSION_ID] = raw
    g.pop("console_session", None)


def log_out() -> None:
    """End the session on the server: its cookie, even a saved copy, opens nothing afterwards."""
    with runtime().database.session() as db:
        _drop_current(db)
    session.clear()
    g.pop("console_session", None)


def _drop_current(db: Session) -> None:
    raw = session.get(SESSION_ID)
    if raw:
        db.execute(delete(ConsoleSession).where(ConsoleSession.session_hash == _digest(str(raw))))


def end_sessions(db: Session, user_id: int) -> None:
    """End every console session of a user (deactivated, or a new password)."""
    db.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))


def live_session() -> LiveSession | None:
    """The request's valid session (unexpired, user active, password unchanged), read once per request."""
    if "console_session" not in g:
        g.console_session = _load()
    return g.console_session


def _load() -> LiveSession | None:
    raw = session.get(SESSION_ID)
    if not raw:
        return None
    now = runtime().clock.now()
    with runtime().database.session() as db:
        found = db.execute(
            select(ConsoleSession, User)
            .join(User, User.id == ConsoleSession.user_id)
            .where(ConsoleSession.session_hash == _digest(str(raw)))
        ).one_or_none()
        if found is None:
            session.pop(SESSION_ID)
            return None
        row, user = found[0], found[1]
        if row.expires_at <= now or not user.active or row.password_stamp != password_stamp(user.password_hash):
            db.delete(row)
            session.pop(SESSION_ID)
            return None
        if now - row.last_seen_at >= SEEN_EVERY:
            row.last_seen_at = now
        return LiveSession(row.id, Principal.of(user), row.csrf_token, dict(row.pending or {}))


def current_user() -> Principal | None:
    """The logged-in, still active user, loaded once per request."""
    live = live_session()
    return live.principal if live else None


def require_user() -> Principal:
    """The logged-in user, for views behind login_required (which has turned strangers away already).

    Aborts with 401 when there is none, so a view that forgot login_required still serves no stranger.
    """
    user = current_user()
    if user is None:
        abort(401)
    return user


def login_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Redirect strangers to the login page; refuse (403) users whose role does not fit."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("console.login", next=request.full_path))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def stash(key: str, value: Any) -> None:
    """Keep one-time data for the next page in the session row (never in the cookie)."""
    live = live_session()
    if live is None:
        abort(401)
    with runtime().database.session() as db:
        row = db.get(ConsoleSession, live.row_id)
        if row is None:
            abort(401)
        row.pending = {**(row.pending or {}), key: value}


def take(key: str) -> Any:
    """One-time data stashed for this page, removed as it is read (None when there is none)."""
    live = live_session()
    if live is None or key not in live.pending:
        return None
    with runtime().database.session() as db:
        row = db.get(ConsoleSession, live.row_id)
        pending = dict(row.pending or {}) if row is not None else {}
        value = pending.pop(key, None)
        if row is not None:
            row.pending = pending or None
    return value


def csrf_token() -> str:
    """The session's CSRF token; before login, one kept in the cookie for the login form."""
    live = live_session()
    if live is not None:
        return live.csrf
    token = session.get(LOGIN_CSRF)
    if not token:
        token = session[LOGIN_CSRF] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """Every state-changing console request must carry the session's token (form or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    live = live_session()
    expected = live.csrf if live is not None else str(session.get(LOGIN_CSRF, ""))
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="missing or invalid CSRF token")
