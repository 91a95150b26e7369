"""Engine and session factory: one per app, one unit of work per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ResourceClosedError
from sqlalchemy.orm import Session, sessionmaker


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# Heroku-style and plain PostgreSQL URLs name no driver (or a name SQLAlchemy no longer knows);
# this service talks to PostgreSQL through psycopg 3 only.
_DRIVERLESS_POSTGRES = ("postgres://", "postgresql://")
PSYCOPG_SCHEME = "postgresql+psycopg://"


def driver_url(url: str) -> str:
    """The URL with the psycopg 3 driver named: `postgres://` and `postgresql://` mean psycopg here."""
    for prefix in _DRIVERLESS_POSTGRES:
        if url.startswith(prefix):
            return PSYCOPG_SCHEME + url[len(prefix) :]
    return url


def make_engine(url: str, *, autocommit: bool = False) -> Engine:
    """Create an engine tuned for the backend: WAL SQLite file or pooled PostgreSQL.

    `autocommit`: every statement commits on its own, and a connection handed back to the pool
    is not rolled back (there is nothing to roll back): for writes that are one statement.
    """
    parsed = make_url(driver_url(url))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 5})
        event.listen(engine, "connect", _enable_sqlite_pragmas)
        return engine
    # No ping before each checkout (one more round trip and transaction per webhook): a connection
    # the server dropped fails its first statement, SQLAlchemy then discards every pooled one, and
    # the conversation core runs that turn again (ivr/conversations/core.py).
    options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None} if autocommit else {}
    return create_engine(
        parsed,
        pool_size=5,
        max_overflow=5,
        pool_timeout=3,
        connect_args={"connect_timeout": 3},
        **options,
    )


def insert_for(session: Session) -> Any:
    """The INSERT construct of the session's dialect, the one that knows ON CONFLICT."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def driver_connection(connection: Connection) -> Any:
    """The driver's own connection under `connection` (psycopg's on PostgreSQL, sqlite3's on SQLite)."""
    driver = connection.connection.driver_connection
    if driver is None:  # only once the pool has detached or invalidated it
        raise ResourceClosedError("the connection has no driver connection (invalidated or detached)")
    return driver


class Database:
    """Owns the engine and hands out sessions; nothing connects until first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._autocommit: Engine | None = None

    def new_session(self) -> Session:
        """A session the caller commits (or not) and closes; it connects on first use."""
        return self._sessions()

    @property
    def single_statement_writes(self) -> bool:
        """Whether a write of one statement may run on its own, committed alone (PostgreSQL)."""
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits once on success, rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection in one transaction: commits once on success, rolls back on any error."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A Core connection whose every statement commits on its own (for writes that are one statement).

        From a pool of its own, made on first use: switching a pooled connection to autocommit and
        back on every use costs as much as the statement's own client-side work.
        """
        if self._autocommit is None:
            self._autocommit = make_engine(self.url, autocommit=True)
        with self._autocommit.connect() as connection:
            yield connection

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        if self._autocommit is not None:
            self._autocommit.dispose()
