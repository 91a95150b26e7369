"""Tests for the synthetic call history: deterministic, true to the flows and the rules, rhythmic."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import Call, CallbackRequest, CallEvent, CallHourStats, Complaint, FlowDayStats, Reading, Region
from db.session import Database
from ivr.calls.flows import join_flows
from ivr.calls.modes import join_modes, mode_letter
from ivr.calls.outcome import derive_outcome
from ivr.demo.history import SID_PREFIX, HistoryError, HistorySummary, generate_history
from ivr.extensions import runtime
from ivr.stats import rollup
from ivr.stats.contribution import contribution
from tests.support.factories import add_customer

END = date(2026, 11, 22)


def _generate(app: Flask, database: Database, calls: int, days: int = 30, seed: int = 7) -> HistorySummary:
    with database.session() as session:
        return generate_history(session, calls=calls, days=days, end=END, seed=seed, flows=runtime(app).engine.flows)


def _snapshot(session: Session) -> tuple[list[Any], list[Any], list[Any]]:
    calls = session.execute(
        select(
            Call.call_sid, Call.caller, Call.region_id, Call.started_at, Call.ended_at, Call.outcome,
            Call.last_node, Call.queue_seconds, Call.flows_reached, Call.flows_completed,
        ).order_by(Call.id)
    ).all()  # fmt: skip
    events = session.execute(
        select(CallEvent.call_id, CallEvent.seq, CallEvent.at, CallEvent.kind, CallEvent.flow, CallEvent.node).order_by(
            CallEvent.call_id, CallEvent.seq
        )
    ).all()
    tickets = session.execute(select(Complaint.ticket_number, Complaint.category).order_by(Complaint.id)).all()
    return list(calls), list(events), list(tickets)


def _forget_history(session: Session) -> None:
    for model in (CallEvent, CallbackRequest, Complaint, Reading, CallHourStats, FlowDayStats, Call):
        session.execute(delete(model))


def test_same_seed_same_history(app: Flask, database: Database, regions: dict[str, int]) -> None:
    _generate(app, database, 300)
    with database.session() as session:
        first = _snapshot(session)
        _forget_history(session)
    _generate(app, database, 300)
    _generate(app, database, 300, seed=8)
    with database.session() as session:
        again = _snapshot(session)
    assert len(first[0]) == 300
    assert again[0][:300] == first[0]
    assert again[1][: len(first[1])] == first[1]
    assert again[2][: len(first[2])] == first[2]
    other_seed = [row[1:] for row in again[0][300:]]
    assert other_seed != [row[1:] for row in first[0]]


def test_journeys_follow_the_real_flows_and_rules(app: Flask, database: Database, regions: dict[str, int]) -> None:
    with database.session() as session:
        add_customer(session, regions["BEKASI"])
    summary = _generate(app, database, 1500)
    flows = runtime(app).engine.flows
    with database.session() as session:
        calls = session.scalars(select(Call).order_by(Call.id)).all()
        events: dict[int, list[CallEvent]] = defaultdict(list)
        for event in session.scalars(select(CallEvent).order_by(CallEvent.call_id, CallEvent.seq)):
            events[event.call_id].append(event)
        complaint_sids = session.scalars(select(Complaint.call_sid)).all()
        reading_sids = session.scalars(select(Reading.call_sid)).all()
        callbacks = session.scalar(select(func.count()).select_from(CallbackRequest))
    assert (summary.calls, summary.events) == (len(calls), sum(len(timeline) for timeline in events.values()))
    assert (summary.complaints, summary.readings, summary.callbacks) == (
        len(complaint_sids),
        len(reading_sids),
        callbacks,
    )
    services: dict[str, set[str]] = defaultdict(set)
    ways: set[str] = set()
    for call in calls:
        timeline = events[call.id]
        assert call.call_sid.startswith(SID_PREFIX)
        assert [event.seq for event in timeline] == list(range(1, len(timeline) + 1))
        assert (timeline[0].kind, timeline[-1].kind) == ("call_started", "call_ended")
        for event in timeline:
            if event.node is not None:
                assert event.node in flows.flows[event.flow].nodes, (event.flow, event.node)
            elif event.flow is not None:
                assert event.flow in flows.flows
            if event.kind == "service":
                services[call.call_sid].add(event.detail["service"])
        assert call.flows_reached == join_flows("", (e.flow for e in timeline if e.kind == "node"))
        assert call.flows_completed == join_flows("", (e.flow for e in timeline if e.kind == "served"))
        answers = [(f"{e.flow}.{e.node}", mode_letter(e.kind, e.detail, call.channel)) for e in timeline]
        assert call.input_modes == join_modes("", ((node, letter) for node, letter in answers if letter))
        ways.update(letter for _, letter in answers if letter)
        for event in timeline:
            if event.kind == "speech_missed":
                assert event.detail["reason"] in ("low_confidence", "not_understood")
                assert event.detail["keys_only"] == (event.detail["attempt"] == 2)
            elif event.kind == "input" and event.detail["mode"] == "speech":
                assert event.detail["transcript"] and 0 < event.detail["confidence"] <= 1
        assert call.outcome == derive_outcome(call)
        assert call.ended_at is not None and call.ended_at >= timeline[-2].at
        assert call.last_node == f"{timeline[-1].flow}.{timeline[-1].node}"
    outcomes = Counter(call.outcome for call in calls)
    assert {"self_served", "answered_by_agent", "hung_up_in_menu", "abandoned_in_queue"} <= outcomes.keys()
    assert complaint_sids, "some callers reported a complaint"
    assert ways == {"k", "s", "m"}, "callers press keys, speak, and are sometimes misheard"
    assert all("tickets.create_complaint" in services[sid] for sid in complaint_sids)
    assert all("readings.submit" in services[sid] for sid in reading_sids)


def test_rollups_equal_live_tracking_of_the_same_calls(app: Flask, database: Database, regions: dict[str, int]) -> None:
    _generate(app, database, 300)
    with database.session() as session:
        rebuilt = _rollups(session)
        session.execute(delete(CallHourStats))
        session.execute(delete(FlowDayStats))
        zones = rollup.Zones.load(session)
        for call in session.scalars(select(Call)):
            rollup.apply(session, None, contribution(call, zones.of(call.region_id)))
    with database.session() as session:
        assert _rollups(session) == rebuilt
        assert sum(row[3] for row in rebuilt[0]) == 300  # offered


def _rollups(session: Session) -> tuple[list[Any], list[Any]]:
    hours = session.execute(
        select(CallHourStats.region_id, CallHourStats.channel, CallHourStats.hour, CallHourStats.offered,
               CallHourStats.answered, CallHourStats.abandoned_in_menu, CallHourStats.answer_seconds,
               CallHourStats.wait_max, CallHourStats.answered_within_20s)
        .order_by(CallHourStats.region_id, CallHourStats.hour)
    ).all()  # fmt: skip
    flows = session.execute(
        select(FlowDayStats.region_id, FlowDayStats.day, FlowDayStats.flow, FlowDayStats.measure, FlowDayStats.node,
               FlowDayStats.calls)
        .order_by(FlowDayStats.region_id, FlowDayStats.day, FlowDayStats.flow, FlowDayStats.measure, FlowDayStats.node)
    ).all()  # fmt: skip
    return list(hours), list(flows)


def test_calls_follow_each_regions_daily_rhythm(app: Flask, database: Database, regions: dict[str, int]) -> None:
    _generate(app, database, 3000, days=28)
    with database.session() as session:
        zones = {region.id: ZoneInfo(region.timezone) for region in session.scalars(select(Region))}
        starts = session.execute(select(Call.region_id, Call.started_at)).all()
    hours = Counter(started.astimezone(zones[region]).hour for region, started in starts)
    assert hours[10] > 5 * max(hours[3], 1)
    assert hours[10] > hours[14] > hours[3]
    days = Counter(started.astimezone(zones[region]).date() for region, started in starts)
    assert min(days) >= date(2026, 10, 26) and max(days) <= END


def test_cli_generates_and_reports(app: Flask, database: Database, regions: dict[str, int]) -> None:
    result = app.test_cli_runner().invoke(
        args=["stats-generate", "--calls", "120", "--days", "7", "--end", "2026-11-22", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "wrote 120 calls" in result.output
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 120
        assert session.scalar(select(func.sum(CallHourStats.offered))) == 120


def test_a_history_ending_today_stops_before_now(app: Flask, database: Database, regions: dict[str, int]) -> None:
    result = app.test_cli_runner().invoke(args=["stats-generate", "--calls", "60", "--days", "3"])
    assert result.exit_code == 0, result.output
    with database.session() as session:
        latest = session.scalar(select(func.max(Call.started_at)))
    assert latest is not None and latest < datetime.now(UTC)


def test_needs_regions(app: Flask, database: Database) -> None:
    with pytest.raises(HistoryError, match="no regions"), database.session() as session:
        generate_history(session, calls=10, days=1, end=END, seed=1, flows=runtime(app).engine.flows)
    result = app.test_cli_runner().invoke(args=["stats-generate", "--calls", "10"])
    assert result.exit_code == 1
    assert "no regions" in result.output
