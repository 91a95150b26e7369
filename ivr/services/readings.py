"""Self meter reading ("baca meter mandiri") by phone or message: window, plausibility, storage,
photo, SMS.

A reading is accepted only inside the customer's monthly window (region local time). One that is
lower than the last accepted reading, or far above the customer's usual use, is stored flagged for
an agent's review instead. A new reading in the same period replaces the earlier self-reading, which
is kept as history with status "replaced". Over SMS or WhatsApp a photo of the meter may come
before or after the stand: it is kept with the conversation until the reading exists, then stored on it.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import PREPAID, Bill, Customer, Meter, Reading
from db.references import READING_PREFIX
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.services.context import Notification, ServiceContext
from ivr.services.customers import find_account, is_registered_phone, tail
from ivr.services.references import new_reference

# A reading's life: accepted or flagged when filed, flagged ones accepted or rejected by an agent
# (ivr/queries/readings.py), any of them replaced when the caller files the period again.
ACCEPTED, FLAGGED, REJECTED, REPLACED = "accepted", "flagged", "rejected", "replaced"
SELF_SOURCES = ("ivr", "sms", "whatsapp")
JUMP_FACTOR = 3  # more than three times the usual monthly use is "far above"
JUMP_MIN_KWH = 200  # ...and at least this much above it, so tiny users are not flagged for noise
USUAL_MONTHS = 6
_NO_PHOTO = {"meter_photo_url": None, "meter_photo_type": None}  # the conversation's kept photo, used up


def reading_period(today: date, start_day: int, end_day: int) -> date:
    """The month a reading belongs to: the one its window opened in, else the one it is taken in.

    A window from the 25th to the 5th is one reading period: a reading on 3 January is December's,
    so a second one that window replaces it instead of counting as January's.
    """
    inside, opens, _ = window_dates(today, start_day, end_day)
    return opens.replace(day=1) if inside else today.replace(day=1)


def customer_today(context: ServiceContext, customer: Customer) -> date:
    """Today on the customer's own regional clock (WIB, WITA or WIT), whoever routed the call."""
    return context.now.astimezone(ZoneInfo(customer.region.timezone)).date()


def customer_period(context: ServiceContext, customer: Customer) -> date:
    """The reading period of today, in the customer's region and window."""
    today = customer_today(context, customer)
    return reading_period(today, customer.reading_window_start_day, customer.reading_window_end_day)


def _month_day(year: int, month: int, day: int) -> date:
    """`day` of a month, or its last day when the month is shorter (the 31st in February)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def window_dates(today: date, start_day: int, end_day: int) -> tuple[bool, date, date]:
    """Whether today is inside the monthly window, and the window's current (or next) dates.

    A window whose start day comes after its end day (the 25th to the 5th) crosses a month end:
    it opens in one month and closes in the next, over a year end too (28 December to 3 January).
    """
    crosses = start_day > end_day
    for month in (today.month - 1, today.month, today.month + 1):  # the window that opened last month may be open
        opens = _month_day(today.year, month, start_day)
        closes = _month_day(today.year, month + 1 if crosses else month, end_day)
        if today <= closes:
            return opens <= today, opens, closes
    raise AssertionError("next month's window closes after today")


def baseline(session: Session, meter_id: int, period: date) -> Reading | None:
    """The last accepted reading from an earlier period: what a new reading is compared with."""
    query = (
        select(Reading)
        .where(Reading.meter_id == meter_id, Reading.status == ACCEPTED, Reading.period < period)
        .order_by(Reading.period.desc(), Reading.submitted_at.desc())
        .limit(1)
    )
    return session.scalar(query)


def usual_monthly_kwh(session: Session, customer_id: int) -> int | None:
    """Average kWh of the customer's last six bills; None when there is no history."""
    recent = select(Bill.kwh).where(Bill.customer_id == customer_id).order_by(Bill.period.desc()).limit(USUAL_MONTHS)
    average = session.scalar(select(func.avg(recent.subquery().c.kwh)))
    return None if average is None else round(float(average))


def current_self_reading(session: Session, meter_id: int, period: date) -> Reading | None:
    query = select(Reading).where(
        Reading.meter_id == meter_id,
        Reading.period == period,
        Reading.source.in_(SELF_SOURCES),
        Reading.status.in_((ACCEPTED, FLAGGED)),
    )
    return session.scalar(query.order_by(Reading.submitted_at.desc()).limit(1))


def plausibility(session: Session, meter: Meter, stand: int, period: date) -> tuple[str, dict[str, Any]]:
    """ "plausible", "lower" (below the last accepted reading) or "jump" (far above usual use)."""
    last = baseline(session, meter.id, period)
    if last is None:
        return "plausible", {}
    facts: dict[str, Any] = {"last_stand": last.stand}
    if stand < last.stand:
        return "lower", facts
    usual = usual_monthly_kwh(session, meter.customer_id)
    if usual:
        months = max(1, (period.year - last.period.year) * 12 + period.month - last.period.month)
        expected = usual * months
        facts["usual_kwh"] = usual
        if stand - last.stand > max(JUMP_FACTOR * expected, expected + JUMP_MIN_KWH):
            return "jump", facts
    return "plausible", facts


