"""The factory takes overrides; settings refuse unsafe or malformed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr import create_app
from ivr.config import ConfigError, parse_bool, settings_from_env
from ivr.extensions import runtime
from ivr.state import MemoryStateStore


def test_overrides_reach_the_runtime(tmp_path: Path) -> None:
    app = create_app(
        {
            "env": "test",
            "twilio_auth_token": "t",
            "utility_name": "PLN UP3 Uji",
            "database_url": f"sqlite:///{tmp_path / 'a.sqlite3'}",
        }
    )
    rt = runtime(app)
    assert rt.settings.utility_name == "PLN UP3 Uji"
    assert rt.engine.constants["utility_name"] == "PLN UP3 Uji"
    assert isinstance(rt.store, MemoryStateStore)
    assert app.testing is True


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unknown settings: colour"):
        create_app({"colour": "blue"})


def test_signature_validation_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN is required"):
        settings_from_env({}).check()


def test_turning_signatures_off_is_for_development_only() -> None:
    with pytest.raises(ConfigError, match="only with IVR_ENV=development"):
        settings_from_env({"TWILIO_VALIDATE_SIGNATURE": "false"}).check()
    settings_from_env({"TWILIO_VALIDATE_SIGNATURE": "false", "IVR_ENV": "development"}).check()


def test_development_without_signatures_warns_loudly(tmp_path: Path, caplog) -> None:
    create_app(
        {
            "env": "development",
            "validate_twilio_signature": False,
            "database_url": f"sqlite:///{tmp_path / 'b.sqlite3'}",
        }
    )
    assert "signature validation is OFF" in caplog.text


@pytest.mark.parametrize("namespace", ["", "ivr{1}", "my ivr"])
def test_a_redis_namespace_that_would_break_hash_tags_is_refused(namespace: str) -> None:
    with pytest.raises(ConfigError, match="REDIS_NAMESPACE"):
        settings_from_env({"TWILIO_AUTH_TOKEN": "t", "REDIS_NAMESPACE": namespace or " "}).with_overrides(
            {"redis_namespace": namespace}
        ).check()


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("1", True), ("Off", False), ("", False)])
def test_booleans_parse_strictly(raw: str, value: bool) -> None:
    assert parse_bool("X", raw) is value


@pytest.mark.parametrize("raw", ["ture", "2", "enabled"])
def test_malformed_boolean_is_an_error_not_false(raw: str) -> None:
    with pytest.raises(ConfigError, match="is not a boolean"):
        settings_from_env({"TWILIO_VALIDATE_SIGNATURE": raw})


def test_environment_selects_the_production_backends() -> None:
    settings = settings_from_env(
        {
            "DATABASE_URL": "postgresql://u@db/ivr",
            "REDIS_URL": "redis://cache:6379/1",
            "TWILIO_AUTH_TOKEN": "secret",
            "GATHER_TIMEOUT_SECONDS": "8",
        }
    )
    assert (settings.database_url, settings.redis_url, settings.uses_redis) == (
        "postgresql+psycopg://u@db/ivr",  # the one driver (tests/test_database_url.py)
        "redis://cache:6379/1",
        True,
    )
    assert settings.gather_timeout_seconds == 8
    with pytest.raises(ConfigError, match="not a whole number"):
        settings_from_env({"GATHER_TIMEOUT_SECONDS": "eight"})


def test_production_needs_a_session_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        settings_from_env({"TWILIO_AUTH_TOKEN": "t"}).check()
    settings_from_env({"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s", "PUBLIC_BASE_URL": "https://ivr.example"}).check()


def test_service_level_threshold_must_have_a_counter() -> None:
    base = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s", "PUBLIC_BASE_URL": "https://ivr.example"}
    assert settings_from_env({**base, "SERVICE_LEVEL_SECONDS": "30"}).service_level_seconds == 30
    with pytest.raises(ConfigError, match="SERVICE_LEVEL_SECONDS=25 must be one of"):
        settings_from_env({**base, "SERVICE_LEVEL_SECONDS": "25"}).check()


def test_outbox_retries_are_read_and_checked() -> None:
    base = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"}
    settings = settings_from_env({**base, "OUTBOX_MAX_ATTEMPTS": "8", "OUTBOX_RETRY_SECONDS": "10"})
    assert (settings.outbox_max_attempts, settings.outbox_retry_seconds) == (8, 10)
    with pytest.raises(ConfigError, match="OUTBOX_MAX_ATTEMPTS=0 must be at least 1"):
        settings_from_env({**base, "OUTBOX_MAX_ATTEMPTS": "0"}).check()


def test_speech_settings_are_read_and_checked() -> None:
    settings = settings_from_env({"SPEECH_INPUT": "false", "SPEECH_MIN_CONFIDENCE": "0.65"})
    assert (settings.speech_input, settings.speech_min_confidence) == (False, 0.65)
    assert settings_from_env({}).speech_input is True
    for raw in ("1.5", "-0.1", "nan", "half"):
        with pytest.raises(ConfigError, match="SPEECH_MIN_CONFIDENCE"):
            settings_from_env({"SPEECH_MIN_CONFIDENCE": raw})
    with pytest.raises(ConfigError, match="SPEECH_INPUT"):
        settings_from_env({"SPEECH_INPUT": "sometimes"})
