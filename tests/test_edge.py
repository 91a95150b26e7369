"""The web edge: body limits before the signature check, NUL bytes and out-of-range numbers refused
(or, in a webhook's form, dropped) before anything reaches the database, and the signed URL's rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from db.models import Call
from ivr import create_app
from ivr.config import ConfigError, settings_from_env
from ivr.edge import MAX_FORM_FIELDS, MAX_REQUEST_BYTES
from ivr.extensions import runtime
from tests.conftest import AUTH_TOKEN
from tests.support.console import add_staff, bearer, log_in, token_for
from tests.support.messaging import FakeMessenger
from tests.support.stored import holds_nul, stored_text
from tests.support.twilio import FakeTwilio

# -- body limits ----------------------------------------------------------------------------------


def test_an_oversized_body_is_413_before_its_signature_is_looked_at(client, regions) -> None:
    body = b"Body=" + b"x" * MAX_REQUEST_BYTES
    for path in ("/voice/incoming", "/messaging/incoming", "/console/login", "/api/v1/calls"):
        response = client.post(
            path,
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": "garbage"},
        )
        assert response.status_code == 413, path


def test_a_form_of_too_many_fields_is_413(client, regions) -> None:
    body = "&".join(f"f{i}=" for i in range(MAX_FORM_FIELDS + 1)).encode()
    assert len(body) < MAX_REQUEST_BYTES
    response = client.post(
        "/voice/incoming",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "garbage"},
    )
    assert response.status_code == 413


def test_a_small_form_with_a_bad_signature_is_still_403(client, regions) -> None:
    response = client.post("/voice/incoming", data={"CallSid": "CA1"}, headers={"X-Twilio-Signature": "garbage"})
    assert response.status_code == 403


def test_twilios_largest_message_fits(whatsapp: FakeMessenger, db_session) -> None:
    """1,600 characters and ten photos, as Twilio may send them, is well inside the limits."""
    media = [(f"https://api.twilio.com/media/ME{i:02d}", "image/jpeg") for i in range(10)]
    reply = whatsapp.send("x" * 1600, media=media)
    assert reply.status_code == 200 and reply.messages


@pytest.fixture
def whatsapp(client, regions) -> FakeMessenger:
    return FakeMessenger(client, AUTH_TOKEN, channel="whatsapp")


# -- NUL bytes in webhooks: still answered, never stored --------------------------------------------


def test_a_nul_in_a_voice_webhook_is_answered_and_never_stored(twilio: FakeTwilio, db_session) -> None:
    twilio.caller = "+6221555\x001234"
    started = twilio.post("/voice/incoming", {"CallStatus": "ring\x00ing", "Digits": "1\x00"})
    pressed = twilio.press("1\x00")
    ended = twilio.post("/voice/status", {"CallStatus": "comp\x00leted", "CallDuration": "4\x002"})

    assert [r.status_code for r in (started, pressed, ended)] == [200, 200, 200]
    assert started.gather is not None and pressed.says()
    [call] = db_session.scalars(select(Call))
    assert call.caller == "+62215551234"
    assert call.final_status == "completed" and call.duration_seconds == 42
    assert not holds_nul(stored_text(db_session))


def test_a_nul_in_a_message_is_answered_and_never_stored(whatsapp: FakeMessenger, db_session) -> None:
    params = whatsapp.params("Ha\x00lo")
    params["From"] = "whatsapp:+62812\x0034567890"
    reply = whatsapp.post(params)

    assert reply.status_code == 200 and reply.messages
    [conversation] = db_session.scalars(select(Call))
    assert conversation.caller == "+6281234567890"
    assert not holds_nul(stored_text(db_session))


def test_a_signature_is_checked_over_the_form_as_sent_nuls_included(twilio: FakeTwilio) -> None:
    params = {"CallSid": twilio.call_sid, "From": twilio.caller, "To": twilio.dialed, "Digits": "1\x00"}
    url = "http://localhost/voice/incoming"
    without = twilio.sign(url, {**params, "Digits": "1"})
    response = twilio.client.post(url, data=params, headers={"X-Twilio-Signature": without})
    assert response.status_code == 403


# -- numbers a column cannot hold, and NULs, for staff --------------------------------------------


@pytest.fixture
def api(client, db_session, regions) -> dict[str, str]:
    staff = add_staff(db_session, regions)
    headers = bearer(token_for(db_session, staff["spv"]))
    db_session.commit()
    return headers


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/complaints/2147483648", 404),
        ("/api/v1/complaints/99999999999999999999", 404),
        ("/api/v1/service-requests/2147483648", 404),
        ("/api/v1/customers/2147483648", 404),
        ("/api/v1/calls?page=1000000000000000000", 400),
        ("/api/v1/calls?page=2147483648", 400),
        ("/api/v1/calls?region_id=2147483648", 400),
        ("/api/v1/calls?region_id=-2147483649", 400),
        ("/api/v1/calls?region_id=%D9%A1", 400),  # an Arabic-Indic one: not an ASCII whole number
        ("/api/v1/calls?caller=%00", 400),
        ("/api/v1/calls/CA%00", 400),
        ("/api/v1/readings?per_page=%00", 400),
        ("/api/v1/stats/summary?region_id=2147483648", 400),
    ],
)
def test_the_api_refuses_what_the_database_cannot_hold(client, api, path: str, status: int) -> None:
    response = client.get(path, headers=api)
    assert response.status_code == status
    assert set(response.get_json()) == {"error"}


def test_the_largest_id_a_column_holds_is_an_ordinary_404(client, api) -> None:
    response = client.get("/api/v1/complaints/2147483647", headers=api)
    assert response.status_code == 404 and response.get_json() == {"error": "no such item"}


def test_a_json_body_with_a_nul_is_400_and_changes_nothing(client, api) -> None:
    for note in ("a\x00b", "\ud800"):
        response = client.patch(
            "/api/v1/complaints/1",
            data=json.dumps({"note": note}),
            content_type="application/json",
            headers=api,
        )
        assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/console/calls/CA%00", 400),
        ("/console/calls?caller=%00", 400),
        ("/console/calls?page=1000000000000000000", 400),
        ("/console/complaints?page=99999999999", 400),
        ("/console/readings?page=-1", 400),
        ("/console/complaints/2147483648", 404),
        ("/console/customers/2147483648", 404),
        ("/console/stats?region_id=2147483648", 400),
    ],
)
def test_the_console_refuses_what_the_database_cannot_hold(client, db_session, regions, path, status) -> None:
    add_staff(db_session, regions)
    log_in(client, "spv")
    assert client.get(path).status_code == status


def test_a_console_form_with_a_nul_is_400(client, db_session, regions) -> None:
    add_staff(db_session, regions)
    log_in(client, "spv")
    response = client.post("/console/login", data={"username": "spv\x00", "password": "x"})
    assert response.status_code == 400


# -- which URL a signature covers -----------------------------------------------------------------


PRODUCTION = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"}


def test_production_refuses_to_start_without_knowing_its_public_url() -> None:
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        settings_from_env(PRODUCTION).check()
    settings_from_env({**PRODUCTION, "PUBLIC_BASE_URL": "https://ivr.example.co.id"}).check()
    settings_from_env({**PRODUCTION, "TRUSTED_PROXY_HOPS": "1"}).check()
    settings_from_env({**PRODUCTION, "IVR_ENV": "development"}).check()


@pytest.mark.parametrize("url", ["ivr.example.co.id", "ftp://ivr.example.co.id", "https://ivr.example.co.id/?a=1"])
def test_a_malformed_public_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        settings_from_env({**PRODUCTION, "PUBLIC_BASE_URL": url}).check()


def test_a_negative_hop_count_is_refused() -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS"):
        settings_from_env({**PRODUCTION, "TRUSTED_PROXY_HOPS": "-1"}).check()


def _incoming(app: Flask, signed_url: str, headers: dict[str, str]) -> int:
    twilio = FakeTwilio(client=app.test_client(), auth_token=AUTH_TOKEN)
    params = {"CallSid": twilio.call_sid, "From": twilio.caller, "To": twilio.dialed}
    signature = twilio.sign(signed_url, params)
    response = app.test_client().post(
        "/voice/incoming", data=params, headers={"X-Twilio-Signature": signature, **headers}
    )
    return response.status_code


def test_with_a_public_url_the_host_header_picks_nothing(settings_overrides: dict[str, Any], regions) -> None:
    app = create_app({**settings_overrides, "public_base_url": "https://ivr.example.co.id"})
    try:
        assert _incoming(app, "http://evil.example/voice/incoming", {"Host": "evil.example"}) == 403
        assert _incoming(app, "https://ivr.example.co.id/voice/incoming", {"Host": "evil.example"}) == 200
    finally:
        runtime(app).database.dispose()


def test_a_trusted_proxy_names_the_url_twilio_called(settings_overrides: dict[str, Any], regions) -> None:
    app = create_app({**settings_overrides, "trusted_proxy_hops": 1})
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ivr.example.co.id"}
    # Two X-Forwarded-Host values: the client's own (first) and the one our proxy added (last).
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example, ivr.example.co.id"}
    try:
        assert _incoming(app, "https://ivr.example.co.id/voice/incoming", forwarded) == 200
        assert _incoming(app, "https://ivr.example.co.id/voice/incoming", spoofed) == 200
        assert _incoming(app, "https://evil.example/voice/incoming", spoofed) == 403
    finally:
        runtime(app).database.dispose()


def test_the_form_seen_by_views_has_every_value(twilio: FakeTwilio) -> None:
    """A repeated key stays repeated after the NULs go (Twilio signs each value)."""
    url = "http://localhost/voice/incoming"
    form = MultiDict([("CallSid", twilio.call_sid), ("From", twilio.caller), ("To", twilio.dialed), ("X", "a\x00")])
    form.add("X", "b")
    response = twilio.client.post(url, data=form, headers={"X-Twilio-Signature": twilio.sign(url, form)})
    assert response.status_code == 200
