"""Console sessions live on the server: the cookie holds a random id only, and ending a session is final."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from sqlalchemy import select

from db.models import ConsoleSession, User
from tests.conftest import DEFAULT_NOW
from tests.support.console import PASSWORD, add_user, bearer, csrf_from, log_in, token_for
from tests.support.journeys import set_clock

NEW_PASSWORD = "a brand new secret"
RAW_TOKEN = re.compile(r'<code class="raw-token">(ivr_[A-Za-z0-9_-]+)</code>')


@pytest.fixture
def people(db_session, regions) -> dict[str, int]:
    users = {
        "admin": add_user(db_session, "admin", "admin"),
        "agent": add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"]),
    }
    db_session.commit()
    return {name: user.id for name, user in users.items()}


def _cookie(app: Flask, client: FlaskClient) -> dict:
    """What the browser holds, decoded as Flask reads it (signed, not encrypted: anyone can read it)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    interface = app.session_interface
    assert isinstance(interface, SecureCookieSessionInterface)
    serializer = interface.get_signing_serializer(app)
    assert serializer is not None
    return dict(serializer.loads(cookie.value))


def _sessions(db_session, user_id: int) -> list[ConsoleSession]:
    db_session.expire_all()
    return list(db_session.scalars(select(ConsoleSession).where(ConsoleSession.user_id == user_id)))


def _post(client: FlaskClient, path: str, data: dict[str, str]):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/console/")})


def _logged_in(client: FlaskClient) -> bool:
    return client.get("/console/").status_code == 200


def test_the_cookie_holds_only_a_random_id_and_the_database_its_hash(app: Flask, client, db_session, people) -> None:
    log_in(client, "agent.bekasi")

    held = _cookie(app, client)
    [row] = _sessions(db_session, people["agent"])
    assert set(held) == {"sid", "_permanent"} and len(held["sid"]) >= 40  # _permanent: Flask's expiry flag
    assert row.session_hash == hashlib.sha256(held["sid"].encode()).hexdigest() and held["sid"] != row.session_hash
    assert row.created_at == DEFAULT_NOW and row.expires_at == DEFAULT_NOW + timedelta(hours=8)
    assert row.csrf_token not in str(held)


def test_a_saved_cookie_opens_nothing_after_logout(app: Flask, client, db_session, people) -> None:
    log_in(client, "agent.bekasi")
    saved = client.get_cookie("session").value

    client.post("/console/logout", data={"csrf_token": csrf_from(client, "/console/")})
    replay = app.test_client()
    replay.set_cookie("session", saved)

    assert _sessions(db_session, people["agent"]) == []
    answer = replay.get("/console/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/console/login")


def test_sessions_end_after_session_hours(app: Flask, client, db_session, people) -> None:
    log_in(client, "agent.bekasi")
    set_clock(app, DEFAULT_NOW + timedelta(hours=7, minutes=59))
    assert _logged_in(client)
    assert _sessions(db_session, people["agent"])[0].last_seen_at == DEFAULT_NOW + timedelta(hours=7, minutes=59)

    set_clock(app, DEFAULT_NOW + timedelta(hours=8))
    assert not _logged_in(client)
    assert _sessions(db_session, people["agent"]) == []


def test_deactivating_a_user_ends_their_sessions(app: Flask, client, db_session, people) -> None:
    agent = app.test_client()
    log_in(agent, "agent.bekasi")
    log_in(client, "admin")

    _post(client, f"/console/admin/users/{people['agent']}/active", {"active": "0"})

    assert _sessions(db_session, people["agent"]) == []
    assert not _logged_in(agent)
    _post(client, f"/console/admin/users/{people['agent']}/active", {"active": "1"})
    assert not _logged_in(agent)  # reactivating does not bring an old session back


