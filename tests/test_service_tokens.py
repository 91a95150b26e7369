"""Token history service called directly: which meters count, order, and JSON-safe values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from db.models import Meter
from ivr.services import tokens
from tests.support.catalog import add_purchase, service_context
from tests.support.factories import add_customer

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
IDPEL, METER = "532110000007", "14000000007"


def _customer_with_two_meters(db_session, region_id: int) -> tuple[Meter, Meter]:
    customer, first = add_customer(db_session, region_id, idpel=IDPEL, meter_number=METER, payment_type="prepaid")
    second = Meter(meter_number="14000000008", customer_id=customer.id, installed_on=first.installed_on)
    db_session.add(second)
    db_session.flush()
    return first, second


def test_idpel_covers_every_meter_and_a_meter_number_only_that_meter(db_session, regions) -> None:
    first, second = _customer_with_two_meters(db_session, regions["BEKASI"])
    add_purchase(db_session, first, NOW - timedelta(days=3), "1" * 20)
    add_purchase(db_session, second, NOW - timedelta(days=1), "2" * 20)
    context = service_context(db_session, regions["BEKASI"], now=NOW)

    by_idpel = tokens.history(context, {"customer_id": IDPEL}).vars["token_queue"]
    by_meter = tokens.history(context, {"customer_id": METER}).vars["token_queue"]
    assert [item["token_number"] for item in by_idpel] == ["2" * 20, "1" * 20]
    assert [item["token_number"] for item in by_meter] == ["1" * 20]


def test_at_most_three_newest_first_as_json_values(db_session, regions) -> None:
    first, _ = _customer_with_two_meters(db_session, regions["BEKASI"])
    for day, kwh in enumerate(["10.00", "20.50", "30.00", "40.25"], start=1):
        add_purchase(db_session, first, datetime(2026, 2, day, 5, 0, tzinfo=UTC), f"{day:020d}", kwh=kwh)
    result = tokens.history(service_context(db_session, regions["BEKASI"], now=NOW), {"customer_id": METER})

    queue = result.vars["token_queue"]
    assert [item["token_date"] for item in queue] == ["2026-02-04", "2026-02-03", "2026-02-02"]
    assert [item["token_kwh"] for item in queue] == ["40.25", "30", "20.5"]
    assert json.loads(json.dumps(result.vars)) == result.vars


def test_outcomes_for_unknown_postpaid_and_empty(db_session, regions) -> None:
    context = service_context(db_session, regions["BEKASI"], now=NOW)
    assert tokens.history(context, {"customer_id": IDPEL}).outcome == "unknown"
    assert tokens.history(context, {"customer_id": None}).outcome == "unknown"
    add_customer(db_session, regions["BEKASI"], idpel=IDPEL, meter_number=METER, payment_type="postpaid")
    assert tokens.history(context, {"customer_id": IDPEL}).outcome == "postpaid"
    add_customer(
        db_session, regions["BEKASI"], idpel="532110000009", meter_number="14000000009", payment_type="prepaid"
    )
    assert tokens.history(context, {"customer_id": "532110000009"}).outcome == "none"


def test_next_purchase_pops_until_done(db_session, regions) -> None:
    context = service_context(db_session, regions["BEKASI"], now=NOW)
    queue = [{"token_date": "2026-02-01", "token_kwh": "1", "token_number": "9" * 20}]
    item = tokens.next_purchase(context, {"queue": queue})

    assert item.outcome == "item"
    assert item.vars == {**queue[0], "token_queue": []}
    assert tokens.next_purchase(context, {"queue": []}).outcome == "done"
