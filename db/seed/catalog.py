"""Reference data the rest is built on: regions with their numbers and units, and the tariff table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from sqlalchemy.orm import Session

from db.models import Region, RegionAreaCode, RegionNumber, Tariff


@dataclass(frozen=True)
class RegionSpec:
    """One row of the regions table with its dialed number and (optional) area code."""

    code: str
    name: str
    province_unit: str
    timezone: str
    dialed: str
    agent: str
    area_code: str | None
    opens: time
    closes: time
    is_national: bool = False


REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec(
        "NASIONAL", "Contact Center PLN 123", "Kantor Pusat", "Asia/Jakarta",
        "+62804150123", "+62215550100", None, time(0, 0), time(23, 59), is_national=True,
    ),
    RegionSpec(
        "BEKASI", "UP3 Bekasi", "UID Jawa Barat", "Asia/Jakarta",
        "+62218850123", "+62218850100", "21", time(7, 0), time(22, 0),
    ),
    RegionSpec(
        "CIKARANG", "UP3 Cikarang", "UID Jawa Barat", "Asia/Jakarta",
        "+62218900123", "+62218900100", None, time(7, 0), time(22, 0),
    ),
    RegionSpec(
        "KUPANG", "UP3 Kupang", "UID Nusa Tenggara Timur", "Asia/Makassar",
        "+623808210123", "+623808210100", "380", time(7, 0), time(21, 0),
    ),
    RegionSpec(
        "JAYAPURA", "UP3 Jayapura", "UID Papua dan Papua Barat", "Asia/Jayapura",
        "+629675330123", "+629675330100", "967", time(7, 0), time(20, 0),
    ),
    RegionSpec(
        "DENPASAR", "UP3 Bali Selatan", "UID Bali", "Asia/Makassar",
        "+623612230123", "+623612230100", "361", time(7, 0), time(21, 0),
    ),
)  # fmt: skip

DEMO_DIALED_NUMBERS: dict[str, str] = {spec.code: spec.dialed for spec in REGIONS}

# Share of customers (percent), IDPEL unit prefix and meter-reading window per region.
CUSTOMER_SHARE = {"BEKASI": 35, "CIKARANG": 20, "KUPANG": 15, "JAYAPURA": 10, "DENPASAR": 20}
IDPEL_PREFIX = {
    "BEKASI": "53211",
    "CIKARANG": "53231",
    "KUPANG": "71110",
    "JAYAPURA": "91110",
    "DENPASAR": "55110",
}
# A region's four-day reading window starts this many days after the seeding day (national clock),
# so the demo's customers can report a reading on the day it is seeded and a day or three after;
# a window from two days before to the day after also holds Jayapura's date, two hours ahead.
READING_WINDOW_LEAD = {"BEKASI": 0, "CIKARANG": -2, "KUPANG": 0, "JAYAPURA": -2, "DENPASAR": 0}
READING_WINDOW_DAYS = 4
LAST_WINDOW_START = 28  # a window starting later could not fit in February


def reading_window(region_code: str, today: date) -> tuple[int, int]:
    """The region's monthly window (first and last day), placed around `today` and always holding it."""
    start = min(max(1, today.day + READING_WINDOW_LEAD[region_code]), LAST_WINDOW_START)
    return start, start + READING_WINDOW_DAYS - 1


TARIFF_EFFECTIVE_FROM = date(2025, 1, 1)
MINIMUM_HOURS = 40
ABOVE_200_KVA = 200_001

# (class, min VA, max VA or None, Rp/kWh, description); R-1M is PLN's code for 900 VA RTM.
TARIFFS: tuple[tuple[str, int, int | None, str, str], ...] = (
    ("R-1", 450, 450, "415.00", "Rumah tangga 450 VA (subsidi)"),
    ("R-1", 900, 900, "605.00", "Rumah tangga 900 VA (subsidi)"),
    ("R-1M", 900, 900, "1352.00", "Rumah tangga 900 VA mampu (RTM)"),
    ("R-1", 1300, 1300, "1444.70", "Rumah tangga 1.300 VA"),
    ("R-1", 2200, 2200, "1444.70", "Rumah tangga 2.200 VA"),
    ("R-2", 3500, 5500, "1699.53", "Rumah tangga 3.500-5.500 VA"),
    ("R-3", 6600, None, "1699.53", "Rumah tangga 6.600 VA ke atas"),
    ("B-2", 6600, 200_000, "1444.70", "Bisnis 6.600 VA-200 kVA"),
    ("B-3", ABOVE_200_KVA, None, "1114.74", "Bisnis di atas 200 kVA"),
    ("I-3", ABOVE_200_KVA, None, "1114.74", "Industri di atas 200 kVA"),
    ("P-1", 6600, 200_000, "1699.53", "Kantor pemerintah 6.600 VA-200 kVA"),
    ("S-2", 900, 900, "605.00", "Sosial 900 VA"),
)


def tariff_for(tariffs: Iterable[Tariff], tariff_class: str, power_va: int) -> Tariff:
    """The one tariff row pricing this class and power; a gap or an overlap is a data error."""
    matches = [
        t
        for t in tariffs
        if t.tariff_class == tariff_class
        and t.power_min_va <= power_va
        and (t.power_max_va is None or power_va <= t.power_max_va)
    ]
    if len(matches) != 1:
        raise LookupError(f"{len(matches)} tariffs match {tariff_class} {power_va} VA")
    return matches[0]


def seed_regions(session: Session) -> dict[str, Region]:
    """Regions with their dialed numbers and area codes, keyed by code."""
    regions: dict[str, Region] = {}
    for spec in REGIONS:
        region = Region(
            code=spec.code,
            name=spec.name,
            province_unit=spec.province_unit,
            timezone=spec.timezone,
            agent_number=spec.agent,
            opens_at=spec.opens,
            closes_at=spec.closes,
            is_national=spec.is_national,
            numbers=[RegionNumber(number=spec.dialed)],
            area_codes=[RegionAreaCode(area_code=spec.area_code)] if spec.area_code else [],
        )
        regions[spec.code] = region
    session.add_all(regions.values())
    session.flush()
    return regions


def seed_tariffs(session: Session) -> list[Tariff]:
    """The published tariff table the bills and tokens are priced with."""
    tariffs = [
        Tariff(
            tariff_class=cls,
            power_min_va=low,
            power_max_va=high,
            rate_per_kwh=Decimal(rate),
            minimum_hours=MINIMUM_HOURS,
            effective_from=TARIFF_EFFECTIVE_FROM,
            description=description,
        )
        for cls, low, high, rate, description in TARIFFS
    ]
    session.add_all(tariffs)
    session.flush()
    return tariffs
