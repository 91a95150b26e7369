"""A realistic synthetic call history, for the demo and for measuring the statistics at scale.

Calls are spread over days and regions with a daily rhythm on each region's own clock, a weekly
rhythm, a rainy-season swell and a few outage surges (one region, three to five times the calls).
Each call is a random walk over the real flow graph (ivr/stats/synthetic_walk.py); its row carries
the facts, the derived outcome and the flows it reached, and the complaints, readings and callback
requests it made are written too. Ids are assigned here so events need no round trip; rows go in
by COPY on PostgreSQL (from a thread, while the next batch is generated) and by batched inserts
elsewhere, and the rollups are rebuilt at the end. Run it on a quiet database: live calls would
race for the ids.
"""

from __future__ import annotations

import math
import random
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Call, Complaint, Customer, Meter, Reading, Region, RegionNumber
from db.models.customers import POSTPAID
from db.references import COMPLAINT_PREFIX, READING_PREFIX, REFERENCE_LENGTH
from ivr.calls.flows import join_flows
from ivr.calls.outcome import derive_outcome
from ivr.config import Settings
from ivr.engine.model import FlowSet
from ivr.stats import rollup
from ivr.stats.synthetic_graph import compile_graph
from ivr.stats.synthetic_load import (
    TABLES,
    Batch,
    CopyWriter,
    InsertWriter,
    bump_sequences,
    next_ids,
)
from ivr.stats.synthetic_walk import HOUR_WEIGHTS, Account, Journey, Place, Walker, World

SID_PREFIX = "CAsyn"  # every synthetic CallSid (and agent leg) starts with this
BATCH_CALLS = 5000
Progress = Callable[[int, int], None]

WEEKDAY_WEIGHTS = (1.12, 1.04, 1.0, 1.0, 0.96, 0.72, 0.6)  # Monday first
REGION_WEIGHTS = {"NASIONAL": 14, "BEKASI": 30, "CIKARANG": 18, "KUPANG": 12, "JAYAPURA": 8, "DENPASAR": 18}
OTHER_REGION_WEIGHT = 12.0
SURGES_PER_YEAR = 10
SURGE_FACTOR = (3.0, 5.0)
MOBILE_PREFIXES = ("812", "813", "821", "852", "857", "878", "896", "815")
WINDOW_DAYS = (22, 27)  # reading window for customers without their own
RESOLVED_NOTE = "Sudah ditangani petugas; pelanggan telah dihubungi."
WORKING_NOTE = "Petugas pelayanan teknik sedang menuju lokasi."


@dataclass(frozen=True)
class HistorySummary:
    """What one generation wrote, and how long it took."""

    calls: int
    events: int
    complaints: int
    readings: int
    callbacks: int
    first_day: date
    last_day: date
    seconds: float  # all of it, rebuilding the rollups included
    rollup_seconds: float

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


class HistoryError(ValueError):
    """The history cannot be generated as asked (no regions, nothing to generate)."""


def default_flows() -> FlowSet:
    """The flows the app loads with default settings, checked against prompts and services."""
    from ivr.app import build_engine
    from ivr.services import build_registry

    return build_engine(Settings(), build_registry()).flows


# -- what is in the database already ----------------------------------------------------------


@dataclass
class _Known:
    places: list[Place]
    weights: list[float]
    world: World
    stands: dict[int, int]  # meter id -> last stand read
    tickets: set[str]
    references: set[str]


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60


def _load(session: Session) -> _Known:
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
    return _Known(
        places=places,
        weights=[REGION_WEIGHTS.get(place.code, OTHER_REGION_WEIGHT) for place in places],
        world=World(next((p for p in places if p.national), None), accounts, everyone),
        stands={meter: int(stand) for meter, stand in stands},
        tickets=set(session.scalars(select(Complaint.ticket_number))),
        references=set(session.scalars(select(Reading.reference))),
    )


# -- the calendar -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Day:
    day: date
    counts: tuple[int, ...]  # per place
    hours: tuple[int, ...]  # per place: local hours before the horizon (24: the whole day)
    surge: frozenset[int]  # region ids with an outage that day


def _plan(rng: random.Random, known: _Known, calls: int, first: date, days: int, horizon: datetime) -> list[_Day]:
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
        _Day(day, tuple(counts[i * width : (i + 1) * width]), hours, frozenset(surges.get(day, ())))
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


def _starts(rng: random.Random, known: _Known, day: _Day) -> list[tuple[int, int, int]]:
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


