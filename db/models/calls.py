"""Calls and the ordered timeline of what happened in each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, UTCDateTime, utcnow


class Call(Base):
    """One inbound call, from the first webhook to Twilio's final status callback."""

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_region_started", "region_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(12), default="voice")
    caller: Mapped[str] = mapped_column(String(128), index=True)
    caller_kind: Mapped[str] = mapped_column(String(12))
    dialed: Mapped[str] = mapped_column(String(128))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    routed_by: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(5))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    final_status: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(24), default="in_progress", index=True)
    last_node: Mapped[str | None] = mapped_column(String(128))

    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call",
        order_by="CallEvent.seq",
        cascade="all, delete-orphan",
    )


class CallEvent(Base):
    """A step in a call: node reached, input given, timeout, invalid input, transfer, hang-up."""

    __tablename__ = "call_events"
    __table_args__ = (
        UniqueConstraint("call_id", "seq", name="uq_call_events_call_seq"),
        Index("ix_call_events_call_at", "call_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    flow: Mapped[str | None] = mapped_column(String(64))
    node: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    call: Mapped[Call] = relationship(back_populates="events")
