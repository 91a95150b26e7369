"""Service-request services called directly: idempotency, callback numbers, power steps, prompts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from db.models import ServiceRequest
from ivr.config import PROJECT_ROOT
from ivr.engine import speech
from ivr.engine.prompts import load_prompts
from ivr.services import requests
from tests.support.catalog import service_context
from tests.support.factories import add_customer

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(ServiceRequest))


def _new(kind: str = "new_connection", callback: str = "081234567890") -> dict:
    return {"kind": kind, "customer_id": None, "power": 2200, "callback": callback}


def test_one_request_per_call_and_kind(db_session, regions) -> None:
    context = service_context(db_session, regions["BEKASI"], now=NOW, call_sid="CAone")
    first = requests.create(context, _new())
    again = requests.create(context, {**_new(), "power": 5500})
    other_kind = requests.create(context, _new("temporary"))
    other_call = requests.create(service_context(db_session, regions["BEKASI"], now=NOW, call_sid="CAtwo"), _new())

    assert first.vars == again.vars
    assert first.vars["request_reference"] != other_kind.vars["request_reference"]
    assert other_call.vars != first.vars
    assert _count(db_session) == 3


def test_a_new_request_row_as_agents_see_it(db_session, regions) -> None:
    context = service_context(db_session, regions["KUPANG"], now=NOW, call_sid="CArow")
    reference = requests.create(context, _new("temporary", "0380821555")).vars["request_reference"]
    row = db_session.scalars(select(ServiceRequest)).one()

    assert row.reference == reference
    assert (row.kind, row.status, row.customer_id, row.region_id) == ("temporary", "open", None, regions["KUPANG"])
    assert (row.requested_power_va, row.callback_number, row.call_sid) == (2200, "+62380821555", "CArow")
    assert row.created_at == NOW and row.updated_at == NOW


def test_power_change_is_called_back_on_the_number_on_file_or_the_caller(db_session, regions) -> None:
    add_customer(db_session, regions["KUPANG"], idpel="711100000001", meter_number="14000000001", phone=None)
    add_customer(
        db_session, regions["KUPANG"], idpel="711100000002", meter_number="14000000002", phone="+6281300001111"
    )
    args = {"kind": "power_change", "power": 3500, "callback": None}
    anonymous = service_context(db_session, regions["BEKASI"], now=NOW, caller="anonymous", call_sid="CAa")
    landline = service_context(db_session, regions["BEKASI"], now=NOW, call_sid="CAb")
    requests.create(anonymous, {**args, "customer_id": "711100000001"})
    requests.create(landline, {**args, "customer_id": "711100000001"})
    requests.create(
        service_context(db_session, regions["BEKASI"], now=NOW, caller="anonymous", call_sid="CAc"),
        {**args, "customer_id": "711100000002"},
    )

    rows = db_session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
    assert [row.callback_number for row in rows] == [None, "+62215551234", "+6281300001111"]
    assert {row.region_id for row in rows} == {regions["KUPANG"]}


def test_unknown_kind_or_customer_is_a_bug_not_a_row(db_session, regions) -> None:
    context = service_context(db_session, regions["BEKASI"], now=NOW)
    with pytest.raises(ValueError, match="unknown request kind"):
        requests.create(context, _new("meter_swap"))
    with pytest.raises(LookupError):
        requests.create(context, {"kind": "power_change", "customer_id": "711100009999", "power": 2200})
    assert _count(db_session) == 0


@pytest.mark.parametrize(
    ("caller", "outcome", "callback"),
    [
        ("+6281234567890", "offer", "081234567890"),
        ("+62215551234", "offer", "0215551234"),
        ("anonymous", "ask", None),
        ("sip:front-desk@pbx.example.com", "ask", None),
        ("+14155550100", "ask", None),
    ],
)
def test_the_caller_id_is_offered_only_when_an_officer_can_dial_it(
    db_session, regions, caller: str, outcome: str, callback: str | None
) -> None:
    result = requests.caller_number(service_context(db_session, regions["BEKASI"], now=NOW, caller=caller), {})
    assert result.outcome == outcome
    assert result.vars.get("request_callback") == callback


@pytest.mark.parametrize(
    ("kind", "key", "current", "outcome", "power"),
    [
        ("power_change", "1", 1300, "not_above", 1300),
        ("power_change", "2", 1300, "ready", 2200),
        ("power_change", "5", 6600 - 1, "not_above", 5500),
        ("new_connection", "1", 0, "callback", 1300),
        ("temporary", "6", 0, "callback", 6600),
    ],
)
def test_power_steps(db_session, regions, kind: str, key: str, current: int, outcome: str, power: int) -> None:
    context = service_context(db_session, regions["BEKASI"], now=NOW)
    result = requests.choose_power(context, {"kind": kind, "key": key, "current_power": current})
    assert (result.outcome, result.vars["request_power_va"]) == (outcome, power)


@pytest.mark.parametrize(("value", "valid"), [("1", True), ("6", True), ("0", False), ("7", False), ("", False)])
def test_power_key_validator(value: str, valid: bool) -> None:
    assert requests.is_power_key(value) is valid


def test_customer_lookup_and_the_top_step(db_session, regions) -> None:
    add_customer(db_session, regions["BEKASI"], idpel="532110000001", power_va=2200)
    add_customer(db_session, regions["BEKASI"], idpel="532110000002", meter_number="14000000002", power_va=6600)
    context = service_context(db_session, regions["BEKASI"], now=NOW)

    found = requests.find_customer(context, {"customer_id": "532110000001"})
    assert (found.outcome, found.vars["request_current_power_va"]) == ("found", 2200)
    assert requests.find_customer(context, {"customer_id": "532110000002"}).outcome == "at_top"
    assert requests.find_customer(context, {"customer_id": "532110009999"}).outcome == "unknown"


def test_choosing_a_kind_forgets_the_previous_request(db_session, regions) -> None:
    result = requests.choose_kind(service_context(db_session, regions["BEKASI"], now=NOW), {"key": "3"})
    assert result.outcome == "temporary"
    assert result.vars["request_current_power_va"] == 0
    assert result.vars["request_customer_id"] is None


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_power_menu_prompt_lists_the_services_steps_in_order(language: str) -> None:
    catalog = load_prompts(PROJECT_ROOT / "flows" / "prompts")
    text = catalog.render("service_request.ask_power", language, {}).text.lower()  # a step may begin a sentence
    positions = []
    for key, step in enumerate(requests.POWER_STEPS_VA, start=1):
        words = speech.number_words(step, language)
        press = "tekan" if language == "id" else "press"
        phrase = f"{words} va, {press} {key}."
        assert phrase in text
        positions.append(text.index(phrase))
    assert positions == sorted(positions)
    assert f", {'tekan' if language == 'id' else 'press'} {len(requests.POWER_STEPS_VA) + 1}." not in text
