"""Console logins: passwords, sessions that expire, CSRF on every form, roles, safe redirects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import ApiToken, User
from ivr.auth.passwords import hash_password, verify_password
from ivr.auth.tokens import revoke_token, user_for_token
from tests.support.console import PASSWORD, add_user, csrf_from, log_in, token_for

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


@pytest.fixture
def people(db_session, regions):
    add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"])
    add_user(db_session, "spv", "supervisor")
    add_user(db_session, "gone", "agent", regions["BEKASI"], active=False)
    db_session.commit()


def test_passwords_are_hashed_with_scrypt_and_checked() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt:")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert not verify_password("!", "anything")
    with pytest.raises(ValueError, match="at least 10"):
        hash_password("short")


def test_login_then_home_then_logout(client, people) -> None:
    assert client.get("/console/").status_code == 302
    response = log_in(client, "agent.bekasi")
    assert response.status_code == 302
    home = client.get("/console/")
    assert home.status_code == 200
    assert "Agent Bekasi" in home.get_data(as_text=True)
    logout = client.post("/console/logout", data={"csrf_token": csrf_from(client, "/console/")})
    assert logout.status_code == 302
    assert client.get("/console/").status_code == 302


@pytest.mark.parametrize(
    ("username", "password"), [("agent.bekasi", "wrong password!"), ("nobody", PASSWORD), ("gone", PASSWORD)]
)
def test_bad_credentials_and_inactive_users_are_refused(client, people, username: str, password: str) -> None:
    response = log_in(client, username, password)
    assert response.status_code == 401
    assert "salah" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_forms_without_the_csrf_token_are_refused(client, people) -> None:
    no_token = client.post("/console/login", data={"username": "agent.bekasi", "password": PASSWORD})
    assert no_token.status_code == 400
    log_in(client, "agent.bekasi")
    assert client.post("/console/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/console/").status_code == 200  # still logged in


def test_login_only_redirects_inside_the_console(client, people) -> None:
    token = csrf_from(client)
    evil = client.post(
        "/console/login?next=//evil.example/x", data={"username": "spv", "password": PASSWORD, "csrf_token": token}
    )
    assert evil.headers["Location"] == "/console/"


def test_sessions_expire(app: Flask, client, people) -> None:
    assert app.permanent_session_lifetime == timedelta(hours=8)
    log_in(client, "agent.bekasi")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    assert cookie.http_only


def test_api_tokens_are_stored_hashed_and_revocable(db_session, people) -> None:
    user = db_session.scalars(select(User).where(User.username == "spv")).one()
    raw = token_for(db_session, user)
    stored = db_session.scalars(select(ApiToken)).one()

    assert raw.startswith("ivr_") and raw not in (stored.token_hash, stored.prefix)
    assert user_for_token(db_session, raw, NOW).username == "spv"
    assert user_for_token(db_session, raw + "x", NOW) is None
    assert revoke_token(db_session, stored.id, NOW) is True
    assert user_for_token(db_session, raw, NOW) is None


def test_cli_creates_the_first_admin_and_a_token(app: Flask, db_session, regions) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-admin", "--username", "root"], input=f"{PASSWORD}\n{PASSWORD}\n")
    short = runner.invoke(args=["create-user", "--username", "x", "--role", "supervisor", "--password", "short"])
    agent_without_region = runner.invoke(
        args=["create-user", "--username", "y", "--role", "agent", "--password", PASSWORD]
    )
    token = runner.invoke(args=["create-token", "--username", "root", "--name", "wallboard"])

    assert made.exit_code == 0, made.output
    assert short.exit_code != 0 and "at least 10" in short.output
    assert agent_without_region.exit_code != 0
    assert token.exit_code == 0 and token.output.strip().startswith("ivr_")
    admin = db_session.scalars(select(User).where(User.username == "root")).one()
    assert admin.role == "admin" and verify_password(admin.password_hash, PASSWORD)


def test_the_viewer_chooses_the_console_language_and_goes_back_where_they_were(client, people) -> None:
    log_in(client, "spv")
    home = client.get("/console/").get_data(as_text=True)
    assert '<html lang="id">' in home and ">English</button>" in home

    switched = client.post(
        "/console/language",
        data={"language": "en", "next": "/console/calls?page=2", "csrf_token": csrf_from(client, "/console/")},
    )
    assert switched.status_code == 302 and switched.headers["Location"] == "/console/calls?page=2"
    home = client.get("/console/").get_data(as_text=True)
    assert '<html lang="en">' in home and ">Bahasa Indonesia</button>" in home
    for elsewhere in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        token = csrf_from(client, "/console/")
        away = client.post("/console/language", data={"language": "id", "next": elsewhere, "csrf_token": token})
        assert away.headers["Location"] == "/console/"
    unknown = client.post("/console/language", data={"language": "xx", "csrf_token": csrf_from(client, "/console/")})
    assert unknown.status_code == 302
    assert '<html lang="id">' in client.get("/console/").get_data(as_text=True)


def test_english_chosen_on_the_login_page_lasts_into_the_session(client, people) -> None:
    client.post("/console/language", data={"language": "en", "next": "/console/login", "csrf_token": csrf_from(client)})
    assert '<html lang="en">' in client.get("/console/login").get_data(as_text=True)
    log_in(client, "spv")
    assert '<html lang="en">' in client.get("/console/").get_data(as_text=True)
    client.post("/console/logout", data={"csrf_token": csrf_from(client, "/console/")})
    assert '<html lang="id">' in client.get("/console/login").get_data(as_text=True)
