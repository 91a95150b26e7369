"""The ticket services on their own: outage rules, numbering, idempotency and status lookups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import Complaint
from ivr.engine.services import ServiceRegistry
from ivr.services import tickets
from ivr.services.notes import SPOKEN_NOTE_MAX_CHARS
from tests.support.factories import add_customer
from tests.support.tickets import (
    NOW,
    add_complaint,
    add_notice,
    add_outage_reports,
    add_reading,
    add_request,
    context,
)

# -- before the complaint -----------------------------------------------------------------------


def test_active_maintenance_is_told_with_its_end_in_local_time(db_session, regions) -> None:
    add_notice(db_session, regions["BEKASI"], ends_at=NOW + timedelta(hours=6), area="Perumahan Galaxy")

    result = tickets.begin_complaint(context(db_session, region_id=regions["BEKASI"]), {})

    assert result.outcome == "maintenance"
    assert result.vars["notice_area"] == "Perumahan Galaxy"
    assert result.vars["notice_until_date"] == "2026-11-23"
    assert result.vars["notice_until_time"] == "15:00"
    assert result.vars["notice_until_zone"] == "WIB"


def test_maintenance_end_in_wit_for_a_papua_region(db_session, regions) -> None:
    add_notice(db_session, regions["JAYAPURA"], ends_at=NOW + timedelta(hours=14))
    ctx = context(db_session, region_id=regions["JAYAPURA"], timezone="Asia/Jayapura")

    result = tickets.begin_complaint(ctx, {})

    assert (result.vars["notice_until_date"], result.vars["notice_until_time"]) == ("2026-11-24", "01:00")
    assert result.vars["notice_until_zone"] == "WIT"


@pytest.mark.parametrize(
    ("starts", "ends", "region"),
    [
        (timedelta(hours=1), timedelta(hours=5), "BEKASI"),  # not started yet
        (-timedelta(hours=5), -timedelta(minutes=1), "BEKASI"),  # already over
        (-timedelta(hours=1), timedelta(hours=5), "KUPANG"),  # another region
    ],
    ids=["future", "past", "other_region"],
)
def test_notice_outside_now_or_elsewhere_is_not_told(db_session, regions, starts, ends, region) -> None:
    add_notice(db_session, regions[region], starts_at=NOW + starts, ends_at=NOW + ends)

    result = tickets.begin_complaint(context(db_session, region_id=regions["BEKASI"]), {})

    assert result.outcome == "none"


def test_notice_on_its_exact_edges_counts(db_session, regions) -> None:
    add_notice(db_session, regions["BEKASI"], starts_at=NOW, ends_at=NOW + timedelta(hours=1))
    assert tickets.begin_complaint(context(db_session, region_id=regions["BEKASI"]), {}).outcome == "maintenance"


def test_three_recent_open_outage_reports_are_a_known_outage(db_session, regions) -> None:
    add_outage_reports(db_session, regions["BEKASI"], 3, minutes_ago=119)

    result = tickets.begin_complaint(context(db_session, region_id=regions["BEKASI"]), {})

    assert result.outcome == "outage"
    assert result.vars["notice_area"] == "UP3 Bekasi"


@pytest.mark.parametrize(
    ("count", "minutes_ago", "resolved"),
    [(2, 30, False), (3, 121, False), (3, 30, True)],
    ids=["only_two", "older_than_two_hours", "resolved"],
)
def test_fewer_older_or_resolved_reports_are_no_known_outage(db_session, regions, count, minutes_ago, resolved) -> None:
    add_outage_reports(db_session, regions["BEKASI"], count, minutes_ago=minutes_ago, resolved=resolved)

    assert tickets.begin_complaint(context(db_session, region_id=regions["BEKASI"]), {}).outcome == "none"


def test_other_categories_and_regions_do_not_make_an_outage(db_session, regions) -> None:
    add_outage_reports(db_session, regions["KUPANG"], 3)
    for index in range(3):
        add_complaint(db_session, regions["BEKASI"], ticket_number=f"380000000{index}", category="billing")

    assert tickets.begin_complaint(context(db_session, region_id=regions["BEKASI"]), {}).outcome == "none"
    assert tickets.begin_complaint(context(db_session, region_id=regions["KUPANG"]), {}).outcome == "outage"


def test_maintenance_is_told_rather_than_the_outage_it_explains(db_session, regions) -> None:
    add_outage_reports(db_session, regions["BEKASI"], 4)
    add_notice(db_session, regions["BEKASI"])

    assert tickets.begin_complaint(context(db_session, region_id=regions["BEKASI"]), {}).outcome == "maintenance"


def test_a_new_complaint_forgets_the_previous_ones_answers(db_session) -> None:
    result = tickets.begin_complaint(context(db_session, region_id=None), {})

    assert result.outcome == "none"
    assert result.vars == dict.fromkeys(tickets.COMPLAINT_VARS)


# -- details --------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", tickets.CATEGORIES)
def test_only_a_dangerous_installation_is_urgent(db_session, category: str) -> None:
    chooser = tickets._category_chooser(category)
    result = chooser(context(db_session, region_id=None), {})

    assert result.vars == {"complaint_category": category}
    expected = "urgent" if category == "dangerous_installation" else "routine"
    assert result.outcome == expected
    assert tickets.urgency(context(db_session, region_id=None), {"category": category}).outcome == expected


def test_customer_found_by_idpel_or_meter_number(db_session, regions) -> None:
    customer, meter = add_customer(db_session, regions["BEKASI"])
    ctx = context(db_session, region_id=regions["BEKASI"])

    assert tickets.find_customer(ctx, {"digits": customer.idpel}).vars == {"complaint_customer": customer.id}
    assert tickets.find_customer(ctx, {"digits": meter.meter_number}).vars == {"complaint_customer": customer.id}
    unknown = tickets.find_customer(ctx, {"digits": "532119999999"})
    assert (unknown.outcome, unknown.vars) == ("unknown", {"complaint_customer": None})


@pytest.mark.parametrize(
    ("caller", "outcome", "national"),
    [
        ("+6281234567890", "phone", "081234567890"),
        ("+62215551234", "phone", "0215551234"),
        ("anonymous", "none", None),
        ("sip:budi@pbx.example.co.id", "none", None),
        ("+14155550100", "none", None),  # agents call back Indonesian numbers only
    ],
)
def test_callback_defaults_to_an_indonesian_caller_id(db_session, caller, outcome, national) -> None:
    result = tickets.default_callback(context(db_session, region_id=None, caller=caller), {})

    assert result.outcome == outcome
    assert result.vars["callback_number"] == (caller if outcome == "phone" else None)
    assert result.vars.get("caller_national") == national


def test_typed_callback_number_is_stored_in_e164(db_session) -> None:
    result = tickets.set_callback(context(db_session, region_id=None), {"digits": "081298765432"})
    assert result.vars == {"callback_number": "+6281298765432"}
    with pytest.raises(ValueError):
        tickets.set_callback(context(db_session, region_id=None), {"digits": "12"})


# -- the ticket -----------------------------------------------------------------------------------


def _args(**overrides):
    args = {"category": "no_power", "customer_id": None, "callback_number": "+6281234567890", "recording_url": None}
    return {**args, **overrides}


def _count(db_session) -> int:
    return db_session.scalar(select(func.count(Complaint.id)))


def test_ticket_row_has_every_field(db_session, regions) -> None:
    customer, _ = add_customer(db_session, regions["KUPANG"])
    ctx = context(db_session, region_id=regions["KUPANG"], call_sid="CAfields")

    result = tickets.create_complaint(ctx, _args(customer_id=customer.id, recording_url="https://r.example/RE1"))

    complaint = db_session.scalars(select(Complaint)).one()
    assert result.outcome == "routine"
    assert result.vars == {"ticket_number": complaint.ticket_number}
    assert complaint.ticket_number.startswith("3")
    assert len(complaint.ticket_number) == 10
    assert complaint.ticket_number.isdigit()
    assert (complaint.category, complaint.urgent, complaint.status) == ("no_power", False, "open")
    assert (complaint.customer_id, complaint.region_id) == (customer.id, regions["KUPANG"])
    assert complaint.callback_number == "+6281234567890"
    assert complaint.recording_url == "https://r.example/RE1"
    assert complaint.call_sid == "CAfields"
    assert complaint.created_at == NOW
    assert complaint.updated_at == NOW
    assert complaint.resolved_at is None


def test_dangerous_installation_ticket_is_urgent(db_session, regions) -> None:
    ctx = context(db_session, region_id=regions["BEKASI"])
    result = tickets.create_complaint(ctx, _args(category="dangerous_installation"))

    assert result.outcome == "urgent"
    assert db_session.scalars(select(Complaint)).one().urgent is True


def test_same_call_and_category_gets_the_same_ticket(db_session, regions) -> None:
    first = tickets.create_complaint(context(db_session, region_id=regions["BEKASI"], step=4), _args())
    again = tickets.create_complaint(
        context(db_session, region_id=regions["BEKASI"], step=9), _args(callback_number="+6281298765432")
    )

    assert again.vars == first.vars
    assert _count(db_session) == 1
    assert db_session.scalars(select(Complaint)).one().callback_number == "+6281234567890"


def test_another_category_or_another_call_gets_its_own_ticket(db_session, regions) -> None:
    first = tickets.create_complaint(context(db_session, region_id=regions["BEKASI"]), _args())
    billing = tickets.create_complaint(context(db_session, region_id=regions["BEKASI"]), _args(category="billing"))
    other_call = tickets.create_complaint(context(db_session, region_id=regions["BEKASI"], call_sid="CAother"), _args())

    numbers = {first.vars["ticket_number"], billing.vars["ticket_number"], other_call.vars["ticket_number"]}
    assert len(numbers) == 3
    assert _count(db_session) == 3


def test_a_resolved_ticket_of_the_same_call_is_not_reused(db_session, regions) -> None:
    old = add_complaint(db_session, regions["BEKASI"], call_sid="CAservice0001", resolved=True, status="resolved")

    result = tickets.create_complaint(context(db_session, region_id=regions["BEKASI"]), _args())

    assert result.vars["ticket_number"] != old.ticket_number
    assert _count(db_session) == 2


def test_unknown_category_is_refused(db_session) -> None:
    with pytest.raises(ValueError, match="unknown complaint category"):
        tickets.create_complaint(context(db_session, region_id=None), _args(category="noise"))
    assert _count(db_session) == 0


# -- status -----------------------------------------------------------------------------------------


def test_complaint_status_with_note_in_local_time(db_session, regions) -> None:
    add_complaint(
        db_session,
        regions["BEKASI"],
        ticket_number="3123456789",
        status="in_progress",
        updated_at=NOW - timedelta(hours=20),
        last_note="  Petugas sedang menuju lokasi.  ",
    )
    ctx = context(db_session, region_id=regions["JAYAPURA"], timezone="Asia/Jayapura")

    result = tickets.lookup_status(ctx, {"reference": "3123456789"})

    assert result.outcome == "complaint"
    assert result.vars == {
        "status_code": "in_progress",
        "status_note": "Petugas sedang menuju lokasi.",
        "status_date": "2026-11-22",
        "status_time": "15:00",
        "status_zone": "WIT",
    }


def test_request_status_without_note(db_session, regions) -> None:
    add_request(db_session, regions["BEKASI"], reference="6123456789", updated_at=NOW - timedelta(hours=3))

    result = tickets.lookup_status(context(db_session, region_id=regions["BEKASI"]), {"reference": "6123456789"})

    assert result.outcome == "request"
    assert result.vars["status_note"] is None
    when = [result.vars[f"status_{part}"] for part in ("date", "time", "zone")]
    assert when == ["2026-11-23", "06:00", "WIB"]


def test_reading_status_dates_from_the_review_or_the_submission(db_session, regions) -> None:
    _, meter = add_customer(db_session, regions["BEKASI"])
    add_reading(db_session, meter, reference="2000000001", submitted_at=NOW - timedelta(hours=5))
    add_reading(
        db_session,
        meter,
        reference="2000000002",
        status="rejected",
        submitted_at=NOW - timedelta(days=3),
        reviewed_at=NOW - timedelta(hours=1),
        review_note="Foto meter tidak terbaca.",
    )
    ctx = context(db_session, region_id=regions["BEKASI"])

    submitted = tickets.lookup_status(ctx, {"reference": "2000000001"})
    reviewed = tickets.lookup_status(ctx, {"reference": "2000000002"})

    assert (submitted.outcome, submitted.vars["status_code"]) == ("reading", "accepted")
    assert submitted.vars["status_time"] == "04:00"
    assert (reviewed.vars["status_code"], reviewed.vars["status_time"]) == ("rejected", "08:00")
    assert reviewed.vars["status_note"] == "Foto meter tidak terbaca."


@pytest.mark.parametrize("reference", ["3999999999", "6000000001", "2000000009", "9000000001", "31234", "", None])
def test_unknown_or_malformed_reference_reveals_nothing(db_session, regions, reference) -> None:
    add_complaint(db_session, regions["BEKASI"], ticket_number="3000000001")  # a 3..., not a 6...

    result = tickets.lookup_status(context(db_session, region_id=regions["BEKASI"]), {"reference": reference})

    assert result.outcome == "not_found"
    assert dict(result.vars) == {}


def test_long_notes_are_cut_short(db_session, regions) -> None:
    add_complaint(db_session, regions["BEKASI"], ticket_number="3000000002", last_note="x" * 1000)
    result = tickets.lookup_status(context(db_session, region_id=regions["BEKASI"]), {"reference": "3000000002"})
    assert len(result.vars["status_note"]) == SPOKEN_NOTE_MAX_CHARS


@pytest.mark.parametrize(
    ("stored", "heard"),
    [("open", "open"), ("in_progress", "in_progress"), ("closed", "resolved"), ("flagged", "flagged"),
     ("replaced", "replaced"), ("escalated", "other"), ("", "other")],
)  # fmt: skip
def test_stored_status_maps_to_what_callers_hear(db_session, stored: str, heard: str) -> None:
    assert tickets.status_state(context(db_session, region_id=None), {"status": stored}).outcome == heard


@pytest.mark.parametrize(("note", "outcome"), [("Sudah ditangani.", "note"), (None, "no_note"), ("", "no_note")])
def test_note_or_no_note(db_session, note, outcome: str) -> None:
    assert tickets.note_state(context(db_session, region_id=None), {"note": note}).outcome == outcome


def test_register_declares_every_outcome_its_services_return() -> None:
    registry = ServiceRegistry()
    tickets.register(registry)

    assert registry.get("tickets.lookup").outcomes == {"complaint", "request", "reading", "not_found"}
    for category in tickets.CATEGORIES:
        assert registry.get(f"tickets.category.{category}").outcomes == {"routine", "urgent"}
    assert registry.get("tickets.status_state").outcomes == {*tickets.STATES, "other"}
