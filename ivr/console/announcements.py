"""Announcements in the console: admins publish, edit and end what callers hear in menu 7.

Times are typed and shown on the chosen region's clock (every region: the national clock, WIB)
and stored in UTC. Texts are plain: Jinja escapes them here, TwiML and JSON everywhere else.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import DEFAULT_TIMEZONE, Announcement, Region, whole_number
from ivr.auth.roles import ADMINISTRATION
from ivr.auth.sessions import login_required, require_user
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.console.formatting import ZONE_NAMES
from ivr.console.language import viewer_language
from ivr.console.translate import t
from ivr.extensions import runtime
from ivr.services import announcements as rules

log = logging.getLogger(__name__)

FIELDS = ("region_id", "starts_at", "ends_at", "text_id", "text_en")
# This century only: a year such as 0001 would fall off the calendar when moved to UTC.
LOCAL_INPUT = re.compile(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?")
INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows
ENDED_SHOWN = 50
STATUS_LABELS = {rules.CURRENT: "Berlangsung", rules.UPCOMING: "Akan datang", rules.ENDED: "Selesai"}
MESSAGES = {
    "created": "Pengumuman dibuat.",
    "updated": "Pengumuman diubah.",
    "ended": "Pengumuman diakhiri; penelepon tidak lagi mendengarnya.",
}


class AnnouncementError(ValueError):
    """Something the admin must fix; the message is shown on the page."""


@dataclass(frozen=True)
class Draft:
    """A checked form: what an announcement row is set to."""

    region_id: int | None
    starts_at: datetime
    ends_at: datetime
    text_id: str
    text_en: str


def zone_of(db: Session, region_id: int | None) -> str:
    """The clock an announcement's times are typed and shown on."""
    region = db.get(Region, region_id) if region_id is not None else None
    return region.timezone if region is not None else DEFAULT_TIMEZONE


def _region_id(db: Session, raw: str) -> int | None:
    if not raw:
        return None  # every region
    region_id = whole_number(raw, minimum=1)
    if region_id is None or db.get(Region, region_id) is None:
        raise AnnouncementError(t("Wilayah tidak dikenal."))
    return region_id


def _moment(raw: str, zone: str, label: str) -> datetime:
    """A wall-clock time typed for `zone`, as UTC."""
    if not LOCAL_INPUT.fullmatch(raw):
        raise AnnouncementError(t("{label} wajib diisi sebagai tanggal dan jam (YYYY-MM-DD HH:MM).", label=label))
    try:
        local = datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError as exc:
        raise AnnouncementError(t("{label} bukan tanggal yang ada.", label=label)) from exc
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def _text(raw: str, label: str) -> str:
    text = rules.plain_text(raw)
    problem = rules.text_problem(text)
    if problem:
        if len(text) > rules.MAX_CHARS:  # the one problem with numbers in it
            problem = t("paling banyak {limit} karakter (sekarang {length})", limit=rules.MAX_CHARS, length=len(text))
        raise AnnouncementError(t("{label} {problem}.", label=label, problem=t(problem)))
    return text


def validate(db: Session, typed: dict[str, str], now: datetime) -> Draft:
    """Check the form; raise AnnouncementError naming the first problem."""
    region_id = _region_id(db, typed["region_id"])
    zone = zone_of(db, region_id)
    english = viewer_language() == "en"  # "Mulai"/"Selesai" say Start/End here, not Started/Completed
    starts_at = _moment(typed["starts_at"], zone, "Start" if english else "Mulai")
    ends_at = _moment(typed["ends_at"], zone, "End" if english else "Selesai")
    if ends_at <= starts_at:
        raise AnnouncementError(t("Waktu selesai harus sesudah waktu mulai."))
    if ends_at <= now:
        raise AnnouncementError(t("Waktu selesai sudah lewat: penelepon tidak akan pernah mendengarnya."))
    text_id = _text(typed["text_id"], t("Teks Bahasa Indonesia"))
    text_en = _text(typed["text_en"], t("Teks bahasa Inggris"))
    return Draft(region_id, starts_at, ends_at, text_id, text_en)


def _typed() -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in FIELDS}


def _blank_form(now: datetime) -> dict[str, str]:
    """A new announcement starts now and runs a week, on the national clock until a region is chosen."""
    local = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    week = local + timedelta(days=7)
    return {"region_id": "", "starts_at": local.strftime(INPUT_FORMAT), "ends_at": week.strftime(INPUT_FORMAT),
            "text_id": "", "text_en": ""}  # fmt: skip


def _listed(db: Session, now: datetime) -> dict[str, list[Announcement]]:
    """Current (newest first), upcoming (soonest first) and the latest ended ones (last ended first)."""
    live = db.scalars(
        select(Announcement)
        .where(Announcement.ended_at.is_(None), Announcement.ends_at > now)
        .order_by(Announcement.starts_at, Announcement.id)
    ).all()
    ended = db.scalars(
        select(Announcement)
        .where(or_(Announcement.ended_at.is_not(None), Announcement.ends_at <= now))
        .order_by(func.coalesce(Announcement.ended_at, Announcement.ends_at).desc(), Announcement.id.desc())
        .limit(ENDED_SHOWN)
    ).all()
    current = [a for a in live if rules.status(a, now) == rules.CURRENT]
    return {
        rules.CURRENT: current[::-1],
        rules.UPCOMING: [a for a in live if rules.status(a, now) == rules.UPCOMING],
        rules.ENDED: list(ended),
    }


