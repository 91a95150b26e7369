"""Announcements: what admins publish for callers, and which of them are in force.

Callers hear the ones in force in the region their call was routed to, plus those for every
region (no region). The console, the API and menu 7 all read them through `in_force`, so the
rule of "current" is written once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from db.models import ANNOUNCEMENT_CHARS, Announcement

UPCOMING, CURRENT, ENDED = "upcoming", "current", "ended"
STATUSES = (CURRENT, UPCOMING, ENDED)
MAX_HEARD = 3  # newest first; more is no use on the phone
MAX_CHARS = ANNOUNCEMENT_CHARS


def in_force(now: datetime) -> ColumnElement[bool]:
    """Started, not yet at its end, and not ended early by an admin."""
    return and_(Announcement.starts_at <= now, Announcement.ends_at > now, Announcement.ended_at.is_(None))


def for_region(region_id: int | None) -> ColumnElement[bool]:
    """Announcements a caller routed to `region_id` hears: that region's and every region's."""
    everywhere = Announcement.region_id.is_(None)
    return everywhere if region_id is None else or_(everywhere, Announcement.region_id == region_id)


def current(session: Session, region_id: int | None, now: datetime, limit: int = MAX_HEARD) -> list[Announcement]:
    """The announcements in force for this region now, newest (latest start) first."""
    query = (
        select(Announcement)
        .where(in_force(now), for_region(region_id))
        .order_by(Announcement.starts_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def status(announcement: Announcement, now: datetime) -> str:
    """upcoming, current or ended, by the same rule as `in_force`."""
    if announcement.ended_at is not None or announcement.ends_at <= now:
        return ENDED
    return UPCOMING if announcement.starts_at > now else CURRENT


def plain_text(raw: str) -> str:
    """One line of plain text: runs of whitespace (newlines too) become one space.

    Markup is kept as typed; every reader escapes it (Jinja, TwiML, JSON) and a voice reads it
    as the characters it is.
    """
    return " ".join(raw.split())


def text_problem(text: str) -> str | None:
    """Why `text` (already `plain_text`) cannot be published, in words for the admin, or None."""
    if not text:
        return "wajib diisi"
    if len(text) > MAX_CHARS:
        return f"paling banyak {MAX_CHARS} karakter (sekarang {len(text)})"
    if not text.isprintable():
        return "berisi karakter kendali yang tidak dapat dibaca"
    return None


def text_for(announcement: Announcement, language: str) -> str:
    """The text in the caller's language (both are required, so there is no fallback)."""
    return announcement.text_en if language == "en" else announcement.text_id
