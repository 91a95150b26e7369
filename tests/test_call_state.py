"""Call state: TTL in both stores, and any webhook may land on a different web process."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Call, CallEvent
from ivr import create_app
from ivr.conversations.keys import Keys
from ivr.extensions import runtime
from ivr.live import board
from ivr.live.redis_board import RedisLiveBoard
from ivr.state import Closing, Opening
from ivr.state.memory import MemoryStateStore
from ivr.state.redis_store import RedisStateStore
from tests.conftest import DEFAULT_NOW
from tests.support import backends
from tests.support.journeys import set_clock
from tests.support.twilio import FakeTwilio


class Clock:
    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


def test_memory_store_forgets_after_ttl_and_claims_once() -> None:
    clock = Clock()
    store = MemoryStateStore(clock=clock)
    store.save("CA1", {"step": 1}, ttl_seconds=10)
    assert store.load("CA1") == {"step": 1}
    assert store.claim("CA1:1") is True
    assert store.claim("CA1:1") is False
    assert store.claim("CA1:2") is True
    clock.at = 11.0
    assert store.load("CA1") is None
    assert store.claim("CA1:1") is False  # a claim outlives the request it guards (30 s)
    clock.at = 31.0
    assert store.claim("CA1:1") is True


@pytest.fixture(params=backends.REDIS_KINDS)
def redis_store(request: pytest.FixtureRequest):
    with backends.redis_namespace_on(request.param) as (client, namespace):
        yield RedisStateStore(client, RedisLiveBoard(client, namespace)), client, namespace


@pytest.fixture(params=["memory", *backends.REDIS_KINDS])
def store(request: pytest.FixtureRequest):
    """A store and the keys of a namespace of its own."""
    if request.param == "memory":
        yield MemoryStateStore(), Keys("t")
        return
    with backends.redis_namespace_on(request.param) as (client, namespace):
        yield RedisStateStore(client, RedisLiveBoard(client, namespace)), Keys(namespace)


def test_redis_store_sets_a_ttl_and_claims_once(redis_store) -> None:
    store, client, namespace = redis_store
    keys = Keys(namespace)
    store.save(keys.call("CA1"), {"step": 3}, ttl_seconds=120)

    assert store.load(keys.call("CA1")) == {"step": 3}
    assert 0 < client.ttl(f"{namespace}:call:{{CA1}}") <= 120
    assert store.claim(keys.call_claim("CA1", 3)) is True
    assert store.claim(keys.call_claim("CA1", 3)) is False
    assert store.load(keys.call("unknown")) is None


def test_a_turn_opens_and_closes_in_one_round_trip_each(store) -> None:
    store, keys = store
    opening = Opening(keys.call("CA1"), claim=keys.call_claim("CA1", 0), count_active=True)
    first = store.open(opening)
    again = store.open(opening)  # a concurrent duplicate of the same request
    assert (first.state, first.claimed, first.active_calls) == (None, True, 0)
    assert (again.state, again.claimed) == (None, False)

    store.close(Closing(keys.call("CA1"), {"step": 1}, 60, moves=(board.in_menu("BEKASI", "CA1", 100.0),)))
    reopened = store.open(Opening(keys.call("CA1"), claim=keys.call_claim("CA1", 1), count_active=True))
    assert (reopened.state, reopened.claimed, reopened.active_calls) == ({"step": 1}, True, 1)
    assert store.board.snapshot(160.0).regions["BEKASI"].in_menu == 1


def test_a_message_is_seen_once_counted_and_its_turn_held_until_released(store) -> None:
    store, keys = store
    address = "whatsapp:+6281234567890"

    def opening(sid: str) -> Opening:
        return Opening(
            keys.chat(address),
            claim=keys.chat_lock(address),
            claim_token=sid,
            seen=keys.chat_message(address, sid),
            seen_ttl=60,
            counter=keys.chat_rate(address, 7),
            counter_ttl=61,
        )

    first = store.open(opening("SM1"))
    assert (first.seen, first.claimed, first.count) == (None, True, 1)
    retry = store.open(opening("SM1"))  # Twilio retries while the first is still being handled
    assert (retry.seen, retry.claimed, retry.count) == ("", False, 2)
    other = store.open(opening("SM2"))
    assert (other.seen, other.claimed) == (None, False)  # waits for SM1's turn

    store.release(keys.chat_lock(address), "SM2")  # not SM2's to release
    assert store.open(opening("SM3")).claimed is False
    store.close(
        Closing(
            keys.chat(address),
            {"step": 1},
            60,
            puts=((keys.chat_message(address, "SM1"), "<R/>", 60),),
            release=(keys.chat_lock(address), "SM1"),
        )
    )
    replay = store.open(opening("SM1"))
    assert (replay.seen, replay.claimed) == ("<R/>", True)
    store.release(keys.chat_lock(address), "SM1")  # a replay does not keep the turn it took
    after = store.open(opening("SM2"))
    assert (after.state, after.claimed, after.count) == ({"step": 1}, True, 6)


def test_keys_of_one_conversation_share_a_cluster_hash_tag_and_key_spaces_do_not_meet() -> None:
    keys = Keys("ivr")
    tag = re.compile(r"\{([^}]*)\}")
    assert {tag.search(key).group(1) for key in (keys.call("CA1"), keys.call_claim("CA1", 4))} == {"CA1"}
    chat = [
        keys.chat("sms:+62}8"),
        keys.chat_lock("sms:+62}8"),
        keys.chat_message("sms:+62}8", "SM1"),
        keys.chat_rate("sms:+62}8", 3),
    ]
    assert {tag.search(key).group(1) for key in chat} == {"sms:+62)8"}  # a brace in a number cannot split them
    assert len({keys.call("X1"), keys.chat("X1"), keys.agent("X1")}) == 3


@pytest.mark.parametrize("backend", [b for b in backends.BACKENDS if b in ("postgres", "cluster")], indirect=True)
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
