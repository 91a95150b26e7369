"""What one call costs on an empty database and on one holding a long history, timed in turn.

bench/stats.py fills a database with a synthetic year; these time, alternately against it and a
freshly seeded one so both see the same machine load, the per-call work whose cost must not
grow with history: writing a call as the webhooks do (the call writer), and what a caller asking for
an agent costs the database (their place in the queue and the expected wait, as
`ivr.services.agents` works them out).
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from db.models import Call
from db.session import Database
from ivr.calls.records import CallFacts
from ivr.calls.row import CallRow, RowChange
from ivr.calls.writer import CallWriter
from ivr.conversations.model import Conversation
from ivr.engine.model import Event
from ivr.engine.state import ConversationState
from ivr.queues import policy
from ivr.stats import rollup

DEFAULT_ANSWER_SECONDS = 60


@dataclass(frozen=True)
class Comparison:
    """One kind of per-call work, in ms, on the empty database and on the full one."""

    work: str
    empty: list[float]
    full: list[float]

    def lines(self, history: str) -> list[str]:
        empty_ms, full_ms = statistics.median(self.empty), statistics.median(self.full)
        empty_p95, full_p95 = (statistics.quantiles(times, n=20)[-1] for times in (self.empty, self.full))
        return [
            f"{self.work}, {len(self.empty)} on each, alternating:",
            f"  empty database     {empty_ms:7.2f} ms median   p95 {empty_p95:7.2f} ms",
            f"  {history:>9} calls    {full_ms:7.2f} ms median   p95 {full_p95:7.2f} ms",
            f"  ratio              {full_ms / empty_ms:7.2f} x",
        ]


def write_call(database: Database, writer: CallWriter, region_id: int) -> float:
    """Ms to write one call through the call writer as the webhooks do: its start, one step, the status callback."""
    now = datetime.now(UTC)
    facts = CallFacts(
        f"CAbench{uuid.uuid4().hex}", "+6281234567890", "phone", "+62218850123", region_id, "dialed", "id", now
    )
    call = Conversation(facts=facts, state=ConversationState("main_menu", "menu", "id"))
    started = time.perf_counter()
    call.add_events(
        [
            Event("call_started", None, None, {}),
            Event("node", "main_menu", "welcome"),
            Event("node", "main_menu", "menu"),
        ],
        now,
    )
    persist(database, writer, call)
    call.state.move_to("information", "no_maintenance")
    call.add_events(
        [
            Event("input", "main_menu", "menu", {"digits": "7"}),
            Event("node", "information", "choose"),
            Event("input", "information", "choose", {"digits": "2"}),
            Event("node", "information", "maintenance"),
            Event("node", "information", "no_maintenance"),
            Event("served", "information", "no_maintenance"),
        ],
        now,
    )
    call.served = True
    persist(database, writer, call)
    call.add_events([Event("call_ended", "information", "no_maintenance", {"status": "completed"})], now)

    def close(row: CallRow) -> None:
        row.ended_at, row.final_status, row.duration_seconds = now + timedelta(seconds=40), "completed", 40

    persist(database, writer, call, close)
    return (time.perf_counter() - started) * 1000


def persist(database: Database, writer: CallWriter, call: Conversation, change: RowChange | None = None) -> None:
    """One webhook's unit of work for the call."""
    with database.transaction() as connection:
        writer.write(connection, call, change)
    call.pending.clear()


def rollups(database: Database) -> CallWriter:
    """A writer that keeps the rollups as the app's does, with the zones read once."""
    with database.session() as session:
        zones = rollup.Zones.load(session)
    return CallWriter(observe=lambda connection, before, after: rollup.account(connection, before, after, zones))


def queue_lookup(database: Database, queue: str) -> float:
    """Ms for a caller asking for an agent: how many wait before them, and how fast the queue moves."""
    started = time.perf_counter()
    with database.session() as session:
        position = policy.waiting_count(session, queue) + 1
        policy.estimate_wait(session, queue, position, datetime.now(UTC), DEFAULT_ANSWER_SECONDS)
    return (time.perf_counter() - started) * 1000


def busiest_queue(database: Database) -> str:
    """The queue with the most calls in the history: where a lookup could cost the most."""
    with database.session() as session:
        name = session.scalar(
            select(Call.queue_name)
            .where(Call.queue_name.is_not(None))
            .group_by(Call.queue_name)
            .order_by(func.count().desc())
            .limit(1)
        )
    return name or policy.NATIONAL_QUEUE


def compare(empty: Database, full: Database, region_id: int, count: int) -> list[Comparison]:
    """Each kind of work `count` times on each database, in turn, after one warm-up each."""
    queue = busiest_queue(full)
    writers = {database: rollups(database) for database in (empty, full)}

    def writing(database: Database) -> float:
        return write_call(database, writers[database], region_id)

    def asking(database: Database) -> float:
        return queue_lookup(database, queue)

    kinds: dict[str, Callable[[Database], float]] = {
        "writing one call (start, a step, the status callback: 3 units of work)": writing,
        f"a caller asking for an agent (place in queue {queue}, expected wait)": asking,
    }
    comparisons = []
    for work, timed in kinds.items():
        for database in (empty, full):  # warm-up: connections, statement caches
            timed(database)
        times: dict[Database, list[float]] = {empty: [], full: []}
        for _ in range(count):
            for database in (empty, full):
                times[database].append(timed(database))
        comparisons.append(Comparison(work, times[empty], times[full]))
    return comparisons
