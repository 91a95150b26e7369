"""Take the database or Redis away from a running app, as an outage would, and give it back."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from db.session import Database
from ivr.extensions import runtime
from ivr.kv import StateStoreError, connect
from ivr.kv.scripts import LuaScript, ScriptCall
from ivr.live.redis_board import RedisLiveBoard
from ivr.state.redis_store import RedisStateStore

DEAD_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def break_database(app: Flask) -> Database:
    """Point the app at a database port nobody listens on; returns the working one."""
    rt = runtime(app)
    working = rt.database
    rt.core.database = Database(DEAD_POSTGRES)
    return working


def restore_database(app: Flask, working: Database) -> None:
    rt = runtime(app)
    rt.database.dispose()
    rt.core.database = working


def dead_store() -> RedisStateStore:
    """A call-state store (with its live board) on a port nobody listens on."""
    client = connect(DEAD_REDIS)
    return RedisStateStore(client, RedisLiveBoard(client, "dead"))


def break_state_store(app: Flask) -> None:
    """Every webhook of this app finds the call-state store down (the database still works)."""
    runtime(app).core.store = dead_store()


BROKEN_MOVE = LuaScript("broken", "return redis.error_reply('live board down')")


def unreadable_board_count(app: Flask, monkeypatch: pytest.MonkeyPatch, failure: Exception) -> None:
    """The live board's active call count cannot be read at call start (Redis: an error in the pipeline)."""
    board = runtime(app).live
    if isinstance(board, RedisLiveBoard):
        monkeypatch.setattr(board, "queue_active_count", lambda pipe: pipe.execute_command("SCARD"))  # wrong arity

    def broken() -> int:
        raise failure

    monkeypatch.setattr(board, "active_calls", broken)


def unreachable_board_moves(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every move of the live board fails, while the call-state store still saves (a blip of the board's)."""
    board = runtime(app).live
    if isinstance(board, RedisLiveBoard):
        monkeypatch.setattr(board, "script_call", lambda move: ScriptCall(BROKEN_MOVE, ("x",), ()))
        return

    def unreachable(*_args: object) -> None:
        raise StateStoreError("live board down")

    monkeypatch.setattr(board, "apply", unreachable)


def drop_database_connections(app: Flask) -> int:
    """What a database restart or failover does to the app's pooled connections: the server closes them.

    PostgreSQL only (pg_terminate_backend); returns how many were closed.
    """
    engine = runtime(app).database.engine
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    query = text(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = :name AND pid <> pg_backend_pid()"
    )
    try:
        with admin.connect() as connection:
            return int(connection.execute(query, {"name": engine.url.database}).scalar_one())
    finally:
        admin.dispose()
