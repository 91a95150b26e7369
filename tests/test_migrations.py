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
