"""A menu turn, or a new call, written in one statement on PostgreSQL: one round trip, committed alone.

A data-modifying WITH updates (or inserts) the call's row and inserts the turn's events, so the
statement needs no transaction around it and runs on a connection in autocommit. These are the
hottest statements of the service (one per menu webhook), so they go to the driver (psycopg)
directly: SQLAlchemy's statement and result handling cost more CPU than the statement's own
client-side work (0.46 against 0.26 ms in a micro-benchmark on the reference machine). The
SQL is written once, beside the portable statements it combines (ivr/calls/records.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from db.session import driver_connection
from ivr.calls.records import (
    FACT_PARAMETERS,
    INSERT_CALL,
    OUTCOME_FACTS,
    CallFacts,
    RowState,
    opening_values,
    row_values,
)


def available(connection: Connection) -> bool:
    """Whether this connection's database writes a turn in one statement (PostgreSQL through psycopg)."""
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def _driver_style(sql: str) -> str:
    """`:name` placeholders (the portable statements' style) as psycopg's `%(name)s`."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


# The turn's events as one JSON parameter (as the conversation keeps them): one parameter to adapt
# instead of six per event, and one statement text (prepared once) whatever the count.
_GIVEN_EVENTS = (
    "json_to_recordset(%(events)s::json)"
    " AS given (seq integer, at timestamptz, kind text, flow text, node text, detail json)"
)


@cache
def _advance(facts: bool) -> str:
    sets = ", ".join(
        f"{column} = ({column} OR %({parameter})s)" if monotone else f"{column} = %({parameter})s"
        for column, parameter, monotone in FACT_PARAMETERS
    )
    returned = ", ".join((*OUTCOME_FACTS, "outcome")) if facts else "id"
    return (
        f"WITH advanced AS (UPDATE calls SET {sets} WHERE id = %(row_id)s AND ended_at IS NULL RETURNING {returned}),"
        " added AS (INSERT INTO call_events (call_id, seq, at, kind, flow, node, detail)"
        f" SELECT %(row_id)s, seq, at, kind, flow, node, detail FROM {_GIVEN_EVENTS}"
        " WHERE EXISTS (SELECT 1 FROM advanced) ON CONFLICT (call_id, seq) DO NOTHING)"
        " SELECT * FROM advanced"
    )


_OPEN = (
    f"WITH opened AS ({_driver_style(INSERT_CALL)}),"
    " added AS (INSERT INTO call_events (call_id, seq, at, kind, flow, node, detail)"
    f" SELECT opened.id, seq, at, kind, flow, node, detail FROM opened, {_GIVEN_EVENTS})"
    " SELECT id FROM opened"
)


def advance_with_events(
    connection: Connection, call_id: int, state: RowState, events: Sequence[Mapping[str, Any]], *, facts: bool = True
) -> Any:
    """The row's menu-turn UPDATE and the events' INSERT in one statement; None when the call has ended.

    With `facts` the row returned carries the outcome's facts (records.OUTCOME_FACTS) and outcome,
    else only its id (for a turn that sets no fact the row lacks).
    """
    values = {"row_id": call_id, **row_values(state), "events": json.dumps(events, separators=(",", ":"))}
    return _fetch(connection, _advance(facts), values)


def open_with_events(
    connection: Connection, facts: CallFacts, state: RowState, outcome: str, events: Sequence[Mapping[str, Any]]
) -> int | None:
    """A call's first row and its first events in one statement; its id, or None if the row exists."""
    values = {**opening_values(facts, state, outcome), "events": json.dumps(events, separators=(",", ":"))}
    row = _fetch(connection, _OPEN, values)
    return None if row is None else int(row.id)


def _fetch(connection: Connection, sql: str, values: dict[str, Any]) -> Any:
    """Run one statement on the connection's driver; its first row. Driver errors surface as SQLAlchemy's,
    and a dropped connection is invalidated (SQLAlchemy then replaces the pool's connections)."""
    driver = driver_connection(connection)
    try:
        with driver.cursor(row_factory=namedtuple_row) as cursor:
            cursor.execute(sql, values)
            return cursor.fetchone()
    except psycopg.Error as exc:
        lost = isinstance(exc, psycopg.OperationalError) or driver.closed
        if lost:  # as SQLAlchemy does on a disconnect: this connection, and the pool's others, are replaced
            connection.invalidate(exc)
            connection.engine.dispose()
        raise DBAPIError(sql, None, exc, connection_invalidated=lost) from exc
