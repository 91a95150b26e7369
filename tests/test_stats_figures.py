"""Supervisor figures on a fixed week, against values worked out by hand (tests/support/stats.py).

Every expected number below was counted from the table in tests/support/stats.py, not computed.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from db.models import Call, CallHourStats, FlowDayStats
from ivr.calls.outcome import derive_outcome
from ivr.stats import figures, rollup
from ivr.stats.figures import NodeSpeech, RangeError, StatsRange
from tests.support.stats import WEEK_END, WEEK_START, WIB, add_call_row, add_fixed_history, local

# All regions, 16-22 Nov local: B1-B6, B8 (Bekasi) and K1-K7 (Kupang). B7 starts 00:10 on the
# 23rd in Bekasi (still the 22nd in UTC), B8 at 00:30 on the 16th (the 15th in UTC), B9 never ended.
WEEK_ALL = {
    "offered": 14,
    "handled": 4,  # B3, B4, K1 answered from queue + K3 put through
    "abandoned": 4,  # B2, B8 in the menus; B5, K6 in queue
    "self_served": 2,  # B1, K4
    "containment_rate": 2 / 14,
    "abandoned_in_menu": 2,
    "menu_abandon_rate": 2 / 14,
    "queued": 6,  # B3, B4, B5, B6, K1, K6
    "abandoned_in_queue": 2,
    "queue_abandon_rate": 2 / 6,
    "answered": 3,
    "average_speed_of_answer": (15 + 45 + 25) / 3,
    "average_handle_time": (300 + 120 + 200) / 3,
    "service_level": 1 / 5,  # B3 within 20 s, of 3 answered + 2 abandoned in queue
    "longest_wait": 90,  # B5
    "callback_requested": 1,  # B6
    "agent_unavailable": 1,  # K7
    "ended_by_ivr": 1,  # K2
    "errors": 1,  # K5
    "callbacks_requested": 2,  # B6's and Kupang's on the 20th; not the one at 00:05 on the 23rd
    "callbacks_fulfilled": 1,
    "median_time_to_callback": 7200,
    "readings_submitted": 2,  # R1, R2 (R3 came by WhatsApp, R4 is an officer's, R5 is the 23rd in Kupang)
    "readings_accepted": 1,  # R1
    "readings_flagged": 1,  # R2
    "complaints_opened": 4,  # C1, C2, C3, C6
    "complaints_resolved": 3,  # C1, C3 and C4 (opened on the 10th)
    "complaints_backlog": 3,  # C2, C5, C6 (resolved on the 25th)
    "median_time_to_resolve": 2 * 86400,  # of 4 h, 2 days, 9 days
}
WEEK_BEKASI = {
    "offered": 7,
    "handled": 2,
    "abandoned": 3,
    "self_served": 1,
    "queued": 4,
    "answered": 2,
    "average_speed_of_answer": 30,
    "average_handle_time": 210,
    "service_level": 1 / 3,
    "longest_wait": 90,
    "callbacks_requested": 1,
    "readings_submitted": 2,
    "complaints_opened": 3,
    "complaints_resolved": 1,
    "complaints_backlog": 3,
    "median_time_to_resolve": 4 * 3600,
}
WEEK_KUPANG = {
    "offered": 7,
    "handled": 2,
    "self_served": 1,
    "queued": 2,
    "queue_abandon_rate": 1 / 2,
    "service_level": 0.0,  # K1 waited 25 s
    "longest_wait": 25,
    "callbacks_requested": 1,
    "callbacks_fulfilled": 0,
    "median_time_to_callback": None,
    "readings_flagged": 0,  # R3 came by WhatsApp (tests/test_stats_channels.py)
    "complaints_opened": 1,
    "complaints_backlog": 0,
}


@pytest.fixture
def history(db_session, regions):
    fixed = add_fixed_history(db_session, regions)
    db_session.commit()
    return fixed


def week(region_id: int | None = None, **kwargs) -> StatsRange:
    return StatsRange(WEEK_START, WEEK_END, region_id, **kwargs)


def assert_figures(actual: dict, expected: dict) -> None:
    for name, value in expected.items():
        assert actual[name] == pytest.approx(value), name


@pytest.mark.parametrize(("region", "expected"), [(None, WEEK_ALL), ("BEKASI", WEEK_BEKASI), ("KUPANG", WEEK_KUPANG)])
def test_summary_matches_hand_count(db_session, regions, history, region, expected):
    result = figures.summary(db_session, week(regions[region] if region else None))
    assert_figures(result.figures, expected)


def test_summary_after_rebuild_is_the_same(db_session, regions, history):
    live = figures.summary(db_session, week()).figures
    assert rollup.rebuild(db_session) == 15  # every ended call, in range or not
    assert figures.summary(db_session, week()).figures == live


def test_service_level_threshold_is_configurable(db_session, history):
    assert figures.summary(db_session, week(service_level_seconds=30)).figures["service_level"] == pytest.approx(2 / 5)
    assert figures.summary(db_session, week(service_level_seconds=45)).figures["service_level"] == pytest.approx(3 / 5)


def test_peak_hour_counts_each_call_on_its_own_clock(db_session, history):
    # 09:00 on the 16th: B1, B2, B3 in Bekasi and K1 at 09:30 in Kupang (08:30 in Bekasi);
    # 08:00 on the 19th in Kupang also has four; the earlier hour wins the tie.
    result = figures.summary(db_session, week())
    assert (result.peak_hour, result.peak_hour_calls) == (datetime(2026, 11, 16, 9), 4)


def test_complaints_by_category(db_session, history):
    by_category = figures.summary(db_session, week()).complaints_by_category
    assert by_category["no_power"] == {"opened": 1, "resolved": 2, "backlog": 0}
    assert by_category["billing"] == {"opened": 1, "resolved": 0, "backlog": 1}
    assert by_category["outage_area"] == {"opened": 1, "resolved": 1, "backlog": 0}
    assert by_category["dangerous_installation"] == {"opened": 1, "resolved": 0, "backlog": 1}
    assert by_category["other"] == {"opened": 0, "resolved": 0, "backlog": 1}


def test_daily_series_has_every_day(db_session, history):
    points = figures.series(db_session, week(), "day")
    assert [p.start.date() for p in points] == [date(2026, 11, d) for d in range(16, 23)]
    assert [p.figures["offered"] for p in points] == [5, 3, 2, 4, 0, 0, 0]
    assert [p.figures["handled"] for p in points] == [2, 1, 1, 0, 0, 0, 0]
    assert points[0].figures["service_level"] == pytest.approx(1 / 2)  # B3 yes, K1 no
    assert points[4].figures["service_level"] is None  # nothing queued: no ratio, not 0 %


def test_weekly_and_hourly_series(db_session, history):
    weekly = figures.series(db_session, week(), "week")
    assert [(p.start, p.figures["offered"]) for p in weekly] == [(datetime(2026, 11, 16), 14)]
    hourly = figures.series(db_session, StatsRange(date(2026, 11, 16), date(2026, 11, 16)), "hour")
    assert len(hourly) == 24
    assert {p.start.hour: p.figures["offered"] for p in hourly if p.figures["offered"]} == {0: 1, 9: 4}


def test_funnel(db_session, history):
    by_flow = {f.flow: f for f in figures.funnel(db_session, week())}
    assert (by_flow["main_menu"].reached, by_flow["main_menu"].completed, by_flow["main_menu"].gave_up) == (14, 0, 1)
    assert by_flow["main_menu"].gave_up_at == [("menu", 1)]
    assert (by_flow["agent"].reached, by_flow["agent"].gave_up) == (8, 0)
    assert (by_flow["bill"].reached, by_flow["bill"].completed) == (2, 1)
    assert by_flow["meter_reading"].gave_up_at == [("ask_id", 1)]
    assert by_flow["token_history"].completion_rate == 1.0
    assert [f.flow for f in figures.funnel(db_session, week())][:2] == ["main_menu", "agent"]


def test_speech_by_node(db_session, regions, history):
    """Counted from MODES in tests/support/stats.py: B1, B2, K4, K5 in the week (B7 is the 23rd, B9 never ended)."""
    by_flow = {f.flow: f for f in figures.funnel(db_session, week())}
    assert by_flow["main_menu"].speech == [NodeSpeech("menu", answered=4, spoke=3, misheard=1)]  # B1 B2 K4 K5; K4
    assert by_flow["bill"].speech == [NodeSpeech("account", answered=2, spoke=1, misheard=0)]  # B1 by keys, K5
    assert by_flow["meter_reading"].speech == [NodeSpeech("ask_id", answered=1, spoke=1, misheard=1)]
    assert (by_flow["agent"].speech, by_flow["agent"].spoken, by_flow["bill"].spoken) == ([], False, True)
    menu = by_flow["main_menu"].speech[0]
    assert (menu.spoke_rate, menu.misheard_rate) == (3 / 4, 1 / 3)
    assert NodeSpeech("x", 0, 0, 0).spoke_rate is None and NodeSpeech("x", 1, 0, 0).misheard_rate is None
    kupang = {f.flow: f for f in figures.funnel(db_session, week(regions["KUPANG"]))}
    assert kupang["main_menu"].speech == [NodeSpeech("menu", answered=2, spoke=2, misheard=1)]


def test_nodes_are_ordered_by_speech_then_answers(db_session, regions, history):
    for day, modes in ((20, "bill.after:k,bill.account:k"), (20, "bill.after:k"), (21, "bill.confirm:s")):
        call = add_call_row(
            db_session, call_sid=f"CAorder{day}{len(modes)}", channel="voice", region_id=regions["BEKASI"],
            started=local(WIB, day, 9), flows="bill,main_menu", completed="", last_node="bill.after", modes=modes,
        )  # fmt: skip
        with rollup.tracking(db_session, call):
            call.ended_at = call.started_at
            call.outcome = derive_outcome(call)
    db_session.flush()
    bill = next(f for f in figures.funnel(db_session, week()) if f.flow == "bill")
    assert [(n.node, n.answered, n.spoke) for n in bill.speech] == [
        ("account", 3, 1),
        ("confirm", 1, 1),
        ("after", 2, 0),
    ]


def test_speech_figures_after_rebuild_are_the_same(db_session, history):
    live = figures.funnel(db_session, week())
    rows = sorted(
        (r.region_id, r.day, r.flow, r.measure, r.node, r.calls) for r in db_session.scalars(select(FlowDayStats))
    )
    assert {"input", "spoke", "misheard"} <= {row[3] for row in rows}
    rollup.rebuild(db_session)
    db_session.flush()
    assert figures.funnel(db_session, week()) == live
    rebuilt = sorted(
        (r.region_id, r.day, r.flow, r.measure, r.node, r.calls) for r in db_session.scalars(select(FlowDayStats))
    )
    assert rebuilt == rows


def test_a_late_fact_moves_the_call_between_counters(db_session, regions, history):
    """A callback that arrives after the call ended changes its outcome; the rollup follows."""
    call = db_session.scalar(select(Call).where(Call.call_sid == history.call_sids["B5"]).with_for_update())
    with rollup.tracking(db_session, call):
        call.answered_at = call.queued_at
        call.outcome = derive_outcome(call)
    db_session.flush()
    result = figures.summary(db_session, week()).figures
    assert (result["offered"], result["answered"], result["abandoned_in_queue"]) == (14, 4, 1)
    live = sorted(db_session.execute(select(CallHourStats)).scalars(), key=lambda r: (r.region_id, r.hour))
    snapshot = [(r.region_id, r.hour, r.offered, r.answered, r.abandoned_in_queue) for r in live]
    rollup.rebuild(db_session)
    rebuilt = sorted(db_session.execute(select(CallHourStats)).scalars(), key=lambda r: (r.region_id, r.hour))
    assert [(r.region_id, r.hour, r.offered, r.answered, r.abandoned_in_queue) for r in rebuilt] == snapshot


def test_calls_in_progress_add_nothing(db_session, history):
    flows = db_session.scalars(select(FlowDayStats).where(FlowDayStats.day == date(2026, 11, 18))).all()
    assert sum(row.calls for row in flows if row.flow == "main_menu" and row.measure == "reached") == 2  # K2, K3


def test_ranges_are_checked():
    with pytest.raises(RangeError):
        StatsRange(date(2026, 11, 22), date(2026, 11, 16))
    with pytest.raises(RangeError):
        StatsRange(date(2024, 1, 1), date(2026, 1, 1))
    with pytest.raises(RangeError, match="channel must be one of voice, sms, whatsapp"):
        StatsRange(date(2026, 11, 16), date(2026, 11, 22), channel="fax")
