"""Live counters: both boards count the same, survive retries and late callbacks, and serve safely."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from ivr import metrics
from ivr.config import Settings
from ivr.kv import Client, connect
from ivr.live import make_board
from ivr.live.board import LiveBoard, LiveSnapshot, QueueLive, RegionLive
from ivr.live.memory import MemoryLiveBoard
from ivr.live.redis_board import RedisLiveBoard
from ivr.state import StateStoreError
from tests.support import backends

T0 = 1_700_000_000.0
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"
TOKEN = "metrics-token-not-a-secret"


class Clock:
    """A settable wall clock for the tombstones of ended calls."""

    def __init__(self, at: float = T0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=backends.REDIS_KINDS)
def redis_namespace(request: pytest.FixtureRequest) -> Iterator[tuple[Client, str]]:
    with backends.redis_namespace_on(request.param) as found:
        yield found


@pytest.fixture(params=["memory", *backends.REDIS_KINDS])
def board(request: pytest.FixtureRequest, clock: Clock) -> Iterator[LiveBoard]:
    if request.param == "memory":
        yield MemoryLiveBoard(clock=clock)
        return
    with backends.redis_namespace_on(request.param) as (client, namespace):
        yield RedisLiveBoard(client, namespace, clock=clock)


@pytest.fixture
def dead_board() -> Iterator[RedisLiveBoard]:
    client = connect(DEAD_REDIS_URL)
    yield RedisLiveBoard(client, backends.redis_namespace())
    client.close()


def view(board: LiveBoard, now: float) -> tuple[dict[str, int], dict[str, tuple[int, float, int]]]:
    """The snapshot as plain tuples: regions -> in_menu; queues -> (waiting, longest wait, agents)."""
    snap = board.snapshot(now)
    assert snap.taken_at == now
    regions = {name: region.in_menu for name, region in snap.regions.items()}
    queues = {name: (q.waiting, q.longest_wait_seconds, q.agents_connected) for name, q in snap.queues.items()}
    return regions, queues


def test_a_call_moves_from_the_menu_to_its_region_then_overflows_and_is_answered(board: LiveBoard) -> None:
    board.call_in_menu("BEKASI", "CA-bystander", T0)
    board.call_in_menu("BEKASI", "CA1", T0 + 1)
    assert board.snapshot(T0 + 5) == LiveSnapshot(taken_at=T0 + 5, regions={"BEKASI": RegionLive(in_menu=2)}, queues={})

    board.call_waiting("BEKASI", "CA1", T0 + 20)
    assert view(board, T0 + 61) == ({"BEKASI": 1}, {"BEKASI": (1, 41, 0)})

    board.call_waiting("NASIONAL", "CA1", T0 + 200)  # overflow
    assert view(board, T0 + 230) == ({"BEKASI": 1}, {"BEKASI": (0, 0, 0), "NASIONAL": (1, 30, 0)})

    board.call_left_queue("CA1")  # answered
    assert view(board, T0 + 240) == ({"BEKASI": 1}, {"BEKASI": (0, 0, 0), "NASIONAL": (0, 0, 0)})

    board.call_ended("CA1")
    assert board.snapshot(T0 + 300) == LiveSnapshot(
        taken_at=T0 + 300,
        regions={"BEKASI": RegionLive(in_menu=1)},
        queues={"BEKASI": QueueLive(), "NASIONAL": QueueLive()},
    )


def test_retried_webhooks_count_once_and_keep_the_first_timestamp(board: LiveBoard) -> None:
    for at in (T0, T0, T0 + 3):  # Twilio retry, then a retry that computed a fresh time
        board.call_in_menu("BEKASI", "CA1", at)
    assert view(board, T0 + 5) == ({"BEKASI": 1}, {})

    board.call_waiting("BEKASI", "CA2", T0 + 12)
    for since in (T0 + 10, T0 + 10, T0 + 15):
        board.call_waiting("BEKASI", "CA1", since)
    assert view(board, T0 + 40) == ({"BEKASI": 0}, {"BEKASI": (2, 30, 0)})

    board.call_left_queue("CA1")
    board.call_left_queue("CA1")
    assert view(board, T0 + 40) == ({"BEKASI": 0}, {"BEKASI": (1, 28, 0)})

    board.call_ended("CA1")
    board.call_ended("CA1")
    board.call_ended("CA-never-seen")
    assert view(board, T0 + 40) == ({"BEKASI": 0}, {"BEKASI": (1, 28, 0)})


def test_late_and_out_of_order_events_cannot_resurrect_or_move_a_call_back(board: LiveBoard) -> None:
    board.call_ended("CA1")  # the status callback overtook the enqueue webhook
    board.call_waiting("BEKASI", "CA1", T0 + 20)
    board.call_in_menu("BEKASI", "CA1", T0 + 25)
    board.agent_connected("BEKASI", "CA1", T0 + 25)
    assert view(board, T0 + 30) == ({}, {})

    board.call_waiting("BEKASI", "CA2", T0 + 20)
    board.call_in_menu("BEKASI", "CA2", T0)  # stale menu event after the caller queued
    assert view(board, T0 + 30) == ({}, {"BEKASI": (1, 10, 0)})

    board.call_waiting("NASIONAL", "CA2", T0 + 200)
    board.call_waiting("BEKASI", "CA2", T0 + 20)  # the regional enqueue re-delivered after overflow
    assert view(board, T0 + 210) == ({}, {"BEKASI": (0, 0, 0), "NASIONAL": (1, 10, 0)})

    board.call_left_queue("CA2")
    board.call_waiting("NASIONAL", "CA2", T0 + 200)  # re-delivered after it was answered
    assert view(board, T0 + 220) == ({}, {"BEKASI": (0, 0, 0), "NASIONAL": (0, 0, 0)})
    board.call_waiting("NASIONAL", "CA2", T0 + 400)  # a genuine return to the queue still counts
    assert view(board, T0 + 430) == ({}, {"BEKASI": (0, 0, 0), "NASIONAL": (1, 30, 0)})

    board.call_in_menu("BOGOR", "CA3", T0)
    board.call_left_queue("CA3")  # not waiting anywhere: nothing to leave
    assert view(board, T0 + 430)[0] == {"BOGOR": 1}


def test_longest_wait_is_measured_from_the_oldest_caller(board: LiveBoard) -> None:
    assert view(board, T0) == ({}, {})
    board.call_waiting("BEKASI", "CA2", T0 + 130)
    board.call_waiting("BEKASI", "CA1", T0 + 100)
    board.call_waiting("BEKASI", "CA3", T0 + 170.25)
    assert view(board, T0 + 200)[1] == {"BEKASI": (3, 100, 0)}

    board.call_left_queue("CA1")
    assert view(board, T0 + 200)[1] == {"BEKASI": (2, 70, 0)}
    board.call_ended("CA2")
    assert view(board, T0 + 200)[1] == {"BEKASI": (1, 29.75, 0)}
    assert view(board, T0 + 170)[1] == {"BEKASI": (1, 0, 0)}  # a clock behind the caller's: not negative
    board.call_ended("CA3")
    assert view(board, T0 + 200)[1] == {"BEKASI": (0, 0, 0)}


def test_agents_connect_disconnect_and_reconnect(board: LiveBoard) -> None:
    board.agent_connected("BEKASI", "CA-a", T0)
    board.agent_connected("BEKASI", "CA-b", T0 + 5)
    board.agent_connected("BEKASI", "CA-a", T0 + 9)  # retry
    board.agent_connected("NASIONAL", "CA-c", T0)
    assert view(board, T0 + 10) == ({}, {"BEKASI": (0, 0, 2), "NASIONAL": (0, 0, 1)})

    board.agent_disconnected("CA-a")
    board.agent_disconnected("CA-a")
    board.agent_connected("BEKASI", "CA-a", T0)  # the first connect re-delivered
    assert view(board, T0 + 20)[1]["BEKASI"] == (0, 0, 1)
    board.agent_connected("BEKASI", "CA-a", T0 + 60)  # the same leg takes the next caller
    board.agent_connected("NASIONAL", "CA-b", T0 + 70)
    assert view(board, T0 + 80)[1] == {"BEKASI": (0, 0, 1), "NASIONAL": (0, 0, 2)}

    board.call_left_queue("CA-c")  # an agent leg is not a waiting caller
    assert view(board, T0 + 80)[1]["NASIONAL"] == (0, 0, 2)
    board.call_ended("CA-c")
    board.agent_connected("NASIONAL", "CA-c", T0 + 100)
    assert view(board, T0 + 100)[1] == {"BEKASI": (0, 0, 1), "NASIONAL": (0, 0, 1)}


def test_prune_forgets_abandoned_entries_empty_names_and_old_tombstones(board: LiveBoard, clock: Clock) -> None:
    board.call_in_menu("R1", "CA-old-menu", T0)
    board.agent_connected("Q2", "CA-old-agent", T0)
    board.call_waiting("Q3", "CA-old-idle", T0)
    board.call_left_queue("CA-old-idle")
    board.call_in_menu("R2", "CA-edge", T0 + 50)
    board.call_waiting("Q1", "CA-fresh", T0 + 100)
    board.agent_connected("Q4", "CA-fresh-agent", T0 + 100)  # a queue with agents but no caller stays
    board.call_ended("CA-ended-early")
    clock.at = T0 + 500
    board.call_ended("CA-ended-late")

    assert board.prune(T0 + 50) == 3
    assert view(board, T0 + 110) == ({"R2": 1}, {"Q1": (1, 10, 0), "Q4": (0, 0, 1)})
    assert board.prune(T0 + 50) == 0

    board.call_in_menu("R1", "CA-ended-early", T0 + 600)  # tombstone pruned: the sid is new again
    board.call_in_menu("R1", "CA-ended-late", T0 + 600)  # tombstone kept
    board.call_in_menu("R1", "CA-old-menu", T0 + 600)  # forgotten, so a later event counts afresh
    assert view(board, T0 + 600)[0] == {"R1": 2, "R2": 1}


def test_racing_moves_of_one_call_count_it_once_where_the_newest_event_put_it(board: LiveBoard) -> None:
    sids = [f"CA{i}" for i in range(40)]
    errors: list[BaseException] = []

    def enqueue_all(lane: int) -> None:
        try:
            for sid in sids:
                board.call_waiting(f"Q{lane}", sid, T0 + lane)
        except BaseException as exc:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=enqueue_all, args=(lane,)) for lane in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    waiting = {name: q[0] for name, q in view(board, T0 + 10)[1].items()}
    assert waiting.pop("Q3") == 40  # lanes 0-2 lost to lane 3's newer timestamp, whatever the arrival order
    assert set(waiting) <= {"Q0", "Q1", "Q2"}
    assert sum(waiting.values()) == 0


def test_redis_keys_live_under_the_namespace_in_one_hash_slot_and_prune_leaves_nothing(
    redis_namespace, clock: Clock
) -> None:
    client, namespace = redis_namespace
    board = RedisLiveBoard(client, namespace, clock=clock)
    board.call_in_menu("BEKASI", "CA1", T0)
    board.call_waiting("BEKASI", "CA2", T0 + 1)
    board.agent_connected("BEKASI", "CA-a", T0 + 2)
    live = f"{namespace}:{{live}}"  # one Redis Cluster hash tag: every script finds its keys on one node

    assert client.hgetall(f"{live}:where") == {
        b"CA1": b"menu:BEKASI",
        b"CA2": b"queue:BEKASI",
        b"CA-a": b"agent:BEKASI",
    }
    assert client.zrange(f"{live}:queue:BEKASI", 0, -1, withscores=True) == [(b"CA2", T0 + 1)]
    assert client.smembers(f"{live}:callers") == {b"CA1", b"CA2"}  # agent legs are not calls
    assert {key.decode() for key in client.scan_iter(match=f"{namespace}:*")} == {
        f"{live}:{suffix}"
        for suffix in ("where", "seen", "callers", "regions", "queues", "menu:BEKASI", "queue:BEKASI", "agents:BEKASI")
    }

    for sid in ("CA1", "CA2", "CA-a"):
        board.call_ended(sid)
    assert client.zscore(f"{live}:ended", "CA2") == T0
    assert board.prune(T0 + 10_000) == 0
    assert list(client.scan_iter(match=f"{namespace}:*")) == []


def test_a_move_still_counts_after_redis_forgets_its_scripts(redis_namespace) -> None:
    client, namespace = redis_namespace
    board = RedisLiveBoard(client, namespace)
    board.call_in_menu("BEKASI", "CA1", T0)
    client.script_flush()  # as after a Redis restart: EVALSHA answers NOSCRIPT
    board.call_waiting("BEKASI", "CA1", T0 + 1)
    assert view(board, T0 + 2) == ({"BEKASI": 0}, {"BEKASI": (1, 1, 0)})


def test_make_board_picks_redis_only_with_a_client() -> None:
    assert isinstance(make_board(None, "ivr"), MemoryLiveBoard)
    client = redis.Redis.from_url(DEAD_REDIS_URL)
    assert isinstance(make_board(client, "ivr"), RedisLiveBoard)
    client.close()


@pytest.mark.parametrize(
    "operation",
    [
        lambda b: b.call_in_menu("BEKASI", "CA1", T0),
        lambda b: b.call_waiting("BEKASI", "CA1", T0),
        lambda b: b.call_left_queue("CA1"),
        lambda b: b.call_ended("CA1"),
        lambda b: b.agent_connected("BEKASI", "CA-a", T0),
        lambda b: b.agent_disconnected("CA-a"),
        lambda b: b.snapshot(T0),
        lambda b: b.prune(T0),
    ],
    ids=["menu", "waiting", "left", "ended", "agent-in", "agent-out", "snapshot", "prune"],
)
def test_redis_down_raises_state_store_error(dead_board: RedisLiveBoard, operation: Callable) -> None:
    with pytest.raises(StateStoreError, match="live board"):
        operation(dead_board)


# --- HTTP ---------------------------------------------------------------------------------------


def live_client(board: LiveBoard, monkeypatch: pytest.MonkeyPatch, env: str = "test", token: str | None = None):
    """A bare app carrying only what the views read (settings, board), at a pinned time."""
    app = Flask(__name__)
    app.extensions["ivr"] = SimpleNamespace(settings=Settings(env=env, metrics_token=token), live=board)
    app.register_blueprint(metrics.blueprint)
    monkeypatch.setattr(metrics, "now", lambda: T0 + 60)
    return app.test_client()


def fill(board: LiveBoard) -> None:
    for sid, at in (("CA1", T0), ("CA2", T0), ("CA3", T0 + 1)):
        board.call_in_menu("BEKASI", sid, at)
    board.call_in_menu("BOGOR", "CA4", T0)
    board.call_waiting("BEKASI", "CA5", T0 + 19)
    board.call_waiting("BEKASI", "CA6", T0 + 50)
    board.call_waiting("NASIONAL", "CA7", T0 + 59.5)
    board.agent_connected("BEKASI", "CA-a", T0)


SAMPLE = re.compile(r'^[a-z_:]+(\{[a-z_]+="(?:[^"\\\n]|\\[\\"n])*"(,[a-z_]+="(?:[^"\\\n]|\\[\\"n])*")*\})? \S+$')
LIVE = ("ivr_calls_in_menu", "ivr_calls_waiting", "ivr_queue_longest_wait_seconds", "ivr_agents_connected")


def test_metrics_are_prometheus_text_with_the_live_gauges(board: LiveBoard, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(board)
    response = live_client(board, monkeypatch).get("/metrics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.endswith("\n")  # the format ends with a newline
    assert all(SAMPLE.match(line) for line in text.splitlines() if not line.startswith("#")), text
    families = {family.name: family for family in text_string_to_metric_families(text)}
    live = [
        (sample.name, sample.labels, sample.value)
        for name in (*LIVE, "ivr_live_snapshot_timestamp_seconds", "ivr_live_board_up")
        for sample in families[name].samples
    ]
    assert live == [
        ("ivr_calls_in_menu", {"region": "BEKASI"}, 3),
        ("ivr_calls_in_menu", {"region": "BOGOR"}, 1),
        ("ivr_calls_waiting", {"queue": "BEKASI"}, 2),
        ("ivr_calls_waiting", {"queue": "NASIONAL"}, 1),
        ("ivr_queue_longest_wait_seconds", {"queue": "BEKASI"}, 41),
        ("ivr_queue_longest_wait_seconds", {"queue": "NASIONAL"}, 0.5),
        ("ivr_agents_connected", {"queue": "BEKASI"}, 1),
        ("ivr_agents_connected", {"queue": "NASIONAL"}, 0),
        ("ivr_live_snapshot_timestamp_seconds", {}, 1700000060),
        ("ivr_live_board_up", {}, 1),
    ]
    assert {name: families[name].type for name in LIVE} == dict.fromkeys(LIVE, "gauge")
    # The service's own counters are there too, before anything was counted in this app.
    assert families["ivr_webhook_duration_seconds"].type == "histogram"
    assert families["ivr_apologies"].type == "counter"


def test_label_values_are_escaped(board: LiveBoard, monkeypatch: pytest.MonkeyPatch) -> None:
    board.call_waiting('Jakarta "Pusat"\\cabang\nbaru', "CA1", T0 + 30)
    text = live_client(board, monkeypatch).get("/metrics").get_data(as_text=True)

    assert 'ivr_calls_waiting{queue="Jakarta \\"Pusat\\"\\\\cabang\\nbaru"} 1.0' in text.split("\n")
    assert all(SAMPLE.match(line) for line in text.split("\n") if line and not line.startswith("#"))


def test_added_gauges_are_scraped_and_a_failing_one_is_left_out(
    board: LiveBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook a future outbox uses: its depth and age read at each scrape."""
    client = live_client(board, monkeypatch)
    app = client.application
    metrics.add_gauge(app, "ivr_outbox_depth", "Messages waiting to be sent.", lambda: 7)
    metrics.add_gauge(app, "ivr_outbox_oldest_seconds", "Age of the oldest.", lambda: {"sms": 12.5}, label="channel")
    metrics.add_gauge(app, "ivr_broken", "Cannot be read.", lambda: 1 / 0)

    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True))}

    assert [(s.labels, s.value) for s in families["ivr_outbox_depth"].samples] == [({}, 7)]
    assert [(s.labels, s.value) for s in families["ivr_outbox_oldest_seconds"].samples] == [({"channel": "sms"}, 12.5)]
    assert "ivr_broken" not in families


