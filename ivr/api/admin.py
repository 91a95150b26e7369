"""Administration over the API: the list of console/API users, for admin tokens only."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from db.models import User
from ivr.api.blueprint import blueprint
from ivr.auth.roles import ADMINISTRATION
from ivr.auth.tokens import api_auth
from ivr.extensions import runtime


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
