"""A driverless PostgreSQL URL (Heroku's postgres://, or postgresql://) means psycopg 3, in one place."""

from __future__ import annotations

import pytest

from db.session import driver_url
from ivr import create_app
from ivr.config import Settings, settings_from_env
from ivr.extensions import runtime
from tests.support.backends import Backend

PSYCOPG = "postgresql+psycopg://ivr:s3cret@db.internal:5432/ivr?sslmode=require"


@pytest.mark.parametrize(
    "given",
    [
        "postgres://ivr:s3cret@db.internal:5432/ivr?sslmode=require",
        "postgresql://ivr:s3cret@db.internal:5432/ivr?sslmode=require",
        PSYCOPG,
    ],
)
def test_settings_name_the_psycopg_driver(given: str) -> None:
    assert settings_from_env({"DATABASE_URL": given}).database_url == PSYCOPG
    assert Settings().with_overrides({"database_url": given}).database_url == PSYCOPG


@pytest.mark.parametrize("other", ["sqlite:///var/ivr.sqlite3", "postgresql+psycopg2://h/db", "mysql://h/db"])
def test_other_urls_are_left_alone(other: str) -> None:
    assert driver_url(other) == other
    assert settings_from_env({"DATABASE_URL": other}).database_url == other


def test_the_app_starts_and_is_ready_on_a_heroku_style_url(backend: Backend) -> None:
    if backend.name == "embedded":
        pytest.skip("needs the PostgreSQL backend")
    heroku = "postgres://" + backend.database_url.split("://", 1)[1]
    app = create_app({"env": "test", "twilio_auth_token": "t", "database_url": heroku})
    try:
        assert runtime(app).database.engine.url.drivername == "postgresql+psycopg"
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        runtime(app).database.dispose()