def test_live_json_shape(board: LiveBoard, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(board)
    response = live_client(board, monkeypatch).get("/api/v1/live")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "taken_at": "2023-11-14T22:14:20.000+00:00",
        "regions": {"BEKASI": {"in_menu": 3}, "BOGOR": {"in_menu": 1}},
        "queues": {
            "BEKASI": {"waiting": 2, "longest_wait_seconds": 41.0, "agents_connected": 1},
            "NASIONAL": {"waiting": 1, "longest_wait_seconds": 0.5, "agents_connected": 0},
        },
    }


@pytest.mark.parametrize("path", ["/metrics", "/api/v1/live"])
@pytest.mark.parametrize(
    ("env", "token", "authorization", "status"),
    [
        ("production", TOKEN, None, 401),
        ("production", TOKEN, f"Basic {TOKEN}", 401),
        ("production", TOKEN, "Bearer wrong-token", 403),
        ("production", TOKEN, f"Bearer {TOKEN}x", 403),
        ("production", TOKEN, "Bearer tökén", 403),
        ("production", TOKEN, f"Bearer {TOKEN}", 200),
        ("production", TOKEN, f"bearer {TOKEN}", 200),
        ("production", None, None, 403),
        ("production", None, "Bearer anything", 403),
        ("staging", None, None, 403),
        ("development", TOKEN, None, 401),
        ("development", None, None, 200),
        ("test", None, None, 200),
    ],
)
def test_access_rules(
    monkeypatch: pytest.MonkeyPatch, path: str, env: str, token: str | None, authorization: str | None, status: int
) -> None:
    client: FlaskClient = live_client(MemoryLiveBoard(), monkeypatch, env=env, token=token)
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(path, headers=headers)

    assert response.status_code == status
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    if path.startswith("/api/") and status != 200:
        assert set(response.get_json()) == {"error"}


def test_counters_are_served_and_the_live_api_answers_503_when_redis_is_down(
    dead_board: RedisLiveBoard, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The failure counters matter most while Redis is down: /metrics says the board is down, not 503."""
    client = live_client(dead_board, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="ivr.metrics"):
        metrics = client.get("/metrics")
        api = client.get("/api/v1/live")

    assert metrics.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(metrics.get_data(as_text=True))}
    assert [s.value for s in families["ivr_live_board_up"].samples] == [0]
    assert not set(LIVE) & set(families)
    failures = {
        s.labels["operation"]: s.value
        for s in families["ivr_state_store_failures"].samples
        if s.name == "ivr_state_store_failures_total"
    }
    assert failures["board_snapshot"] >= 1
    assert api.status_code == 503
    assert api.get_json() == {"error": "live board unavailable"}
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "live board unavailable for /metrics",
        "live board unavailable for /api/v1/live",
    ]
