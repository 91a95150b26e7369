"""Console logins are throttled per user name and per address, and take as long for an unknown name."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import create_app
from ivr.auth import passwords
from ivr.extensions import runtime
from tests.conftest import DEFAULT_NOW
from tests.support.console import PASSWORD, add_user, log_in
from tests.support.journeys import set_clock

WRONG = "wrong password!"
THROTTLED = "Terlalu banyak percobaan masuk yang gagal"


@pytest.fixture
def people(db_session, regions) -> None:
    add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"])
    add_user(db_session, "spv", "supervisor")
    add_user(db_session, "gone", "agent", regions["BEKASI"], active=False)
    add_user(db_session, "phone.only", "agent", regions["BEKASI"]).password_hash = passwords.UNUSABLE
    db_session.commit()


def _from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _logged_in(client: FlaskClient) -> bool:
    return client.get("/console/").status_code == 200


def test_the_right_password_is_refused_while_a_user_is_throttled(app: Flask, client, people) -> None:
    for _ in range(5):
        assert log_in(client, "agent.bekasi", WRONG).status_code == 401

    refused = log_in(client, "agent.bekasi", PASSWORD)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"  # the pinned clock is at the start of a 15-minute window
    assert THROTTLED in refused.get_data(as_text=True) and "15 menit" in refused.get_data(as_text=True)
    assert not _logged_in(client)
    assert _from(app, "10.9.9.9").post("/console/login").status_code == 400  # still a CSRF check first

    set_clock(app, DEFAULT_NOW + timedelta(minutes=10))
    assert log_in(client, "agent.bekasi", PASSWORD).headers["Retry-After"] == "300"
    set_clock(app, DEFAULT_NOW + timedelta(minutes=15))
    assert log_in(client, "agent.bekasi", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_the_user_limit_holds_from_any_address_and_spares_other_users(app: Flask, people) -> None:
    for number in range(5):
        assert log_in(_from(app, f"10.0.0.{number}"), "spv", WRONG).status_code == 401

    assert log_in(_from(app, "10.0.0.99"), "spv", PASSWORD).status_code == 429
    other = _from(app, "10.0.0.1")
    assert log_in(other, "agent.bekasi", PASSWORD).status_code == 302 and _logged_in(other)


def test_an_address_is_throttled_across_user_names(app: Flask, people) -> None:
    attacker = _from(app, "203.0.113.7")
    for number in range(20):
        assert log_in(attacker, f"guess{number}", WRONG).status_code == 401

    assert log_in(attacker, "spv", PASSWORD).status_code == 429
    elsewhere = _from(app, "198.51.100.1")
    assert log_in(elsewhere, "spv", PASSWORD).status_code == 302 and _logged_in(elsewhere)


def test_unknown_names_are_throttled_like_real_ones(client, people) -> None:
    """A 429 after five failures whether the name exists or not, so the limit tells no names apart."""
    for username in ("agent.bekasi", "nobody.here"):
        answers = [log_in(client, username, WRONG).status_code for _ in range(6)]
        assert answers == [401] * 5 + [429]


def test_a_good_login_starts_the_name_again(client, people) -> None:
    for _ in range(2):
        for _ in range(4):
            assert log_in(client, "spv", WRONG).status_code == 401
        assert log_in(client, "spv", PASSWORD).status_code == 302


def test_failed_logins_are_logged_with_name_and_address_but_no_password(app: Flask, people, caplog) -> None:
    caplog.set_level(logging.INFO, logger="ivr.console.auth_views")
    log_in(_from(app, "192.0.2.44"), "spv", "hunter2-secret-guess")

    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "'spv'" in record.getMessage() and "192.0.2.44" in record.getMessage()
    assert "hunter2" not in caplog.text


@pytest.mark.parametrize(
    ("username", "password"),
    [("spv", PASSWORD), ("spv", WRONG), ("nobody.here", PASSWORD), ("gone", PASSWORD), ("phone.only", PASSWORD)],
)
def test_every_login_costs_exactly_one_password_check(
    client, people, monkeypatch: pytest.MonkeyPatch, username: str, password: str
) -> None:
    """Unknown, inactive and password-less users are checked against a dummy hash of the same cost."""
    checked: list[str] = []
    real = passwords.check_password_hash

    def counting(stored: str, typed: str) -> bool:
        checked.append(stored.split("$")[0])
        return real(stored, typed)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    log_in(client, username, password)
    assert checked == ["scrypt:32768:8:1"]


def test_the_count_is_shared_by_every_web_process_on_redis(app: Flask, settings_overrides: dict[str, Any], people):
    """Two apps stand for two web processes: on Redis one sees the other's failures; embedded, each has its own."""
    other = create_app(settings_overrides)
    try:
        runtime(other).clock.pin(DEFAULT_NOW)
        for _ in range(5):
            log_in(app.test_client(), "spv", WRONG)
        answer = log_in(other.test_client(), "spv", PASSWORD).status_code
    finally:
        runtime(other).database.dispose()
    assert answer == (429 if settings_overrides["redis_url"] else 302)
