"""Administration over the API: the console/API users and the announcements in force, for admin tokens only."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from db.models import Announcement, User
from ivr.api.blueprint import blueprint
from ivr.auth.roles import ADMINISTRATION
from ivr.auth.tokens import api_auth
from ivr.extensions import runtime
from ivr.services import announcements as rules


@blueprint.get("/users")
@api_auth(*ADMINISTRATION)
def users() -> ResponseReturnValue:
    """Every user, by id (no password hashes, phones or tokens)."""
    with runtime().database.session() as session:
        items = [
            {
                "id": user.id,
                "username": user.username,
                "full_name": user.full_name,
                "role": user.role,
                "region_id": user.region_id,
                "active": user.active,
            }
            for user in session.scalars(select(User).order_by(User.id))
        ]
    return jsonify(items=items)


@blueprint.get("/announcements")
@api_auth(*ADMINISTRATION)
def announcements() -> ResponseReturnValue:
    """The announcements callers hear now (region_id null: every region), newest first; read-only."""
    now = runtime().clock.now()
    query = (
        select(Announcement).where(rules.in_force(now)).order_by(Announcement.starts_at.desc(), Announcement.id.desc())
    )
    with runtime().database.session() as session:
        items = [
            {
                "id": row.id,
                "region_id": row.region_id,
                "starts_at": row.starts_at.isoformat(),
                "ends_at": row.ends_at.isoformat(),
                "text_id": row.text_id,
                "text_en": row.text_en,
            }
            for row in session.scalars(query)
        ]
    return jsonify(items=items)
