"""The JSON API for calls and customers: token auth, role rules, filters, and the OpenAPI contract."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from openapi_spec_validator import validate

from db.models import WHATSAPP, CallEvent, Reading
from ivr.api.spec import SPEC_PATH
from tests.conftest import DEFAULT_NOW
from tests.support.calls import insert_call
from tests.support.console import add_user, bearer, token_for
from tests.support.factories import DIALED, add_customer
from tests.support.openapi import check
from tests.support.twilio import FakeTwilio


@pytest.fixture
def tokens(db_session, regions) -> dict[str, str]:
    users = {
        "bekasi": add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"]),
        "kupang": add_user(db_session, "agent.kupang", "agent", regions["KUPANG"]),
        "supervisor": add_user(db_session, "spv", "supervisor"),
    }
    result = {name: token_for(db_session, user) for name, user in users.items()}
    db_session.commit()
    return result


@pytest.fixture
def calls(client, twilio: FakeTwilio, tokens) -> dict[str, str]:
    """A Bekasi caller who looked at their bill, and a Kupang caller who asked for an agent."""
    twilio.start()
    twilio.press("1")
    twilio.press("532110000001")
    twilio.hang_up()
    kupang = FakeTwilio(client=client, auth_token=twilio.auth_token, caller="+623808251234", dialed=DIALED["KUPANG"])
    kupang.start()
    kupang.press("0")
    kupang.hang_up()
    return {"bekasi": twilio.call_sid, "kupang": kupang.call_sid}


def test_the_document_is_valid_openapi_and_served(client) -> None:
    validate(yaml.safe_load(SPEC_PATH.read_text()))
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.get_json()["openapi"].startswith("3.1")


@pytest.mark.parametrize("header", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}])
def test_no_valid_token_is_401(client, tokens, header) -> None:
    response = client.get("/api/v1/calls", headers=header)
    check(response, "get", "/calls")
    assert response.status_code == 401


def test_agents_see_their_region_supervisors_all(client, tokens, calls) -> None:
    bekasi = check(client.get("/api/v1/calls", headers=bearer(tokens["bekasi"])), "get", "/calls")
    everyone = check(client.get("/api/v1/calls", headers=bearer(tokens["supervisor"])), "get", "/calls")

    assert [row["call_sid"] for row in bekasi["items"]] == [calls["bekasi"]]
    assert {row["call_sid"] for row in everyone["items"]} == set(calls.values())
    assert everyone["total"] == 2 and everyone["has_next"] is False
    hidden = client.get(f"/api/v1/calls/{calls['kupang']}", headers=bearer(tokens["bekasi"]))
    assert check(hidden, "get", "/calls/{call_sid}")["error"] == "no such call"
    assert hidden.status_code == 404


def test_one_call_with_its_timeline(client, tokens, calls) -> None:
    response = client.get(f"/api/v1/calls/{calls['bekasi']}", headers=bearer(tokens["bekasi"]))
    detail = check(response, "get", "/calls/{call_sid}")

    assert detail["caller"] == "+62215551234"
    assert detail["outcome"] == "hung_up_in_menu"
    kinds = [event["kind"] for event in detail["events"]]
    assert kinds[0] == "call_started" and kinds[-1] == "call_ended"
    assert [event["seq"] for event in detail["events"]] == list(range(1, len(kinds) + 1))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("caller=0215551234", {"bekasi"}),
        ("outcome=abandoned_in_queue", {"kupang"}),
        ("flow=bill", {"bekasi"}),
        ("since=2026-11-23T09:00:00%2B07:00&until=2026-11-23T11:00:00%2B07:00", {"bekasi", "kupang"}),
        ("since=2026-11-24T00:00:00%2B07:00", set()),
    ],
)
def test_filters(client, tokens, calls, query: str, expected: set[str]) -> None:
    response = client.get(f"/api/v1/calls?{query}", headers=bearer(tokens["supervisor"]))
    body = check(response, "get", "/calls")
    assert {row["call_sid"] for row in body["items"]} == {calls[name] for name in expected}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "ISO 8601"),
        ("since=2026-11-23T00:00:00", "UTC offset"),
        ("outcome=happy", "outcome"),
        ("channel=fax", "channel must be one of voice, sms, whatsapp"),
        ("flow=no_such_flow", "flow must be one of"),
        ("page=0", "page"),
        ("per_page=5000", "per_page"),
    ],
)
def test_bad_parameters_are_400_and_say_why(client, tokens, query: str, message: str) -> None:
    response = client.get(f"/api/v1/calls?{query}", headers=bearer(tokens["supervisor"]))
    assert response.status_code == 400
    assert message in check(response, "get", "/calls")["error"]


def test_pages_are_stable(client, tokens, twilio: FakeTwilio) -> None:
    sids = []
    for _ in range(5):
        call = FakeTwilio(client=client, auth_token=twilio.auth_token)
        call.start()
        sids.append(call.call_sid)
    pages = [
        check(client.get(f"/api/v1/calls?per_page=2&page={n}", headers=bearer(tokens["supervisor"])), "get", "/calls")
        for n in (1, 2, 3)
    ]
    seen = [row["call_sid"] for page in pages for row in page["items"]]
    assert sorted(seen) == sorted(sids) and len(seen) == 5
    assert [page["has_next"] for page in pages] == [True, True, False]


def test_customer_lookup_and_detail(client, db_session, regions, tokens) -> None:
    customer, _ = add_customer(db_session, regions["BEKASI"])
    add_customer(
        db_session, regions["KUPANG"], idpel="711100000001", meter_number="45000000009", phone="+6281299990000"
    )
    db_session.commit()
    found = check(
        client.get("/api/v1/customers?q=14000000001", headers=bearer(tokens["supervisor"])), "get", "/customers"
    )
    other_region = check(
        client.get("/api/v1/customers?q=711100000001", headers=bearer(tokens["bekasi"])), "get", "/customers"
    )
    detail = check(
        client.get(f"/api/v1/customers/{customer.id}", headers=bearer(tokens["bekasi"])),
        "get",
        "/customers/{customer_id}",
    )

    assert [c["idpel"] for c in found["items"]] == ["532110000001"]
    assert other_region["items"] == []
    assert detail["customer"]["meter_numbers"] == ["14000000001"]
    missing = client.get("/api/v1/customers?q=", headers=bearer(tokens["bekasi"]))
    assert missing.status_code == 400 and check(missing, "get", "/customers")


# -- text conversations ---------------------------------------------------------------------------

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


@pytest.fixture
def conversation(db_session, regions) -> str:
    """A Bekasi WhatsApp conversation written as ivr/messaging writes it, with a reading and its photo."""
    _, meter = add_customer(db_session, regions["BEKASI"])
    call = insert_call(db_session, "SMchat1", regions["BEKASI"], DEFAULT_NOW, caller="+6281234567890")
    call.channel = WHATSAPP
    detail = {"sid": "SMchat1", "body": "<script>alert(1)</script>", "media": [{"url": PHOTO, "type": "image/jpeg"}]}
    db_session.add(CallEvent(call_id=call.id, seq=1, at=DEFAULT_NOW, kind="message", detail=detail))
    db_session.add(
        Reading(
            reference="2000000055", meter_id=meter.id, period=date(2026, 11, 1), stand=5200, status="accepted",
            source=WHATSAPP, call_sid="SMchat1", media_url=PHOTO, media_type="image/jpeg",
        )
    )  # fmt: skip
    db_session.commit()
    return call.call_sid


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("channel=whatsapp", {"conversation"}),
        ("channel=voice", {"bekasi", "kupang"}),
        ("channel=sms", set()),
        ("", {"bekasi", "kupang", "conversation"}),
    ],
)
def test_the_channel_is_listed_and_filtered(client, tokens, calls, conversation, query, expected) -> None:
    response = client.get(f"/api/v1/calls?{query}", headers=bearer(tokens["supervisor"]))
    body = check(response, "get", "/calls")
    sids = {**calls, "conversation": conversation}

    assert {row["call_sid"] for row in body["items"]} == {sids[name] for name in expected}
    channels = {row["call_sid"]: row["channel"] for row in body["items"]}
    assert all(channel == ("whatsapp" if sid == conversation else "voice") for sid, channel in channels.items())


def test_a_conversation_detail_has_its_channel_message_and_photo(client, tokens, conversation) -> None:
    response = client.get(f"/api/v1/calls/{conversation}", headers=bearer(tokens["bekasi"]))
    detail = check(response, "get", "/calls/{call_sid}")

    assert (detail["channel"], detail["caller"]) == ("whatsapp", "+6281234567890")
    [message] = detail["events"]
    assert message["kind"] == "message" and message["detail"]["body"] == "<script>alert(1)</script>"
    [reading] = detail["readings"]
    assert (reading["reference"], reading["media_url"], reading["media_type"]) == ("2000000055", PHOTO, "image/jpeg")
    hidden = client.get(f"/api/v1/calls/{conversation}", headers=bearer(tokens["kupang"]))
    assert hidden.status_code == 404 and check(hidden, "get", "/calls/{call_sid}")
    found = check(client.get("/api/v1/customers?q=081234567890", headers=bearer(tokens["bekasi"])), "get", "/customers")
    customer = check(
        client.get(f"/api/v1/customers/{found['items'][0]['id']}", headers=bearer(tokens["bekasi"])),
        "get",
        "/customers/{customer_id}",
    )
    assert [(row["call_sid"], row["channel"]) for row in customer["calls"]] == [(conversation, "whatsapp")]


def test_a_voice_call_detail_says_voice(client, tokens, calls) -> None:
    response = client.get(f"/api/v1/calls/{calls['bekasi']}", headers=bearer(tokens["bekasi"]))
    assert check(response, "get", "/calls/{call_sid}")["channel"] == "voice"
