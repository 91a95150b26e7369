"""Work queues, tickets, readings, customers, users, announcements and login in English for a viewer who chose it.

Each page is read twice: in English (its words, labels, messages and refusals) and, by default, in Indonesian
as before. Every label dict and refusal these pages show has its English entry.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from db.models import Reading
from ivr.console import admin, announcements, auth_views, customers, readings, work
from ivr.console.formatting import LANGUAGE_LABELS, MESSAGE_STATUS_LABELS
from ivr.console.translate import ENGLISH
from ivr.queries.tickets import STATUS_LABELS
from ivr.services import announcements as rules
from tests.support.console import add_staff, add_user, choose_language, csrf_from, log_in
from tests.support.factories import add_customer
from tests.support.journeys import set_clock
from tests.support.tickets import NOW, add_complaint

ROOT = Path(__file__).parent.parent
REFUSAL = re.compile(r"""(?:TicketError|ReviewError)\(\s*(["'])(.+?)\1""")


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    set_clock(app, NOW)


@pytest.fixture
def people(db_session, regions) -> None:
    add_staff(db_session, regions)


def _post(client: FlaskClient, path: str, data: dict[str, str]):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/console/")})


def _html(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def test_the_labels_and_refusals_of_these_pages_have_english_entries() -> None:
    labels = {
        *STATUS_LABELS.values(), *work.CATEGORY_LABELS.values(), *work.NOTICE_LABELS.values(),
        work.MESSAGES["saved"], *(title for _, _, title in work.KIND_PAGES.values()),
        *readings.FLAG_LABELS.values(), *readings.SOURCE_LABELS.values(), *readings.MESSAGES.values(),
        *customers.PAYMENT_LABELS.values(), *admin.ROLE_LABELS.values(), *admin.MESSAGES.values(),
        *announcements.STATUS_LABELS.values(), *announcements.MESSAGES.values(), auth_views.WRONG,
        *LANGUAGE_LABELS.values(), *MESSAGE_STATUS_LABELS.values(), rules.text_problem(""), rules.text_problem("\x07"),
    }  # fmt: skip
    raised = {
        m.group(2)
        for path in ("ivr/queries/tickets.py", "ivr/queries/readings.py")
        for m in REFUSAL.finditer((ROOT / path).read_text())
    }
    assert "{what} wajib diisi." in raised and 'Status tidak dapat diubah dari "{old}" ke "{new}".' in raised
    assert sorted((labels | raised | {"Catatan", "Alasan penolakan"}) - set(ENGLISH)) == []


def test_the_complaints_queue_in_english_and_in_indonesian(client, db_session, regions, people) -> None:
    add_complaint(db_session, regions["BEKASI"], ticket_number="3000000001", created_at=NOW - timedelta(minutes=40))
    add_complaint(
        db_session, regions["BEKASI"], ticket_number="3000000002", category="dangerous_installation",
        created_at=NOW - timedelta(days=3),
    )  # fmt: skip
    db_session.commit()
    log_in(client, "agent.bekasi")

    indonesian = _html(client, "/console/complaints")
    choose_language(client, "en")
    english = _html(client, "/console/complaints?status=resolved")
    english_all = _html(client, "/console/complaints?status=all")

    assert "<h1>Pengaduan</h1>" in indonesian and "Perlu ditangani" in indonesian and "40 menit" in indonesian
    assert "Instalasi berbahaya" in indonesian and "Halaman 1 dari 1" in indonesian and "MENDESAK" in indonesian
    assert "2 pengaduan, mendesak lebih dulu" in indonesian
    assert "<h1>Complaints</h1>" in english and ">To do</a>" in english and "<th>Phone number</th>" in english
    assert "No complaints with this status." in english and "Page 1 of 1" in english
    assert "Pengaduan" not in english and "Perlu ditangani" not in english
    assert "2 complaints, urgent first" in english_all and "Dangerous installation" in english_all
    assert "40 min" in english_all and "3 d" in english_all and "URGENT" in english_all and "New" in english_all
    assert "Service requests" in _html(client, "/console/requests")


def test_a_ticket_and_its_refusals_in_english(client, db_session, regions, people) -> None:
    ticket = add_complaint(db_session, regions["BEKASI"], ticket_number="3123456789", status="closed")
    db_session.commit()
    log_in(client, "agent.bekasi")
    path = f"/console/complaints/{ticket.id}"

    refused_id = _post(client, path, {"status": "open", "note": "dibuka lagi"}).get_data(as_text=True)
    choose_language(client, "en")
    english = _html(client, path)
    refused = _post(client, path, {"status": "open", "note": "again"})
    too_long = _post(client, path, {"status": "", "note": "x" * 501}).get_data(as_text=True)
    saved = _post(client, path, {"status": "", "note": "Checked on site."})

    assert "Status tidak dapat diubah dari &#34;Ditutup&#34; ke &#34;Baru&#34;." in refused_id
    assert "Change status / add a note" in english and "<th>Customer told</th>" in english
    assert "Closed (unchanged)" in english and ">Save</button>" in english and "No changes yet." in english
    assert "Ubah status" not in english and "Riwayat" not in english
    assert refused.status_code == 422
    assert "The status cannot change from &#34;Closed&#34; to &#34;New&#34;." in refused.get_data(as_text=True)
    assert "Note is too long (501 characters, at most 500)." in too_long
    assert saved.status_code == 302 and "Changes saved." in _html(client, saved.headers["Location"])


def _flagged(db_session, regions) -> Reading:
    _, meter = add_customer(db_session, regions["BEKASI"], name="Siti Rahmawati")
    reading = Reading(
        reference="2345678901", meter_id=meter.id, period=date(2026, 11, 1), stand=4900, status="flagged",
        source="ivr", flag_reason="lower_than_last_accepted", submitted_at=NOW - timedelta(hours=3),
    )  # fmt: skip
    db_session.add(reading)
    db_session.commit()
    return reading


def test_flagged_readings_in_english(client, db_session, regions, people) -> None:
    reading = _flagged(db_session, regions)
    log_in(client, "agent.bekasi")
    indonesian = _html(client, "/console/readings")
    choose_language(client, "en")

    english = _html(client, "/console/readings")
    empty = _post(client, f"/console/readings/{reading.id}/review", {"decision": "reject", "reason": " "})
    accepted = _post(client, f"/console/readings/{reading.id}/review", {"decision": "accept"})

    assert "Baca meter: perlu diperiksa" in indonesian and "Lebih rendah dari stand terakhir" in indonesian
    assert "Meter readings: to review" in english and "1 flagged readings, oldest first." in english
    assert "Lower than the last accepted reading" in english and "Phone 123" in english
    assert ">Accept</button>" in english and ">Reject</button>" in english and "<th>Why flagged</th>" in english
    assert "perlu diperiksa" not in english and "Terima" not in english
    assert empty.status_code == 422 and "Reason for rejection is required." in empty.get_data(as_text=True)
    assert "Reading accepted." in _html(client, accepted.headers["Location"])


def test_customer_search_and_page_in_english(client, db_session, regions, people) -> None:
    customer, _ = add_customer(db_session, regions["BEKASI"], name="Siti Rahmawati", window=(25, 5))
    ticket = add_complaint(db_session, regions["BEKASI"], ticket_number="3000000009")
    ticket.customer_id = customer.id
    db_session.commit()
    log_in(client, "agent.bekasi")
    indonesian = _html(client, f"/console/customers/{customer.id}")
    choose_language(client, "en")

    found = _html(client, "/console/customers?q=532110000001")
    missing = _html(client, "/console/customers?q=<nobody>")
    english = _html(client, f"/console/customers/{customer.id}")

    assert "<h2>Tagihan (12 terakhir)</h2>" in indonesian and "tanggal 25\u20135 bulan berikutnya" in indonesian
    assert "<h1>Find a customer</h1>" in found and "<th>Address</th>" in found and "Postpaid" in found
    assert "<th>Phone</th>" in found and "Cari" not in found
    assert "No customer matches “&lt;nobody&gt;”." in missing
    assert "<h2>Bills (latest 12)</h2>" in english and "<h2>Complaints and service requests</h2>" in english
    assert "from day 25 to day 5 of the next month, every month" in english and "No token purchases." in english
    assert "Complaint" in english and "3000000009" in english and "No calls." in english
    assert "Tagihan" not in english and "Tidak ada" not in english


def _admin(db_session) -> None:
    add_user(db_session, "admin", "admin")
    db_session.commit()


def test_users_page_and_its_refusals_in_english(client, db_session, regions, people) -> None:
    _admin(db_session)
    log_in(client, "admin")
    indonesian = _html(client, "/console/admin/users")
    choose_language(client, "en")

    english = _html(client, "/console/admin/users")
    short = _post(client, "/console/admin/users", {"username": "x", "full_name": "X", "role": "agent"})
    issued = _post(client, "/console/admin/users/1/tokens", {"name": "robot"})
    shown = _html(client, issued.headers["Location"])

    assert "<h2>Tambah pengguna</h2>" in indonesian and "Nama pengguna" in indonesian
    assert "<h2>Add a user</h2>" in english and "<th>Username</th>" in english and "<th>Role</th>" in english
    assert ">Agent</td>" in english and ">Supervisor</td>" in english and ">Yes</td>" in english
    assert ">Create token</button>" in english and "Change password" in english
    assert "Tambah pengguna" not in english and "Nama pengguna" not in english
    assert short.status_code == 422 and "The username must be 3-64 characters" in short.get_data(as_text=True)
    assert "Token created." in shown and "New token “robot” for" in shown and "shown only once" in shown


def _form(regions, **changes: str) -> dict[str, str]:
    form = {
        "region_id": str(regions["KUPANG"]),
        "starts_at": "2026-11-23T09:00",
        "ends_at": "2026-11-30T17:30",
        "text_id": "Kantor Kupang buka sampai pukul 20.00.",
        "text_en": "The Kupang office is open until 8 pm.",
    }
    return {**form, **changes}


def test_announcements_and_their_refusals_in_english(client, db_session, regions, people) -> None:
    _admin(db_session)
    log_in(client, "admin")
    path = "/console/admin/announcements"
    refused_id = _post(client, path, _form(regions, ends_at="besok")).get_data(as_text=True)
    choose_language(client, "en")

    english = _html(client, path)
    bad_date = _post(client, path, _form(regions, ends_at="besok")).get_data(as_text=True)
    too_long = _post(client, path, _form(regions, text_en="x" * 2000)).get_data(as_text=True)
    published = _post(client, path, _form(regions))
    listed = _html(client, published.headers["Location"])
    edit = _html(client, listed[listed.index("/console/admin/announcements/") :].split('"')[0])

    assert "Selesai wajib diisi sebagai tanggal dan jam" in refused_id and "<th>Mulai</th>" in refused_id
    assert "<h2>Current</h2>" in english and "<h2>Upcoming</h2>" in english and "<h2>Ended</h2>" in english
    assert "<th>Starts</th>" in english and "<th>Ends</th>" in english and "Add an announcement" in english
    assert ">Publish</button>" in english and "Indonesian text (max." in english and "None." in english
    assert "Pengumuman" not in english and "Selesai" not in english and "Mulai" not in english
    assert "End must be a date and time (YYYY-MM-DD HH:MM)." in bad_date
    assert "English text is too long: at most" in too_long
    assert "Announcement published." in listed and ">End now</button>" in listed
    assert "<h1>Edit announcement</h1>" in edit and "All announcements" in edit and ">Save</button>" in edit


def test_the_login_page_and_its_refusal_in_english(client, people) -> None:
    indonesian = _html(client, "/console/login")
    token = csrf_from(client, "/console/login")
    client.post("/console/language", data={"language": "en", "next": "/console/login", "csrf_token": token})

    english = _html(client, "/console/login")
    wrong = log_in(client, "agent.bekasi", "not the password")

    assert "<h1>Masuk</h1>" in indonesian and "Kata sandi" in indonesian
    assert "<h1>Log in</h1>" in english and "Username" in english and ">Log in</button>" in english
    assert "Masuk" not in english and "Kata sandi" not in english
    assert wrong.status_code == 401 and "Wrong username or password." in wrong.get_data(as_text=True)
