"""Reading and billing rules called directly, at their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from db.models import Reading
from ivr.engine.services import ServiceResult
from ivr.services import billing, readings
from ivr.services.context import ServiceContext
from tests.support.factories import add_bill, add_customer


@pytest.mark.parametrize(
    ("today", "window", "expected"),
    [
        (date(2026, 11, 24), (24, 27), (True, date(2026, 11, 24), date(2026, 11, 27))),
        (date(2026, 11, 27), (24, 27), (True, date(2026, 11, 24), date(2026, 11, 27))),
        (date(2026, 11, 23), (24, 27), (False, date(2026, 11, 24), date(2026, 11, 27))),
        (date(2026, 11, 28), (24, 27), (False, date(2026, 12, 24), date(2026, 12, 27))),
        (date(2026, 12, 30), (24, 27), (False, date(2027, 1, 24), date(2027, 1, 27))),
        (date(2027, 2, 28), (27, 31), (True, date(2027, 2, 27), date(2027, 2, 28))),  # short month
        # A window across a month end (the 25th to the 5th), on both sides of the boundary.
        (date(2026, 11, 24), (25, 5), (False, date(2026, 11, 25), date(2026, 12, 5))),
        (date(2026, 11, 25), (25, 5), (True, date(2026, 11, 25), date(2026, 12, 5))),
        (date(2026, 11, 30), (25, 5), (True, date(2026, 11, 25), date(2026, 12, 5))),
        (date(2026, 12, 1), (25, 5), (True, date(2026, 11, 25), date(2026, 12, 5))),
        (date(2026, 12, 5), (25, 5), (True, date(2026, 11, 25), date(2026, 12, 5))),
        (date(2026, 12, 6), (25, 5), (False, date(2026, 12, 25), date(2027, 1, 5))),
        # ...across the year end (28 December to 3 January).
        (date(2026, 12, 27), (28, 3), (False, date(2026, 12, 28), date(2027, 1, 3))),
        (date(2026, 12, 31), (28, 3), (True, date(2026, 12, 28), date(2027, 1, 3))),
        (date(2027, 1, 1), (28, 3), (True, date(2026, 12, 28), date(2027, 1, 3))),
        (date(2027, 1, 3), (28, 3), (True, date(2026, 12, 28), date(2027, 1, 3))),
        (date(2027, 1, 4), (28, 3), (False, date(2027, 1, 28), date(2027, 2, 3))),
        (date(2027, 2, 27), (30, 2), (False, date(2027, 2, 28), date(2027, 3, 2))),  # opens on February's last day
        (date(2027, 3, 1), (30, 2), (True, date(2027, 2, 28), date(2027, 3, 2))),
    ],
)
def test_reading_window(today: date, window: tuple[int, int], expected: tuple[bool, date, date]) -> None:
    assert readings.window_dates(today, *window) == expected


@pytest.mark.parametrize(
    ("today", "window", "period"),
    [
        (date(2026, 11, 24), (24, 27), date(2026, 11, 1)),
        (date(2027, 1, 3), (28, 3), date(2026, 12, 1)),  # the window opened in December: December's reading
        (date(2026, 12, 30), (28, 3), date(2026, 12, 1)),
        (date(2027, 1, 4), (28, 3), date(2027, 1, 1)),  # outside: the month it is taken in
    ],
)
def test_a_reading_belongs_to_the_month_its_window_opened(today: date, window: tuple[int, int], period: date) -> None:
    assert readings.reading_period(today, *window) == period


@pytest.fixture
def context(db_session, regions):
    def make(**overrides) -> ServiceContext:
        values = {
            "session": db_session,
            "conversation_id": "CA-test",
            "caller": "+6281234567890",
            "caller_is_mobile": True,
            "region_id": regions["BEKASI"],
            "channel": "voice",
            "now": datetime(2026, 11, 25, 3, 0, tzinfo=UTC),
            "timezone": "Asia/Jakarta",
        }
        return ServiceContext(**{**values, **overrides})

    return make


@pytest.fixture
def meter(db_session, regions):
    customer, meter = add_customer(db_session, regions["BEKASI"])
    for month in (8, 9, 10):
        add_bill(db_session, customer, date(2026, month, 1), kwh=100, amount=150_000)
    db_session.add(
        Reading(
            reference="2000000009",
            meter_id=meter.id,
            period=date(2026, 8, 1),
            stand=3000,
            status="accepted",
            source="officer",
        )
    )
    db_session.flush()
    return meter


@pytest.mark.parametrize(
    ("stand", "outcome"),
    [(2999, "lower"), (3000, "plausible"), (3900, "plausible"), (3901, "jump")],
)
def test_plausibility_allows_for_the_months_since_the_last_reading(db_session, meter, stand: int, outcome: str) -> None:
    """Last read in August, now November: 3 months x 100 kWh usual; 'far above' = 3x that."""
    assert readings.plausibility(db_session, meter, stand, date(2026, 11, 1))[0] == outcome


def test_submit_is_idempotent_within_a_call_and_replaces_across_calls(context, db_session, meter) -> None:
    args = {"meter_ref": meter.id, "stand": "3200"}
    first = readings.submit(context(), args)
    again = readings.submit(context(step=7), args)
    other_call = readings.submit(context(conversation_id="CA-other"), {**args, "stand": "3250"})

    assert first == again
    assert first.outcome == "accepted"
    assert first.vars["kwh_used"] == 200
    rows = db_session.query(Reading).filter(Reading.source == "ivr").order_by(Reading.id).all()
    assert [(r.stand, r.status) for r in rows] == [(3200, "replaced"), (3250, "accepted")]
    assert other_call.vars["reference"] == rows[1].reference


def test_sms_is_offered_only_to_mobiles_when_sending_is_on(context) -> None:
    assert readings.sms_offer(context(sms_enabled=True), {}) == ServiceResult("offer")
    assert readings.sms_offer(context(sms_enabled=False), {}) == ServiceResult("skip")
    assert readings.sms_offer(context(sms_enabled=True, caller_is_mobile=False), {}) == ServiceResult("skip")


def test_send_sms_queues_for_after_the_commit(context) -> None:
    ctx = context(language="en")
    readings.send_sms(ctx, {"stand": "3200", "reference": "2123456789", "meter_number": "14000000001"})
    [message] = ctx.outbox
    assert (message.to, message.prompt, message.language) == ("+6281234567890", "meter_reading.sms_text", "en")
    assert message.variables == {"stand": "3200", "reference": "2123456789", "meter_tail": "0001"}


def test_bill_payment_status_uses_the_regions_date(context, db_session, regions) -> None:
    customer, _ = add_customer(db_session, regions["BEKASI"], idpel="532110000002", meter_number="14000000002")
    add_bill(db_session, customer, date(2026, 10, 1), kwh=100, amount=150_000, paid=False)  # due 20 Nov
    args = {"customer_ref": customer.id}
    # 19 Nov 17:30 UTC is already 20 Nov 00:30 WIB: due today, not yet overdue.
    assert billing.payment_status(context(now=datetime(2026, 11, 19, 17, 30, tzinfo=UTC)), args).outcome == "unpaid"
    # 20 Nov 17:30 UTC is 21 Nov in WIB: overdue.
    overdue = billing.payment_status(context(now=datetime(2026, 11, 20, 17, 30, tzinfo=UTC)), args)
    assert overdue == ServiceResult("overdue", {"owed_total": 150_000, "owed_count": 1})


def test_jump_needs_two_bills(context, db_session, regions) -> None:
    customer, _ = add_customer(db_session, regions["BEKASI"], idpel="532110000003", meter_number="14000000003")
    add_bill(db_session, customer, date(2026, 10, 1), kwh=100, amount=150_000)
    assert billing.jump_check(context(), {"customer_ref": customer.id}).outcome == "normal"
