"""What a service gets from the adapter that called it: the unit of work and the call's facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import DEFAULT_TIMEZONE
from ivr.phone.routing import RegionInfo


@dataclass(frozen=True)
class Notification:
    """A text message a service asks for: the turn writes it to the outbox in its own transaction.

    Its wording is a prompt in flows/prompts, rendered by the conversation core in the caller's
    language; the outbox worker sends it (ivr/notify), never the web request.
    """

    to: str
    prompt: str
    variables: dict[str, Any]
    language: str


@dataclass
class ServiceContext:
    """One request's database session plus who is calling, from where, and when.

    `conversation_id` (CallSid or messaging address) and `step` together identify one caller
    action, so a service can make its writes idempotent against webhook retries.
    """

    session: Session
    conversation_id: str
    caller: str
    caller_is_mobile: bool
    region_id: int | None
    channel: str
    now: datetime
    timezone: str = DEFAULT_TIMEZONE
    language: str = "id"
    step: int = 0
    sms_enabled: bool = False
    outbox: list[Notification] = field(default_factory=list)
    # The caller's region and the national one, from the routing snapshot (no query needed).
    region: RegionInfo | None = None
    national: RegionInfo | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A UTC timestamp as the caller's region sees it."""
        return moment.astimezone(self.zone)

    @property
    def local_now(self) -> datetime:
        return self.local(self.now)
