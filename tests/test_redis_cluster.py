"""On a real Redis Cluster: a call, a text conversation and the live board, through signed webhooks.

The app tests run when IVR_TEST_REDIS_CLUSTER_URL names a node of a cluster (.ci/run starts three
on ports 7101-7103) and are skipped otherwise. A call's keys share its hash tag, the board's keys
share `{live}`; each test picks its call so that the two are on different nodes, so the pipelines
of a turn reach two nodes at once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis.cluster import ClusterNode, RedisCluster
from sqlalchemy import select

from db.models import Call
from ivr.config import ConfigError, settings_from_env
from ivr.conversations.keys import Keys
from ivr.extensions import runtime
from ivr.kv import StateStoreError, connect
from ivr.state.redis_store import RedisStateStore
from tests.conftest import AUTH_TOKEN
from tests.support import backends
from tests.support.console import PASSWORD, add_user, log_in
from tests.support.messaging import FakeMessenger
from tests.support.twilio import FakeTwilio

on_the_cluster = pytest.mark.parametrize("backend", ["cluster"], indirect=True)


@pytest.fixture
def cluster(app: Flask) -> Iterator[RedisCluster]:
    """A client of our own, to look at what the app left on the cluster."""
    client = backends.redis_client(backends.REDIS_CLUSTER_URL, cluster=True)
    assert isinstance(client, RedisCluster)
    yield client
    client.close()


def _keys(app: Flask) -> Keys:
    return runtime(app).core.keys


def _board_node(app: Flask, cluster: RedisCluster) -> ClusterNode:
    return cluster.get_node_from_key(f"{runtime(app).settings.redis_namespace}:{{live}}:where")


def _call_away_from_the_board(app: Flask, cluster: RedisCluster) -> FakeTwilio:
    """A caller whose state lives on another node than the live board."""
    while True:
        sid = "CA" + uuid.uuid4().hex
        if cluster.get_node_from_key(_keys(app).call(sid)) != _board_node(app, cluster):
            return FakeTwilio(client=app.test_client(), auth_token=AUTH_TOKEN, call_sid=sid)


def _held_by(cluster: RedisCluster, key: str) -> list[str]:
    """The nodes that really hold `key`: each scanned on its own (a keyed command would be redirected)."""
    return [node.name for node in cluster.get_primaries() if list(node.redis_connection.scan_iter(match=key))]


def _keys_asked_for(cluster: RedisCluster) -> int:
    """How many times the nodes were asked for a command's keys (COMMAND GETKEYS): a round trip each."""
    stats = [node.redis_connection.info("commandstats") for node in cluster.get_primaries()]
    return sum(found.get("cmdstat_command|getkeys", {}).get("calls", 0) for found in stats)


def _namespace_keys(app: Flask, cluster: RedisCluster) -> set[str]:
    pattern = f"{runtime(app).settings.redis_namespace}:*"
    return {key.decode() for key in cluster.scan_iter(match=pattern, count=500)}


def _live(client: FlaskClient) -> dict:
    response = client.get("/api/v1/live")
    assert response.status_code == 200
    return response.get_json()


@on_the_cluster
def test_the_app_builds_a_cluster_client_and_is_ready(backend, app: Flask, client: FlaskClient) -> None:
    store = runtime(app).store
    assert isinstance(store, RedisStateStore)
    assert isinstance(store.client, RedisCluster)
    assert len(store.client.get_primaries()) >= 2  # else every pipeline would reach one node anyway

    response = client.get("/readyz")
    assert (response.status_code, response.get_json()["checks"]["call_state"]) == (200, "ok")


@on_the_cluster
def test_a_voice_call_keeps_its_state_and_its_board_places_on_the_cluster(
    backend, app: Flask, regions, db_session, cluster: RedisCluster
) -> None:
    caller = _call_away_from_the_board(app, cluster)
    state_key = _keys(app).call(caller.call_sid)
    asked = _keys_asked_for(cluster)

    caller.start()
    assert _held_by(cluster, state_key) == [cluster.get_node_from_key(state_key).name]
    assert 0 < cluster.ttl(state_key) <= runtime(app).settings.call_state_ttl_seconds
    assert _live(caller.client)["regions"] == {"BEKASI": {"in_menu": 1}}

    english = caller.press("9")
    invalid = caller.press("8")
    queued = caller.press("0")
    assert "You have chosen English" in english.spoken()
    assert "Sorry, that option is not available" in invalid.spoken()
    assert queued.queue_name == "BEKASI"
    raw = cluster.get(state_key)
    assert isinstance(raw, bytes)
    stored = json.loads(raw)  # the latest turn's state, on its node
    assert (stored["facts"]["call_sid"], stored["state"]["language"]) == (caller.call_sid, "en")
    live = _live(caller.client)
    assert (live["regions"], live["queues"]["BEKASI"]["waiting"]) == ({"BEKASI": {"in_menu": 0}}, 1)
    assert runtime(app).live.active_calls() == 1

    cluster.script_flush()  # as after a restart of the nodes: the board's end answers NOSCRIPT
    caller.hang_up()  # its closing pipeline: the state on one node, the board's end on the other
    assert runtime(app).live.active_calls() == 0
    assert _live(caller.client)["queues"]["BEKASI"]["waiting"] == 0
    call = db_session.scalars(select(Call).where(Call.call_sid == caller.call_sid)).one()
    assert (call.language, call.outcome) == ("en", "abandoned_in_queue")
    namespace = runtime(app).settings.redis_namespace
    assert _held_by(cluster, f"{namespace}:{{live}}:ended") == [_board_node(app, cluster).name]
    assert _keys_asked_for(cluster) == asked  # every script named its node: no extra round trip


