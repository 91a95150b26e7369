"""Calls and the ordered timeline of what happened in each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, UTCDateTime, utcnow

VOICE, SMS, WHATSAPP = "voice", "sms", "whatsapp"
CHANNELS = (VOICE, SMS, WHATSAPP)
"""Where a conversation happens: a phone call, or a text conversation over SMS or WhatsApp."""

STILL_WAITING = "answered_at IS NULL AND ended_at IS NULL AND callback_requested_at IS NULL"
"""A queued call nobody has answered, that is still up and asked for no callback (a partial index's predicate)."""


class Call(Base):
    """One inbound call (or text conversation), from the first webhook to its end.

    A text conversation over SMS or WhatsApp is a row here too, with its `channel`: the same
    events, outcomes and statistics; `call_sid` then holds the conversation's own id.
    """

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_region_started", "region_id", "started_at"),
        # Only the calls waiting now, so finding a queue's length and head does not read its history.
        Index(
            "ix_calls_queue_waiting",
            "queue_name",
            "queue_entered_at",
            postgresql_where=text(STILL_WAITING),
            sqlite_where=text(STILL_WAITING),
        ),
        # A queue's pace (answers in the last hour) reads an hour of answers, not every call it ever had.
        Index("ix_calls_queue_answered", "queue_name", "answered_at"),
    )

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
    # Facts that only ever move forward; `outcome` is derived from them (ivr/calls/outcome.py),
    # so callbacks arriving twice, late or out of order still give one correct record.
    self_served: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ivr_hung_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    had_error: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    direct_transfer: Mapped[str | None] = mapped_column(String(16))
    queue_name: Mapped[str | None] = mapped_column(String(64))
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_seconds: Mapped[int | None] = mapped_column(Integer)
    overflowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Queued in the urgent tier (a dangerous installation report): agents take these callers first.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agent_call_sid: Mapped[str | None] = mapped_column(String(64))
    callback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_sweep: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The flows this call entered and the ones where it got what it came for, as sorted
    # comma-separated names; kept with the row so the statistics need not read every event.
    flows_reached: Mapped[str] = mapped_column(String(255), default="", server_default="")
    flows_completed: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # How the caller answered each node (keys, speech, speech missed, text), as sorted
    # `flow.node:letters` entries (ivr/calls/modes.py), for the speech figures.
    input_modes: Mapped[str] = mapped_column(String(1000), default="", server_default="")

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


class CallbackRequest(Base):
    """A caller asked to be called back instead of waiting; agents work these in order."""

    __tablename__ = "callback_requests"
    __table_args__ = (Index("ix_callback_requests_region_requested", "region_id", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(12), default=VOICE, server_default=VOICE)  # where it was asked for
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(16))
    # Asked for by an urgent caller: phoned back before every routine request.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(5))
    menu_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))
