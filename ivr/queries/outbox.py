"""The outbox as staff and monitoring read it: one call's outgoing messages, and how far behind sending is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.models import OutboxMessage
from db.models.outbox import PENDING


@dataclass(frozen=True)
class OutboxRow:
    """One outgoing message of a call, as the console's timeline shows it."""

    purpose: str
    channel: str
    to_number: str
    body: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    sent_at: datetime | None
    provider_sid: str | None
    last_error: str | None


def call_messages(session: Session, call_sid: str) -> tuple[OutboxRow, ...]:
    """The messages a call (or text conversation) asked for, in the order it asked.

    No region rule here: callers pass a call the principal may see (queries.calls.get_call).
    """
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.call_sid == call_sid[:64])
        .order_by(OutboxMessage.step, OutboxMessage.position)
    )
    return tuple(
        OutboxRow(
            row.purpose, row.channel, row.to_number, row.body, row.status, row.attempts, row.created_at,
            row.next_attempt_at, row.last_attempt_at, row.sent_at, row.provider_sid, row.last_error,
        )
        for row in rows
    )  # fmt: skip


def outbox_depth(session: Session) -> int:
    """Messages not yet sent nor given up on (waiting for a first attempt or a retry)."""
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(text(PENDING))) or 0


def oldest_pending_age(session: Session, now: datetime) -> float:
    """Seconds the oldest unsent message has waited (0 when none waits): a stuck sender shows here first."""
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(text(PENDING)))
    return max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
