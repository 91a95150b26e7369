"""What callers leave for agents: complaints and service requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, UTCDateTime, utcnow
from db.models.calls import VOICE

# A ticket's life; which status may follow which is ivr.services.tickets.may_transition.
OPEN, IN_PROGRESS, RESOLVED, CLOSED = "open", "in_progress", "resolved", "closed"
TICKET_STATUSES = (OPEN, IN_PROGRESS, RESOLVED, CLOSED)
ACTIVE_STATUSES = (OPEN, IN_PROGRESS)  # still to do: menu 4 says "being handled", the work queues list them
DONE_STATUSES = (RESOLVED, CLOSED)


class Complaint(Base):
    """An outage report or complaint, known to the caller by its ticket number."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_region_created", "region_id", "created_at"),
        Index("ix_complaints_region_resolved", "region_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_number: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    callback_number: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    recording_url: Mapped[str | None] = mapped_column(Text)
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    # Where it was reported (voice, sms, whatsapp): one column, so statistics per channel need no join.
    channel: Mapped[str] = mapped_column(String(12), default=VOICE, server_default=VOICE)
    # The language the caller filed it in: what the notice of a status change is written in.
    language: Mapped[str] = mapped_column(String(5), default="id", server_default="id")
    last_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceRequest(Base):
    """A request for a new connection, a power change or a temporary connection."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    requested_power_va: Mapped[int | None] = mapped_column(Integer)
    callback_number: Mapped[str | None] = mapped_column(String(32))
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(5), default="id", server_default="id")
    last_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
