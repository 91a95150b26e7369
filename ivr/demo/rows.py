"""Journeys turned into rows: calls, events, complaints, readings and callback requests, numbered here
so that events need no round trip to the database."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from db.references import COMPLAINT_PREFIX, READING_PREFIX, REFERENCE_LENGTH
from ivr.calls.flows import join_flows
from ivr.calls.modes import format_modes
from ivr.calls.outcome import derive_outcome
from ivr.demo.bulk import (
    TABLES,
    Batch,
)
from ivr.demo.journey import Journey, Place
from ivr.demo.plan import Known

SID_PREFIX = "CAsyn"  # every synthetic CallSid (and agent leg) starts with this
RESOLVED_NOTE = "Sudah ditangani petugas; pelanggan telah dihubungi."
WORKING_NOTE = "Petugas pelayanan teknik sedang menuju lokasi."

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


class Rows:
    """Turns journeys into rows, numbering calls, events and readings itself."""

    def __init__(self, rng: random.Random, known: Known, ids: dict[str, int], horizon: datetime) -> None:
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
        outcome = derive_outcome(facts)
        self.batch.calls.append(
            (call_id, sid, "voice", caller, "phone", place.dialed, place.id, "dialed", j.language,
             started, facts.ended_at, j.end, "completed", outcome, j.last_node, j.served,
             j.ivr_hung_up, j.had_error, j.direct_transfer, j.queue_name, facts.queued_at, at(j.queue_entered_at),
             j.queue_seconds, j.overflowed, facts.answered_at, j.agent_call_sid, facts.callback_requested_at, False,
             join_flows("", j.reached), join_flows("", j.completed), format_modes(j.modes))
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
