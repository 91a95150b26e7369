"""Test data for menus 5-7: token purchases, tariffs, notices, announcements, and a direct service context."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from db.models import Announcement, MaintenanceNotice, Meter, Tariff, TokenPurchase
from ivr.services.context import ServiceContext
from tests.support.twilio import Reply

TARIFFS_FROM = date(2025, 1, 1)

# (class, min VA, max VA or None, Rp/kWh): one row of each power wording, in every group.
TARIFF_ROWS: tuple[tuple[str, int, int | None, str], ...] = (
    ("R-1", 900, 900, "605.00"),
    ("R-1", 1300, 1300, "1444.70"),
    ("R-2", 3500, 5500, "1699.53"),
    ("R-3", 6600, None, "1699.53"),
    ("B-2", 6600, 200_000, "1444.70"),
    ("B-3", 200_001, None, "1114.74"),
    ("I-3", 200_001, None, "1114.74"),
    ("S-2", 900, 900, "605.00"),
    ("P-1", 6600, 200_000, "1699.53"),
)


def says_starting(reply: Reply, prefix: str) -> list[str]:
    """The text of every <Say> that starts with `prefix`, in order."""
    return [say.text or "" for say in reply.says() if (say.text or "").startswith(prefix)]


def add_purchase(
    session: Session, meter: Meter, purchased_at: datetime, token: str, kwh: str = "32.5", amount: int = 50_000
) -> TokenPurchase:
    purchase = TokenPurchase(
        meter_id=meter.id, token=token, kwh=Decimal(kwh), amount_rupiah=amount, purchased_at=purchased_at
    )
    session.add(purchase)
    session.flush()
    return purchase


def add_tariffs(
    session: Session, rows: tuple[tuple[str, int, int | None, str], ...] = TARIFF_ROWS, effective: date = TARIFFS_FROM
) -> list[Tariff]:
    tariffs = [
        Tariff(
            tariff_class=cls,
            power_min_va=low,
            power_max_va=high,
            rate_per_kwh=Decimal(rate),
            minimum_hours=40,
            effective_from=effective,
            description=f"{cls} test",
        )
        for cls, low, high, rate in rows
    ]
    session.add_all(tariffs)
    session.flush()
    return tariffs


def add_notice(
    session: Session, region_id: int, starts_at: datetime, ends_at: datetime, area: str, reason: str = ""
) -> MaintenanceNotice:
    notice = MaintenanceNotice(region_id=region_id, starts_at=starts_at, ends_at=ends_at, area=area, reason=reason)
    session.add(notice)
    session.flush()
    return notice


def add_announcement(
    session: Session,
    region_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    text_id: str,
    text_en: str | None = None,
    *,
    ended_at: datetime | None = None,
) -> Announcement:
    """An announcement for one region (None: every region); English defaults to "EN " + the Indonesian."""
    row = Announcement(
        region_id=region_id,
        starts_at=starts_at,
        ends_at=ends_at,
        ended_at=ended_at,
        text_id=text_id,
        text_en=text_en if text_en is not None else f"EN {text_id}",
    )
    session.add(row)
    session.flush()
    return row


def service_context(
    session: Session,
    region_id: int | None,
    *,
    now: datetime,
    timezone: str = "Asia/Jakarta",
    caller: str = "+62215551234",
    call_sid: str = "CAservice",
) -> ServiceContext:
    """A context as the voice adapter builds it, for calling services directly."""
    return ServiceContext(
        session=session,
        conversation_id=call_sid,
        caller=caller,
        caller_is_mobile=False,
        region_id=region_id,
        channel="voice",
        now=now.astimezone(UTC),
        timezone=timezone,
    )
