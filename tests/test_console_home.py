"""The console's home page: today's figures for an agent's region or every region, and its JSON refresh.

Calls go through the signed webhooks at the pinned DEFAULT_NOW (10:00 WIB, Monday 23 Nov 2026).
Hand count for today: Bekasi, A looked up a bill (self-served) and B hung up in the main menu;
Kupang, K hung up in the main menu; W waits in the Bekasi queue since 10:00 (now 10:01:35).
Open urgent complaints: one in Bekasi, one in Kupang (and a resolved one that does not count);
flagged readings: one in Kupang.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import DEFAULT_NOW
from tests.support.calls import (
    BEKASI_CALLER,
    IDPEL,
    KUPANG_CALLER,
    KUPANG_IDPEL,
    KUPANG_METER,
    METER,
    PHONE,
    phone_call,
)
from tests.support.console import add_staff, log_in
from tests.support.factories import DIALED, add_customer
from tests.support.journeys import set_clock
from tests.support.tickets import add_complaint, add_reading, press_all
from tests.support.twilio import FakeTwilio

TILE = re.compile(r'data-tile="(\w+)">\s*<h2>[^<]*</h2>\s*<p class="value[^"]*">([^<]*)')
WAITING_CALLER = "+62215550003"


@pytest.fixture
def today(app: Flask, twilio: FakeTwilio, db_session, regions) -> None:
    add_staff(db_session, regions)
    add_customer(db_session, regions["BEKASI"], idpel=IDPEL, meter_number=METER, phone=PHONE)
    _, kupang_meter = add_customer(db_session, regions["KUPANG"], idpel=KUPANG_IDPEL, meter_number=KUPANG_METER)
    add_complaint(db_session, regions["BEKASI"], ticket_number="3000000001", category="dangerous_installation")
    add_complaint(db_session, regions["KUPANG"], ticket_number="3000000002", category="dangerous_installation")
    add_complaint(
        db_session, regions["BEKASI"], ticket_number="3000000003", category="dangerous_installation", resolved=True,
        status="resolved",
    )  # fmt: skip
    add_complaint(db_session, regions["BEKASI"], ticket_number="3000000004", category="no_power")
    add_reading(db_session, kupang_meter, status="flagged")
    db_session.commit()
    set_clock(app, DEFAULT_NOW)
    a = phone_call(twilio, BEKASI_CALLER, DIALED["BEKASI"])
    a.start()
    press_all(a, "1", IDPEL + "#")
    a.hang_up(duration=42)
    b = phone_call(twilio, "+62215550002", DIALED["BEKASI"])
    b.start()
    b.hang_up(duration=5)
    k = phone_call(twilio, KUPANG_CALLER, DIALED["KUPANG"])
    k.start()
    k.hang_up(duration=5)
    waiting = phone_call(twilio, WAITING_CALLER, DIALED["BEKASI"])
    waiting.start()
    assert waiting.press("0").queue_name == "BEKASI"
    set_clock(app, DEFAULT_NOW + timedelta(seconds=95))


def tiles(html: str) -> dict[str, str]:
    return {name: " ".join(value.split()) for name, value in TILE.findall(html)}


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_an_agent_sees_their_region_today(client: FlaskClient, today) -> None:
    log_in(client, "agent.bekasi")
    html = page(client, "/console/")

    assert tiles(html) == {
        "calls": "2",
        "self_served": "1",
        "waiting": "1",
        "oldest_wait": "1:35",
        "urgent_tickets": "1",
        "readings_to_review": "0",
    }
    assert "(50%)" in html and "Hari ini, 23 Nov 2026" in html
    assert 'href="/console/calls?from=2026-11-23&amp;to=2026-11-23&amp;region=BEKASI"' in html
    assert 'name="region_id"' not in html  # no region picker for an agent
    assert "UP3 Kupang" not in html
    assert tiles(page(client, "/console/?region_id=" + str(99))) == tiles(html)  # asking for another: still theirs


def test_a_supervisor_sees_every_region_and_can_pick_one(client: FlaskClient, today, regions) -> None:
    log_in(client, "spv")
    everything = tiles(page(client, "/console/"))
    kupang = tiles(page(client, f"/console/?region_id={regions['KUPANG']}"))

    assert everything == {
        "calls": "3",
        "self_served": "1",
        "waiting": "1",
        "oldest_wait": "1:35",
        "urgent_tickets": "2",
        "readings_to_review": "1",
    }
    assert kupang == {
        "calls": "1",
        "self_served": "0",
        "waiting": "0",
        "oldest_wait": "Tidak ada",
        "urgent_tickets": "1",
        "readings_to_review": "1",
    }


def test_the_refresh_endpoint_gives_figures_and_tiles(client: FlaskClient, today, regions, twilio) -> None:
    log_in(client, "agent.kupang")
    first = client.get("/console/home.json")
    another = phone_call(twilio, "+623808219999", DIALED["KUPANG"])
    another.start()
    another.hang_up(duration=3)
    second = client.get("/console/home.json").get_json()

    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    body = first.get_json()
    assert (body["day"], body["region"]) == ("2026-11-23", "KUPANG")
    assert body["figures"] == {
        "calls": 1,
        "self_served": 0,
        "self_served_rate": 0.0,
        "waiting": 0,
        "oldest_wait_seconds": None,
        "urgent_tickets": 1,
        "readings_to_review": 1,
    }
    assert tiles(body["html"])["calls"] == "1"
    assert second["figures"]["calls"] == 2 and tiles(second["html"])["calls"] == "2"


def test_the_page_refreshes_itself_with_or_without_javascript(client: FlaskClient, today) -> None:
    log_in(client, "spv")
    response = client.get("/console/")
    html = response.get_data(as_text=True)

    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in html
    assert 'data-refresh-url="/console/home.json"' in html and 'data-refresh-seconds="10"' in html
    assert '<script src="/console/static/refresh.js" defer></script>' in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe-inline" not in policy
    script = client.get("/console/static/refresh.js")
    script.close()
    assert script.status_code == 200


def test_home_and_its_json_need_a_login(client: FlaskClient, today) -> None:
    assert client.get("/console/").status_code == 302
    assert client.get("/console/home.json").status_code == 302


def test_the_home_page_says_when_the_live_board_is_down(app: Flask, client: FlaskClient, today) -> None:
    from ivr.extensions import runtime
    from ivr.state import StateStoreError

    class DeadBoard:
        def snapshot(self, now: float):
            raise StateStoreError("down")

    runtime(app).core.store.board = DeadBoard()
    log_in(client, "spv")
    html = page(client, "/console/")
    assert tiles(html)["waiting"] == "-" and "tidak tersedia" in html
    assert tiles(html)["calls"] == "3"
