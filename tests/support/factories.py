"""Small, explicit test data: the regions a call can be routed to."""

from __future__ import annotations

from datetime import time

from sqlalchemy.orm import Session

from db.models import Region, RegionAreaCode, RegionNumber

DIALED = {
    "NASIONAL": "+62804150123",
    "BEKASI": "+62218850123",
    "KUPANG": "+623808210123",
    "JAYAPURA": "+629675330123",
}
AGENTS = {
    "NASIONAL": "+62215550100",
    "BEKASI": "+62218850100",
    "KUPANG": "+623808210100",
    "JAYAPURA": "+629675330100",
}
UNKNOWN_DIALED = "+62215550999"


def add_regions(session: Session) -> dict[str, Region]:
    """Four regions across WIB, WITA and WIT, each with a dialed number and agent line."""
    specs = [
        ("NASIONAL", "Kontak Nasional", "Asia/Jakarta", None, True),
        ("BEKASI", "UP3 Bekasi", "Asia/Jakarta", "21", False),
        ("KUPANG", "UP3 Kupang", "Asia/Makassar", "380", False),
        ("JAYAPURA", "UP3 Jayapura", "Asia/Jayapura", "967", False),
    ]
    regions: dict[str, Region] = {}
    for code, name, tz, area, national in specs:
        region = Region(
            code=code,
            name=name,
            timezone=tz,
            agent_number=AGENTS[code],
            opens_at=time(7, 0),
            closes_at=time(22, 0),
            is_national=national,
        )
        region.numbers.append(RegionNumber(number=DIALED[code]))
        if area:
            region.area_codes.append(RegionAreaCode(area_code=area))
        session.add(region)
        regions[code] = region
    session.flush()
    return regions
