"""Fixture chain: backend -> app -> client -> database -> regions -> a simulated Twilio call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from db.session import Database
from ivr import create_app
from ivr.extensions import runtime
from tests.support import backends
from tests.support.backends import Backend
from tests.support.factories import add_regions
from tests.support.journeys import set_clock
from tests.support.readings import IN_WINDOW, add_read_meter
from tests.support.twilio import FakeTwilio

AUTH_TOKEN = "test-auth-token-not-a-secret"
# Monday 23 Nov 2026, 03:00 UTC = 10:00 WIB / 11:00 WITA / 12:00 WIT: every test region is open.
DEFAULT_NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="session", params=backends.BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    yield from backends.backend_session(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture
def settings_overrides(backend: Backend) -> Iterator[dict[str, Any]]:
    """Settings for one test: its backend, a fresh Redis namespace, the test auth token."""
    namespace = backends.redis_namespace()
    yield {
        "env": "test",
        "database_url": backend.database_url,
        "redis_url": backend.redis_url,
        "redis_cluster": backend.redis_cluster,
        "redis_namespace": namespace,
        "twilio_auth_token": AUTH_TOKEN,
        "secret_key": "test-session-key-not-a-secret",
        "validate_twilio_signature": True,
        "public_base_url": None,
    }
    if backend.redis_url:
        backends.drop_redis_namespace(backend.redis_url, namespace, backend.redis_cluster)


@pytest.fixture
def app(settings_overrides: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(settings_overrides)
    runtime(application).clock.pin(DEFAULT_NOW)  # tests move it with set_clock()
    yield application
    database = runtime(application).database
    backends.empty_all_tables(database)
    database.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def database(app: Flask) -> Database:
    return runtime(app).database


@pytest.fixture
def db_session(database: Database) -> Iterator[Session]:
    """A session for arranging data and checking what landed; commits on success."""
    with database.session() as session:
        yield session


@pytest.fixture
def regions(app: Flask, database: Database) -> dict[str, int]:
    with database.session() as session:
        created = add_regions(session)
        ids = {code: region.id for code, region in created.items()}
    runtime(app).directory.invalidate()
    return ids


@pytest.fixture
def twilio(client: FlaskClient, regions: dict[str, int]) -> FakeTwilio:
    return FakeTwilio(client=client, auth_token=AUTH_TOKEN)


@pytest.fixture
def meter(app: Flask, db_session, regions):
    """A postpaid customer in Bekasi, last read 5000 in October, using ~150 kWh a month; the clock in its window."""
    set_clock(app, IN_WINDOW)
    meter = add_read_meter(db_session, regions["BEKASI"])
    db_session.commit()
    return meter
