"""A realistic synthetic call history, for the demo and for measuring the statistics at scale.

Calls are spread over days and regions with a daily rhythm on each region's own clock, a weekly
rhythm, a rainy-season swell and a few outage surges (one region, three to five times the calls).
Each call is a random walk over the real flow graph (ivr/demo/walk.py); its row carries
the facts, the derived outcome and the flows it reached, and the complaints, readings and callback
requests it made are written too. Ids are assigned here so events need no round trip; rows go in
by COPY on PostgreSQL (from a thread, while the next batch is generated) and by batched inserts
elsewhere, and the rollups are rebuilt at the end. Run it on a quiet database: live calls would
race for the ids.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from ivr.demo.bulk import (
    CopyWriter,
    InsertWriter,
    bump_sequences,
    next_ids,
)
from ivr.demo.graph import compile_graph
from ivr.demo.plan import HistoryError, call_starts, caller_number, load_known, plan_days
from ivr.demo.rows import SID_PREFIX, Rows
from ivr.demo.walk import Walker
from ivr.engine.model import FlowSet
from ivr.stats import rollup

__all__ = ["SID_PREFIX", "HistoryError", "HistorySummary", "Progress", "generate_history"]

BATCH_CALLS = 5000
Progress = Callable[[int, int], None]


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


# -- writing ----------------------------------------------------------------------------------


def generate_history(
    session: Session,
    *,
    calls: int,
    days: int,
    end: date,
    seed: int,
    progress: Progress | None = None,
    flows: FlowSet,
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
    known = load_known(session)
    first = end - timedelta(days=days - 1)
    horizon = not_after or datetime.combine(end + timedelta(days=1), time(), UTC)
    plan = plan_days(rng, known, calls, first, days, horizon)
    walker = Walker(rng, compile_graph(flows), (flows.entry, flows.flows[flows.entry].start), known.world)
    rows = Rows(rng, known, next_ids(session), horizon)
    pools = [max(50, int(calls * weight / sum(known.weights) / 3)) for weight in known.weights]
    postgres = session.get_bind().dialect.name == "postgresql"
    writer: CopyWriter | InsertWriter = CopyWriter(session) if postgres else InsertWriter(session)
    failed, done = True, 0
    try:
        for day in plan:
            for epoch, index, local in call_starts(rng, known, day):
                place = known.places[index]
                caller = caller_number(rng, place, pools[index])
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
