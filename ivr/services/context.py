"""What a service gets from the adapter that called it: the unit of work and the call's facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ServiceContext:
    """One request's database session plus who is calling, from where, and when."""

    session: Session
    conversation_id: str
    caller: str
    caller_is_mobile: bool
    region_id: int | None
    channel: str
    now: datetime