def _caller(rng: random.Random, place: Place, pool: int) -> str:
    """A plausible E.164 number, drawn skewed from the region's callers so some call often."""
    index = int(pool * rng.random() ** 1.6)
    salt = place.id * 7_919_177
    if place.area_code and index % 7 == 0:
        digits = 8 if len(place.area_code) == 2 else 6
        return f"+62{place.area_code}{(index * 48271 + salt) % 10**digits:0{digits}d}"
    prefix = MOBILE_PREFIXES[index % len(MOBILE_PREFIXES)]
    return f"+62{prefix}{(index * 2654435761 + salt) % 10**8:08d}"


# -- rows -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Facts:
    """The Call columns derive_outcome reads; it reads nothing else, so this stands in for a row."""

    ended_at: datetime | None
    answered_at: datetime | None
    callback_requested_at: datetime | None
    queued_at: datetime | None
    direct_transfer: str | None
    self_served: bool
    had_error: bool
    ivr_hung_up: bool


class _Rows:
    """Turns journeys into rows, numbering calls, events and readings itself."""

    def __init__(self, rng: random.Random, known: _Known, ids: dict[str, int], horizon: datetime) -> None:
        self.rng, self.known, self.ids, self.horizon = rng, known, ids, horizon
        self.batch = self._empty()
        self.readings: list[list[Any]] = []  # kept to the end: a later reading may replace one
        self.latest: dict[tuple[int, date], int] = {}  # (meter, period) -> index in self.readings
        self.counts = dict.fromkeys(TABLES, 0)

    @staticmethod
    def _empty() -> Batch:
        return Batch([], [], {"callback_requests": [], "complaints": []})

    def add(self, place: Place, caller: str, started: datetime, j: Journey) -> None:
        call_id, first_event = self.ids["calls"], self.ids["call_events"]
        self.ids["calls"] += 1
        self.ids["call_events"] += len(j.events)
        sid = f"{SID_PREFIX}{call_id:029x}"

        def at(offset: int | None) -> datetime | None:
            return None if offset is None else started + timedelta(seconds=offset)

        facts = _Facts(
            at(j.end), at(j.answered_at), at(j.callback_at), at(j.queued_at), j.direct_transfer,
            j.served, j.had_error, j.ivr_hung_up,
        )  # fmt: skip
        outcome = derive_outcome(cast(Call, facts))
        self.batch.calls.append(
            (call_id, sid, "voice", caller, "phone", place.dialed, place.id, "dialed", j.language,
             started, facts.ended_at, j.end, "completed", outcome, j.last_node, j.served,
             j.ivr_hung_up, j.had_error, j.direct_transfer, j.queue_name, facts.queued_at, at(j.queue_entered_at),
             j.queue_seconds, j.overflowed, facts.answered_at, j.agent_call_sid, facts.callback_requested_at, False,
             join_flows("", j.reached), join_flows("", j.completed))
        )  # fmt: skip
        self.batch.events.append((call_id, first_event, started, j.events))
        if j.callback is not None:
            self._callback(call_id, sid, place, j, cast(datetime, facts.callback_requested_at))
        for offset, category, customer, number, urgent, recording in j.complaints:
            created = started + timedelta(seconds=offset)
            self._complaint(sid, place, created, (category, customer, number, urgent, recording))
        for offset, meter, status, flag in j.readings:
            self._reading(sid, place, started + timedelta(seconds=offset), meter, status, flag)

    def _callback(self, call_id: int, sid: str, place: Place, j: Journey, asked: datetime) -> None:
        number, reason, path = cast(tuple[str, str, list[str]], j.callback)
        done = asked + timedelta(seconds=600 + int(self.rng.expovariate(1 / 7200)))
        fulfilled = done if done <= self.horizon and self.rng.random() < 0.92 else None
        self.batch.rows["callback_requests"].append(
            (call_id, sid, place.id, number, reason[:16], j.language, path, "done" if fulfilled else "open", asked,
             fulfilled)
        )  # fmt: skip

    def _complaint(self, sid: str, place: Place, created: datetime, made: tuple[Any, ...]) -> None:
        category, customer, number, urgent, recording = made
        typical = 3 if urgent else 10 if category in ("no_power", "outage_area") else 60
        hours = 1 + self.rng.expovariate(1 / typical)
        resolved, touched = created + timedelta(hours=hours), created + timedelta(hours=hours / 3)
        if resolved <= self.horizon and self.rng.random() < 0.97:
            status, updated, note, resolved_at = "resolved", resolved, RESOLVED_NOTE, resolved
        elif touched <= self.horizon:
            status, updated, note, resolved_at = "in_progress", touched, WORKING_NOTE, None
        else:
            status, updated, note, resolved_at = "open", created, None, None
        ticket = self._unique(self.known.tickets, COMPLAINT_PREFIX)
        self.batch.rows["complaints"].append(
            (ticket, category, urgent, status, customer, place.id, number, recording, sid, note, created, updated,
             resolved_at)
        )  # fmt: skip

    def _reading(self, sid: str, place: Place, moment: datetime, meter: int, status: str, flag: str | None) -> None:
        period = moment.astimezone(place.zone).date().replace(day=1)
        last = self.known.stands.get(meter) or 1000 + int(self.rng.random() * 20000)
        if flag == "lower_than_last_accepted":
            stand = last - 5 - int(self.rng.random() * 75)
        else:
            stand = last + 60 + int(self.rng.random() * 360) + (3000 if flag else 0)
        if status == "accepted":
            self.known.stands[meter] = stand
        reading_id = self.ids["readings"]
        self.ids["readings"] += 1
        earlier = self.latest.get((meter, period))
        if earlier is not None:
            self.readings[earlier][5] = "replaced"
        self.latest[(meter, period)] = len(self.readings)
        replaces = self.readings[earlier][0] if earlier is not None else None
        reference = self._unique(self.known.references, READING_PREFIX)
        self.readings.append([reading_id, reference, meter, period, stand, status, "ivr", flag, sid, replaces, moment])

    def _unique(self, taken: set[str], prefix: str) -> str:
        digits = REFERENCE_LENGTH - len(prefix)
        while True:
            candidate = f"{prefix}{self.rng.randrange(10**digits):0{digits}d}"
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    def take(self, final: bool = False) -> Batch:
        """The rows gathered since the last take (readings only at the end)."""
        batch, self.batch = self.batch, self._empty()
        if final:
            batch.rows["readings"] = [tuple(row) for row in self.readings]
        self.counts["calls"] += len(batch.calls)
        self.counts["call_events"] += sum(len(block[3]) for block in batch.events)
        for name, rows in batch.rows.items():
            self.counts[name] += len(rows)
        return batch


