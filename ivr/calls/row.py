"""A call's row as plain data, read under a row lock, changed in Python, written back by column.

The rules that change a call (queued, answered, ended...) are Python functions of this object
(`RowChange`); `ivr/calls/outcome.py` derives the outcome from it and the statistics read it, the
same way they read an ORM `Call`. Reading and writing it costs two Core statements, with no ORM
unit of work around them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Update, bindparam, select, update

from db.models import Call

CALLS = Call.__table__


@dataclass
class CallRow:
    """Every column of `calls`, by its name."""

    id: int
    call_sid: str
    channel: str
    caller: str
    caller_kind: str
    dialed: str
    region_id: int | None
    routed_by: str
    language: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    final_status: str | None
    outcome: str
    last_node: str | None
    self_served: bool
    ivr_hung_up: bool
    had_error: bool
    direct_transfer: str | None
    queue_name: str | None
    queued_at: datetime | None
    queue_entered_at: datetime | None
    queue_seconds: int | None
    overflowed: bool
    urgent: bool
    answered_at: datetime | None
    agent_id: int | None
    agent_call_sid: str | None
    callback_requested_at: datetime | None
    closed_by_sweep: bool
    flows_reached: str
    flows_completed: str
    input_modes: str

    def copy(self) -> CallRow:
        return replace(self)

    def changed_since(self, before: CallRow) -> dict[str, Any]:
        """The columns whose value differs from `before`'s."""
        return {name: getattr(self, name) for name in _NAMES if getattr(self, name) != getattr(before, name)}


RowChange = Callable[[CallRow], None]

_NAMES = tuple(field.name for field in fields(CallRow))
_BY_SID = select(*(CALLS.c[name] for name in _NAMES)).where(CALLS.c.call_sid == bindparam("sid")).with_for_update()


def locked(connection: Connection, call_sid: str) -> CallRow | None:
    """The call's row, locked until the end of the transaction (PostgreSQL); None when there is none."""
    found = connection.execute(_BY_SID, {"sid": call_sid}).first()
    if found is None:
        return None
    values = dict(found._mapping)
    for flag in ("self_served", "ivr_hung_up", "had_error", "overflowed", "urgent", "closed_by_sweep"):
        values[flag] = bool(values[flag])
    values["flows_reached"] = values["flows_reached"] or ""
    values["flows_completed"] = values["flows_completed"] or ""
    values["input_modes"] = values["input_modes"] or ""
    return CallRow(**values)


def write_changes(connection: Connection, row: CallRow, before: CallRow) -> None:
    """UPDATE only the columns that changed (each set of columns is one cached statement)."""
    changed = row.changed_since(before)
    if changed:
        connection.execute(_update_of(tuple(sorted(changed))), {"row_id": row.id, **changed})


@cache
def _update_of(columns: tuple[str, ...]) -> Update:
    return update(CALLS).where(CALLS.c.id == bindparam("row_id")).values({name: bindparam(name) for name in columns})
