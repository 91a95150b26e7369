"""Console logins: a signed, expiring session cookie that holds the user id, and CSRF tokens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, session, url_for

from db.models import User
from ivr.auth.roles import Principal
from ivr.extensions import runtime

SESSION_USER = "uid"
SESSION_CSRF = "csrf"


def log_in(user: User) -> None:
    """Start a fresh session (new id, new CSRF token) so a fixed session cannot be reused."""
    session.clear()
    session.permanent = True
    session[SESSION_USER] = user.id
    session[SESSION_CSRF] = secrets.token_urlsafe(32)


def log_out() -> None:
    session.clear()


def current_user() -> Principal | None:
    """The logged-in, still active user, loaded once per request."""
    if "principal" not in g:
        g.principal = None
        user_id = session.get(SESSION_USER)
        if user_id is not None:
            with runtime().database.session() as db:
                user = db.get(User, int(user_id))
                if user is not None and user.active:
                    g.principal = Principal.of(user)
    return g.principal


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


def csrf_token() -> str:
    token = session.get(SESSION_CSRF)
    if not token:
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Every state-changing console request must carry the session's token (form or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    expected = session.get(SESSION_CSRF, "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="missing or invalid CSRF token")
