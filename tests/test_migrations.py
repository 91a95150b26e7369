"""Models and migrations agree, and migrations go down and up again, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.migrate import downgrade, upgrade
from db.models import Base
from db.session import Database
from tests.support.backends import Backend


def _diff(database: Database) -> list:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_models_match_the_migrated_schema(backend: Backend) -> None:
    database = Database(backend.database_url)
    try:
        assert _diff(database) == []
    finally:
        database.dispose()


def test_migrations_downgrade_to_base_and_back(backend: Backend) -> None:
    database = Database(backend.database_url)
    try:
        downgrade(database.engine, "base")
        with database.engine.connect() as conn:
            tables = set(database.engine.dialect.get_table_names(conn))
        assert tables <= {"alembic_version"}
        upgrade(database.engine)
        assert _diff(database) == []
    finally:
        database.dispose()


def test_a_model_change_without_a_migration_is_detected(backend: Backend) -> None:
    """The check above must be able to fail: add a column to a copy of the metadata."""
    from sqlalchemy import Column, Integer, MetaData

    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["calls"].append_column(Column("unmigrated", Integer))
    database = Database(backend.database_url)
    try:
        with database.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert [op[0] for op in diff] == ["add_column"]
    finally:
        database.dispose()


def test_complaints_and_callbacks_take_the_channel_of_their_call(backend: Backend) -> None:
    """0005 backfills the new column from the calls; no call (an agent's ticket) stays voice."""
    from sqlalchemy import text

    database = Database(backend.database_url)
    try:
        downgrade(database.engine, "0004_stats")
        with database.engine.begin() as conn:
            for sid, channel in (("SMtext", "whatsapp"), ("CAvoice", "voice")):
                conn.execute(
                    text(
                        "INSERT INTO calls (call_sid, channel, caller, caller_kind, dialed, routed_by, language,"
                        " started_at, outcome) VALUES (:sid, :channel, '+6281234567890', 'phone', '123', 'national',"
                        " 'id', '2026-11-20 03:00:00', 'self_served')"
                    ),
                    {"sid": sid, "channel": channel},
                )
            for number, sid in (("3000000001", "SMtext"), ("3000000002", "CAvoice"), ("3000000003", None)):
                conn.execute(
                    text(
                        "INSERT INTO complaints (ticket_number, category, urgent, status, call_sid, created_at,"
                        " updated_at) VALUES (:number, 'other', false, 'open', :sid, '2026-11-20 03:00:00',"
                        " '2026-11-20 03:00:00')"
                    ),
                    {"number": number, "sid": sid},
                )
            conn.execute(
                text(
                    "INSERT INTO callback_requests (call_sid, number, reason, language, menu_path, status,"
                    " requested_at) VALUES ('SMtext', '+6281234567890', 'message', 'id', '[]', 'open',"
                    " '2026-11-20 03:00:00')"
                )
            )
        upgrade(database.engine)
        with database.engine.connect() as conn:
            complaints = dict(conn.execute(text("SELECT ticket_number, channel FROM complaints")).all())
            callbacks = conn.execute(text("SELECT channel FROM callback_requests")).scalars().all()
        assert complaints == {"3000000001": "whatsapp", "3000000002": "voice", "3000000003": "voice"}
        assert callbacks == ["whatsapp"]
    finally:
        with database.engine.begin() as conn:
            for table in ("callback_requests", "complaints", "calls"):
                conn.execute(text(f"DELETE FROM {table}"))
        database.dispose()


def test_complaints_and_requests_take_the_language_of_their_call(backend: Backend) -> None:
    """0010 backfills the ticket's language from its call; no call (an agent's ticket) is Indonesian."""
    from sqlalchemy import text

    database = Database(backend.database_url)
    try:
        downgrade(database.engine, "0009_announcements")
        with database.engine.begin() as conn:
            for sid, language in (("CAenglish", "en"), ("CAindonesian", "id")):
                conn.execute(
                    text(
                        "INSERT INTO calls (call_sid, channel, caller, caller_kind, dialed, routed_by, language,"
                        " started_at, outcome) VALUES (:sid, 'voice', '+6281234567890', 'phone', '123', 'national',"
                        " :language, '2026-11-20 03:00:00', 'self_served')"
                    ),
                    {"sid": sid, "language": language},
                )
            for number, sid in (("3000000001", "CAenglish"), ("3000000002", "CAindonesian"), ("3000000003", None)):
                conn.execute(
                    text(
                        "INSERT INTO complaints (ticket_number, category, urgent, status, call_sid, created_at,"
                        " updated_at) VALUES (:number, 'other', false, 'open', :sid, '2026-11-20 03:00:00',"
                        " '2026-11-20 03:00:00')"
                    ),
                    {"number": number, "sid": sid},
                )
            conn.execute(
                text(
                    "INSERT INTO service_requests (reference, kind, status, call_sid, created_at, updated_at)"
                    " VALUES ('6000000001', 'new_connection', 'open', 'CAenglish', '2026-11-20 03:00:00',"
                    " '2026-11-20 03:00:00')"
                )
            )
        upgrade(database.engine)
        with database.engine.connect() as conn:
            complaints = dict(conn.execute(text("SELECT ticket_number, language FROM complaints")).all())
            requests = conn.execute(text("SELECT language FROM service_requests")).scalars().all()
        assert complaints == {"3000000001": "en", "3000000002": "id", "3000000003": "id"}
        assert requests == ["en"]
    finally:
        with database.engine.begin() as conn:
            for table in ("service_requests", "complaints", "calls"):
                conn.execute(text(f"DELETE FROM {table}"))
        database.dispose()
