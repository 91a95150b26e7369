"""Customers, their meters, bills, prepaid tokens and meter readings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, UTCDateTime, utcnow
from db.models.regions import Region

POSTPAID = "postpaid"
PREPAID = "prepaid"


class Customer(Base):
    """A customer account, identified by its 12-digit IDPEL."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    idpel: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(240), default="")
    tariff_class: Mapped[str] = mapped_column(String(8))
    power_va: Mapped[int] = mapped_column(Integer)
    payment_type: Mapped[str] = mapped_column(String(10))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    reading_window_start_day: Mapped[int] = mapped_column(Integer, default=24)
    reading_window_end_day: Mapped[int] = mapped_column(Integer, default=27)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    meters: Mapped[list[Meter]] = relationship(back_populates="customer")


class Meter(Base):
    """A kWh meter (11-digit number) installed for a customer."""

    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_number: Mapped[str] = mapped_column(String(11), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    installed_on: Mapped[date] = mapped_column(Date)

    customer: Mapped[Customer] = relationship(back_populates="meters")


class Bill(Base):
    """A monthly postpaid bill: (stand_end - stand_start) x tariff + fixed parts."""

    __tablename__ = "bills"
    __table_args__ = (Index("ix_bills_customer_period", "customer_id", "period", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    period: Mapped[date] = mapped_column(Date)
    stand_start: Mapped[int] = mapped_column(BigInteger)
    stand_end: Mapped[int] = mapped_column(BigInteger)
    kwh: Mapped[int] = mapped_column(BigInteger)
    amount_rupiah: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TokenPurchase(Base):
    """A prepaid token bought for a meter."""

    __tablename__ = "token_purchases"
    __table_args__ = (Index("ix_token_purchases_meter_time", "meter_id", "purchased_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    token: Mapped[str] = mapped_column(String(20))
    amount_rupiah: Mapped[int] = mapped_column(BigInteger)
    kwh: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Reading(Base):
    """A stand-meter reading: from a meter officer, or self-reported by phone or message."""

    __tablename__ = "readings"
    __table_args__ = (
        Index("ix_readings_meter_period", "meter_id", "period"),
        Index("ix_readings_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    period: Mapped[date] = mapped_column(Date)
    stand: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), index=True)
    source: Mapped[str] = mapped_column(String(12))
    flag_reason: Mapped[str | None] = mapped_column(String(240))
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    media_url: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str | None] = mapped_column(String(64))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
