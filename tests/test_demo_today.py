"""DEMO_TODAY: the clock reports a pinned date at the real time of day, for demos and drills only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Reading
from ivr import create_app
from ivr.clock import Clock, on_day
from ivr.config import ConfigError, settings_from_env
from ivr.extensions import runtime
from tests.conftest import DEFAULT_NOW
from tests.support.journeys import choose
from tests.support.readings import METER, add_read_meter
from tests.support.twilio import FakeTwilio

PINNED = date(2026, 11, 24)  # inside the test customer's window (24-27); DEFAULT_NOW, the 23rd, is not
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_overrides, "demo_today": PINNED}


def test_demo_today_is_read_as_a_date_and_a_bad_one_is_an_error() -> None:
    assert settings_from_env({"DEMO_TODAY": "2026-11-24"}).demo_today == PINNED
    assert settings_from_env({}).demo_today is None
    with pytest.raises(ConfigError, match="DEMO_TODAY='24/11/2026' is not a date"):
        settings_from_env({"DEMO_TODAY": "24/11/2026"})


def test_demo_today_is_refused_in_production() -> None:
    secrets = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "k", "DEMO_TODAY": "2026-11-24"}
    with pytest.raises(ConfigError, match="refused with IVR_ENV=production"):
        settings_from_env(secrets).check()
    settings_from_env({**secrets, "IVR_ENV": "development"}).check()


def test_the_pinned_day_keeps_the_real_time_of_day_on_the_national_clock() -> None:
    real = datetime(2027, 3, 9, 16, 45, 12, tzinfo=UTC)  # 23:45 WIB on the 9th
    now = on_day(PINNED, "Asia/Jakarta", lambda: real)()
    assert now.tzinfo is UTC
    assert now.astimezone(JAKARTA).replace(tzinfo=None) == datetime(2026, 11, 24, 23, 45, 12)
    later = on_day(PINNED, "Asia/Jakarta", lambda: real + timedelta(minutes=10))()
    assert later - now == timedelta(minutes=10)  # time moves; past midnight the date stays pinned
    next_day = on_day(PINNED, "Asia/Jakarta", lambda: real + timedelta(minutes=20))()
    assert next_day.astimezone(JAKARTA).replace(tzinfo=None) == datetime(2026, 11, 24, 0, 5, 12)


def test_unpin_goes_back_to_the_clock_it_was_built_on() -> None:
    clock = Clock(on_day(PINNED, "Asia/Jakarta"))
    clock.pin(DEFAULT_NOW)
    assert clock.now() == DEFAULT_NOW
    clock.unpin()
    assert clock.now().astimezone(JAKARTA).date() == PINNED


def test_the_app_clock_reports_the_pinned_day(tmp_path) -> None:
    app = create_app(
        {"env": "development", "twilio_auth_token": "t", "database_url": f"sqlite:///{tmp_path / 'd.sqlite3'}"}
        | {"demo_today": PINNED}
    )
    assert runtime(app).clock.now().astimezone(JAKARTA).date() == PINNED


def test_a_signed_meter_reading_call_lands_on_the_pinned_day(
    app: Flask, twilio: FakeTwilio, db_session, regions
) -> None:
    runtime(app).clock.unpin()  # the suite pins every app to DEFAULT_NOW; back to DEMO_TODAY's clock
    add_read_meter(db_session, regions["BEKASI"])  # window 24-27, WIB
    db_session.commit()

    choose(twilio, "2")
    twilio.press(METER)
    twilio.press("5150")
    done = twilio.press("1")

    assert "angka stand lima, satu, lima, nol kami terima" in done.spoken()
    db_session.expire_all()
    [reading] = db_session.scalars(select(Reading).where(Reading.source != "officer")).all()
    assert (reading.stand, reading.period) == (5150, date(2026, 11, 1))
    assert reading.submitted_at.astimezone(JAKARTA).date() == PINNED
