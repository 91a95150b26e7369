"""What the synthetic history draws on: the regions, customers and meters already in the database, and
the calendar of calls (daily, weekly and seasonal rhythms, outage surges) spread over them."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Complaint, Customer, Meter, Reading, Region, RegionNumber
from db.models.customers import POSTPAID
from ivr.demo.journey import Account, Place, World
from ivr.demo.walk import HOUR_WEIGHTS

WEEKDAY_WEIGHTS = (1.12, 1.04, 1.0, 1.0, 0.96, 0.72, 0.6)  # Monday first
REGION_WEIGHTS = {"NASIONAL": 14, "BEKASI": 30, "CIKARANG": 18, "KUPANG": 12, "JAYAPURA": 8, "DENPASAR": 18}
OTHER_REGION_WEIGHT = 12.0
SURGES_PER_YEAR = 10
SURGE_FACTOR = (3.0, 5.0)
MOBILE_PREFIXES = ("812", "813", "821", "852", "857", "878", "896", "815")
WINDOW_DAYS = (22, 27)  # reading window for customers without their own


class HistoryError(ValueError):
    """The history cannot be generated as asked (no regions, nothing to generate)."""


# -- what is in the database already ----------------------------------------------------------


@dataclass
class Known:
    places: list[Place]
    weights: list[float]
    world: World
    stands: dict[int, int]  # meter id -> last stand read
    tickets: set[str]
    references: set[str]


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60


def load_known(session: Session) -> Known:
    regions = session.scalars(select(Region).order_by(Region.id)).all()
    if not regions:
        raise HistoryError("no regions in the database: seed them first (flask --app ivr seed-demo)")
    numbers = select(RegionNumber.region_id, func.min(RegionNumber.number)).group_by(RegionNumber.region_id)
    dialed = dict(session.execute(numbers).tuples().all())
    places = []
    for region in regions:
        always = region.opens_at == time(0, 0) and region.closes_at >= time(23, 59)
        places.append(
            Place(
                id=region.id,
                code=region.code,
                zone=ZoneInfo(region.timezone),
                dialed=dialed.get(region.id) or next(iter(dialed.values()), ""),
                area_code=min((code.area_code for code in region.area_codes), default=None),
                opens=0 if always else _seconds(region.opens_at),
                closes=86400 if always else _seconds(region.closes_at),
                national=region.is_national,
            )
        )
    accounts: dict[int, list[Account]] = {}
    everyone: list[Account] = []
    rows = session.execute(
        select(
            Customer.id,
            Customer.region_id,
            Customer.payment_type,
            Customer.reading_window_start_day,
            Customer.reading_window_end_day,
            func.min(Meter.id),
        )
        .outerjoin(Meter, Meter.customer_id == Customer.id)
        .group_by(Customer.id)
        .order_by(Customer.id)
    )
    for customer_id, region_id, payment, first, last, meter_id in rows:
        account = Account(customer_id, meter_id, payment == POSTPAID, (first or WINDOW_DAYS[0], last or WINDOW_DAYS[1]))
        accounts.setdefault(region_id, []).append(account)
        everyone.append(account)
    stands = session.execute(select(Reading.meter_id, func.max(Reading.stand)).group_by(Reading.meter_id))
    return Known(
        places=places,
        weights=[REGION_WEIGHTS.get(place.code, OTHER_REGION_WEIGHT) for place in places],
        world=World(next((p for p in places if p.national), None), accounts, everyone),
        stands={meter: int(stand) for meter, stand in stands},
        tickets=set(session.scalars(select(Complaint.ticket_number))),
        references=set(session.scalars(select(Reading.reference))),
    )


# -- the calendar -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    counts: tuple[int, ...]  # per place
    hours: tuple[int, ...]  # per place: local hours before the horizon (24: the whole day)
    surge: frozenset[int]  # region ids with an outage that day


def plan_days(rng: random.Random, known: Known, calls: int, first: date, days: int, horizon: datetime) -> list[Day]:
    """Calls per day and region: weekday, season, region share and surges, adding up to `calls`."""
    local = [place.id for place in known.places if not place.national] or [place.id for place in known.places]
    surges: dict[date, set[int]] = {}
    for _ in range(max(1, round(days * SURGES_PER_YEAR / 365)) if days >= 7 else 0):
        surges.setdefault(first + timedelta(days=rng.randrange(days)), set()).add(rng.choice(local))
    factors = {day: rng.uniform(*SURGE_FACTOR) for day in surges}
    weights: list[float] = []
    plans: list[tuple[date, tuple[int, ...]]] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        season = 1 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)  # rains peak in January
        hours = tuple(_hours_before(day, place.zone, horizon) for place in known.places)
        plans.append((day, hours))
        for place, weight, open_hours in zip(known.places, known.weights, hours, strict=True):
            share = sum(HOUR_WEIGHTS[:open_hours]) / sum(HOUR_WEIGHTS)
            surge = factors[day] if place.id in surges.get(day, ()) else 1.0
            weights.append(WEEKDAY_WEIGHTS[day.weekday()] * season * weight * surge * share)
    counts = _apportion(calls, weights)
    width = len(known.places)
    return [
        Day(day, tuple(counts[i * width : (i + 1) * width]), hours, frozenset(surges.get(day, ())))
        for i, (day, hours) in enumerate(plans)
    ]


def _hours_before(day: date, zone: ZoneInfo, horizon: datetime) -> int:
    midnight = datetime.combine(day, time(), zone)
    return max(0, min(24, int((horizon - midnight).total_seconds() // 3600)))


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Whole numbers in proportion to `weights` that add up to `total` (largest remainder)."""
    whole = sum(weights)
    if not whole:
        raise HistoryError("no time left in the range to place calls in")
    shares = [total * weight / whole for weight in weights]
    counts = [int(share) for share in shares]
    for i in sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))[: total - sum(counts)]:
        counts[i] += 1
    return counts


def call_starts(rng: random.Random, known: Known, day: Day) -> list[tuple[int, int, int]]:
    """(UTC epoch, place index, seconds after local midnight) of the day's calls, in time order."""
    starts = []
    for index, (place, count) in enumerate(zip(known.places, day.counts, strict=True)):
        if count:
            midnight = int(datetime.combine(day.day, time(), place.zone).timestamp())
            hours = day.hours[index]
            for hour in rng.choices(range(hours), weights=HOUR_WEIGHTS[:hours], k=count):
                local = hour * 3600 + int(rng.random() * 3600)
                starts.append((midnight + local, index, local))
    starts.sort()
    return starts


def caller_number(rng: random.Random, place: Place, pool: int) -> str:
    """A plausible E.164 number, drawn skewed from the region's callers so some call often."""
    index = int(pool * rng.random() ** 1.6)
    salt = place.id * 7_919_177
    if place.area_code and index % 7 == 0:
        digits = 8 if len(place.area_code) == 2 else 6
        return f"+62{place.area_code}{(index * 48271 + salt) % 10**digits:0{digits}d}"
    prefix = MOBILE_PREFIXES[index % len(MOBILE_PREFIXES)]
    return f"+62{prefix}{(index * 2654435761 + salt) % 10**8:08d}"
