"""Regions: where a call is routed, which clock it runs on, who answers it."""

from __future__ import annotations

from datetime import time

from sqlalchemy import Boolean, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base

DEFAULT_TIMEZONE = "Asia/Jakarta"  # WIB: where a call, a statistic or a page has no region to say otherwise


class Region(Base):
    """A service area (UP3) with its own agents, timezone and opening hours."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    province_unit: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    agent_number: Mapped[str | None] = mapped_column(String(20))
    opens_at: Mapped[time] = mapped_column(Time, default=time(7, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(22, 0))
    is_national: Mapped[bool] = mapped_column(Boolean, default=False)

    area_codes: Mapped[list[RegionAreaCode]] = relationship(back_populates="region", cascade="all, delete-orphan")
    numbers: Mapped[list[RegionNumber]] = relationship(back_populates="region", cascade="all, delete-orphan")


class RegionAreaCode(Base):
    """A landline area code (national, without the trunk 0) that belongs to a region."""

    __tablename__ = "region_area_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    area_code: Mapped[str] = mapped_column(String(6), unique=True)

    region: Mapped[Region] = relationship(back_populates="area_codes")


class RegionNumber(Base):
    """A dialed number (E.164) that lands calls in a region."""

    __tablename__ = "region_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)

    region: Mapped[Region] = relationship(back_populates="numbers")
