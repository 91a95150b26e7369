"""The screen pop and who may see a call, through signed webhooks and the console.

An agent's line takes a caller (the agent-line call, then the bridge on the caller's side); that
agent's /console/now (and its JSON poll) shows the caller, nobody else's does. An agent also sees
every call they answered, from any region, in the console and in the API; others still get 404.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from db.models import CallbackRequest, Complaint, TicketUpdate, User
from ivr.extensions import runtime
from ivr.state import StateStoreError
from tests.conftest import DEFAULT_NOW
from tests.support.calls import ESCAPED_SCRIPT, SCRIPT
from tests.support.console import add_staff, add_user, bearer, log_in, token_for
from tests.support.factories import DIALED, add_bill, add_customer
from tests.support.journeys import set_clock
from tests.support.queues import overflowed_and_taken, taken
from tests.support.twilio import FakeTwilio

IDPEL = "532110000001"
AGENT_PHONE = "+6281200000001"
NATIONAL_PHONE = "+6281200000002"
KUPANG_CALLER = "+623808251234"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def staff(db_session, regions) -> dict[str, User]:
    people = add_staff(db_session, regions)  # agent.bekasi, agent.kupang, spv
    people["bekasi"].phone = AGENT_PHONE
    people["national"] = add_user(db_session, "agent.nasional", "agent", regions["NASIONAL"])
    people["national"].phone = NATIONAL_PHONE
    db_session.commit()
    return people


def console(app: Flask, username: str) -> FlaskClient:
    browser = app.test_client()
    log_in(browser, username)
    return browser


def poll(browser: FlaskClient, shown: str = "") -> dict:
    response = browser.get("/console/now/poll", query_string={"shown": shown})
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def known_caller(db_session, regions) -> None:
    """The Bekasi caller is a customer with an unpaid bill."""
    customer, _ = add_customer(db_session, regions["BEKASI"], idpel=IDPEL, phone="+62215551234")
    add_bill(db_session, customer, date(2026, 10, 1), kwh=162, amount=245_500, paid=False)
    db_session.commit()


# -- the screen pop -------------------------------------------------------------------------------


def test_the_agent_who_takes_the_caller_sees_them_and_nobody_else_does(
    app: Flask, client: FlaskClient, twilio: FakeTwilio, staff, known_caller
) -> None:
    agent, other, supervisor = console(app, "agent.bekasi"), console(app, "agent.kupang"), console(app, "spv")
    assert poll(agent) == {"state": "idle", "call_sid": None}
    twilio.start()
    twilio.press("1")
    twilio.press("2")  # another account than the one of this phone...
    twilio.press(IDPEL)  # ...typed, to look at its bill
    assert twilio.press("0").queue_name == "BEKASI"
    set_clock(app, DEFAULT_NOW + timedelta(seconds=95))
    taken(client, twilio, AGENT_PHONE)

    answer = poll(agent)
    assert (answer["state"], answer["call_sid"], answer["caller"]) == ("call", twilio.call_sid, "+62215551234")
    html = answer["html"]
    assert "(021) 5551234" in html
    assert "Siti Rahmawati" in html and IDPEL in html  # the customer, recognised
    assert "********0001" in html  # what they typed, masked
    assert runtime(app).engine.flows.flows["bill"].title("id") in html  # the menu path, in words
    assert "1:35" in html  # waited 95 s
    assert "245.500" in html  # the unpaid bill
    assert f"/console/calls/{twilio.call_sid}" in html
    assert "Selesai" in html

    assert "html" not in poll(agent, shown=twilio.call_sid)  # nothing new: no database read, no html
    assert poll(other) == {"state": "idle", "call_sid": None}
    assert poll(supervisor) == {"state": "idle", "call_sid": None}
    page = supervisor.get("/console/now")
    assert page.status_code == 200 and "Belum ada penelepon" in page.get_data(as_text=True)
    mine = agent.get("/console/now")
    assert "(021) 5551234" in mine.get_data(as_text=True)
    assert "script-src 'self'" in mine.headers["Content-Security-Policy"]


def test_the_call_stays_until_the_agent_is_done_and_the_next_bridge_replaces_it(
    app: Flask, client: FlaskClient, twilio: FakeTwilio, staff
) -> None:
    agent = console(app, "agent.bekasi")
    twilio.start()
    twilio.press("0")
    taken(client, twilio, AGENT_PHONE)
    assert poll(agent)["call_sid"] == twilio.call_sid
    assert poll(agent)["call_sid"] == twilio.call_sid  # polls do not consume it

    second = FakeTwilio(client=client, auth_token=twilio.auth_token, caller="+62215559876")
    second.start()
    second.press("0")
    taken(client, second, AGENT_PHONE)
    answer = poll(agent, shown=twilio.call_sid)
    assert answer["call_sid"] == second.call_sid and "(021) 5559876" in answer["html"]

    token = _CSRF.search(agent.get("/console/now").get_data(as_text=True)).group(1)
    stale = agent.post("/console/now/done", data={"csrf_token": token, "call_sid": twilio.call_sid})
    assert stale.status_code == 302
    assert poll(agent)["call_sid"] == second.call_sid  # a late click on the first caller clears nothing
    agent.post("/console/now/done", data={"csrf_token": token, "call_sid": second.call_sid})
    answer = poll(agent, shown=second.call_sid)
    assert answer["state"] == "idle" and "Belum ada penelepon" in answer["html"]
    assert agent.post("/console/now/done", data={"call_sid": second.call_sid}).status_code == 400  # no CSRF token


def test_what_the_caller_sent_is_escaped(app: Flask, client: FlaskClient, twilio: FakeTwilio, staff) -> None:
    hostile = FakeTwilio(client=client, auth_token=twilio.auth_token, caller=f"sip:{SCRIPT}@x", dialed=DIALED["BEKASI"])
    hostile.start()
    hostile.press("0")
    taken(client, hostile, AGENT_PHONE)
    html = poll(console(app, "agent.bekasi"))["html"]
    assert SCRIPT not in html and ESCAPED_SCRIPT in html


def test_the_page_says_so_when_the_store_cannot_be_read(app: Flask, staff, monkeypatch) -> None:
    agent = console(app, "agent.bekasi")

    def down(key: str):
        raise StateStoreError("down")

    monkeypatch.setattr(runtime(app).core.store, "load", down)
    response = agent.get("/console/now/poll")
    assert response.status_code == 503 and response.get_json() == {"state": "unavailable"}
    page = agent.get("/console/now").get_data(as_text=True)
    assert "tidak dapat dibaca" in page


def test_agents_have_the_menu_entry(app: Flask, staff) -> None:
    assert "Panggilan saat ini" in console(app, "agent.bekasi").get("/console/calls").get_data(as_text=True)
    assert "Panggilan saat ini" not in console(app, "spv").get("/console/calls").get_data(as_text=True)


# -- who may see a call ---------------------------------------------------------------------------


def test_an_agent_sees_a_call_they_answered_from_another_region_and_no_other(
    app: Flask, client: FlaskClient, twilio: FakeTwilio, db_session, staff
) -> None:
    answered = overflowed_and_taken(client, twilio.auth_token, KUPANG_CALLER, DIALED["KUPANG"], NATIONAL_PHONE)
    unanswered = FakeTwilio(
        client=client, auth_token=twilio.auth_token, caller="+623808259999", dialed=DIALED["KUPANG"]
    )
    unanswered.start()
    unanswered.hang_up()

    national = console(app, "agent.nasional")
    assert national.get(f"/console/calls/{answered.call_sid}").status_code == 200
    assert national.get(f"/console/calls/{unanswered.call_sid}").status_code == 404
    listing = national.get("/console/calls").get_data(as_text=True)
    assert answered.call_sid in listing and unanswered.call_sid not in listing
    assert poll(national)["call_sid"] == answered.call_sid
    bekasi = console(app, "agent.bekasi")
    assert bekasi.get(f"/console/calls/{answered.call_sid}").status_code == 404

    tokens = {name: token_for(db_session, staff[name]) for name in ("national", "bekasi", "spv")}
    db_session.commit()
    api = client.get("/api/v1/calls", headers=bearer(tokens["national"])).get_json()
    assert [row["call_sid"] for row in api["items"]] == [answered.call_sid]
    detail = client.get(f"/api/v1/calls/{answered.call_sid}", headers=bearer(tokens["national"]))
    assert detail.status_code == 200 and detail.get_json()["caller"] == KUPANG_CALLER
    assert client.get(f"/api/v1/calls/{unanswered.call_sid}", headers=bearer(tokens["national"])).status_code == 404
    assert client.get(f"/api/v1/calls/{answered.call_sid}", headers=bearer(tokens["bekasi"])).status_code == 404
    everyone = client.get("/api/v1/calls", headers=bearer(tokens["spv"])).get_json()
    assert {row["call_sid"] for row in everyone["items"]} == {answered.call_sid, unanswered.call_sid}


def test_the_agent_opens_a_ticket_and_a_callback_for_the_caller_in_hand(
    app: Flask, client: FlaskClient, twilio: FakeTwilio, staff, known_caller, db_session
) -> None:
    agent, other = console(app, "agent.bekasi"), console(app, "agent.kupang")
    twilio.start()
    twilio.press("0")
    taken(client, twilio, AGENT_PHONE)
    page = agent.get("/console/now").get_data(as_text=True)
    assert 'action="/console/now/ticket"' in page and 'action="/console/now/callback"' in page
    token = _CSRF.search(page).group(1)
    form = {"csrf_token": token, "call_sid": twilio.call_sid, "category": "billing", "note": "Tagihan <b>dobel</b>"}

    opened = agent.post("/console/now/ticket", data=form)
    again = agent.post("/console/now/ticket", data=form)  # a double click: the same ticket

    db_session.expire_all()
    [ticket] = db_session.scalars(select(Complaint).where(Complaint.call_sid == twilio.call_sid))
    assert (ticket.category, ticket.region_id, ticket.callback_number) == (
        "billing",
        staff["bekasi"].region_id,
        twilio.caller,
    )
    assert ticket.customer_id is not None and ticket.description == "Tagihan <b>dobel</b>"
    assert f"Tiket {ticket.ticket_number} dibuat." in opened.get_data(as_text=True)
    assert "sudah ada untuk panggilan ini" in again.get_data(as_text=True)
    [history] = db_session.scalars(select(TicketUpdate).where(TicketUpdate.ticket_id == ticket.id))
    assert history.user_id == staff["bekasi"].id and history.note.startswith("Dibuka petugas dari panggilan")

    booked = agent.post("/console/now/callback", data={"csrf_token": token, "call_sid": twilio.call_sid})
    assert "Panggil balik dicatat." in booked.get_data(as_text=True)
    [callback] = db_session.scalars(select(CallbackRequest).where(CallbackRequest.call_sid == twilio.call_sid))
    assert (callback.number, callback.reason) == (twilio.caller, "agent")
    twice = agent.post("/console/now/callback", data={"csrf_token": token, "call_sid": twilio.call_sid})
    assert "sudah tercatat" in twice.get_data(as_text=True)

    bad = agent.post("/console/now/ticket", data={**form, "category": "nonsense"})
    assert bad.status_code == 400 and "Kategori tidak dikenal" in bad.get_data(as_text=True)
    other_token = _CSRF.search(other.get("/console/now").get_data(as_text=True)).group(1)
    refused = other.post("/console/now/ticket", data={**form, "csrf_token": other_token})  # not theirs to see
    assert refused.status_code == 400 and "Panggilan tidak ditemukan" in refused.get_data(as_text=True)
    assert agent.post("/console/now/callback", data={"call_sid": twilio.call_sid}).status_code == 400  # no CSRF
