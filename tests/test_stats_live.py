"""The statistics follow real calls: signed webhooks in, rollups updated as each call ends.

The clock is 10:00 on Monday 23 November 2026 in Bekasi (WIB), where the default caller dials.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from db.models import Call, CallHourStats, FlowDayStats
from ivr.conversations.sweep import sweep_stale_calls
from ivr.stats import figures, rollup
from ivr.stats.figures import NodeSpeech, StatsRange
from tests.conftest import DEFAULT_NOW
from tests.support.journeys import set_clock
from tests.support.queues import result
from tests.support.twilio import FakeTwilio

TODAY = date(2026, 11, 23)


def another(twilio: FakeTwilio) -> FakeTwilio:
    return FakeTwilio(client=twilio.client, auth_token=twilio.auth_token)


def today(db_session, region_id: int | None = None) -> dict:
    db_session.expire_all()
    return figures.summary(db_session, StatsRange(TODAY, TODAY, region_id)).figures


def at(app: Flask, seconds: int) -> None:
    set_clock(app, DEFAULT_NOW + timedelta(seconds=seconds))


@pytest.fixture
def four_calls(app: Flask, twilio: FakeTwilio) -> None:
    """Self-served (planned maintenance), hung up in the menu, answered after 12 s, abandoned in queue."""
    served, gave_up, answered, abandoned = twilio, another(twilio), another(twilio), another(twilio)
    served.start()
    served.press("7")
    served.press("2")
    served.hang_up()
    gave_up.start()
    gave_up.hang_up()
    answered.start()
    answered.press("0")
    at(app, 12)
    result(answered, "bridged", queue_time=12)
    at(app, 312)
    answered.hang_up(duration=312)
    at(app, 0)
    abandoned.start()
    abandoned.press("0")
    at(app, 40)
    abandoned.hang_up(duration=40)
    result(abandoned, "hangup", queue_time=40)


def test_each_call_counts_once_it_ends(app: Flask, twilio: FakeTwilio, db_session, regions, four_calls) -> None:
    figures_today = today(db_session, regions["BEKASI"])
    assert figures_today["offered"] == 4
    assert (figures_today["self_served"], figures_today["abandoned_in_menu"]) == (1, 1)
    assert (figures_today["queued"], figures_today["answered"], figures_today["abandoned_in_queue"]) == (2, 1, 1)
    assert figures_today["average_speed_of_answer"] == 12
    assert figures_today["average_handle_time"] == 300
    assert figures_today["service_level"] == pytest.approx(1 / 2)
    assert figures_today["longest_wait"] == 40
    assert today(db_session, regions["KUPANG"])["offered"] == 0


def test_the_funnel_follows_the_menus(db_session, four_calls) -> None:
    by_flow = {f.flow: f for f in figures.funnel(db_session, StatsRange(TODAY, TODAY))}
    assert (by_flow["information"].reached, by_flow["information"].completed) == (1, 1)
    assert by_flow["agent"].reached == 2
    assert by_flow["main_menu"].reached == 4
    assert by_flow["main_menu"].gave_up_at == [("menu", 1)]


def test_repeated_status_callbacks_do_not_count_twice(twilio: FakeTwilio, db_session, four_calls) -> None:
    twilio.hang_up()
    twilio.hang_up(status="completed", duration=99)
    assert today(db_session)["offered"] == 4


def test_live_rollups_equal_a_rebuild(db_session, four_calls) -> None:
    live = today(db_session)
    live_funnel = figures.funnel(db_session, StatsRange(TODAY, TODAY))
    rows = db_session.scalar(select(func.count()).select_from(CallHourStats))
    flow_rows = db_session.scalar(select(func.count()).select_from(FlowDayStats))
    assert rollup.rebuild(db_session) == 4
    db_session.commit()
    assert today(db_session) == live
    assert figures.funnel(db_session, StatsRange(TODAY, TODAY)) == live_funnel
    assert db_session.scalar(select(func.count()).select_from(CallHourStats)) == rows
    assert db_session.scalar(select(func.count()).select_from(FlowDayStats)) == flow_rows


def test_keys_pressed_count_as_answers_without_speech(db_session, four_calls) -> None:
    """The engine's input events (keys) reach the row and, once the call ends, the speech figures by node."""
    by_flow = {f.flow: f for f in figures.funnel(db_session, StatsRange(TODAY, TODAY))}
    assert by_flow["main_menu"].speech == [NodeSpeech("menu", answered=3, spoke=0, misheard=0)]  # not the hang-up
    assert by_flow["information"].speech == [NodeSpeech("choose", answered=1, spoke=0, misheard=0)]
    assert "main_menu.menu:k" in db_session.scalars(select(Call.input_modes)).all()


def test_a_call_in_progress_is_not_counted_until_it_ends(app: Flask, twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    twilio.press("7")
    assert today(db_session)["offered"] == 0
    twilio.hang_up()
    assert today(db_session)["offered"] == 1


def test_a_call_closed_by_the_sweep_is_counted(app: Flask, twilio: FakeTwilio, db_session) -> None:
    twilio.start()
    twilio.press("0")
    sweep_stale_calls(db_session, DEFAULT_NOW + timedelta(hours=5), timedelta(hours=4))
    db_session.commit()
    figures_today = today(db_session)
    assert (figures_today["offered"], figures_today["abandoned_in_queue"]) == (1, 1)


def test_calls_ending_at_the_same_moment_are_all_counted(backend, app: Flask, twilio: FakeTwilio, db_session) -> None:
    """Status callbacks racing on one hour row: the increments are atomic, none is lost."""
    if backend.name != "postgres":
        pytest.skip("the embedded SQLite database serialises writers itself")
    calls = [FakeTwilio(client=app.test_client(), auth_token=twilio.auth_token) for _ in range(8)]
    for call in calls:
        call.start()
        call.press("7")
    barrier = threading.Barrier(len(calls))

    def end(call: FakeTwilio) -> None:
        barrier.wait()
        call.hang_up()

    threads = [threading.Thread(target=end, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert today(db_session)["offered"] == 8
    assert today(db_session)["abandoned_in_menu"] == 8