def identify(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Who is reporting, whose account it is (its last digits), and whether they may report now.

    Only a caller on the customer's registered phone hears this month's earlier reading and reference.
    """
    account = find_account(context.session, args.get("customer_id"))
    if account is None or account.meter is None:
        return ServiceResult("not_found")
    if account.customer.payment_type == PREPAID:
        return ServiceResult("prepaid")
    customer, meter = account.customer, account.meter
    today = customer_today(context, customer)
    is_open, opens, closes = window_dates(today, customer.reading_window_start_day, customer.reading_window_end_day)
    if not is_open:
        return ServiceResult("outside_window", {"window_opens": opens.isoformat(), "window_closes": closes.isoformat()})
    found = {"meter_ref": meter.id, "meter_number": meter.meter_number, "account_tail": tail(customer.idpel)}
    existing = current_self_reading(context.session, meter.id, opens.replace(day=1))
    if existing is None:
        return ServiceResult("ok", found)
    if not is_registered_phone(customer, context.caller):
        return ServiceResult("already_exists", found)  # its stand and reference are the owner's to hear
    return ServiceResult(
        "already_submitted", {**found, "existing_stand": existing.stand, "existing_reference": existing.reference}
    )


def check(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Compare the entered stand with the history before asking the caller to confirm it."""
    meter = context.session.get(Meter, int(args["meter_ref"]))
    assert meter is not None
    period = customer_period(context, meter.customer)
    outcome, facts = plausibility(context.session, meter, int(args["stand"]), period)
    return ServiceResult(outcome, facts)


def submit(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Store the confirmed reading once, flagged when implausible, replacing this period's earlier one."""
    session = context.session
    meter = session.get(Meter, int(args["meter_ref"]))
    assert meter is not None
    stand, period = int(args["stand"]), customer_period(context, meter.customer)
    repeat = session.scalar(
        select(Reading).where(
            Reading.call_sid == context.conversation_id,
            Reading.meter_id == meter.id,
            Reading.period == period,
            Reading.stand == stand,
            Reading.status != REPLACED,
        )
    )
    reading = repeat or _store(context, meter, stand, period)
    if args.get("photo_url"):
        reading.media_url, reading.media_type = str(args["photo_url"]), str(args.get("photo_type") or "")[:64]
    last = baseline(session, meter.id, period)
    used = stand - last.stand if last is not None and stand >= last.stand else None
    return ServiceResult(reading.status, {"reference": reading.reference, "kwh_used": used, **_NO_PHOTO})


def attach_photo(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """A photo of the meter: onto the reading this conversation submitted, or kept until it does."""
    url, content_type = str(args["url"]), str(args.get("content_type") or "")[:64]
    reading = context.session.scalar(
        select(Reading)
        .where(Reading.call_sid == context.conversation_id, Reading.status != REPLACED)
        .order_by(Reading.submitted_at.desc(), Reading.id.desc())
        .limit(1)
    )
    if reading is None:
        return ServiceResult("kept", {"meter_photo_url": url, "meter_photo_type": content_type})
    reading.media_url, reading.media_type = url, content_type
    return ServiceResult("attached", {"photo_reference": reading.reference, **_NO_PHOTO})


def photo_wanted(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Over text, ask for a photo of the meter when the reading just stored has none."""
    if context.channel not in ("sms", "whatsapp"):
        return ServiceResult("skip")
    reading = context.session.scalar(select(Reading).where(Reading.reference == str(args.get("reference"))))
    return ServiceResult("ask" if reading is not None and not reading.media_url else "skip")


def _store(context: ServiceContext, meter: Meter, stand: int, period: date) -> Reading:
    session = context.session
    outcome, _ = plausibility(session, meter, stand, period)
    earlier = current_self_reading(session, meter.id, period)
    if earlier is not None:
        earlier.status = REPLACED
    reading = Reading(
        reference=new_reference(session, Reading.reference, READING_PREFIX),
        meter_id=meter.id,
        period=period,
        stand=stand,
        status=ACCEPTED if outcome == "plausible" else FLAGGED,
        source=context.channel if context.channel in SELF_SOURCES else "ivr",
        flag_reason={"lower": "lower_than_last_accepted", "jump": "far_above_usual_use"}.get(outcome),
        call_sid=context.conversation_id,
        replaces_id=earlier.id if earlier else None,
        submitted_at=context.now,
    )
    session.add(reading)
    session.flush()
    return reading


def usage_known(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Only speak an estimated use when there was an earlier accepted reading to compare with."""
    return ServiceResult("known" if args.get("kwh_used") is not None else "unknown")


def sms_offer(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Offer an SMS confirmation only to mobiles, and only when sending is configured."""
    return ServiceResult("offer" if context.caller_is_mobile and context.sms_enabled else "skip")


def send_sms(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    context.outbox.append(
        Notification(
            to=context.caller,
            prompt="meter_reading.sms_text",
            variables={
                "stand": args["stand"],
                "reference": args["reference"],
                "meter_tail": str(args["meter_number"])[-4:],
            },
            language=context.language,
        )
    )
    return ServiceResult("queued")


def register(registry: ServiceRegistry) -> None:
    registry.add(
        "readings.identify",
        identify,
        {"ok", "not_found", "prepaid", "outside_window", "already_submitted", "already_exists"},
    )
    registry.add("readings.check", check, {"plausible", "lower", "jump"})
    registry.add("readings.submit", submit, {ACCEPTED, FLAGGED})
    registry.add("readings.usage_known", usage_known, {"known", "unknown"})
    registry.add("readings.sms_offer", sms_offer, {"offer", "skip"})
    registry.add("readings.attach_photo", attach_photo, {"attached", "kept"})
    registry.add("readings.photo_wanted", photo_wanted, {"ask", "skip"})
    registry.add("readings.send_sms", send_sms, {"queued"})