@on_the_cluster
def test_the_live_board_counts_calls_whose_states_are_spread_over_the_nodes(
    backend, app: Flask, regions, cluster: RedisCluster
) -> None:
    callers = [_call_away_from_the_board(app, cluster) for _ in range(4)]
    for caller in callers:
        caller.start()
    callers[0].press("0")
    callers[1].press("0")
    callers[2].hang_up()

    live = _live(callers[0].client)
    assert (live["regions"], live["queues"]["BEKASI"]["waiting"]) == ({"BEKASI": {"in_menu": 1}}, 2)
    assert runtime(app).live.active_calls() == 3
    board_node = _board_node(app, cluster).name
    for caller in callers:
        held = _held_by(cluster, _keys(app).call(caller.call_sid))
        assert len(held) == 1 and held != [board_node]


@on_the_cluster
def test_a_text_conversation_keeps_its_keys_on_one_node(
    backend, app: Flask, client: FlaskClient, regions, db_session, cluster: RedisCluster
) -> None:
    customer = FakeMessenger(client, AUTH_TOKEN, channel="whatsapp")
    customer.send("Halo")
    params = customer.params("7")
    first = customer.post(params)
    again = customer.post(params)  # Twilio's retry: answered from the kept reply

    assert first.status_code == 200
    assert again.body == first.body
    keys = _keys(app)
    chat_keys = {key for key in _namespace_keys(app, cluster) if key.startswith(keys.chat(customer.address))}
    assert keys.chat(customer.address) in chat_keys
    assert keys.chat_message(customer.address, customer.sent_sids[-1]) in chat_keys
    assert keys.chat_lock(customer.address) not in chat_keys  # released in the closing pipeline
    assert {cluster.keyslot(key) for key in chat_keys} == {cluster.keyslot(keys.chat(customer.address))}
    node = cluster.get_node_from_key(keys.chat(customer.address)).name
    assert all(_held_by(cluster, key) == [node] for key in chat_keys)
    [conversation] = db_session.scalars(select(Call).where(Call.channel == "whatsapp")).all()
    assert "information" in conversation.flows_reached


def test_a_cluster_nobody_answers_is_a_state_store_error() -> None:
    with pytest.raises(StateStoreError, match="redis cluster unreachable"):
        connect("redis://127.0.0.1:1/0", cluster=True)


def test_redis_cluster_is_a_strict_boolean_that_needs_a_url() -> None:
    settings = settings_from_env({"REDIS_URL": "redis://10.0.0.5:7000", "REDIS_CLUSTER": "true"})
    assert (settings.redis_url, settings.redis_cluster) == ("redis://10.0.0.5:7000", True)
    assert settings_from_env({}).redis_cluster is False
    with pytest.raises(ConfigError, match="REDIS_CLUSTER"):
        settings_from_env({"REDIS_CLUSTER": "cluster"})
    secrets = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s", "PUBLIC_BASE_URL": "https://ivr.example.co.id"}
    with pytest.raises(ConfigError, match="REDIS_CLUSTER=true needs REDIS_URL"):
        settings_from_env({**secrets, "REDIS_CLUSTER": "yes"}).check()
    with pytest.raises(ConfigError, match="database 0"):
        settings_from_env({**secrets, "REDIS_CLUSTER": "yes", "REDIS_URL": "redis://10.0.0.5:7000/2"}).check()
    settings_from_env({**secrets, "REDIS_CLUSTER": "yes", "REDIS_URL": "redis://10.0.0.5:7000/0"}).check()


@on_the_cluster
def test_login_throttling_counts_on_the_cluster(backend, app: Flask, client: FlaskClient, db_session, regions) -> None:
    """The throttle's counters (per name and per address, in other slots) work through the cluster client."""
    add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"])
    db_session.commit()
    for _ in range(5):
        assert log_in(client, "agent.bekasi", "wrong password!").status_code == 401
    refused = log_in(client, "agent.bekasi", PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
