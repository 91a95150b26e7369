"""API tokens, console sessions and the history of what agents changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, UTCDateTime, utcnow


class ApiToken(Base):
    """A bearer token for the JSON API. Only its SHA-256 is stored; revoked tokens stay for audit."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketUpdate(Base):
    """One change an agent made to a complaint or service request: who, when, status, note.

    `notice` says whether the customer was told of the change: the channel their message was
    queued on (sms, whatsapp) with the masked number in `notice_to`, or why not (not_configured,
    no_number); None when the change is not one customers are told of.
    """

    __tablename__ = "ticket_updates"
    __table_args__ = (Index("ix_ticket_updates_ticket", "ticket_kind", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_kind: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    notice: Mapped[str | None] = mapped_column(String(16))
    notice_to: Mapped[str | None] = mapped_column(String(32))


class ConsoleSession(Base):
    """A console login, kept on the server: the browser holds only a random id, stored here as its SHA-256.

    Logging out deletes the row; so do deactivating the user and changing their password.
    `pending` holds one-time data for the next page (a freshly issued API token), never a cookie.
    """

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # A fingerprint of the user's password hash at login: a password changed any way ends the session.
    password_stamp: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
