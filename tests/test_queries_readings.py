"""Reviewing flagged readings, called directly: the list, region rules, accept (new baseline), reject."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from db.models import Reading
from ivr.auth.roles import Principal
from ivr.queries.readings import ReviewError, list_flagged_readings, review_reading
from ivr.services.readings import baseline
from tests.support.console import add_staff
from tests.support.factories import add_customer
from tests.support.tickets import NOW

OCTOBER, NOVEMBER, DECEMBER = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
PHOTO = "https://media.example.co.id/meter/14000000001.jpg"


@pytest.fixture
def staff(db_session, regions) -> dict[str, Principal]:
    return {key: Principal.of(user) for key, user in add_staff(db_session, regions).items()}


def add(session, meter, reference: str, period: date, stand: int, status: str, *, hours_ago: float, **extra) -> Reading:
    reading = Reading(
        reference=reference,
        meter_id=meter.id,
        period=period,
        stand=stand,
        status=status,
        source="ivr",
        submitted_at=NOW - timedelta(hours=hours_ago),
        **extra,
    )
    session.add(reading)
    session.flush()
    return reading


@pytest.fixture
def bekasi_meter(db_session, regions):
    _, meter = add_customer(db_session, regions["BEKASI"], name="Siti Rahmawati")
    add(db_session, meter, "2000000001", OCTOBER, 5000, "accepted", hours_ago=30 * 24)
    db_session.commit()
    return meter


def test_flagged_readings_oldest_first_with_the_previous_stand(db_session, regions, staff, bekasi_meter) -> None:
    _, other = add_customer(
        db_session, regions["BEKASI"], idpel="532110000002", meter_number="14000000002", name="Andi"
    )
    add(db_session, bekasi_meter, "2000000002", NOVEMBER, 5100, "accepted", hours_ago=1)  # not flagged: not listed
    newer = add(db_session, bekasi_meter, "2000000003", NOVEMBER, 4900, "flagged", hours_ago=2,
                flag_reason="lower_than_last_accepted", media_url=PHOTO, media_type="image/jpeg")  # fmt: skip
    older = add(db_session, other, "2000000004", NOVEMBER, 9000, "flagged", hours_ago=5,
                flag_reason="far_above_usual_use")  # fmt: skip
    db_session.commit()

    page = list_flagged_readings(db_session, staff["bekasi"], 1, 10)

    assert [row.reference for row in page.items] == [older.reference, newer.reference]
    assert page.total == 2
    row = page.items[1]
    assert (row.stand, row.previous_stand, row.previous_period, row.previous_reference) == (
        4900,
        5000,
        OCTOBER,
        "2000000001",
    )
    assert (row.meter_number, row.customer_name, row.idpel, row.region_name) == (
        "14000000001",
        "Siti Rahmawati",
        "532110000001",
        "UP3 Bekasi",
    )
    assert (row.flag_reason, row.media_url, row.media_type) == ("lower_than_last_accepted", PHOTO, "image/jpeg")
    assert page.items[0].previous_stand is None  # Andi has no accepted reading yet
    assert [r.reference for r in list_flagged_readings(db_session, staff["bekasi"], 2, 1).items] == ["2000000003"]


def test_agents_review_their_own_region_only(db_session, regions, staff, bekasi_meter) -> None:
    _, kupang_meter = add_customer(
        db_session, regions["KUPANG"], idpel="532110000009", meter_number="14000000009", name="Yohanes"
    )
    bekasi = add(db_session, bekasi_meter, "2000000011", NOVEMBER, 4900, "flagged", hours_ago=2)
    kupang = add(db_session, kupang_meter, "2000000012", NOVEMBER, 100, "flagged", hours_ago=2)
    db_session.commit()

    assert [r.reference for r in list_flagged_readings(db_session, staff["kupang"], 1, 10).items] == [kupang.reference]
    assert list_flagged_readings(db_session, staff["spv"], 1, 10).total == 2
    with pytest.raises(PermissionError):
        review_reading(db_session, staff["kupang"], bekasi.id, True, None, NOW)
    with pytest.raises(LookupError):
        review_reading(db_session, staff["spv"], 999_999, True, None, NOW)
    db_session.rollback()
    assert db_session.get(Reading, bekasi.id).status == "flagged"


def test_accepting_makes_the_reading_the_next_baseline(db_session, staff, bekasi_meter) -> None:
    flagged = add(db_session, bekasi_meter, "2000000021", NOVEMBER, 4900, "flagged", hours_ago=2)
    db_session.commit()
    assert baseline(db_session, bekasi_meter.id, DECEMBER).reference == "2000000001"

    reviewed = review_reading(db_session, staff["bekasi"], flagged.id, True, "  Meter diganti, foto cocok. ", NOW)
    db_session.commit()

    assert (reviewed.status, reviewed.reviewed_at, reviewed.reviewed_by_name) == ("accepted", NOW, "Agent Bekasi")
    assert reviewed.review_note == "Meter diganti, foto cocok."
    db_session.expire_all()
    stored = db_session.get(Reading, flagged.id)
    assert (stored.status, stored.reviewed_by_id) == ("accepted", staff["bekasi"].id)
    assert baseline(db_session, bekasi_meter.id, DECEMBER).id == flagged.id
    assert list_flagged_readings(db_session, staff["bekasi"], 1, 10).total == 0


def test_rejecting_needs_a_reason_and_leaves_the_baseline(db_session, staff, bekasi_meter) -> None:
    flagged = add(db_session, bekasi_meter, "2000000031", NOVEMBER, 4900, "flagged", hours_ago=2)
    db_session.commit()
    agent = staff["bekasi"]

    for empty in (None, "", "   "):
        with pytest.raises(ReviewError, match="Alasan penolakan wajib diisi"):
            review_reading(db_session, agent, flagged.id, False, empty, NOW)
    with pytest.raises(ReviewError, match="terlalu panjang"):
        review_reading(db_session, agent, flagged.id, False, "x" * 501, NOW)
    assert db_session.get(Reading, flagged.id).status == "flagged"

    reviewed = review_reading(db_session, agent, flagged.id, False, "Foto meter tidak terbaca.", NOW)
    db_session.commit()

    assert (reviewed.status, reviewed.review_note, reviewed.reviewed_at) == (
        "rejected",
        "Foto meter tidak terbaca.",
        NOW,
    )
    assert baseline(db_session, bekasi_meter.id, DECEMBER).reference == "2000000001"


@pytest.mark.parametrize("status", ["accepted", "rejected", "replaced"])
def test_only_flagged_readings_can_be_reviewed(db_session, staff, bekasi_meter, status: str) -> None:
    reading = add(db_session, bekasi_meter, "2000000041", NOVEMBER, 5100, status, hours_ago=2)
    db_session.commit()

    with pytest.raises(ReviewError, match="tidak menunggu pemeriksaan"):
        review_reading(db_session, staff["spv"], reading.id, True, None, NOW)
    assert db_session.get(Reading, reading.id).reviewed_at is None
