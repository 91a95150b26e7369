"""Take the database or Redis away from a running app, as an outage would, and give it back."""

from __future__ import annotations

from flask import Flask

from db.session import Database
from ivr.extensions import runtime

DEAD_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def break_database(app: Flask) -> Database:
    """Point the app at a database port nobody listens on; returns the working one."""
    rt = runtime(app)
    working = rt.database
    rt.voice.records.database = rt.messaging.records.database = rt.database = Database(DEAD_POSTGRES)
    return working


def restore_database(app: Flask, working: Database) -> None:
    rt = runtime(app)
    rt.database.dispose()
    rt.voice.records.database = rt.messaging.records.database = rt.database = working
