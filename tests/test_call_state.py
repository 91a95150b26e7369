"""Call state: TTL in both stores, and any webhook may land on a different web process."""

from __future__ import annotations

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallEvent
from ivr import create_app
from ivr.extensions import runtime
from ivr.state.memory import MemoryStateStore
from ivr.state.redis_store import RedisStateStore
from tests.conftest import DEFAULT_NOW
from tests.support import backends
from tests.support.journeys import set_clock
from tests.support.twilio import FakeTwilio


def test_memory_store_forgets_after_ttl_and_claims_once() -> None:
    now = [0.0]
    store = MemoryStateStore(clock=lambda: now[0])
    store.save("CA1", {"step": 1}, ttl_seconds=10)
    assert store.load("CA1") == {"step": 1}
    assert store.claim("CA1", 1) is True
    assert store.claim("CA1", 1) is False
    assert store.claim("CA1", 2) is True
    now[0] = 11.0
    assert store.load("CA1") is None
    assert store.claim("CA1", 1) is False  # a claim outlives the request it guards (30 s)
    now[0] = 31.0
    assert store.claim("CA1", 1) is True


@pytest.fixture
def redis_store():
    if "postgres" not in backends.BACKENDS:
        pytest.skip("the PostgreSQL + Redis backend is not selected (IVR_TEST_BACKENDS)")
    namespace = backends.redis_namespace()
    client = redis.Redis.from_url(backends.REDIS_URL)
    yield RedisStateStore(client, namespace), client, namespace
    backends.drop_redis_namespace(backends.REDIS_URL, namespace)
    client.close()


def test_redis_store_sets_a_ttl_and_claims_once(redis_store) -> None:
    store, client, namespace = redis_store
    store.save("CA1", {"step": 3}, ttl_seconds=120)

    assert store.load("CA1") == {"step": 3}
    assert 0 < client.ttl(f"{namespace}:call:CA1") <= 120
    assert store.claim("CA1", 3) is True
    assert store.claim("CA1", 3) is False
    assert store.load("unknown") is None


@pytest.mark.parametrize("backend", [b for b in backends.BACKENDS if b == "postgres"], indirect=True)
def test_two_web_processes_share_one_call_over_redis(backend, settings_overrides, regions) -> None:
    """Alternate every webhook of one call between two app instances sharing Redis and the DB.

    Only for Redis: the embedded in-process store serves a single process by design.
    """
    app_a, app_b = create_app(settings_overrides), create_app(settings_overrides)
    try:
        _share_one_call(app_a, app_b, settings_overrides["twilio_auth_token"])
    finally:
        for app in (app_a, app_b):
            runtime(app).database.dispose()


def _share_one_call(app_a: Flask, app_b: Flask, token: str) -> None:
    for app in (app_a, app_b):
        set_clock(app, DEFAULT_NOW)  # within the agents' hours, whatever the hour the suite runs at
    caller_a = FakeTwilio(client=app_a.test_client(), auth_token=token)
    caller_b = FakeTwilio(client=app_b.test_client(), auth_token=token, call_sid=caller_a.call_sid)

    caller_a.start()
    caller_b.action_url = caller_a.action_url
    english = caller_b.press("9")
    caller_a.action_url = caller_b.action_url
    menu_again = caller_a.press("8")
    caller_b.action_url = caller_a.action_url
    agent = caller_b.press("0")
    caller_a.hang_up()

    assert "You have chosen English" in english.spoken()
    assert "Sorry, that option is not available" in menu_again.spoken()
    assert menu_again.gather.findall("Say")[0].get("language") == "en-US"
    assert agent.queue_name == "BEKASI"
    with runtime(app_a).database.session() as session:
        call = session.scalars(select(Call)).one()
        kinds = list(
            session.scalars(select(CallEvent.kind).where(CallEvent.call_id == call.id).order_by(CallEvent.seq))
        )
    assert (call.language, call.outcome) == ("en", "abandoned_in_queue")  # hung up while waiting
    assert (kinds.count("input"), kinds.count("invalid_input")) == (2, 1)
