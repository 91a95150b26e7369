"""Console work queues and reading review as agents use them, and what callers then hear in menu 4."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import CallbackRequest, Complaint, Reading, TicketUpdate, User
from ivr.services.readings import baseline
from tests.support.console import add_staff, csrf_from, log_in
from tests.support.factories import add_customer
from tests.support.journeys import choose, set_clock
from tests.support.tickets import NOW, add_complaint, add_request
from tests.support.twilio import FakeTwilio

TICKET = "3123456789"
HOSTILE = "<script>alert(1)</script>"
ROW = re.compile(r'<tr class="ticket( urgent)?" data-number="(\d+)">')


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    set_clock(app, NOW)  # 02:00 UTC = 09:00 WIB = 10:00 WITA


@pytest.fixture
def people(db_session, regions) -> None:
    add_staff(db_session, regions)


def _rows(html: str) -> list[tuple[str, bool]]:
    return [(number, bool(urgent)) for urgent, number in ROW.findall(html)]


def _ticket(db_session, region_id, number: str = TICKET, **fields) -> Complaint:
    complaint = add_complaint(db_session, region_id, ticket_number=number, **fields)
    db_session.commit()
    return complaint


def _post(client, path: str, data: dict[str, str]):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/console/")})


def test_complaints_urgent_first_then_oldest_with_age_and_status_tabs(client, db_session, regions, people) -> None:
    bekasi = regions["BEKASI"]
    add_complaint(db_session, bekasi, ticket_number="3000000001", created_at=NOW - timedelta(hours=5))
    add_complaint(db_session, bekasi, ticket_number="3000000002", created_at=NOW - timedelta(days=3, hours=2))
    add_complaint(
        db_session,
        bekasi,
        ticket_number="3000000003",
        category="dangerous_installation",
        created_at=NOW - timedelta(minutes=40),
    )
    add_complaint(
        db_session, bekasi, ticket_number="3000000004", status="in_progress", created_at=NOW - timedelta(hours=1)
    )
    add_complaint(db_session, bekasi, ticket_number="3000000005", status="resolved", created_at=NOW - timedelta(days=9))
    add_complaint(db_session, regions["KUPANG"], ticket_number="3000000006", created_at=NOW - timedelta(days=1))
    db_session.commit()
    log_in(client, "agent.bekasi")

    page = client.get("/console/complaints")
    html = page.get_data(as_text=True)
    resolved = client.get("/console/complaints?status=resolved").get_data(as_text=True)
    everything = client.get("/console/complaints?status=all").get_data(as_text=True)

    assert page.status_code == 200
    assert _rows(html) == [("3000000003", True), ("3000000002", False), ("3000000001", False), ("3000000004", False)]
    assert "3 hari" in html and "40 menit" in html and "5 jam" in html
    assert 'href="/console/complaints?status=resolved"' in html
    for label in ("Pengaduan", "Permohonan", "Panggil balik", "Baca meter"):
        assert f">{label}</a>" in html
    assert _rows(resolved) == [("3000000005", False)]
    assert [number for number, _ in _rows(everything)] == [
        "3000000003", "3000000005", "3000000002", "3000000001", "3000000004"
    ]  # fmt: skip
    assert client.get("/console/complaints?status=bogus").status_code == 404


def test_requests_are_paginated(client, db_session, regions, people) -> None:
    for index in range(27):
        add_request(
            db_session,
            regions["BEKASI"],
            reference=f"60000000{index:02d}",
            updated_at=NOW - timedelta(hours=60 - index),
        )
    db_session.commit()
    log_in(client, "spv")

    first = client.get("/console/requests").get_data(as_text=True)
    second = client.get("/console/requests?page=2").get_data(as_text=True)

    assert len(_rows(first)) == 25 and _rows(first)[0] == ("6000000000", False)
    assert [number for number, _ in _rows(second)] == ["6000000025", "6000000026"]
    assert "Halaman 1 dari 2" in first and 'href="/console/requests?status=active&amp;page=2"' in first
    assert "Halaman 2 dari 2" in second


def test_ticket_page_shows_details_in_the_regions_local_time(client, db_session, regions, people) -> None:
    customer, _ = add_customer(db_session, regions["KUPANG"], name="Yohanes Bria")
    ticket = _ticket(db_session, regions["KUPANG"], created_at=NOW - timedelta(hours=2), call_sid="CAfromthecall")
    ticket.customer_id, ticket.recording_url = customer.id, "https://api.twilio.com/Recordings/RE1"
    ticket.description = "Kabel putus di depan rumah."
    db_session.commit()
    log_in(client, "spv")

    html = client.get(f"/console/complaints/{ticket.id}").get_data(as_text=True)

    assert "23 Nov 2026 08.00 WITA" in html  # created 00:00 UTC, shown on Kupang's clock
    assert "Yohanes Bria (IDPEL 532110000001)" in html
    assert '<a href="https://api.twilio.com/Recordings/RE1"' in html
    assert "CAfromthecall" in html and "Kabel putus di depan rumah." in html
    assert "0811-1111-1111" in html  # callback number, nationally formatted
    assert "Belum ada perubahan." in html


def test_another_regions_agent_gets_404_and_changes_nothing(client, db_session, regions, people) -> None:
    ticket = _ticket(db_session, regions["BEKASI"])
    log_in(client, "agent.kupang")

    assert client.get(f"/console/complaints/{ticket.id}").status_code == 404
    assert _post(client, f"/console/complaints/{ticket.id}", {"status": "closed", "note": "x"}).status_code == 404
    assert client.get("/console/complaints/999999").status_code == 404
    assert TICKET not in client.get("/console/complaints?status=all").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Complaint, ticket.id).status == "open"
    assert db_session.scalars(select(TicketUpdate)).all() == []


def test_a_change_is_recorded_and_the_caller_hears_it_in_menu_4(
    client, db_session, regions, people, twilio: FakeTwilio
) -> None:
    ticket = _ticket(db_session, regions["BEKASI"], created_at=NOW - timedelta(days=1))
    log_in(client, "agent.bekasi")
    note = "Kabel sudah diperbaiki, listrik menyala kembali."

    saved = _post(client, f"/console/complaints/{ticket.id}", {"status": "resolved", "note": note})
    page = client.get(saved.headers["Location"]).get_data(as_text=True)

    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/console/complaints/{ticket.id}?msg=saved"
    assert "Perubahan disimpan." in page
    history = page[page.index("<h2>Riwayat</h2>") :]
    assert "23 Nov 2026 09.00 WIB" in history and "Agent Bekasi" in history
    assert "Baru &rarr; Selesai" in history and note in history
    db_session.expire_all()
    agent = db_session.scalars(select(User).where(User.username == "agent.bekasi")).one()
    [update] = db_session.scalars(select(TicketUpdate)).all()
    assert (update.ticket_kind, update.ticket_id, update.user_id, update.at) == ("complaint", ticket.id, agent.id, NOW)
    assert (update.old_status, update.new_status, update.note) == ("open", "resolved", note)
    stored = db_session.get(Complaint, ticket.id)
    assert (stored.status, stored.last_note, stored.updated_at, stored.resolved_at) == ("resolved", note, NOW, NOW)

    choose(twilio, "4")
    texts = [say.text for say in twilio.press(TICKET).root.findall("Say")]  # the answer, before the <Gather>
    assert texts[1] == "Status: selesai ditangani."
    assert "pukul sembilan tepat WIB" in texts[2]
    assert texts[3:5] == ["Catatan petugas:", note]


@pytest.mark.parametrize(
    ("start", "form", "message"),
    [
        (
            "closed",
            {"status": "open", "note": "dibuka lagi"},
            "Status tidak dapat diubah dari &#34;Ditutup&#34; ke &#34;Baru&#34;",
        ),
        ("open", {"status": "", "note": "   "}, "Tidak ada perubahan"),
        ("open", {"status": "in_progress", "note": "x" * 501}, "terlalu panjang (501 karakter, paling banyak 500)"),
    ],
)
def test_bad_changes_are_refused_with_a_message(client, db_session, regions, people, start, form, message) -> None:
    ticket = _ticket(db_session, regions["BEKASI"], status=start)
    log_in(client, "agent.bekasi")

    response = _post(client, f"/console/complaints/{ticket.id}", form)
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert message in html and 'class="error"' in html
    assert f'maxlength="500">{form["note"]}</textarea>' in html  # what the agent typed is still there
    db_session.expire_all()
    assert db_session.get(Complaint, ticket.id).status == start
    assert db_session.scalars(select(TicketUpdate)).all() == []


def test_a_change_without_the_csrf_token_is_refused(client, db_session, regions, people) -> None:
    ticket = _ticket(db_session, regions["BEKASI"])
    log_in(client, "agent.bekasi")

    response = client.post(f"/console/complaints/{ticket.id}", data={"status": "closed", "note": "x"})

    assert response.status_code == 400
    db_session.expire_all()
    assert db_session.get(Complaint, ticket.id).status == "open"
    assert db_session.scalars(select(TicketUpdate)).all() == []


def test_hostile_notes_and_recording_urls_are_escaped_and_not_linked(client, db_session, regions, people) -> None:
    ticket = _ticket(db_session, regions["BEKASI"])
    ticket.recording_url, ticket.description = "javascript:alert(1)", HOSTILE
    db_session.commit()
    log_in(client, "agent.bekasi")

    _post(client, f"/console/complaints/{ticket.id}", {"status": "in_progress", "note": HOSTILE})
    detail = client.get(f"/console/complaints/{ticket.id}").get_data(as_text=True)
    listing = client.get("/console/complaints").get_data(as_text=True)

    for html in (detail, listing):
        assert HOSTILE not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in detail
    assert '<span class="muted">javascript:alert(1)</span>' in detail


def test_callbacks_from_the_ivr_are_listed_and_marked_done(
    app: Flask, client, db_session, regions, people, twilio: FakeTwilio
) -> None:
    set_clock(app, datetime(2026, 11, 22, 16, 30, tzinfo=UTC))  # 23:30 WIB: Bekasi's agents have gone home
    twilio.start()
    twilio.press("0")
    assert twilio.press("1").hangs_up  # "call me back on this number"
    set_clock(app, NOW)
    log_in(client, "agent.bekasi")

    html = client.get("/console/callbacks").get_data(as_text=True)
    [callback] = db_session.scalars(select(CallbackRequest)).all()
    log_in(client, "agent.kupang")
    kupang_list = client.get("/console/callbacks").get_data(as_text=True)
    kupang_done = _post(client, f"/console/callbacks/{callback.id}/done", {})
    log_in(client, "agent.bekasi")
    done = _post(client, f"/console/callbacks/{callback.id}/done", {"note": "Sudah ditelepon, " + HOSTILE})
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    again = _post(client, f"/console/callbacks/{callback.id}/done", {})

    assert "(021) 5551234" in html and "22 Nov 2026 23.30 WIB" in html
    assert "main_menu.welcome \u203a main_menu.menu" in html and "Di luar jam layanan" in html
    assert f'data-id="{callback.id}"' in html and f'data-id="{callback.id}"' not in kupang_list
    assert kupang_done.status_code == 404
    assert done.status_code == 302 and "Panggil balik ditandai selesai." in after
    assert f'data-id="{callback.id}"' not in after
    assert again.status_code == 422 and "sudah selesai" in again.get_data(as_text=True)
    db_session.expire_all()
    stored = db_session.get(CallbackRequest, callback.id)
    agent = db_session.scalars(select(User).where(User.username == "agent.bekasi")).one()
    assert (stored.status, stored.fulfilled_at, stored.fulfilled_by_id) == ("done", NOW, agent.id)
    assert stored.note == "Sudah ditelepon, " + HOSTILE


def _flagged(db_session, regions, *, media_url: str | None = None) -> tuple[Reading, int]:
    _, meter = add_customer(db_session, regions["BEKASI"], name="Siti Rahmawati")
    for reference, period, stand, status in (
        ("2000000001", date(2026, 10, 1), 5000, "accepted"),
        ("2345678901", date(2026, 11, 1), 4900, "flagged"),
    ):
        db_session.add(
            Reading(
                reference=reference, meter_id=meter.id, period=period, stand=stand, status=status, source="ivr",
                flag_reason="lower_than_last_accepted" if status == "flagged" else None, media_url=media_url,
                submitted_at=NOW - timedelta(hours=3),
            )
        )  # fmt: skip
    db_session.commit()
    return db_session.scalars(select(Reading).where(Reading.status == "flagged")).one(), meter.id


def test_flagged_readings_are_listed_and_accepted_as_the_next_baseline(client, db_session, regions, people) -> None:
    reading, meter_id = _flagged(db_session, regions, media_url="javascript:alert(1)")
    log_in(client, "agent.bekasi")

    html = client.get("/console/readings").get_data(as_text=True)
    accepted = _post(client, f"/console/readings/{reading.id}/review", {"decision": "accept"})
    after = client.get(accepted.headers["Location"]).get_data(as_text=True)

    row = html[html.index('data-reference="2345678901"') :]
    assert '<td class="stand">4900</td>' in row and '<td class="previous">5000 ' in row
    assert "Lebih rendah dari stand terakhir yang diterima" in row and "14000000001" in row
    assert 'href="javascript:' not in html
    assert accepted.status_code == 302 and "Pembacaan diterima." in after
    assert 'data-reference="2345678901"' not in after
    db_session.expire_all()
    assert baseline(db_session, meter_id, date(2026, 12, 1)).reference == "2345678901"


def test_a_rejection_needs_a_reason_that_the_caller_then_hears(
    client, db_session, regions, people, twilio: FakeTwilio
) -> None:
    reading, _ = _flagged(db_session, regions, media_url="https://media.example.co.id/m.jpg")
    log_in(client, "agent.kupang")
    assert _post(client, f"/console/readings/{reading.id}/review", {"decision": "accept"}).status_code == 404
    log_in(client, "agent.bekasi")
    assert '<a href="https://media.example.co.id/m.jpg"' in client.get("/console/readings").get_data(as_text=True)

    empty = _post(client, f"/console/readings/{reading.id}/review", {"decision": "reject", "reason": "  "})
    rejected = _post(client, f"/console/readings/{reading.id}/review", {"decision": "reject", "reason": "Foto buram."})

    assert empty.status_code == 422 and "Alasan penolakan wajib diisi." in empty.get_data(as_text=True)
    assert rejected.status_code == 302
    db_session.expire_all()
    stored = db_session.get(Reading, reading.id)
    assert (stored.status, stored.review_note, stored.reviewed_at) == ("rejected", "Foto buram.", NOW)
    choose(twilio, "4")
    spoken = twilio.press("2345678901").spoken()
    assert "angka stand meter tidak dapat" in spoken and "Foto buram." in spoken


def test_every_staff_role_opens_the_pages_and_strangers_log_in_first(client, db_session, regions, people) -> None:
    pages = ("/console/complaints", "/console/requests", "/console/callbacks", "/console/readings")
    assert all(client.get(path).status_code == 302 for path in pages)
    for username in ("agent.bekasi", "spv"):
        log_in(client, username)
        assert [client.get(path).status_code for path in pages] == [200, 200, 200, 200]
