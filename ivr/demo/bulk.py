"""How synthetic rows reach the database: COPY on PostgreSQL (from a thread, while the next batch
is generated), batched inserts elsewhere; ids are assigned by the generator, sequences bumped after.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from queue import Queue
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from db.models import Call, CallbackRequest, CallEvent, Complaint, Reading
from db.session import driver_connection
from ivr.demo.journey import Event

CALL_COLUMNS = (
    "id", "call_sid", "channel", "caller", "caller_kind", "dialed", "region_id", "routed_by", "language",
    "started_at", "ended_at", "duration_seconds", "final_status", "outcome", "last_node", "self_served",
    "ivr_hung_up", "had_error", "direct_transfer", "queue_name", "queued_at", "queue_entered_at", "queue_seconds",
    "overflowed", "answered_at", "agent_call_sid", "callback_requested_at", "closed_by_sweep", "flows_reached",
    "flows_completed", "input_modes",
)  # fmt: skip
EVENT_COLUMNS = ("id", "call_id", "seq", "at", "kind", "flow", "node", "detail")
CALLBACK_COLUMNS = (
    "call_id", "call_sid", "region_id", "number", "reason", "language", "menu_path", "status", "requested_at",
    "fulfilled_at",
)  # fmt: skip
COMPLAINT_COLUMNS = (
    "ticket_number", "category", "urgent", "status", "customer_id", "region_id", "callback_number", "recording_url",
    "call_sid", "last_note", "created_at", "updated_at", "resolved_at",
)  # fmt: skip
READING_COLUMNS = (
    "id", "reference", "meter_id", "period", "stand", "status", "source", "flag_reason", "call_sid", "replaces_id",
    "submitted_at",
)  # fmt: skip
TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "calls": (Call.__table__, CALL_COLUMNS),
    "call_events": (CallEvent.__table__, EVENT_COLUMNS),
    "callback_requests": (CallbackRequest.__table__, CALLBACK_COLUMNS),
    "complaints": (Complaint.__table__, COMPLAINT_COLUMNS),
    "readings": (Reading.__table__, READING_COLUMNS),
}
EventBlock = tuple[int, int, datetime, list[Event]]  # call id, first event id, call start, events


@dataclass
class Batch:
    calls: list[tuple[Any, ...]]
    events: list[EventBlock]
    rows: dict[str, list[tuple[Any, ...]]]  # callback_requests, complaints, readings


NULL = "\\N"


def _copy_value(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value)
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _copy_rows(rows: list[tuple[Any, ...]]) -> str:
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)


def _copy_events(blocks: list[EventBlock]) -> str:
    """Events are most of the volume, so they skip the per-value path (their text needs no escaping)."""
    lines = []
    for call_id, first, started, events in blocks:
        stamps: dict[int, str] = {}
        for seq, (offset, kind, flow, node, detail) in enumerate(events, 1):
            stamp = stamps.get(offset)
            if stamp is None:
                stamp = stamps[offset] = (started + timedelta(seconds=offset)).isoformat()
            lines.append(
                f"{first + seq - 1}\t{call_id}\t{seq}\t{stamp}\t{kind}\t{flow or NULL}\t{node or NULL}\t{detail}\n"
            )
    return "".join(lines)


class InsertWriter:
    """Batched executemany inserts through SQLAlchemy Core: any database, fine for small histories."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, batch: Batch) -> None:
        self._insert("calls", batch.calls)
        events = [
            (first + seq - 1, call_id, seq, started + timedelta(seconds=offset), kind, flow, node, json.loads(detail))
            for call_id, first, started, block in batch.events
            for seq, (offset, kind, flow, node, detail) in enumerate(block, 1)
        ]
        self._insert("call_events", events)
        for name, rows in batch.rows.items():
            self._insert(name, rows)

    def _insert(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            table, columns = TABLES[name]
            self.session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])

    def close(self, failed: bool = False) -> None:
        """Nothing is left in flight."""


class CopyWriter:
    """PostgreSQL: a thread sends each batch by COPY while the next one is generated (same connection).

    When the role may, the load skips the foreign-key triggers (session_replication_role = replica,
    for this transaction only, as pg_restore --disable-triggers does): every event's call is in the
    same load, numbered here, so the checks would only cost time.
    """

    def __init__(self, session: Session) -> None:
        self.cursor = driver_connection(session.connection()).cursor()
        self.cursor.execute("SHOW is_superuser")
        self.unchecked = self.cursor.fetchone()[0] == "on"
        if self.unchecked:
            self.cursor.execute("SET LOCAL session_replication_role = replica")
        self.queue: Queue[list[tuple[str, str]] | None] = Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="synthetic-copy", daemon=True)
        self.thread.start()

    def put(self, batch: Batch) -> None:
        """Format here (Python holds the GIL either way); the thread only waits on the server."""
        if self.failure is not None:
            raise self.failure
        texts = [("calls", _copy_rows(batch.calls)), ("call_events", _copy_events(batch.events))]
        texts += [(name, _copy_rows(rows)) for name, rows in batch.rows.items() if rows]
        self.queue.put(texts)

    def _run(self) -> None:
        while (texts := self.queue.get()) is not None:
            if self.failure is not None:
                continue
            try:
                for name, data in texts:
                    with self.cursor.copy(f"COPY {name} ({', '.join(TABLES[name][1])}) FROM STDIN") as copy:
                        copy.write(data)
            except BaseException as exc:  # handed to the generating thread
                self.failure = exc

    def close(self, failed: bool = False) -> None:
        """Wait for the last batch; raise what the thread met (unless already failing)."""
        self.queue.put(None)
        self.thread.join()
        if self.failure is not None and not failed:
            raise self.failure
        if self.unchecked and not failed:
            self.cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def next_ids(session: Session) -> dict[str, int]:
    return {
        name: (session.scalar(select(func.max(TABLES[name][0].c.id))) or 0) + 1
        for name in ("calls", "call_events", "readings")
    }


def bump_sequences(session: Session) -> None:
    """Ids were given here; the sequences must continue after them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in TABLES:
        sequence = f"pg_get_serial_sequence('{name}', 'id')"
        session.execute(text(f"SELECT setval({sequence}, (SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"))


# -- the whole history ------------------------------------------------------------------------
