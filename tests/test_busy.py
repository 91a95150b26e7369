"""Surge protection through signed webhooks: over MAX_ACTIVE_CALLS a new call hears the busy message.

Every test runs on both backends (embedded SQLite + in-process board, PostgreSQL + Redis board).
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallbackRequest, CallEvent
from ivr import create_app
from ivr.config import PROJECT_ROOT, ConfigError, settings_from_env
from ivr.engine.errors import FlowDefinitionError
from ivr.engine.loader import load_flows, targets
from ivr.engine.prompts import load_prompts
from ivr.extensions import runtime
from ivr.kv import connect
from ivr.live.memory import MemoryLiveBoard
from ivr.live.redis_board import RedisLiveBoard
from ivr.services import build_registry
from ivr.state import StateStoreError
from tests.support import backends
from tests.support.calls import phone_call
from tests.support.console import add_user, bearer, log_in, token_for
from tests.support.factories import DIALED
from tests.support.openapi import check
from tests.support.outages import unreachable_board_moves, unreadable_board_count
from tests.support.twilio import FakeTwilio, Reply

T0 = 1_700_000_000.0
DAY = "from=2026-11-23&to=2026-11-23"  # DEFAULT_NOW is 10:00 WIB on the 23rd
BUSY_ID = "Mohon maaf, semua saluran kami sedang sibuk. Tekan 1 agar kami menghubungi Anda kembali di nomor ini"
BUSY_EN = "All our lines are busy right now. Press 1 and we will call you back on this number, press 2"
GOODBYE_ID = "Mohon maaf, kami belum dapat menerima panggilan Anda. Silakan hubungi PLN kembali nanti. Terima kasih."
WELCOME_ID = "Selamat datang"


@pytest.fixture
def limit() -> int:
    return 2


@pytest.fixture
def language() -> str:
    return "id"


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any], limit: int, language: str) -> dict[str, Any]:
    return {**settings_overrides, "max_active_calls": limit, "default_language": language}


def new_call(twilio: FakeTwilio, caller: str = "+62215551234") -> FakeTwilio:
    return phone_call(twilio, caller, DIALED["BEKASI"])


def admitted(reply: Reply) -> bool:
    return reply.status_code == 200 and WELCOME_ID in reply.spoken()


def fill(twilio: FakeTwilio, count: int) -> list[FakeTwilio]:
    """`count` calls in the main menu, each admitted."""
    calls = [new_call(twilio) for _ in range(count)]
    for call in calls:
        assert admitted(call.start()), call.last.body
    return calls


def active(app: Flask) -> int:
    return runtime(app).live.active_calls()


def row(db_session, call: FakeTwilio) -> Call:
    db_session.expire_all()
    return db_session.scalars(select(Call).where(Call.call_sid == call.call_sid)).one()


def events(db_session, call: FakeTwilio) -> list[CallEvent]:
    return list(
        db_session.scalars(
            select(CallEvent).where(CallEvent.call_id == row(db_session, call).id).order_by(CallEvent.seq)
        )
    )


def on_board(app: Flask, call_sid: str) -> bool:
    """Whether the live board holds anything for this CallSid (a place, or an end remembered)."""
    board = runtime(app).live
    if isinstance(board, MemoryLiveBoard):
        return call_sid in board._where or call_sid in board._ended or call_sid in board._callers
    assert isinstance(board, RedisLiveBoard)
    client, prefix = board._client, board._prefix
    return bool(
        client.hexists(prefix + "where", call_sid)
        or client.zscore(prefix + "ended", call_sid) is not None
        or client.sismember(prefix + "callers", call_sid)
    )


def assert_busy_offer(reply: Reply, text: str = BUSY_ID) -> None:
    assert reply.status_code == 200
    assert WELCOME_ID not in reply.spoken()
    says = reply.says()
    assert len(says) == 1 and (says[0].text or "").startswith(text)
    gather = reply.gather
    assert gather is not None and gather.get("numDigits") == "1" and "dtmf" in gather.get("input").split()
    assert gather.get("action", "").startswith("/voice/step?step=1")
    assert reply.find("Redirect") is not None  # silence goes to the no-input step
    assert not reply.hangs_up


# -- admission --------------------------------------------------------------------------------


def test_under_the_limit_a_call_gets_the_main_menu(app: Flask, twilio: FakeTwilio) -> None:
    first, second = new_call(twilio), new_call(twilio)
    assert admitted(first.start())
    assert active(app) == 1
    assert admitted(second.start())
    assert active(app) == 2


def test_at_the_limit_a_new_call_hears_busy_and_presses_1_for_a_callback_on_its_number(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    fill(twilio, 2)
    caller = new_call(twilio, caller="+6281234567890")

    assert_busy_offer(caller.start())
    done = caller.press("1")

    assert done.hangs_up and done.gather is None
    assert "Terima kasih. Petugas kami akan menghubungi Anda kembali" in done.spoken()
    assert "Terima kasih telah menghubungi PLN" in done.spoken()
    [request] = db_session.scalars(select(CallbackRequest)).all()
    assert (request.call_sid, request.number, request.reason) == (caller.call_sid, "+6281234567890", "busy")
    assert request.menu_path == ["busy.offer"]
    caller.hang_up(duration=12)
    call = row(db_session, caller)
    assert (call.outcome, call.final_status, call.duration_seconds) == ("callback_requested", "completed", 12)
    assert call.callback_requested_at is not None and call.queued_at is None
    assert active(app) == 2


def test_press_2_gives_another_number_read_back_and_confirmed(twilio: FakeTwilio, db_session) -> None:
    fill(twilio, 2)
    caller = new_call(twilio)
    assert_busy_offer(caller.start())

    ask = caller.press("2")
    assert "Masukkan nomor telepon" in ask.spoken() and ask.gather.get("finishOnKey") == "#"
    confirm = caller.press("081311112222#")
    assert "nol, delapan, satu, tiga, satu, satu, satu, satu, dua, dua, dua, dua." in confirm.spoken()
    assert caller.press("1").hangs_up

    [request] = db_session.scalars(select(CallbackRequest)).all()
    assert (request.number, request.reason) == ("+6281311112222", "busy")


@pytest.mark.parametrize("answer", ["silence", "9", "0"])
def test_no_input_or_a_wrong_key_ends_politely_without_the_main_menu(
    app: Flask, twilio: FakeTwilio, db_session, answer: str
) -> None:
    fill(twilio, 2)
    caller = new_call(twilio)
    assert_busy_offer(caller.start())

    goodbye = caller.silence() if answer == "silence" else caller.press(answer)

    assert goodbye.hangs_up and goodbye.gather is None
    assert [say.text for say in goodbye.says()] == [GOODBYE_ID]
    caller.hang_up(duration=9)
    call = row(db_session, caller)
    assert call.outcome == "ended_by_ivr"
    assert call.last_node == "busy.goodbye" and call.flows_reached == "busy"
    assert db_session.scalars(select(CallbackRequest)).all() == []


def test_a_caller_hanging_up_on_the_busy_message_is_ended_by_the_ivr_not_abandoned_in_the_menus(
    twilio: FakeTwilio, db_session
) -> None:
    fill(twilio, 2)
    caller = new_call(twilio)
    caller.start()
    caller.hang_up(duration=4)
    assert row(db_session, caller).outcome == "ended_by_ivr"


def test_retried_first_requests_replay_their_reply_whatever_the_count_now(
    app: Flask, twilio: FakeTwilio, db_session
) -> None:
    first, _ = fill(twilio, 2)
    assert admitted(first.start())  # Twilio retrying an admitted call's first request: still the menu
    caller = new_call(twilio)
    busy = caller.start()
    again = caller.start()

    assert again.body == busy.body
    assert [e.kind for e in events(db_session, caller)].count("busy") == 1
    assert len(db_session.scalars(select(Call)).all()) == 3
    assert active(app) == 2


def test_ending_calls_frees_capacity_for_the_next_call(app: Flask, twilio: FakeTwilio) -> None:
    first, _ = fill(twilio, 2)
    assert_busy_offer(new_call(twilio).start())

    first.hang_up()
    assert active(app) == 1
    assert admitted(new_call(twilio).start())
    assert_busy_offer(new_call(twilio).start())


def test_a_call_waiting_in_a_queue_still_counts(app: Flask, twilio: FakeTwilio) -> None:
    waiting, _ = fill(twilio, 2)
    assert waiting.press("0").queue_name == "BEKASI"
    assert active(app) == 2
    assert_busy_offer(new_call(twilio).start())


@pytest.mark.parametrize("limit", [1])
def test_busy_calls_are_not_active_and_leave_nothing_on_the_live_board(app: Flask, twilio: FakeTwilio) -> None:
    [admitted_call] = fill(twilio, 1)
    turned_away = [new_call(twilio) for _ in range(3)]
    for call in turned_away:
        assert_busy_offer(call.start())
    turned_away[0].press("1")
    turned_away[1].silence()

    assert active(app) == 1
    snapshot = runtime(app).live.snapshot(T0)
    assert sum(region.in_menu for region in snapshot.regions.values()) == 1
    for call in turned_away:
        call.hang_up()
        assert not on_board(app, call.call_sid)
    assert on_board(app, admitted_call.call_sid)
    admitted_call.hang_up()
    assert active(app) == 0
    assert admitted(new_call(twilio).start())


@pytest.mark.parametrize("limit", [0])
def test_limit_0_admits_every_call(app: Flask, twilio: FakeTwilio) -> None:
    fill(twilio, 6)
    assert active(app) == 6


@pytest.mark.parametrize("failure", [StateStoreError("redis down"), RuntimeError("bug")], ids=["store", "other"])
def test_an_unreadable_board_admits_the_call_with_a_warning(
    app: Flask, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, failure
) -> None:
    fill(twilio, 2)
    unreadable_board_count(app, monkeypatch, failure)
    with caplog.at_level(logging.WARNING, logger="ivr.voice.gateway"):
        assert admitted(new_call(twilio).start())
    assert any("admitting the call" in record.getMessage() for record in caplog.records)


NEVER_STALE = str(10**7)  # minutes: the sweep closes and prunes nothing by age, whatever today's date


@pytest.mark.parametrize("limit", [2])
def test_a_call_whose_end_missed_the_board_is_released_by_the_sweeper(
    app: Flask, twilio: FakeTwilio, db_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended, still_up = fill(twilio, 2)
    board = runtime(app).live
    with monkeypatch.context() as during_the_blip:
        unreachable_board_moves(app, during_the_blip)
        assert ended.hang_up().status_code == 200
    assert row(db_session, ended).ended_at is not None
    assert active(app) == 2
    assert_busy_offer(new_call(twilio).start())  # the ended call still holds its place

    result = app.test_cli_runner().invoke(args=["sweep-calls", "--older-than-minutes", NEVER_STALE])

    assert result.exit_code == 0, result.output
    assert "released 1 ended calls from the live board" in result.output
    assert board.active_callers() == {still_up.call_sid}
    assert admitted(new_call(twilio).start())


def test_a_repeating_sweeper_reports_a_failed_pass_and_goes_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    class Stopped(Exception):
        pass

    passes: list[float] = []

    def unreachable(older_than: float) -> int:
        raise StateStoreError("redis down")

    def sleep(seconds: float) -> None:
        passes.append(seconds)
        if len(passes) == 2:
            raise Stopped

    monkeypatch.setattr(runtime(app).live, "prune", unreachable)
    monkeypatch.setattr("ivr.cli.commands.sleep", sleep)
    result = app.test_cli_runner().invoke(args=["sweep-calls", "--every", "300"])

    assert isinstance(result.exception, Stopped)
    assert passes == [300, 300]
    assert result.output.count("sweep failed, next in 300 s: redis down") == 2


@pytest.mark.parametrize("language", ["en"])
def test_english_callers_hear_it_in_english(twilio: FakeTwilio) -> None:
    fill_en = [new_call(twilio) for _ in range(2)]
    for call in fill_en:
        assert "Welcome" in call.start().spoken()
    caller = new_call(twilio)
    reply = caller.start()

    assert_busy_offer(reply, BUSY_EN)
    assert reply.says()[0].get("language") == "en-US"
    goodbye = caller.silence()
    assert [say.text for say in goodbye.says()] == [
        "We are sorry we could not take your call. Please call PLN again later. Goodbye."
    ]


# -- what supervisors and agents see ------------------------------------------------------------


@pytest.fixture
def supervisor(db_session, regions) -> str:
    user = add_user(db_session, "spv", "supervisor")
    token = token_for(db_session, user)
    db_session.commit()
    return token


def test_the_call_is_recorded_with_its_busy_event_and_listed_by_flow(
    client, twilio: FakeTwilio, db_session, supervisor: str
) -> None:
    admitted_calls = fill(twilio, 2)
    caller = new_call(twilio)
    caller.start()
    caller.press("1")

    kinds = [(e.kind, e.flow, e.node, e.detail) for e in events(db_session, caller)]
    assert kinds[0][0] == "call_started"
    assert kinds[1] == ("busy", None, None, {"active_calls": 2, "limit": 2})
    assert ("node", "busy", "offer", {}) in kinds and ("node", "agent", "this_number", {}) in kinds
    assert not any(kind == "node" and flow == "main_menu" for kind, flow, _, _ in kinds)

    response = client.get(f"/api/v1/calls/{caller.call_sid}", headers=bearer(supervisor))
    detail = check(response, "get", "/calls/{call_sid}")
    assert [e["kind"] for e in detail["events"]][:2] == ["call_started", "busy"]
    assert detail["callback"]["reason"] == "busy"
    listed = check(client.get("/api/v1/calls?flow=busy", headers=bearer(supervisor)), "get", "/calls")
    assert [item["call_sid"] for item in listed["items"]] == [caller.call_sid]
    assert caller.call_sid not in {c.call_sid for c in admitted_calls}


def test_callbacks_api_and_console_show_the_busy_reason(
    client, twilio: FakeTwilio, db_session, supervisor: str
) -> None:
    fill(twilio, 2)
    caller = new_call(twilio)
    caller.start()
    caller.press("1")

    body = check(client.get("/api/v1/callbacks", headers=bearer(supervisor)), "get", "/callbacks")
    assert [(item["reason"], item["call_sid"]) for item in body["items"]] == [("busy", caller.call_sid)]
    log_in(client, "spv")
    html = client.get("/console/callbacks").get_data(as_text=True)
    assert "Semua saluran sibuk" in html


def test_statistics_count_busy_calls_as_offered_callbacks_and_ended_by_the_ivr(
    client, twilio: FakeTwilio, db_session, supervisor: str
) -> None:
    admitted_calls = fill(twilio, 2)
    callback, silent = new_call(twilio), new_call(twilio)
    callback.start()
    callback.press("1")
    silent.start()
    silent.silence()
    for call in [*admitted_calls, callback, silent]:
        call.hang_up(duration=20)

    response = client.get(f"/api/v1/stats/summary?{DAY}", headers=bearer(supervisor))
    figures = check(response, "get", "/stats/summary")["figures"]
    assert (figures["offered"], figures["callback_requested"], figures["ended_by_ivr"]) == (4, 1, 1)
    assert (figures["abandoned_in_menu"], figures["queued"]) == (2, 0)

    calls_csv = client.get(f"/api/v1/stats/calls.csv?{DAY}", headers=bearer(supervisor))
    assert calls_csv.status_code == 200
    outcomes = {r["call_sid"]: r["outcome"] for r in csv.DictReader(io.StringIO(calls_csv.get_data(as_text=True)))}
    assert (outcomes[callback.call_sid], outcomes[silent.call_sid]) == ("callback_requested", "ended_by_ivr")
    funnel = check(client.get(f"/api/v1/stats/funnel?{DAY}", headers=bearer(supervisor)), "get", "/stats/funnel")
    busy = next(flow for flow in funnel["flows"] if flow["flow"] == "busy")
    assert (busy["reached"], busy["completed"]) == (2, 0)
    summary_csv = client.get(f"/api/v1/stats/summary.csv?{DAY}", headers=bearer(supervisor))
    assert summary_csv.status_code == 200 and summary_csv.mimetype == "text/csv"
    log_in(client, "spv")
    page = client.get(f"/console/stats?{DAY}")
    assert page.status_code == 200 and "Saluran sibuk" in page.get_data(as_text=True)  # the funnel's label


# -- the board's count --------------------------------------------------------------------------


class CountingRedis(redis.Redis):
    """A client that counts the commands it sends (each one a round trip outside a pipeline)."""

    sent = 0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        CountingRedis.sent += 1
        return super().execute_command(*args, **options)


@pytest.fixture
def redis_board() -> Iterator[RedisLiveBoard]:
    if "postgres" not in backends.BACKENDS:
        pytest.skip("the PostgreSQL + Redis backend is not selected (IVR_TEST_BACKENDS)")
    namespace = backends.redis_namespace()
    client = CountingRedis.from_url(backends.REDIS_URL)
    yield RedisLiveBoard(client, namespace, clock=lambda: T0)
    backends.drop_redis_namespace(backends.REDIS_URL, namespace)
    client.close()


@pytest.fixture(params=["memory", "redis"])
def board(request: pytest.FixtureRequest) -> MemoryLiveBoard | RedisLiveBoard:
    if request.param == "memory":
        return MemoryLiveBoard(clock=lambda: T0)
    return request.getfixturevalue("redis_board")


def test_active_calls_count_callers_up_anywhere_but_never_agent_legs(board) -> None:
    board.call_in_menu("BEKASI", "CA1", T0)
    board.call_waiting("BEKASI", "CA2", T0 + 1)
    board.call_waiting("BEKASI", "CA3", T0 + 2)
    board.call_left_queue("CA3")  # idle: leaving for a callback, still on the line
    board.agent_connected("BEKASI", "CA-a", T0)
    board.agent_connected("BEKASI", "CA-b", T0)
    board.agent_disconnected("CA-b")  # an idle agent leg is not a call either
    board.call_in_menu("BEKASI", "CA1", T0)  # a retry counts once
    assert board.active_calls() == 3

    board.call_ended("CA2")
    board.call_ended("CA2")
    board.call_waiting("BEKASI", "CA2", T0 + 9)  # late: an ended call does not come back
    assert board.active_calls() == 2
    assert board.prune(T0 + 1.5) == 3  # CA1 and both agent legs were last seen before; CA3 (idle) after
    assert board.active_calls() == 1
    board.call_ended("CA3")
    assert board.active_calls() == 0


def test_active_calls_costs_one_redis_round_trip(redis_board: RedisLiveBoard) -> None:
    for i in range(50):
        redis_board.call_in_menu("BEKASI", f"CA{i}", T0)
    redis_board.agent_connected("BEKASI", "CA-agent", T0)
    CountingRedis.sent = 0
    assert redis_board.active_calls() == 50
    assert CountingRedis.sent == 1


def test_a_dead_redis_raises_state_store_error() -> None:
    client = connect("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(StateStoreError, match="live board"):
            RedisLiveBoard(client, backends.redis_namespace()).active_calls()
    finally:
        client.close()


# -- configuration and flows ------------------------------------------------------------------


def test_the_setting_is_read_strictly_and_defaults_to_off() -> None:
    assert settings_from_env({}).max_active_calls == 0
    assert settings_from_env({"MAX_ACTIVE_CALLS": "120"}).max_active_calls == 120
    with pytest.raises(ConfigError, match="MAX_ACTIVE_CALLS"):
        settings_from_env({"MAX_ACTIVE_CALLS": "lots"})
    with pytest.raises(ConfigError, match="MAX_ACTIVE_CALLS"):
        settings_from_env({"MAX_ACTIVE_CALLS": "-1", "IVR_ENV": "test", "TWILIO_AUTH_TOKEN": "t"}).check()


def test_the_app_refuses_a_limit_without_a_busy_flow(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(PROJECT_ROOT / "flows", flows)
    for path in (flows / "busy.yaml", *flows.glob("prompts/*/busy.yaml"), *flows.glob("words/*/busy.yaml")):
        path.unlink()
    settings = {
        "env": "test",
        "twilio_auth_token": "t",
        "flows_dir": flows,
        "database_url": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    with pytest.raises(FlowDefinitionError, match="flow 'busy' is required by MAX_ACTIVE_CALLS"):
        create_app({**settings, "max_active_calls": 10})
    runtime(create_app(settings)).database.dispose()  # without a limit the flow is not needed


def test_no_flow_leads_into_the_busy_flow_so_text_conversations_never_reach_it() -> None:
    flows_dir = PROJECT_ROOT / "flows"
    flows = load_flows(flows_dir, load_prompts(flows_dir / "prompts"), build_registry())
    entering = [
        node.qualified
        for flow in flows.flows.values()
        if flow.name != "busy"
        for node in flow.nodes.values()
        for _, target in targets(node)
        if flows.resolve(flow.name, target)[0] == "busy"
    ]
    assert entering == []
    assert flows.entry != "busy"
