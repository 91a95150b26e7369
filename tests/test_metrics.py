"""/metrics after real webhooks: latency histograms per webhook kind and outcome, and the counters that
move when the service apologises, a store fails, the fallback takes over or a texter is rate-limited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from ivr.extensions import runtime
from ivr.notify.outbox import Outgoing, enqueue
from ivr.voice import recovery
from tests.conftest import AUTH_TOKEN
from tests.support.journeys import set_clock
from tests.support.messaging import FakeMessenger
from tests.support.outages import break_database, break_state_store, restore_database
from tests.support.twilio import BASE_URL, FakeTwilio

Scrape = Callable[[], dict[tuple[str, tuple[tuple[str, str], ...]], float]]


@pytest.fixture
def scrape(client: FlaskClient) -> Scrape:
    """Every sample of /metrics by (name, labels); the counters are the process's, so tests compare deltas."""

    def read() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = client.get("/metrics")
        assert response.status_code == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples
        }

    return read


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_webhooks_show_in_latency_histograms_by_kind_and_outcome(
    twilio: FakeTwilio, client: FlaskClient, scrape: Scrape
) -> None:
    before = scrape()
    twilio.start()
    twilio.press("9")
    twilio.press("*")
    twilio.hang_up()
    FakeMessenger(client, AUTH_TOKEN).send("Halo")
    twilio.post("/voice/step?step=1", {"Digits": "1"}, signature="forged")
    after = scrape()

    count = "ivr_webhook_duration_seconds_count"
    assert moved(before, after, count, kind="voice.incoming", outcome="ok") == 1
    assert moved(before, after, count, kind="voice.step", outcome="ok") == 2
    assert moved(before, after, count, kind="voice.status", outcome="ok") == 1
    assert moved(before, after, count, kind="messaging.incoming", outcome="ok") == 1
    assert moved(before, after, count, kind="voice.step", outcome="rejected") == 1
    buckets = {
        dict(labels)["le"]: value
        for (name, labels), value in after.items()
        if name == "ivr_webhook_duration_seconds_bucket" and ("kind", "voice.step") in labels
        and ("outcome", "ok") in labels
    }  # fmt: skip
    assert buckets["+Inf"] >= 2 and buckets["15.0"] == buckets["+Inf"]
    assert moved(before, after, "ivr_webhook_duration_seconds_sum", kind="voice.step", outcome="ok") > 0


def test_a_state_store_failure_counts_the_failure_and_the_apology(
    app: Flask, twilio: FakeTwilio, scrape: Scrape
) -> None:
    twilio.start()
    before = scrape()
    break_state_store(app)
    reply = twilio.press("1")
    after = scrape()

    assert reply.dial_number  # the apology, then the agent line
    assert moved(before, after, "ivr_state_store_failures_total", operation="open") == 1
    assert moved(before, after, "ivr_apologies_total", channel="voice", cause="state_store") == 1
    assert moved(before, after, "ivr_webhook_duration_seconds_count", kind="voice.step", outcome="apology") == 1


def test_a_database_failure_counts_the_failed_turn(app: Flask, twilio: FakeTwilio, scrape: Scrape) -> None:
    twilio.start()
    before = scrape()
    working = break_database(app)
    try:
        twilio.press("9")
    finally:
        restore_database(app, working)
    after = scrape()

    assert moved(before, after, "ivr_database_failures_total", operation="turn") == 1
    assert moved(before, after, "ivr_apologies_total", channel="voice", cause="turn_failed") == 1
    assert moved(before, after, "ivr_errors_total", where="turn", error="OperationalError") == 1


def test_a_fallback_take_over_is_counted(
    app: Flask, twilio: FakeTwilio, scrape: Scrape, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "WAIT_SECONDS", 0.0)
    twilio.start()
    action = twilio.action_url or ""
    step = int(action.split("step=")[1].split("&")[0])
    core = runtime(app).core
    assert core.store.claim(core.keys.call_claim(twilio.call_sid, step))  # a worker died holding the step
    before = scrape()
    twilio.post("/voice/fallback", {"Digits": "9", "ErrorCode": "11200", "ErrorUrl": BASE_URL + action})
    after = scrape()

    assert moved(before, after, "ivr_fallback_requests_total", failed="step") == 1
    assert moved(before, after, "ivr_fallback_takeovers_total", outcome="handled") == 1
    assert moved(before, after, "ivr_webhook_duration_seconds_count", kind="voice.fallback", outcome="ok") == 1


def test_rate_limited_messages_are_counted(app: Flask, client: FlaskClient, regions, scrape: Scrape) -> None:
    limit = runtime(app).settings.messaging_rate_limit
    runtime(app).messaging.limiter.clock = lambda: 1_000_000.0  # one window throughout
    texter = FakeMessenger(client, AUTH_TOKEN)
    before = scrape()
    for _ in range(limit + 2):
        texter.send("*")
    after = scrape()

    assert moved(before, after, "ivr_messages_rate_limited_total", verdict="warn") == 1
    assert moved(before, after, "ivr_messages_rate_limited_total", verdict="quiet") == 1


def test_metrics_still_need_the_token_outside_development(app: Flask) -> None:
    """The app's own /metrics behind METRICS_TOKEN, as before (every rule: tests/test_live.py)."""
    runtime(app).settings = replace(runtime(app).settings, env="production", metrics_token="t0k")
    client = app.test_client()

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer t0k"}).status_code == 200


def test_the_outbox_shows_how_many_messages_wait_and_for_how_long(app: Flask, scrape: Scrape) -> None:
    rt = runtime(app)
    queued_at = rt.clock.now()
    with rt.database.session() as session:
        enqueue(session, "CAmetrics", 1, [Outgoing("p", "+6281234567890", "PLN: hello")], queued_at)
    set_clock(app, queued_at + timedelta(minutes=7))
    after = scrape()
    assert after[("ivr_outbox_pending_messages", ())] == 1
    assert after[("ivr_outbox_oldest_pending_seconds", ())] == pytest.approx(420, abs=1)
