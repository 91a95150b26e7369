"""Test data and steps for menus 3 and 4: complaints, requests, readings, notices, recordings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Call, CallEvent, Complaint, MaintenanceNotice, Meter, Reading, ServiceRequest
from ivr.engine import speech
from ivr.services.context import ServiceContext
from tests.support.journeys import choose
from tests.support.twilio import FakeTwilio, Reply

# Monday 23 November 2026, 02:00 UTC = 09:00 WIB = 10:00 WITA = 11:00 WIT.
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
RECORDING_URL = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE0123456789abcdef"


def press_all(twilio: FakeTwilio, *keys: str) -> Reply:
    """Answer several gathers in a row; the last reply."""
    reply = twilio.last
    for key in keys:
        reply = twilio.press(key)
    assert reply is not None
    return reply


def report(twilio: FakeTwilio, key: str, *, english: bool = False) -> Reply:
    """Menu 3 the short way: category, no customer number, call me back on this number, no recording."""
    choose(twilio, "3", english=english)
    return press_all(twilio, key, "2", "1", "2")


def read_once(reply: Reply, number: str, language: str = "id") -> bool:
    """Whether a reply reads `number` digit by digit exactly once ("3" hears it again)."""
    return reply.spoken().count(speech.digits(number, language)) == 1


def post_recording(twilio: FakeTwilio, url: str = RECORDING_URL, seconds: int = 12) -> Reply:
    """Answer the last reply's <Record> as Twilio does once the caller has spoken."""
    assert twilio.last is not None
    record = twilio.last.find("Record")
    assert record is not None, "the last reply had no <Record>"
    return twilio.post(record.get("action"), {"RecordingUrl": url, "RecordingDuration": str(seconds)})


def context(
    session: Session,
    *,
    region_id: int | None,
    timezone: str = "Asia/Jakarta",
    caller: str = "+6281234567890",
    call_sid: str = "CAservice0001",
    now: datetime = NOW,
    step: int = 3,
) -> ServiceContext:
    """A service context as the voice gateway would build it for one webhook."""
    return ServiceContext(
        session=session,
        conversation_id=call_sid,
        caller=caller,
        caller_is_mobile=caller.startswith("+628"),
        region_id=region_id,
        channel="voice",
        now=now,
        timezone=timezone,
        step=step,
    )


def add_complaint(
    session: Session,
    region_id: int | None,
    *,
    ticket_number: str = "3000000001",
    category: str = "no_power",
    status: str = "open",
    created_at: datetime = NOW - timedelta(minutes=30),
    updated_at: datetime | None = None,
    last_note: str | None = None,
    resolved: bool = False,
    call_sid: str | None = None,
) -> Complaint:
    complaint = Complaint(
        ticket_number=ticket_number,
        category=category,
        urgent=category == "dangerous_installation",
        status=status,
        region_id=region_id,
        callback_number="+6281111111111",
        call_sid=call_sid,
        last_note=last_note,
        created_at=created_at,
        updated_at=updated_at or created_at,
        resolved_at=(updated_at or created_at) if resolved else None,
    )
    session.add(complaint)
    session.flush()
    return complaint


def add_outage_reports(
    session: Session, region_id: int, count: int = 3, *, minutes_ago: int = 30, resolved: bool = False
) -> list[Complaint]:
    """`count` no-power / area-outage reports from other callers, `minutes_ago` old."""
    categories = ("no_power", "outage_area")
    return [
        add_complaint(
            session,
            region_id,
            ticket_number=f"39{index:08d}",
            category=categories[index % 2],
            status="resolved" if resolved else "open",
            created_at=NOW - timedelta(minutes=minutes_ago),
            resolved=resolved,
            call_sid=f"CAother{index}",
        )
        for index in range(count)
    ]


def add_request(
    session: Session,
    region_id: int,
    *,
    reference: str = "6000000001",
    status: str = "open",
    updated_at: datetime = NOW - timedelta(days=1),
    last_note: str | None = None,
) -> ServiceRequest:
    request = ServiceRequest(
        reference=reference,
        kind="power_change",
        status=status,
        region_id=region_id,
        requested_power_va=2200,
        last_note=last_note,
        created_at=updated_at - timedelta(days=2),
        updated_at=updated_at,
    )
    session.add(request)
    session.flush()
    return request


def add_reading(
    session: Session,
    meter: Meter,
    *,
    reference: str = "2000000001",
    status: str = "accepted",
    submitted_at: datetime = NOW - timedelta(days=2),
    reviewed_at: datetime | None = None,
    review_note: str | None = None,
) -> Reading:
    reading = Reading(
        reference=reference,
        meter_id=meter.id,
        period=date(2026, 11, 1),
        stand=5123,
        status=status,
        source="ivr",
        submitted_at=submitted_at,
        reviewed_at=reviewed_at,
        review_note=review_note,
    )
    session.add(reading)
    session.flush()
    return reading


def add_notice(
    session: Session,
    region_id: int,
    *,
    starts_at: datetime = NOW - timedelta(hours=1),
    ends_at: datetime = NOW + timedelta(hours=6),
    area: str = "Perumahan Grand Wisata, Tambun Selatan",
) -> MaintenanceNotice:
    notice = MaintenanceNotice(
        region_id=region_id, starts_at=starts_at, ends_at=ends_at, area=area, reason="Penggantian trafo distribusi"
    )
    session.add(notice)
    session.flush()
    return notice


def complaints(session: Session) -> list[Complaint]:
    session.expire_all()
    return list(session.scalars(select(Complaint).order_by(Complaint.id)))


def call_events(session: Session, call_sid: str) -> list[CallEvent]:
    """The call's timeline as agents see it, in order."""
    session.expire_all()
    call = session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
    return list(session.scalars(select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.seq)))
