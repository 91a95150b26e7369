"""Announcements in the console: admins publish, edit and end them on the region's clock; nobody else may."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Announcement, User
from tests.conftest import AUTH_TOKEN
from tests.support.catalog import add_announcement
from tests.support.console import add_user, bearer, csrf_from, log_in, token_for
from tests.support.factories import DIALED
from tests.support.journeys import choose, set_clock
from tests.support.openapi import check
from tests.support.twilio import FakeTwilio

PAGE = "/console/admin/announcements"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 WIB, 09:00 WITA, 10:00 WIT
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def people(app: Flask, db_session, regions) -> None:
    set_clock(app, NOW)
    add_user(db_session, "admin", "admin")
    add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"])
    add_user(db_session, "spv", "supervisor")
    db_session.commit()


def _post(client, path: str, data: dict[str, str]):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/console/")})


def _form(regions, **changes: str) -> dict[str, str]:
    form = {
        "region_id": str(regions["KUPANG"]),
        "starts_at": "2026-03-02T09:00",
        "ends_at": "2026-03-09T17:30",
        "text_id": "Kantor Kupang buka sampai pukul 20.00.",
        "text_en": "The Kupang office is open until 8 pm.",
    }
    return {**form, **changes}


def _rows(db_session) -> list[Announcement]:
    db_session.expire_all()
    return list(db_session.scalars(select(Announcement).order_by(Announcement.id)))


def _table(html: str, status: str) -> str:
    start = html.index(f'<table class="announcements" data-status="{status}">')
    return html[start : html.index("</table>", start)]


def _hears(client, region: str, text: str) -> bool:
    call = FakeTwilio(client=client, auth_token=AUTH_TOKEN, dialed=DIALED[region])
    choose(call, "7")
    return text in call.press("3").spoken()


@pytest.mark.parametrize("who", ["agent.bekasi", "spv"])
def test_only_admins_may_open_create_edit_or_end(client, db_session, regions, people, who: str) -> None:
    row = add_announcement(db_session, regions["BEKASI"], NOW - timedelta(days=1), NOW + timedelta(days=1), "Tetap.")
    db_session.commit()
    log_in(client, who)

    assert client.get(PAGE).status_code == 403
    assert _post(client, PAGE, _form(regions)).status_code == 403
    assert client.get(f"{PAGE}/{row.id}").status_code == 403
    assert _post(client, f"{PAGE}/{row.id}", _form(regions)).status_code == 403
    assert _post(client, f"{PAGE}/{row.id}/end", {}).status_code == 403
    assert [(r.text_id, r.ended_at) for r in _rows(db_session)] == [("Tetap.", None)]
    assert f'href="{PAGE}"' not in client.get("/console/").get_data(as_text=True)


def test_a_stranger_is_sent_to_log_in(client, people) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/login")


def test_admin_publishes_on_the_regions_clock_and_kupang_callers_hear_it(client, db_session, regions, people) -> None:
    log_in(client, "admin")
    assert f'href="{PAGE}"' in client.get("/console/").get_data(as_text=True)

    created = _post(client, PAGE, _form(regions, text_id="Baris satu\n  baris   dua."))
    page = client.get(created.headers["Location"]).get_data(as_text=True)

    assert created.status_code == 302 and created.headers["Location"] == PAGE + "?msg=created"
    [row] = _rows(db_session)
    assert (row.starts_at, row.ends_at) == (NOW, datetime(2026, 3, 9, 9, 30, tzinfo=UTC))  # 09:00 and 17:30 WITA
    assert (row.region_id, row.text_id, row.ended_at) == (regions["KUPANG"], "Baris satu baris dua.", None)
    current = _table(page, "current")
    assert "2 Mar 2026 09.00 WITA" in current and "9 Mar 2026 17.30 WITA" in current
    assert "UP3 Kupang" in current and "The Kupang office is open until 8 pm." in current
    assert "Tidak ada." in _table(page, "upcoming")
    assert _hears(client, "KUPANG", "Baris satu baris dua.")
    assert not _hears(client, "BEKASI", "Baris satu baris dua.")


def test_every_region_is_typed_on_the_national_clock(client, db_session, regions, people) -> None:
    log_in(client, "admin")
    _post(client, PAGE, _form(regions, region_id="", starts_at="2026-03-02 10:00", ends_at="2026-03-03 10:00"))

    [row] = _rows(db_session)
    assert (row.region_id, row.starts_at) == (None, datetime(2026, 3, 2, 3, 0, tzinfo=UTC))  # 10:00 WIB
    assert "2 Mar 2026 10.00 WIB" in _table(client.get(PAGE).get_data(as_text=True), "upcoming")


def test_markup_is_escaped_in_the_list_and_the_edit_form(client, db_session, regions, people) -> None:
    log_in(client, "admin")
    _post(client, PAGE, _form(regions, text_id="Awas " + HOSTILE, text_en="</textarea>" + HOSTILE))
    [row] = _rows(db_session)
    listed = client.get(PAGE).get_data(as_text=True)
    edit = client.get(f"{PAGE}/{row.id}").get_data(as_text=True)

    assert row.text_id == "Awas " + HOSTILE  # stored as typed: it is plain text, escaped where shown
    assert "Awas &lt;script&gt;alert(1)&lt;/script&gt;" in listed and "&lt;/textarea&gt;&lt;script&gt;" in listed
    assert HOSTILE not in listed and HOSTILE not in edit and "&lt;/textarea&gt;" in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text_en": "  "}, "Teks bahasa Inggris wajib diisi."),
        ({"text_id": ""}, "Teks Bahasa Indonesia wajib diisi."),
        ({"text_id": "x" * 301}, "Teks Bahasa Indonesia paling banyak 300 karakter (sekarang 301)."),
        ({"text_en": "bell \x07"}, "Teks bahasa Inggris berisi karakter kendali"),
        ({"ends_at": "2026-03-02T09:00"}, "Waktu selesai harus sesudah waktu mulai."),
        ({"starts_at": "2026-03-01T07:00", "ends_at": "2026-03-02T08:59"}, "Waktu selesai sudah lewat"),
        ({"starts_at": "2026-02-30T09:00"}, "Mulai bukan tanggal yang ada."),
        ({"ends_at": "besok"}, "Selesai wajib diisi sebagai tanggal dan jam"),
        ({"starts_at": "2026-03-02T09:00+00:00"}, "Mulai wajib diisi sebagai tanggal dan jam"),
        ({"starts_at": "0001-01-01T00:00"}, "Mulai wajib diisi sebagai tanggal dan jam"),
        ({"region_id": "99999"}, "Wilayah tidak dikenal."),
        ({"region_id": "abc"}, "Wilayah tidak dikenal."),
    ],
)
def test_a_bad_form_is_refused_naming_the_problem_and_keeping_the_typing(
    client, db_session, regions, people, changes: dict[str, str], message: str
) -> None:
    log_in(client, "admin")
    response = _post(client, PAGE, _form(regions, **changes))
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert re.search(r'<p class="error" role="alert">([^<]*)</p>', html).group(1).startswith(message)
    assert "The Kupang office is open until 8 pm." in html or "text_en" in changes
    assert _rows(db_session) == []


def test_admin_edits_an_announcement_on_its_regions_clock(client, db_session, regions, people) -> None:
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 09:00 WIT
    row = add_announcement(db_session, regions["JAYAPURA"], start, start + timedelta(days=2), "Lama.", "Old.")
    db_session.commit()
    log_in(client, "admin")

    form = client.get(f"{PAGE}/{row.id}").get_data(as_text=True)
    saved = _post(client, f"{PAGE}/{row.id}", {
        "region_id": str(regions["JAYAPURA"]), "starts_at": "2026-03-02T09:00", "ends_at": "2026-03-02T21:00",
        "text_id": "Baru.", "text_en": "New.",
    })  # fmt: skip

    assert 'value="2026-03-02T09:00"' in form and 'value="2026-03-04T09:00"' in form and ">Lama.</textarea>" in form
    assert saved.status_code == 302 and saved.headers["Location"] == PAGE + "?msg=updated"
    [edited] = _rows(db_session)
    assert (edited.starts_at, edited.ends_at) == (start, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert (edited.text_id, edited.text_en, edited.updated_at) == ("Baru.", "New.", NOW)
    assert edited.updated_by_id is not None


def test_a_bad_edit_shows_the_form_again_and_changes_nothing(client, db_session, regions, people) -> None:
    row = add_announcement(db_session, regions["BEKASI"], NOW, NOW + timedelta(days=1), "Tetap.")
    db_session.commit()
    log_in(client, "admin")
    response = _post(client, f"{PAGE}/{row.id}", _form(regions, text_id="Diubah.", text_en=""))

    assert response.status_code == 422
    assert "Teks bahasa Inggris wajib diisi." in response.get_data(as_text=True)
    assert ">Diubah.</textarea>" in response.get_data(as_text=True)
    assert [r.text_id for r in _rows(db_session)] == ["Tetap."]


def test_ending_stops_callers_hearing_it_and_keeps_it_listed_as_ended(client, db_session, regions, people) -> None:
    row = add_announcement(db_session, regions["BEKASI"], NOW - timedelta(days=1), NOW + timedelta(days=5), "Akhiri.")
    upcoming = add_announcement(db_session, None, NOW + timedelta(days=1), NOW + timedelta(days=2), "Batal.")
    db_session.commit()
    log_in(client, "admin")
    assert _hears(client, "BEKASI", "Akhiri.")

    ended = _post(client, f"{PAGE}/{row.id}/end", {})
    called_off = _post(client, f"{PAGE}/{upcoming.id}/end", {})
    page = client.get(PAGE).get_data(as_text=True)

    assert ended.headers["Location"] == called_off.headers["Location"] == PAGE + "?msg=ended"
    assert [(r.ended_at, r.ends_at) for r in _rows(db_session)] == [
        (NOW, NOW + timedelta(days=5)), (NOW, NOW + timedelta(days=2))
    ]  # fmt: skip
    assert "Akhiri." in _table(page, "ended") and "Batal." in _table(page, "ended")
    assert "Tidak ada." in _table(page, "current") and "Tidak ada." in _table(page, "upcoming")
    assert not _hears(client, "BEKASI", "Akhiri.")


def test_an_ended_announcement_is_history(client, db_session, regions, people) -> None:
    row = add_announcement(db_session, regions["BEKASI"], NOW - timedelta(days=2), NOW, "Lewat.")
    db_session.commit()
    log_in(client, "admin")

    for response in (
        client.get(f"{PAGE}/{row.id}"),
        _post(client, f"{PAGE}/{row.id}", _form(regions)),
        _post(client, f"{PAGE}/{row.id}/end", {}),
    ):
        assert response.status_code == 409
        assert "sudah selesai tidak dapat diubah" in response.get_data(as_text=True)
    assert [(r.text_id, r.ended_at) for r in _rows(db_session)] == [("Lewat.", None)]
    assert client.get(f"{PAGE}/99999").status_code == 404


def test_the_api_lists_what_callers_hear_now_for_admin_tokens_only(client, db_session, regions, people) -> None:
    users = {u.username: u for u in db_session.scalars(select(User))}
    admin, agent = token_for(db_session, users["admin"]), token_for(db_session, users["agent.bekasi"])
    day = timedelta(days=1)
    add_announcement(db_session, regions["KUPANG"], NOW - 2 * day, NOW + day, "Kupang <b>&</b>.", "Kupang.")
    add_announcement(db_session, None, NOW - day, NOW + day, "Semua.", "All.")
    add_announcement(db_session, None, NOW + day, NOW + 2 * day, "Nanti.")
    add_announcement(db_session, None, NOW - day, NOW + day, "Diakhiri.", ended_at=NOW - timedelta(minutes=1))
    db_session.commit()

    listed = client.get("/api/v1/announcements", headers=bearer(admin))
    refused = client.get("/api/v1/announcements", headers=bearer(agent))

    body = check(listed, "get", "/announcements")
    assert [(a["region_id"], a["text_id"], a["text_en"]) for a in body["items"]] == [
        (None, "Semua.", "All."), (regions["KUPANG"], "Kupang <b>&</b>.", "Kupang.")
    ]  # fmt: skip
    assert body["items"][0]["starts_at"] == (NOW - day).isoformat()
    assert refused.status_code == 403 and check(refused, "get", "/announcements")