def _regions(db: Session) -> list[Region]:
    return list(db.scalars(select(Region).order_by(Region.name)))


def _page(error: str | None = None, typed: dict[str, str] | None = None, status: int = 422) -> ResponseReturnValue:
    now = runtime().clock.now()
    with runtime().database.session() as db:
        groups = _listed(db, now)
        regions = _regions(db)
        db.expunge_all()
    zones = {region.id: region.timezone for region in regions}
    response = render_template(
        "console/announcements.html", groups=groups, regions=regions, zones=zones,
        region_names={r.id: r.name for r in regions}, labels=STATUS_LABELS, error=error,
        typed=typed or _blank_form(now), max_chars=rules.MAX_CHARS,
        message=MESSAGES.get(request.args.get("msg", "")), default_zone=DEFAULT_TIMEZONE, zone_names=ZONE_NAMES,
    )  # fmt: skip
    return response, status if error else 200


@blueprint.get("/admin/announcements")
@login_required(*ADMINISTRATION)
def announcements() -> ResponseReturnValue:
    """Current, upcoming and ended announcements, and the form that adds one."""
    return _page()


@blueprint.post("/admin/announcements")
@login_required(*ADMINISTRATION)
def create_announcement() -> ResponseReturnValue:
    typed, me, now = _typed(), require_user(), runtime().clock.now()
    try:
        with runtime().database.session() as db:
            draft = validate(db, typed, now)
            row = Announcement(**vars(draft), created_at=now, updated_at=now, updated_by_id=me.id)
            db.add(row)
            db.flush()
            new_id = row.id
    except AnnouncementError as problem:
        return _page(str(problem), typed)
    log.info("admin %s published announcement %d", me.username, new_id)
    return redirect(url_for("console.announcements", msg="created"))


class Ended(AnnouncementError):
    """An ended announcement is history: it is neither edited nor ended again."""


def _editable(db: Session, id: int, now: datetime) -> Announcement:
    row = db.get(Announcement, id)
    if row is None:
        abort(404)
    if rules.status(row, now) == rules.ENDED:
        raise Ended(t("Pengumuman yang sudah selesai tidak dapat diubah atau diakhiri lagi."))
    return row


def _edit_page(id: int, typed: dict[str, str], error: str | None = None) -> ResponseReturnValue:
    with runtime().database.session() as db:
        regions = _regions(db)
        db.expunge_all()
    response = render_template(
        "console/announcement.html", id=id, typed=typed, regions=regions, error=error,
        max_chars=rules.MAX_CHARS, default_zone=DEFAULT_TIMEZONE, zone_names=ZONE_NAMES,
    )  # fmt: skip
    return response, 422 if error else 200


@blueprint.get("/admin/announcements/<int:id>")
@login_required(*ADMINISTRATION)
def announcement(id: int) -> ResponseReturnValue:
    """The edit form of an announcement not yet ended, its times on its region's clock."""
    now = runtime().clock.now()
    try:
        with runtime().database.session() as db:
            row = _editable(db, id, now)
            zone = ZoneInfo(zone_of(db, row.region_id))
            typed = {
                "region_id": "" if row.region_id is None else str(row.region_id),
                "starts_at": row.starts_at.astimezone(zone).strftime(INPUT_FORMAT),
                "ends_at": row.ends_at.astimezone(zone).strftime(INPUT_FORMAT),
                "text_id": row.text_id,
                "text_en": row.text_en,
            }
    except Ended as problem:
        return _page(str(problem), status=409)
    return _edit_page(id, typed)


@blueprint.post("/admin/announcements/<int:id>")
@login_required(*ADMINISTRATION)
def update_announcement(id: int) -> ResponseReturnValue:
    typed, me, now = _typed(), require_user(), runtime().clock.now()
    try:
        with runtime().database.session() as db:
            row = _editable(db, id, now)
            for name, value in vars(validate(db, typed, now)).items():
                setattr(row, name, value)
            row.updated_at, row.updated_by_id = now, me.id
    except Ended as problem:
        return _page(str(problem), status=409)
    except AnnouncementError as problem:
        return _edit_page(id, typed, str(problem))
    log.info("admin %s edited announcement %d", me.username, id)
    return redirect(url_for("console.announcements", msg="updated"))


@blueprint.post("/admin/announcements/<int:id>/end")
@login_required(*ADMINISTRATION)
def end_announcement(id: int) -> ResponseReturnValue:
    """End it now (an upcoming one is called off): callers no longer hear it; its planned times stay."""
    me, now = require_user(), runtime().clock.now()
    try:
        with runtime().database.session() as db:
            row = _editable(db, id, now)
            row.ended_at = row.updated_at = now
            row.updated_by_id = me.id
    except Ended as problem:
        return _page(str(problem), status=409)
    log.info("admin %s ended announcement %d", me.username, id)
    return redirect(url_for("console.announcements", msg="ended"))


nav.add("console.announcements", "Pengumuman", ADMINISTRATION, order=85)
