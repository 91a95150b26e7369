"""Home, live, the screen pop, calls, a call's page and callbacks in English for a viewer who chose it.

Each page is read twice by the same viewer: in Indonesian (the default, unchanged) and after the
header's switch to English. A few key words are looked for, not whole pages; the partials the
pages' scripts fetch (home.json, live.json, the pop's poll) follow the viewer's language too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from db.models import Complaint
from ivr.console import calls, work
from ivr.console.formatting import LANGUAGE_LABELS, MESSAGE_STATUS_LABELS
from ivr.console.translate import ENGLISH
from tests.conftest import DEFAULT_NOW
from tests.support.console import add_staff, choose_language, csrf_from, log_in
from tests.support.journeys import set_clock
from tests.support.queues import agent_phone, bridge
from tests.support.twilio import FakeTwilio

AGENT_PHONE = "+6281200000001"


def get(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def in_both(client: FlaskClient, path: str) -> tuple[str, str]:
    """The page in Indonesian, then in English."""
    choose_language(client, "id")
    indonesian = get(client, path)
    choose_language(client, "en")
    return indonesian, get(client, path)


def has(html: str, *words: str) -> bool:
    missing = [word for word in words if word not in html]
    assert not missing, missing
    return True


def lacks(html: str, *words: str) -> bool:
    found = [word for word in words if word in html]
    assert not found, found
    return True


@pytest.fixture
def staff(db_session, regions) -> None:
    people = add_staff(db_session, regions)
    people["bekasi"].phone = AGENT_PHONE
    db_session.commit()


def test_every_label_these_pages_translate_where_shown_has_an_english_entry() -> None:
    shown = {
        *calls.OUTCOME_LABELS.values(),
        *calls.CHANNEL_LABELS.values(),
        *calls.MISS_REASONS.values(),
        *LANGUAGE_LABELS.values(),
        *MESSAGE_STATUS_LABELS.values(),
        *work.REASON_LABELS.values(),
        *work.CATEGORY_LABELS.values(),
        work.MESSAGES["done"],
        *("Tanggal awal", "Tanggal akhir", "Hasil", "Menu", "Saluran"),  # the calls filter's problems
    }
    assert sorted(shown - set(ENGLISH)) == []


def test_home_and_its_refresh(client: FlaskClient, app: Flask, staff) -> None:
    set_clock(app, DEFAULT_NOW)
    log_in(client, "spv")
    indonesian, english = in_both(client, "/console/")

    assert has(indonesian, "<title>Beranda", "Selamat datang, Spv", "Panggilan hari ini", "Semua wilayah", "Buka")
    assert has(english, "<title>Home", "Welcome, Spv", "Calls today", "Waiting now", "Longest wait now")
    assert has(english, "Open urgent complaints", "Meter readings to review", "All regions", "Updated every 10 seconds")
    assert has(english, "<h2>Go to</h2>", ">Calls</a></li>", ">Statistics</a></li>")
    assert lacks(english, "Panggilan hari ini", "Selamat datang", "Menunggu sekarang", "Diperbarui setiap")
    tiles = client.get("/console/home.json").get_json()["html"]
    assert has(tiles, "Calls today", "Today, Nov 23, 2026 · All regions · as of") and lacks(tiles, "Hari ini")


def test_live_and_its_refresh(client: FlaskClient, app: Flask, staff) -> None:
    set_clock(app, DEFAULT_NOW)
    log_in(client, "agent.bekasi")
    indonesian, english = in_both(client, "/console/live")

    assert has(indonesian, "<h1>Langsung</h1>", "Wilayah / antrean", "Tidak ada yang menunggu", "Agen terhubung")
    assert has(english, "<h1>Live</h1>", "Region / queue", "In the menus", "Longest wait", "Agents connected")
    assert has(english, "Nobody waiting", "updated every 10 seconds", "The board could not be updated")
    assert lacks(english, "Wilayah / antrean", "Tidak ada yang menunggu", "diperbarui setiap")
    board = client.get("/console/live.json").get_json()["html"]
    assert has(board, "Region / queue") and lacks(board, "Di menu")


def test_the_screen_pop_and_what_its_forms_answer(
    app: Flask, client: FlaskClient, twilio: FakeTwilio, staff, db_session
) -> None:
    set_clock(app, DEFAULT_NOW)
    agent = app.test_client()
    log_in(agent, "agent.bekasi")
    indonesian, english = in_both(agent, "/console/now")
    assert has(indonesian, "<h1>Panggilan saat ini</h1>", "Belum ada penelepon yang tersambung ke Anda")
    assert has(english, "<h1>Call in hand</h1>", "No caller is connected to you yet") and lacks(english, "Belum ada")

    twilio.start()
    twilio.press("0")
    phone = agent_phone(client, twilio.auth_token, AGENT_PHONE)
    phone.post("/voice/agent/incoming")
    bridge(twilio, phone.call_sid, queue_time=95)
    polled = agent.get("/console/now/poll").get_json()["html"]
    assert has(polled, "Caller", "Open tickets", "Open a ticket", "Billing", "Done · next", "Schedule a callback")
    assert lacks(polled, "Penelepon", "Tiket terbuka", "Buka tiket", "Tagihan")

    form = {"csrf_token": csrf_from(agent, "/console/now"), "call_sid": twilio.call_sid, "category": "billing"}
    opened = agent.post("/console/now/ticket", data=form).get_data(as_text=True)
    [ticket] = db_session.scalars(select(Complaint).where(Complaint.call_sid == twilio.call_sid))
    assert has(opened, f"Ticket {ticket.ticket_number} created.")
    again = agent.post("/console/now/ticket", data=form).get_data(as_text=True)
    assert has(again, f"Ticket {ticket.ticket_number} already exists for this call.")
    booked = agent.post("/console/now/callback", data=form).get_data(as_text=True)
    assert has(booked, "Callback booked.")
    gone = agent.post("/console/now/ticket", data={**form, "call_sid": "CAnobody"}).get_data(as_text=True)
    assert has(gone, "Call not found.")


def test_calls_and_a_calls_page(app: Flask, client: FlaskClient, twilio: FakeTwilio, staff) -> None:
    set_clock(app, DEFAULT_NOW)
    twilio.start()
    twilio.hang_up(duration=5)
    log_in(client, "spv")

    indonesian, english = in_both(client, "/console/calls?from=2026-11-23")
    assert has(indonesian, "<h1>Panggilan</h1>", "Semua hasil", "Ditutup di menu", "Hapus filter", "1 panggilan")
    assert has(english, "<h1>Calls</h1>", "All outcomes", "Hung up in the menus", "Clear filters", "Calls found: 1.")
    assert has(english, "<th>Channel</th>", "<th>Outcome</th>", "<th>Last menu</th>", "Page 1 of 1", "Voice")
    assert lacks(english, "Semua hasil", "Ditutup di menu", "Halaman 1 dari 1", "Telepon")
    problems = get(client, "/console/calls?from=kemarin&outcome=nope")
    assert has(problems, "Start date must be written YYYY-MM-DD.", "Outcome not recognised.")

    indonesian, english = in_both(client, f"/console/calls/{twilio.call_sid}")
    assert has(indonesian, f"<h1>Panggilan {twilio.call_sid}</h1>", "<dt>Saluran</dt>", "Yang dibuat dari panggilan")
    assert has(english, f"<h1>Call {twilio.call_sid}</h1>", "&larr; All calls", "<dt>Channel</dt>", "<dt>Outcome</dt>")
    assert has(english, "<dt>Ended</dt>", "<dt>Customer</dt>", "Raw events", "<th>Event</th>", "Created from this call")
    assert lacks(english, "<dt>Saluran</dt>", "<dt>Selesai</dt>", "Kejadian mentah", "Yang dibuat dari panggilan")


def test_callbacks(app: Flask, client: FlaskClient, twilio: FakeTwilio, staff) -> None:
    set_clock(app, datetime(2026, 11, 22, 16, 30, tzinfo=UTC))  # 23:30 WIB: Bekasi's agents have gone home
    twilio.start()
    twilio.press("0")
    assert twilio.press("1").hangs_up
    set_clock(app, DEFAULT_NOW)
    log_in(client, "agent.bekasi")

    indonesian, english = in_both(client, "/console/callbacks")
    assert has(indonesian, "<h1>Panggil balik</h1>", "Di luar jam layanan", "Catatan (opsional)", ">Selesai</button>")
    assert has(english, "<h1>Callbacks</h1>", "Callers waiting to be called back: 1;", "<th>Reason</th>")
    assert has(english, "Outside service hours", "Indonesian", "Note (optional)", ">Done</button>")
    assert lacks(english, "Di luar jam layanan", "Catatan (opsional)", "penelepon menunggu")
    done = client.post(
        f"/console/callbacks/{_callback_id(english)}/done",
        data={"csrf_token": csrf_from(client, "/console/callbacks")},
        follow_redirects=True,
    )
    assert has(done.get_data(as_text=True), "Callback marked done.", "No callback requests.")


def _callback_id(html: str) -> str:
    return html.split('<tr class="callback', 1)[1].split('data-id="', 1)[1].split('"', 1)[0]
