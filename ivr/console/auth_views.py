"""Logging in and out of the console."""

from __future__ import annotations

import logging

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from db.models import User
from ivr.auth.passwords import verify_password
from ivr.auth.roles import STAFF
from ivr.auth.sessions import check_csrf, current_user, log_in, log_out, login_required
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.extensions import runtime

log = logging.getLogger(__name__)

blueprint.before_request(check_csrf)  # every console form carries the session's token


def _safe_next(target: str | None) -> str:
    """Only follow same-site paths after login (never another host)."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return url_for("console.home")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:64]
        password = request.form.get("password", "")
        with runtime().database.session() as db:
            user = db.scalar(select(User).where(User.username == username))
            if user is not None and user.active and verify_password(user.password_hash, password):
                log_in(user)
                log.info("console login: %s (%s)", user.username, user.role)
                return redirect(_safe_next(request.args.get("next")))
        log.warning("failed console login for %r", username)
        error = "Nama pengguna atau kata sandi salah."
    return render_template("console/login.html", error=error), 401 if error else 200


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    log_out()
    return redirect(url_for("console.login"))


@blueprint.get("/")
@login_required(*STAFF)
def home() -> ResponseReturnValue:
    """The first page after login: what this role can open."""
    return render_template("console/home.html", entries=nav.entries_for(current_user()), now=runtime().clock.now())
