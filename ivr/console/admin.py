"""Administration: console/API users (create, deactivate, reactivate, new password) and their API tokens."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import ADMIN, AGENT, SUPERVISOR, ApiToken, Region, User, whole_number
from ivr.auth.passwords import MIN_LENGTH, hash_password
from ivr.auth.roles import ADMINISTRATION, STAFF
from ivr.auth.sessions import end_sessions, log_in, login_required, require_user, stash, take
from ivr.auth.tokens import issue_token, revoke_token
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.console.translate import t
from ivr.extensions import runtime
from ivr.phone.numbers import to_e164

log = logging.getLogger(__name__)

USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
ROLE_LABELS = {AGENT: "Agen", SUPERVISOR: "Supervisor", ADMIN: "Administrator"}
NEW_TOKEN = "admin_new_token"  # one-time session data (server-side): a freshly issued raw token, shown once
MESSAGES = {
    "created": "Pengguna dibuat.",
    "deactivated": "Pengguna dinonaktifkan.",
    "reactivated": "Pengguna diaktifkan kembali.",
    "issued": "Token dibuat.",
    "revoked": "Token dicabut.",
    "password": "Kata sandi diganti; sesi pengguna itu diakhiri.",
}
FIELDS = ("username", "full_name", "role", "region_id", "phone")


class AdminError(ValueError):
    """Something the admin must fix; the message is shown on the page."""


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    role: str
    region_id: int | None
    phone: str | None
    password_hash: str


def _region_id(db: Session, raw: str) -> int | None:
    if not raw:
        return None
    region_id = whole_number(raw, minimum=1)
    if region_id is None or db.get(Region, region_id) is None:
        raise AdminError(t("Wilayah tidak dikenal."))
    return region_id


def _phone(raw: str) -> str | None:
    """E.164 for a phone number, or a Twilio Client identity ("client:name") as typed."""
    if not raw:
        return None
    if raw.startswith("client:") and 7 < len(raw) <= 64:
        return raw
    number = to_e164(raw)
    if number is None:
        raise AdminError(t("Nomor telepon tidak valid."))
    return number


def validate(db: Session, typed: dict[str, str], password: str) -> NewUser:
    """Check the create-user form; raise AdminError naming the first problem."""
    username, full_name, role = typed["username"], typed["full_name"], typed["role"]
    if not USERNAME.match(username):
        raise AdminError(t("Nama pengguna harus 3-64 karakter: huruf, angka, titik, garis bawah atau tanda hubung."))
    if not full_name or len(full_name) > 120:
        raise AdminError(t("Nama lengkap wajib diisi (paling banyak 120 karakter)."))
    if role not in STAFF:
        raise AdminError(t("Peran tidak dikenal."))
    region_id = _region_id(db, typed["region_id"])
    if role == AGENT and region_id is None:
        raise AdminError(t("Agen harus punya wilayah."))
    phone = _phone(typed["phone"])
    if len(password) < MIN_LENGTH:
        raise AdminError(t("Kata sandi paling sedikit {count} karakter.", count=MIN_LENGTH))
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise AdminError(t("Nama pengguna sudah dipakai."))
    if phone is not None and db.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise AdminError(t("Nomor telepon sudah dipakai pengguna lain."))
    return NewUser(username, full_name, role, region_id, phone, hash_password(password))


def _page(error: str | None = None, typed: dict[str, str] | None = None) -> ResponseReturnValue:
    new_token = take(NEW_TOKEN)  # shown once: gone from the session row after this render
    with runtime().database.session() as db:
        users = db.scalars(select(User).order_by(User.username)).all()
        regions = db.scalars(select(Region).order_by(Region.name)).all()
        tokens: dict[int, list[ApiToken]] = {}
        for token in db.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)):
            tokens.setdefault(token.user_id, []).append(token)
        db.expunge_all()
    response = render_template(
        "console/users.html", users=users, regions=regions, region_names={r.id: r.name for r in regions},
        tokens=tokens, roles=STAFF, role_labels=ROLE_LABELS, error=error, typed=typed or dict.fromkeys(FIELDS, ""),
        new_token=new_token, me=require_user(), message=MESSAGES.get(request.args.get("msg", "")),
    )  # fmt: skip
    return response, 422 if error else 200


@blueprint.get("/admin/users")
@login_required(*ADMINISTRATION)
def users() -> ResponseReturnValue:
    """Every console/API user with their tokens, and the form that adds one."""
    return _page()


@blueprint.post("/admin/users")
@login_required(*ADMINISTRATION)
def create_user() -> ResponseReturnValue:
    typed = {name: request.form.get(name, "").strip() for name in FIELDS}
    try:
        with runtime().database.session() as db:
            new = validate(db, typed, request.form.get("password", ""))
            db.add(User(**vars(new)))
            db.flush()
    except AdminError as problem:
        return _page(str(problem), typed)
    except IntegrityError:  # a concurrent create won the race for the username or phone
        return _page(t("Nama pengguna atau nomor telepon sudah dipakai."), typed)
    log.info("admin %s created user %s (%s)", require_user().username, new.username, new.role)
    return redirect(url_for("console.users", msg="created"))


@blueprint.post("/admin/users/<int:id>/active")
@login_required(*ADMINISTRATION)
def set_active(id: int) -> ResponseReturnValue:
    """Deactivate (no login, tokens stop working) or reactivate a user; never oneself."""
    active = request.form.get("active") == "1"
    me = require_user()
    if id == me.id and not active:
        return _page(t("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    with runtime().database.session() as db:
        user = db.get(User, id)
        if user is None:
            abort(404)
        user.active = active
        username = user.username
        if not active:
            end_sessions(db, id)  # logged out everywhere at once, not at their next page
    log.info("admin %s %s user %s", me.username, "reactivated" if active else "deactivated", username)
    return redirect(url_for("console.users", msg="reactivated" if active else "deactivated"))


@blueprint.post("/admin/users/<int:id>/password")
@login_required(*ADMINISTRATION)
def set_password(id: int) -> ResponseReturnValue:
    """Give a user a new password; every session they have ends (an admin's own: a fresh one starts)."""
    password = request.form.get("password", "")
    if len(password) < MIN_LENGTH:
        return _page(t("Kata sandi paling sedikit {count} karakter.", count=MIN_LENGTH))
    me = require_user()
    with runtime().database.session() as db:
        user = db.get(User, id)
        if user is None:
            abort(404)
        user.password_hash = hash_password(password)
        end_sessions(db, id)
        username = user.username
    if id == me.id:
        log_in(user)
    log.info("admin %s set a new password for %s", me.username, username)
    return redirect(url_for("console.users", msg="password"))


@blueprint.post("/admin/users/<int:id>/tokens")
@login_required(*ADMINISTRATION)
def issue(id: int) -> ResponseReturnValue:
    """A new API token for the user; its raw value goes to the session and is shown once."""
    name = request.form.get("name", "").strip()
    if not name or len(name) > 120:
        return _page(t("Nama token wajib diisi (paling banyak 120 karakter)."))
    with runtime().database.session() as db:
        user = db.get(User, id)
        if user is None:
            abort(404)
        username = user.username
        raw = issue_token(db, user, name) if user.active else None
    if raw is None:
        return _page(t("Pengguna nonaktif tidak dapat diberi token."))
    stash(NEW_TOKEN, {"username": username, "name": name, "token": raw})
    log.info("admin %s issued API token %r for %s", require_user().username, name, username)
    return redirect(url_for("console.users", msg="issued"))


@blueprint.post("/admin/tokens/<int:id>/revoke")
@login_required(*ADMINISTRATION)
def revoke(id: int) -> ResponseReturnValue:
    with runtime().database.session() as db:
        if db.get(ApiToken, id) is None:
            abort(404)
        revoked = revoke_token(db, id, runtime().clock.now())
    if not revoked:
        return _page(t("Token sudah dicabut."))
    log.info("admin %s revoked API token %d", require_user().username, id)
    return redirect(url_for("console.users", msg="revoked"))


nav.add("console.users", "Pengguna", ADMINISTRATION, order=90)
