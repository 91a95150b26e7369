"""Outgoing text messages, written with the turn that decided to send them and sent later by a worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, UTCDateTime, utcnow

QUEUED, SENT, FAILED = "queued", "sent", "failed"
OUTBOX_STATUSES = (QUEUED, SENT, FAILED)
"""queued: waiting for its (next) attempt; sent: the provider took it; failed: given up on."""

PENDING = "status = 'queued'"
"""The rows a sender still has to send (a partial index's predicate)."""


class OutboxMessage(Base):
    """One text message to send, e.g. an SMS confirmation of a meter reading.

    (call_sid, step, position) is the caller action that asked for it and its place among that
    action's messages: a turn that runs twice (a webhook retried) writes it once.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("call_sid", "step", "position", name="uq_outbox_call_sid_step_position"),
        # Only the rows still to send, so the sender's claim and the depth never read what was sent.
        Index("ix_outbox_pending_due", "next_attempt_at", postgresql_where=text(PENDING), sqlite_where=text(PENDING)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    purpose: Mapped[str] = mapped_column(String(64))  # the prompt it was written from
    channel: Mapped[str] = mapped_column(String(12), default="sms")
    to_number: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(String(1600))
    status: Mapped[str] = mapped_column(String(12), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
