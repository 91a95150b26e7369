"""The console's live page: who waits per queue (urgent first, each with their wait), the agents on the
line (serving or holding for the next caller), "nobody waiting" rather than 0:00, and its JSON refresh.

Everything goes through the signed webhooks at pinned times: two routine Bekasi callers pressed 0 at
+0 s and +20 s, an urgent one (a dangerous installation report) at +30 s; an agent phoned the agent
line at +60 s and took the urgent caller; a second agent phoned in and holds; another urgent caller
queued at +70 s. Now is +100 s.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.console import live as live_view
from tests.conftest import AUTH_TOKEN, DEFAULT_NOW
from tests.support.calls import live_rows
from tests.support.console import add_staff, log_in
from tests.support.journeys import choose, set_clock
from tests.support.queues import add_agent, agent_phone, bridge
from tests.support.twilio import FakeTwilio

NOW = DEFAULT_NOW.timestamp() + 100


def _caller(app: Flask, client: FlaskClient, number: str, at: int) -> FakeTwilio:
    set_clock(app, DEFAULT_NOW + timedelta(seconds=at))
    return FakeTwilio(client=client, auth_token=AUTH_TOKEN, caller=number)


def _urgent(app: Flask, client: FlaskClient, number: str, at: int) -> FakeTwilio:
    """A caller who reported a dangerous installation: a ticket, then straight to the urgent tier."""
    caller = _caller(app, client, number, at)
    choose(caller, "3")
    caller.press("4")
    assert caller.press("1").queue_name == "BEKASI-DARURAT"
    return caller


@pytest.fixture
def staff(db_session, regions) -> None:
    add_staff(db_session, regions)
    add_agent(db_session, regions["BEKASI"], "+6281200000001", "agen.satu")
    add_agent(db_session, regions["BEKASI"], "+6281200000002", "agen.dua").full_name = "Budi Santoso"
    db_session.commit()


@pytest.fixture
def queue(app: Flask, client: FlaskClient, staff, monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeTwilio]:
    callers = {}
    for name, number, at in (("first", "+6281311110001", 0), ("second", "+6281311110002", 20)):
        caller = _caller(app, client, number, at)
        caller.start()
        assert caller.press("0").queue_name == "BEKASI"
        callers[name] = caller
    urgent = _urgent(app, client, "+6281311110003", 30)
    set_clock(app, DEFAULT_NOW + timedelta(seconds=60))
    serving = agent_phone(client, AUTH_TOKEN, "+6281200000001")
    assert serving.post("/voice/agent/incoming").find("Dial").find("Queue").text == "BEKASI-DARURAT"
    bridge(urgent, serving.call_sid, queue_time=30)
    agent_phone(client, AUTH_TOKEN, "+6281200000002").post("/voice/agent/incoming")
    callers["urgent"] = _urgent(app, client, "+6281311110004", 70)
    set_clock(app, DEFAULT_NOW + timedelta(seconds=100))
    monkeypatch.setattr(live_view, "now", lambda: NOW)
    return callers


def card(html: str, code: str) -> str:
    return html.split(f'<section class="queue-card" data-queue="{code}">')[1].split("</section>")[0]


def test_callers_waiting_with_their_waits_and_the_agents_on_the_line(client: FlaskClient, queue) -> None:
    log_in(client, "spv")
    html = client.get("/console/live").get_data(as_text=True)
    bekasi = card(html, "BEKASI")
    waits = re.findall(r'<li class="caller[^"]*" data-wait="(\d+)">', bekasi)

    assert live_rows(html)["BEKASI"] == {
        "in-menu": "0", "waiting": "3", "longest": "1:40", "agents": "2"
    }  # fmt: skip
    assert '<td class="urgent-waiting"><span class="urgent">1</span></td>' in html
    assert waits == ["30", "100", "80"]  # the way agents take them: the urgent caller first
    assert bekasi.count('<span class="urgent">MENDESAK</span>') == 1
    assert 'class="caller urgent-caller" data-wait="30"' in bekasi
    assert re.search(r'class="agents-connected">2<.*class="agents-serving">1<.*class="agents-holding">1<', bekasi, re.S)
    assert "Dewi Lestari · 0:40" in bekasi  # took the first urgent caller at +60 s
    assert "+6281311110001" not in html and "****0001" in html  # numbers masked


def test_nobody_waiting_says_so(client: FlaskClient, staff, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_view, "now", lambda: NOW)
    log_in(client, "agent.bekasi")
    html = client.get("/console/live").get_data(as_text=True)

    assert live_rows(html)["BEKASI"]["longest"] == "Tidak ada yang menunggu"
    assert "0:00" not in html and 'class="queue-card"' not in html


def test_the_live_json_refresh(client: FlaskClient, queue) -> None:
    log_in(client, "agent.bekasi")
    response = client.get("/console/live.json")
    body = response.get_json()
    queues = {q["code"]: q for q in body["queues"]}

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert set(queues) == {"BEKASI", "NASIONAL"}
    assert queues["BEKASI"] == {
        "code": "BEKASI",
        "name": "UP3 Bekasi",
        "in_menu": 0,
        "waiting": 3,
        "urgent_waiting": 1,
        "longest_wait_seconds": 100,
        "agents_connected": 2,
        "agents_serving": 1,
        "agents_holding": 1,
        "callers": [
            {"wait_seconds": 30, "urgent": True},
            {"wait_seconds": 100, "urgent": False},
            {"wait_seconds": 80, "urgent": False},
        ],
    }
    assert queues["NASIONAL"]["longest_wait_seconds"] is None
    assert card(body["html"], "BEKASI") == card(client.get("/console/live").get_data(as_text=True), "BEKASI")
    assert client.get("/console/live").headers.get("Refresh") is None  # the script refreshes; <noscript> reloads


def test_the_live_json_when_the_board_is_down(app: Flask, client: FlaskClient, staff) -> None:
    from ivr.extensions import runtime
    from ivr.state import StateStoreError

    class DeadBoard:
        def snapshot(self, now: float):
            raise StateStoreError("down")

    runtime(app).core.store.board = DeadBoard()
    log_in(client, "spv")
    response = client.get("/console/live.json")
    assert response.status_code == 503
    assert response.get_json()["queues"] is None and "tidak tersedia" in response.get_json()["html"]
