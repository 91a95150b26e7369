"""What the utility publishes: tariffs, planned maintenance and announcements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, UTCDateTime, utcnow
from db.models.regions import Region


class Tariff(Base):
    """Price per kWh for a tariff class and a power range (VA)."""

    __tablename__ = "tariffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_class: Mapped[str] = mapped_column(String(8), index=True)
    power_min_va: Mapped[int] = mapped_column(Integer)
    power_max_va: Mapped[int | None] = mapped_column(Integer)
    rate_per_kwh: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    minimum_hours: Mapped[int] = mapped_column(Integer, default=40)
    effective_from: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(120), default="")


class MaintenanceNotice(Base):
    """A planned outage in a region, announced to callers beforehand."""

    __tablename__ = "maintenance_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    area: Mapped[str] = mapped_column(String(240))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()


ANNOUNCEMENT_CHARS = 300
"""The longest announcement text, per language: about twenty seconds spoken, two SMS-sized parts."""


class Announcement(Base):
    """News for callers of one region (no region: every region) from `starts_at` until `ends_at`.

    Plain text in Indonesian and English, both required. An admin may end it early (`ended_at`),
    which keeps the planned window on record.
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    text_id: Mapped[str] = mapped_column(String(ANNOUNCEMENT_CHARS))
    text_en: Mapped[str] = mapped_column(String(ANNOUNCEMENT_CHARS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    region: Mapped[Region | None] = relationship()
