"""What landed in the database, as text: for checking that no NUL byte was stored anywhere."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Call, CallEvent


def stored_text(db_session: Session) -> list[str]:
    """Every string the calls and their timelines hold, JSON details included (as JSON text)."""
    db_session.expire_all()
    found: list[str] = []
    for model in (Call, CallEvent):
        for row in db_session.scalars(select(model)):
            for column in model.__table__.columns:
                value = getattr(row, column.key)
                if isinstance(value, str):
                    found.append(value)
                elif isinstance(value, dict | list):
                    found.append(json.dumps(value, ensure_ascii=False))
    return found


def holds_nul(texts: list[str]) -> bool:
    return any("\x00" in text or "\\u0000" in text for text in texts)
