"""Region routing: dialed number, else "area code + 123" dialed, else the caller's landline area code, else national.

Regions change rarely, so a snapshot is kept in memory and refreshed in the background of
requests; if the database is briefly down, calls keep routing on the last good snapshot.
"""

from __future__ import annotations

import logging
import re
import threading
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Region
from ivr.phone.numbers import CallerId, to_e164

SHORT_CODE = "123"  # the line's number after an area code: (0380) 123 is Kupang's
COUNTRY_CODE = "62"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegionInfo:
    """The facts routing and prompts need about a region, detached from any session."""

    id: int
    code: str
    name: str
    timezone: str
    agent_number: str | None
    opens_at: time
    closes_at: time
    is_national: bool


@dataclass(frozen=True)
class Route:
    region: RegionInfo | None
    routed_by: str  # "dialed" | "area_code" | "national" | "none"


@dataclass(frozen=True)
class Snapshot:
    by_number: dict[str, RegionInfo] = field(default_factory=dict)
    by_area_code: dict[str, RegionInfo] = field(default_factory=dict)
    by_id: dict[int, RegionInfo] = field(default_factory=dict)
    national: RegionInfo | None = None


def load_snapshot(session: Session) -> Snapshot:
    """Read every region with its numbers and area codes in two queries."""
    regions = session.scalars(
        select(Region).options(selectinload(Region.numbers), selectinload(Region.area_codes))
    ).all()
    snapshot = Snapshot()
    national = None
    for region in regions:
        info = RegionInfo(
            id=region.id,
            code=region.code,
            name=region.name,
            timezone=region.timezone,
            agent_number=region.agent_number,
            opens_at=region.opens_at,
            closes_at=region.closes_at,
            is_national=region.is_national,
        )
        snapshot.by_id[info.id] = info
        for number in region.numbers:
            snapshot.by_number[to_e164(number.number) or number.number] = info
        for area in region.area_codes:
            snapshot.by_area_code[area.area_code.lstrip("0")] = info
        if region.is_national:
            national = info
    return Snapshot(snapshot.by_number, snapshot.by_area_code, snapshot.by_id, national)


class RegionDirectory:
    """Routes calls from an in-memory snapshot that is refreshed every `ttl_seconds`."""

    def __init__(
        self,
        loader: Callable[[], Snapshot],
        ttl_seconds: float = 60.0,
        now: Callable[[], float] = clock.monotonic,
    ) -> None:
        self._loader = loader
        self._ttl = ttl_seconds
        self._now = now
        self._snapshot: Snapshot | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """The current snapshot; a failed refresh keeps the previous one.

        Once there is a snapshot, one request refreshes it when it is due while the others route
        on the one they have, instead of queueing behind the database.
        """
        current = self._snapshot
        if current is not None and self._now() - self._loaded_at < self._ttl:
            return current
        if not self._lock.acquire(blocking=current is None):
            return current or Snapshot()
        try:
            if self._snapshot is None or self._now() - self._loaded_at >= self._ttl:
                try:
                    self._snapshot = self._loader()
                except Exception:
                    log.warning("region refresh failed; routing on the last snapshot", exc_info=True)
                    if self._snapshot is None:
                        return Snapshot()
                self._loaded_at = self._now()
            return self._snapshot
        finally:
            self._lock.release()

    def invalidate(self) -> None:
        self._loaded_at = -self._ttl

    def route(self, dialed: str, caller: CallerId) -> Route:
        """Pick the region for a call; never raises."""
        snapshot = self.snapshot()
        region = snapshot.by_number.get(to_e164(dialed) or dialed)
        if region is not None:
            return Route(region, "dialed")
        area = dialed_area(dialed)
        if area is not None and area in snapshot.by_area_code:
            return Route(snapshot.by_area_code[area], "dialed_area")
        if caller.area_code and caller.area_code in snapshot.by_area_code:
            return Route(snapshot.by_area_code[caller.area_code], "area_code")
        if snapshot.national is not None:
            return Route(snapshot.national, "national")
        return Route(None, "none")

    def region(self, region_id: int | None) -> RegionInfo | None:
        return None if region_id is None else self.snapshot().by_id.get(region_id)

    def national(self) -> RegionInfo | None:
        return self.snapshot().national


def dialed_area(dialed: str) -> str | None:
    """The area code (without its 0) of an "area code + 123" number: +62380123, 0380123, (0380) 123.

    The seeds' and the utility's own words: "123 with the area code". None for anything else.
    """
    text = dialed.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        if not digits.startswith(COUNTRY_CODE):
            return None
        national = digits[len(COUNTRY_CODE) :]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    area = national[: -len(SHORT_CODE)]
    if not national.endswith(SHORT_CODE) or not 2 <= len(area) <= 3 or area.startswith("8"):
        return None  # Indonesian area codes are 2-3 digits; 8xx starts mobile numbers
    return area
