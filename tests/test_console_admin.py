"""Administration: admins manage users and API tokens in the console; agents and supervisors may not."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from db.models import ApiToken, User
from ivr.auth.passwords import verify_password
from tests.support.console import add_user, bearer, csrf_from, log_in, token_for
from tests.support.openapi import check

PAGE = "/console/admin/users"
HOSTILE = "<script>alert(1)</script>"
RAW_TOKEN = re.compile(r'<code class="raw-token">(ivr_[A-Za-z0-9_-]+)</code>')
NEW_PASSWORD = "a long enough secret"


@pytest.fixture
def people(db_session, regions) -> dict[str, int]:
    users = {
        "admin": add_user(db_session, "admin", "admin"),
        "agent": add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"]),
        "supervisor": add_user(db_session, "spv", "supervisor"),
    }
    db_session.commit()
    return {name: user.id for name, user in users.items()}


def _post(client, path: str, data: dict[str, str]):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/console/")})


def _form(regions, **changes: str) -> dict[str, str]:
    form = {
        "username": "agent.baru",
        "full_name": "Agen Baru",
        "role": "agent",
        "region_id": str(regions["BEKASI"]),
        "phone": "0812-3456-7890",
        "password": NEW_PASSWORD,
    }
    return {**form, **changes}


def _user(db_session, username: str) -> User | None:
    db_session.expire_all()
    return db_session.scalars(select(User).where(User.username == username)).one_or_none()


def _row(html: str, username: str) -> str:
    start = html.index(f'<tr class="user" data-username="{username}">')
    return html[start : html.index("</tr>", start)]


def test_admin_creates_a_user_who_then_logs_in(app: Flask, client, db_session, regions, people) -> None:
    log_in(client, "admin")

    created = _post(client, PAGE, _form(regions, full_name="Agen " + HOSTILE))
    page = client.get(created.headers["Location"]).get_data(as_text=True)

    assert created.status_code == 302 and created.headers["Location"] == PAGE + "?msg=created"
    assert "Pengguna dibuat." in page
    row = _row(page, "agent.baru")
    assert "Agen &lt;script&gt;alert(1)&lt;/script&gt;" in row and HOSTILE not in page
    assert "<td>Agen</td>" in row and "<td>+6281234567890</td>" in row and '<td class="active">Ya</td>' in row
    user = _user(db_session, "agent.baru")
    assert (user.role, user.region_id, user.phone, user.active) == ("agent", regions["BEKASI"], "+6281234567890", True)
    assert user.password_hash.startswith("scrypt:") and verify_password(user.password_hash, NEW_PASSWORD)

    newcomer = app.test_client()
    assert log_in(newcomer, "agent.baru", "wrong password!").status_code == 401
    login = log_in(newcomer, "agent.baru", NEW_PASSWORD)
    assert login.status_code == 302 and login.headers["Location"] == "/console/"
    assert "Agen &lt;script&gt;" in newcomer.get("/console/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "123456789"}, "Kata sandi paling sedikit 10 karakter."),
        ({"username": "agent.bekasi"}, "Nama pengguna sudah dipakai."),
        ({"username": "a b"}, "Nama pengguna harus 3-64 karakter"),
        ({"full_name": "  "}, "Nama lengkap wajib diisi"),
        ({"role": "root"}, "Peran tidak dikenal."),
        ({"region_id": ""}, "Agen harus punya wilayah."),
        ({"region_id": "999999"}, "Wilayah tidak dikenal."),
        ({"phone": "bukan nomor"}, "Nomor telepon tidak valid."),
    ],
)
def test_bad_users_are_refused_and_what_was_typed_stays(client, db_session, regions, people, changes, message) -> None:
    log_in(client, "admin")
    form = _form(regions, **changes)

    response = _post(client, PAGE, form)
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert message in html and 'class="error"' in html
    assert f'name="full_name" maxlength="120" required value="{form["full_name"].strip()}"' in html
    assert f'name="phone" maxlength="64" value="{form["phone"]}"' in html
    assert NEW_PASSWORD not in html  # a password is never sent back
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(User)) == 3


def test_typed_region_and_role_stay_selected(client, regions, people) -> None:
    log_in(client, "admin")
    html = _post(client, PAGE, _form(regions, role="supervisor", password="short")).get_data(as_text=True)
    assert '<option value="supervisor" selected>' in html
    assert f'<option value="{regions["BEKASI"]}" selected>' in html


def test_a_deactivated_user_cannot_log_in_and_their_token_stops_working(app: Flask, client, db_session, people) -> None:
    token = token_for(db_session, db_session.get(User, people["agent"]))
    db_session.commit()
    agent = app.test_client()
    log_in(agent, "agent.bekasi")
    assert agent.get("/console/complaints").status_code == 200
    assert client.get("/api/v1/calls", headers=bearer(token)).status_code == 200
    log_in(client, "admin")

    off = _post(client, f"/console/admin/users/{people['agent']}/active", {"active": "0"})

    assert off.status_code == 302 and "Pengguna dinonaktifkan." in client.get(off.headers["Location"]).get_data(
        as_text=True
    )
    assert _user(db_session, "agent.bekasi").active is False
    assert log_in(app.test_client(), "agent.bekasi").status_code == 401
    assert agent.get("/console/complaints").status_code == 302  # the open session ends too
    refused = client.get("/api/v1/calls", headers=bearer(token))
    assert refused.status_code == 401 and check(refused, "get", "/calls")

    on = _post(client, f"/console/admin/users/{people['agent']}/active", {"active": "1"})
    assert on.status_code == 302 and _user(db_session, "agent.bekasi").active is True
    assert log_in(app.test_client(), "agent.bekasi").status_code == 302


def test_an_admin_cannot_deactivate_themself(client, db_session, people) -> None:
    log_in(client, "admin")
    page = client.get(PAGE).get_data(as_text=True)

    response = _post(client, f"/console/admin/users/{people['admin']}/active", {"active": "0"})

    assert f'action="/console/admin/users/{people["admin"]}/active"' not in page
    assert f'action="/console/admin/users/{people["agent"]}/active"' in page
    assert response.status_code == 422
    assert "tidak dapat menonaktifkan akun Anda sendiri" in response.get_data(as_text=True)
    assert _user(db_session, "admin").active is True
    assert client.get(PAGE).status_code == 200


def test_a_token_issued_in_the_console_is_shown_once_works_and_is_revoked(client, db_session, people) -> None:
    log_in(client, "admin")

    issued = _post(client, f"/console/admin/users/{people['agent']}/tokens", {"name": "skrip " + HOSTILE})
    first = client.get(issued.headers["Location"]).get_data(as_text=True)
    second = client.get(PAGE).get_data(as_text=True)

    assert issued.status_code == 302 and "ivr_" not in issued.headers["Location"]
    [raw] = RAW_TOKEN.findall(first)
    assert "Token dibuat." in first and "skrip &lt;script&gt;" in first and HOSTILE not in first
    assert raw not in second and not RAW_TOKEN.search(second)  # shown once only
    db_session.expire_all()
    [stored] = db_session.scalars(select(ApiToken)).all()
    assert (stored.user_id, stored.prefix, stored.revoked_at) == (people["agent"], raw[:12], None)
    assert raw not in (stored.token_hash, stored.name)
    assert f'<tr class="token" data-id="{stored.id}">' in second and f"<code>{raw[:12]}…</code>" in second

    works = client.get("/api/v1/calls", headers=bearer(raw))
    assert works.status_code == 200 and check(works, "get", "/calls")["items"] == []

    revoked = _post(client, f"/console/admin/tokens/{stored.id}/revoke", {})
    again = _post(client, f"/console/admin/tokens/{stored.id}/revoke", {})

    assert revoked.status_code == 302 and "Token dicabut." in client.get(revoked.headers["Location"]).get_data(
        as_text=True
    )
    assert again.status_code == 422 and "Token sudah dicabut." in again.get_data(as_text=True)
    refused = client.get("/api/v1/calls", headers=bearer(raw))
    assert refused.status_code == 401 and check(refused, "get", "/calls")
    db_session.expire_all()
    assert db_session.get(ApiToken, stored.id).revoked_at is not None


@pytest.mark.parametrize("username", ["agent.bekasi", "spv"])
def test_agents_and_supervisors_may_not_administer(app: Flask, client, db_session, people, username) -> None:
    user = _user(db_session, username)
    token = token_for(db_session, user)
    db_session.commit()
    log_in(client, username)

    page = client.get(PAGE)
    create = _post(client, PAGE, {"username": "sneaky", "full_name": "S", "role": "admin", "password": "x" * 12})
    issue = _post(client, f"/console/admin/users/{user.id}/tokens", {"name": "mine"})
    api = client.get("/api/v1/users", headers=bearer(token))
    home = client.get("/console/").get_data(as_text=True)

    assert page.status_code == 403 and create.status_code == 403 and issue.status_code == 403
    assert api.status_code == 403 and "role" in check(api, "get", "/users")["error"]
    assert ">Pengguna</a>" not in home and 'href="/console/admin/users"' not in home
    assert _user(db_session, "sneaky") is None
    assert len(db_session.scalars(select(ApiToken)).all()) == 1


def test_admins_see_the_menu_entry_and_list_users_over_the_api(client, db_session, people) -> None:
    admin_token = token_for(db_session, db_session.get(User, people["admin"]))
    db_session.commit()
    log_in(client, "admin")

    home = client.get("/console/").get_data(as_text=True)
    response = client.get("/api/v1/users", headers=bearer(admin_token))
    anonymous = client.get("/api/v1/users")

    assert '<a href="/console/admin/users">Pengguna</a>' in home
    body = check(response, "get", "/users")
    assert response.status_code == 200
    assert [(u["username"], u["role"], u["active"]) for u in body["items"]] == [
        ("admin", "admin", True), ("agent.bekasi", "agent", True), ("spv", "supervisor", True)
    ]  # fmt: skip
    assert anonymous.status_code == 401 and check(anonymous, "get", "/users")


def test_forms_without_the_csrf_token_are_refused(client, db_session, regions, people) -> None:
    token = token_for(db_session, db_session.get(User, people["agent"]))
    db_session.commit()
    log_in(client, "admin")
    stored = db_session.scalars(select(ApiToken)).one()

    responses = [
        client.post(PAGE, data=_form(regions)),
        client.post(f"/console/admin/users/{people['agent']}/active", data={"active": "0"}),
        client.post(f"/console/admin/users/{people['agent']}/tokens", data={"name": "x"}),
        client.post(f"/console/admin/tokens/{stored.id}/revoke", data={"csrf_token": "forged"}),
    ]

    assert [r.status_code for r in responses] == [400, 400, 400, 400]
    assert _user(db_session, "agent.baru") is None and _user(db_session, "agent.bekasi").active is True
    assert len(db_session.scalars(select(ApiToken)).all()) == 1
    assert client.get("/api/v1/calls", headers=bearer(token)).status_code == 200
