"""Test backends: the embedded default (SQLite file + in-process state) and PostgreSQL + Redis.

Each test session gets its own PostgreSQL database and each test its own Redis namespace;
both are removed afterwards. A third backend, "cluster" (PostgreSQL + a Redis Cluster), runs when
IVR_TEST_REDIS_CLUSTER_URL names a node of one (.ci/run starts one): name it in IVR_TEST_BACKENDS
to run every app test on it; tests/test_redis_cluster.py and the store and board tests use it
whenever the URL is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.migrate import upgrade
from db.models import Base
from db.session import Database

PG_ADMIN_URL = os.environ.get("IVR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("IVR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_CLUSTER_URL = os.environ.get("IVR_TEST_REDIS_CLUSTER_URL", "")
BACKENDS = tuple(b.strip() for b in os.environ.get("IVR_TEST_BACKENDS", "embedded,postgres").split(",") if b.strip())
REDIS_KINDS = ("redis", "cluster")  # the Redis of the postgres backend, the cluster's

NO_REDIS = "the PostgreSQL + Redis backend is not selected (IVR_TEST_BACKENDS)"
NO_CLUSTER = "no Redis Cluster to test on: set IVR_TEST_REDIS_CLUSTER_URL=redis://host:port (.ci/run starts one)"


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None
    redis_cluster: bool = False


def _admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_postgres_database() -> str:
    """A fresh, migrated database for this test session; its URL."""
    name = f"ivr_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    return url


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def create_sqlite_database(directory: Path) -> str:
    url = f"sqlite:///{directory / 'ivr-test.sqlite3'}"
    _migrate(url)
    return url


def _migrate(url: str) -> None:
    database = Database(url)
    upgrade(database.engine)
    database.dispose()


def empty_all_tables(database: Database) -> None:
    """Remove every row so the next test starts clean (schema stays migrated)."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


def redis_namespace() -> str:
    return f"ivr-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def redis_client(url: str, cluster: bool = False) -> redis.Redis | RedisCluster:
    """A plain client for arranging and checking what the app keeps in Redis."""
    return RedisCluster.from_url(url) if cluster else redis.Redis.from_url(url)


def drop_redis_namespace(url: str, namespace: str, cluster: bool = False) -> None:
    client = redis_client(url, cluster)
    keys = list(client.scan_iter(match=f"{namespace}:*", count=500))  # a cluster scans every primary
    if keys:
        client.delete(*keys)  # a cluster deletes each slot's keys on its node
    client.close()


@contextmanager
def redis_namespace_on(kind: str) -> Iterator[tuple[redis.Redis | RedisCluster, str]]:
    """A client of the Redis of `kind` (REDIS_KINDS) and a fresh namespace, dropped after; skips if not selected."""
    if kind == "cluster" and not REDIS_CLUSTER_URL:
        pytest.skip(NO_CLUSTER)
    if kind == "redis" and "postgres" not in BACKENDS:
        pytest.skip(NO_REDIS)
    url, cluster = (REDIS_CLUSTER_URL, True) if kind == "cluster" else (REDIS_URL, False)
    namespace = redis_namespace()
    client = redis_client(url, cluster)
    try:
        yield client, namespace
    finally:
        drop_redis_namespace(url, namespace, cluster)
        client.close()


def backend_session(name: str, tmp: Path) -> Iterator[Backend]:
    """Set up one backend for the whole test session and tear it down after."""
    if name == "embedded":
        yield Backend("embedded", create_sqlite_database(tmp), None)
        return
    if name == "cluster" and not REDIS_CLUSTER_URL:
        pytest.skip(NO_CLUSTER)
    url = create_postgres_database()
    try:
        if name == "cluster":
            yield Backend("cluster", url, REDIS_CLUSTER_URL, redis_cluster=True)
        else:
            yield Backend("postgres", url, REDIS_URL)
    finally:
        drop_postgres_database(url)