def test_a_new_password_set_by_an_admin_ends_the_users_sessions(app: Flask, client, db_session, people) -> None:
    agent = app.test_client()
    log_in(agent, "agent.bekasi")
    log_in(client, "admin")

    short = _post(client, f"/console/admin/users/{people['agent']}/password", {"password": "short"})
    assert short.status_code == 422 and _logged_in(agent)
    changed = _post(client, f"/console/admin/users/{people['agent']}/password", {"password": NEW_PASSWORD})

    assert changed.status_code == 302 and changed.headers["Location"].endswith("msg=password")
    assert not _logged_in(agent)
    assert log_in(agent, "agent.bekasi", PASSWORD).status_code == 401
    assert log_in(agent, "agent.bekasi", NEW_PASSWORD).status_code == 302


def test_an_admin_who_changes_their_own_password_stays_in_on_a_new_session(app: Flask, client, db_session, people):
    log_in(client, "admin")
    elsewhere = app.test_client()
    log_in(elsewhere, "admin")
    before = _cookie(app, client)["sid"]

    _post(client, f"/console/admin/users/{people['admin']}/password", {"password": NEW_PASSWORD})

    assert _logged_in(client) and _cookie(app, client)["sid"] != before
    assert not _logged_in(elsewhere)
    assert len(_sessions(db_session, people["admin"])) == 1


def test_a_password_changed_outside_the_console_ends_sessions_too(app: Flask, client, db_session, people) -> None:
    log_in(client, "agent.bekasi")
    cli = app.test_cli_runner().invoke(args=["set-password", "--username", "agent.bekasi", "--password", NEW_PASSWORD])
    assert cli.exit_code == 0, cli.output
    assert not _logged_in(client)

    log_in(client, "agent.bekasi", NEW_PASSWORD)
    user = db_session.scalars(select(User).where(User.username == "agent.bekasi")).one()
    user.password_hash = "scrypt:changed-by-hand"  # any path: the session remembers the password it began with
    db_session.commit()
    assert not _logged_in(client)


def test_a_new_api_token_stays_on_the_server_until_shown_once(app: Flask, client, db_session, people) -> None:
    log_in(client, "admin")
    issued = _post(client, f"/console/admin/users/{people['agent']}/tokens", {"name": "wallboard"})

    [row] = _sessions(db_session, people["admin"])
    raw = row.pending["admin_new_token"]["token"]
    assert raw.startswith("ivr_") and raw not in str(_cookie(app, client))
    assert raw not in client.get_cookie("session").value
    page = client.get(issued.headers["Location"]).get_data(as_text=True)
    assert RAW_TOKEN.findall(page) == [raw]
    assert _sessions(db_session, people["admin"])[0].pending is None
    assert not RAW_TOKEN.search(client.get("/console/admin/users").get_data(as_text=True))
    assert client.get("/api/v1/calls", headers=bearer(raw)).status_code == 200


CONSOLE_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def test_console_pages_send_security_headers(client, people) -> None:
    pages = [client.get("/console/login")]
    log_in(client, "admin")
    pages += [client.get("/console/"), client.get("/console/admin/users"), client.get("/console/calls/999999")]

    for page in pages:
        assert {name: page.headers.get(name) for name in CONSOLE_HEADERS} == CONSOLE_HEADERS, page.request.path
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "style-src 'self'" in policy
        html = page.get_data(as_text=True)
        assert "<style" not in html and "style=" not in html
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)  # files of the console only
        assert all(re.fullmatch(r' src="/console/static/\w+\.js" defer', a) and not body for a, body in scripts)
        assert html.count("<script") == len(scripts)
    assert pages[-1].status_code == 404
    with client.get("/console/static/console.css") as css:
        assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")


def test_api_answers_are_never_sniffed(db_session, client, people) -> None:
    admin = db_session.get(User, people["admin"])
    token = token_for(db_session, admin)
    db_session.commit()

    for answer in (client.get("/api/v1/calls", headers=bearer(token)), client.get("/api/v1/calls")):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/v1/calls").status_code == 401
