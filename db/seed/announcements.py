"""Announcements for the demo: callers of every region hear one, Bekasi and Kupang one more each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import DEFAULT_TIMEZONE, Announcement, Region
from db.seed.helpers import utc


@dataclass(frozen=True)
class DemoAnnouncement:
    region: str | None  # a region code; None: every region
    first_day: int  # days from the seeding day, on the region's clock (every region: WIB)
    last_day: int
    text_id: str
    text_en: str


DEMO_ANNOUNCEMENTS: tuple[DemoAnnouncement, ...] = (
    DemoAnnouncement(
        None, -1, 30,
        "Bayar tagihan, beli token dan laporkan gangguan kapan saja lewat aplikasi PLN Mobile.",
        "Pay your bill, buy tokens and report outages any time with the PLN Mobile app.",
    ),
    DemoAnnouncement(
        "BEKASI", -2, 14,
        "Kantor ULP Bekasi Kota tutup sementara untuk renovasi. Layanan tetap melalui 123 dan PLN Mobile.",
        "The Bekasi Kota customer office is closed for renovation. Services continue through 123 and PLN Mobile.",
    ),
    DemoAnnouncement(
        "KUPANG", 2, 9,
        "Promo tambah daya: biaya penyambungan potongan 50 persen untuk rumah tangga sampai akhir bulan.",
        "Power upgrade offer: half-price connection fee for households until the end of the month.",
    ),
    DemoAnnouncement(
        "JAYAPURA", -20, -5,
        "Pemadaman bergilir di Jayapura telah berakhir. Terima kasih atas kesabaran Anda.",
        "Rolling blackouts in Jayapura have ended. Thank you for your patience.",
    ),
)  # fmt: skip


def seed_announcements(session: Session, regions: dict[str, Region], today: date) -> int:
    """A current announcement for every region, current and upcoming regional ones, one ended."""
    rows: list[Announcement] = []
    for spec in DEMO_ANNOUNCEMENTS:
        region = regions[spec.region] if spec.region else None
        zone = ZoneInfo(region.timezone if region else DEFAULT_TIMEZONE)
        written = utc(today + timedelta(days=min(spec.first_day, 0) - 3), 9, 0, zone)
        rows.append(
            Announcement(
                region_id=region.id if region else None,
                starts_at=utc(today + timedelta(days=spec.first_day), 8, 0, zone),
                ends_at=utc(today + timedelta(days=spec.last_day), 20, 0, zone),
                text_id=spec.text_id,
                text_en=spec.text_en,
                created_at=written,
                updated_at=written,
            )
        )
    session.add_all(rows)
    session.flush()
    return len(rows)
