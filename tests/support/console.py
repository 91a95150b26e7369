"""People for console and API tests: users with roles and regions, logged-in clients, tokens."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from db.models import User
from ivr.auth.passwords import hash_password
from ivr.auth.tokens import issue_token

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_user(
    session: Session,
    username: str,
    role: str,
    region_id: int | None = None,
    *,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    user = User(
        username=username,
        full_name=username.replace(".", " ").title(),
        role=role,
        region_id=region_id,
        password_hash=hash_password(password),
        active=active,
    )
    session.add(user)
    session.flush()
    return user


def csrf_from(client: FlaskClient, path: str = "/console/login") -> str:
    """The CSRF token a page hands out (its forms carry it)."""
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client: FlaskClient, username: str, password: str = PASSWORD):
    return client.post(
        "/console/login", data={"username": username, "password": password, "csrf_token": csrf_from(client)}
    )


def token_for(session: Session, user: User, name: str = "tests") -> str:
    raw = issue_token(session, user, name)
    session.flush()
    return raw


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_staff(session: Session, regions: dict[str, int]) -> dict[str, User]:
    """The usual cast: an agent in Bekasi, one in Kupang, and a supervisor who sees every region."""
    staff = {
        "bekasi": add_user(session, "agent.bekasi", "agent", regions["BEKASI"]),
        "kupang": add_user(session, "agent.kupang", "agent", regions["KUPANG"]),
        "spv": add_user(session, "spv", "supervisor"),
    }
    session.commit()
    return staff


def choose_language(client: FlaskClient, language: str) -> None:
    """Switch the console's language as the header's button does."""
    token = csrf_from(client, "/console/")
    response = client.post("/console/language", data={"language": language, "next": "/console/", "csrf_token": token})
    assert response.status_code == 302
