"""What the utility publishes: tariffs and planned maintenance."""

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
