"""Logging in and out of the console: throttled, and as slow for an unknown name as for a real one."""

from __future__ import annotations

import logging
import math

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from db.models import User
from ivr.auth.passwords import check_login_password
from ivr.auth.sessions import check_csrf, log_in, log_out
from ivr.console.blueprint import blueprint
from ivr.console.language import keep_language, viewer_language
from ivr.console.translate import t
from ivr.extensions import runtime

log = logging.getLogger(__name__)

blueprint.before_request(check_csrf)  # every console form carries the session's token

WRONG = "Nama pengguna atau kata sandi salah."


def _safe_next(target: str | None) -> str:
    """Only follow same-site paths after login (never another host)."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return url_for("console.home")


def _throttled(seconds: int) -> ResponseReturnValue:
    minutes = math.ceil(seconds / 60)
    error = t("Terlalu banyak percobaan masuk yang gagal. Silakan coba lagi dalam {minutes} menit.", minutes=minutes)
    return render_template("console/login.html", error=error), 429, {"Retry-After": str(seconds)}


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method != "POST":
        return render_template("console/login.html", error=None)
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    throttle = runtime().logins
    wait = throttle.retry_after(username, address)
    if wait is not None:  # refused before the password is looked at, right or wrong
        log.warning("console login throttled for %r from %s", username, address)
        return _throttled(wait)
    with runtime().database.session() as db:
        user = db.scalar(select(User).where(User.username == username))
    # One scrypt check whoever typed what: an unknown name costs what a known one does.
    matches = check_login_password(user.password_hash if user is not None else None, password)
    if user is not None and user.active and matches:
        throttle.succeeded(username)
        chosen = viewer_language()
        log_in(user)  # a fresh session: the language chosen on the login page is all it keeps
        keep_language(chosen)
        log.info("console login: %s (%s) from %s", user.username, user.role, address)
        return redirect(_safe_next(request.args.get("next")))
    throttle.failed(username, address)
    log.warning("failed console login for %r from %s", username, address)
    return render_template("console/login.html", error=t(WRONG)), 401


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    log_out()
    return redirect(url_for("console.login"))