# -- writing ----------------------------------------------------------------------------------


def generate_history(
    session: Session,
    *,
    calls: int,
    days: int,
    end: date,
    seed: int,
    progress: Progress | None = None,
    flows: FlowSet | None = None,
    not_after: datetime | None = None,
) -> HistorySummary:
    """Write `calls` ended calls over the `days` local days up to `end`, then rebuild the rollups.

    The same seed, arguments and starting database give the same rows. `progress(written, calls)`
    is called as batches are written. `not_after` (default: the end of `end`) keeps calls from
    starting in the future when the history ends today.
    """
    if calls < 1 or days < 1:
        raise HistoryError("calls and days must be at least 1")
    began = clock.perf_counter()
    rng = random.Random(seed)
    flows = flows or default_flows()
    known = _load(session)
    first = end - timedelta(days=days - 1)
    horizon = not_after or datetime.combine(end + timedelta(days=1), time(), UTC)
    plan = _plan(rng, known, calls, first, days, horizon)
    walker = Walker(rng, compile_graph(flows), (flows.entry, flows.flows[flows.entry].start), known.world)
    rows = _Rows(rng, known, next_ids(session), horizon)
    pools = [max(50, int(calls * weight / sum(known.weights) / 3)) for weight in known.weights]
    postgres = session.get_bind().dialect.name == "postgresql"
    writer: CopyWriter | InsertWriter = CopyWriter(session) if postgres else InsertWriter(session)
    failed, done = True, 0
    try:
        for day in plan:
            for epoch, index, local in _starts(rng, known, day):
                place = known.places[index]
                caller = _caller(rng, place, pools[index])
                journey = walker.walk(place, caller, local, place.id in day.surge, day.day.day)
                rows.add(place, caller, datetime.fromtimestamp(epoch, UTC), journey)
                done += 1
                if done % BATCH_CALLS == 0:
                    writer.put(rows.take())
                    if progress is not None:
                        progress(done, calls)
        writer.put(rows.take(final=True))
        failed = False
    finally:
        writer.close(failed)
    if progress is not None and done % BATCH_CALLS:
        progress(done, calls)
    bump_sequences(session)
    rebuilding = clock.perf_counter()
    rollup.rebuild(session)
    rebuilt = clock.perf_counter()
    return HistorySummary(
        calls=rows.counts["calls"],
        events=rows.counts["call_events"],
        complaints=rows.counts["complaints"],
        readings=rows.counts["readings"],
        callbacks=rows.counts["callback_requests"],
        first_day=first,
        last_day=end,
        seconds=rebuilt - began,
        rollup_seconds=rebuilt - rebuilding,
    )
