"""Tests for the demo-data seeder: shape, determinism, formats, billing arithmetic and time."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from db.models import (
    POSTPAID,
    PREPAID,
    Announcement,
    Base,
    Bill,
    Complaint,
    Customer,
    MaintenanceNotice,
    Meter,
    Reading,
    Region,
    RegionAreaCode,
    RegionNumber,
    ServiceRequest,
    Tariff,
    TokenPurchase,
    User,
    UTCDateTime,
)
from db.references import COMPLAINT_PREFIX, READING_PREFIX, REFERENCE_LENGTH, REQUEST_PREFIX, is_reference
from db.seed import (
    DEMO_DIALED_NUMBERS,
    IDPEL_PREFIX,
    SeedSummary,
    bill_amount,
    seed_demo,
    tariff_for,
    token_kwh,
)
from db.seed.catalog import reading_window
from db.session import make_engine
from ivr.services import announcements
from ivr.services.readings import window_dates

TODAY = date(2026, 11, 23)
TODAY_UTC = datetime.combine(TODAY, time(0, 0), tzinfo=UTC)
NON_NATIONAL = ("BEKASI", "CIKARANG", "KUPANG", "JAYAPURA", "DENPASAR")
SHARES = {"BEKASI": 0.35, "CIKARANG": 0.20, "KUPANG": 0.15, "JAYAPURA": 0.10, "DENPASAR": 0.20}


@dataclass
class Seeded:
    session: Session
    summary: SeedSummary


def _seed(customers: int, seed: int = 20261123, today: date = TODAY) -> Seeded:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    session = Session(engine)
    summary = seed_demo(session, today=today, customers=customers, seed=seed)
    session.commit()
    return Seeded(session, summary)


@pytest.fixture(scope="module")
def full() -> Iterator[Seeded]:
    seeded = _seed(1000)
    yield seeded
    seeded.session.close()


@pytest.fixture(scope="module")
def small() -> Iterator[Seeded]:
    seeded = _seed(50)
    yield seeded
    seeded.session.close()


def _count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _all(session: Session, model: type[Base]) -> list[Any]:
    return list(session.scalars(select(model).order_by(model.id)))  # type: ignore[attr-defined]


def _dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in id order, as plain tuples."""
    return {
        table.name: [tuple(row) for row in session.execute(table.select().order_by(*table.primary_key))]
        for table in Base.metadata.sorted_tables
    }


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _expected_bill(kwh: int, power_va: int, rate: Decimal) -> int:
    """The bill recomputed by hand: 40-hour minimum, energy rounded, then 3 % PPJ rounded."""
    minimum_kwh = Decimal(40 * power_va) / 1000
    energy = _round(max(Decimal(kwh), minimum_kwh) * rate)
    return energy + _round(energy * Decimal(3) / 100)


def _bills_by_customer(session: Session) -> dict[int, list[Bill]]:
    bills: dict[int, list[Bill]] = {}
    for bill in session.scalars(select(Bill).order_by(Bill.customer_id, Bill.period)):
        bills.setdefault(bill.customer_id, []).append(bill)
    return bills


def test_summary_matches_tables(full: Seeded) -> None:
    s = full.session
    actual = {
        "regions": _count(s, Region),
        "region_area_codes": _count(s, RegionAreaCode),
        "region_numbers": _count(s, RegionNumber),
        "tariffs": _count(s, Tariff),
        "customers": _count(s, Customer),
        "meters": _count(s, Meter),
        "readings": _count(s, Reading),
        "bills": _count(s, Bill),
        "token_purchases": _count(s, TokenPurchase),
        "maintenance_notices": _count(s, MaintenanceNotice),
        "complaints": _count(s, Complaint),
        "service_requests": _count(s, ServiceRequest),
        "announcements": _count(s, Announcement),
    }
    assert asdict(full.summary) == actual
    assert _count(s, User) == 0


def test_counts_for_a_thousand_customers(full: Seeded) -> None:
    summary, s = full.summary, full.session
    assert (summary.regions, summary.region_numbers, summary.region_area_codes) == (6, 6, 4)
    assert summary.tariffs == 12
    assert summary.customers == summary.meters == 1000
    prepaid = _count_where(s, Customer.payment_type == PREPAID)
    postpaid = _count_where(s, Customer.payment_type == POSTPAID)
    assert prepaid + postpaid == 1000
    assert 0.55 <= prepaid / 1000 <= 0.65
    assert summary.readings == summary.bills == 12 * postpaid
    assert 5.5 * prepaid <= summary.token_purchases <= 7.5 * prepaid
    assert 10 <= summary.maintenance_notices <= 20
    assert summary.complaints == summary.service_requests == 20


def _count_where(session: Session, condition: Any) -> int:
    return session.scalar(select(func.count()).select_from(Customer).where(condition)) or 0


def test_customers_spread_over_regions_by_weight(full: Seeded) -> None:
    rows = full.session.execute(select(Region.code, func.count(Customer.id)).join(Customer).group_by(Region.code)).all()
    per_region = dict(rows)
    assert set(per_region) == set(NON_NATIONAL)
    for code, share in SHARES.items():
        assert abs(per_region[code] / 1000 - share) <= 0.02, code


def test_regions_numbers_and_area_codes(full: Seeded) -> None:
    regions = {r.code: r for r in _all(full.session, Region)}
    assert [r.code for r in regions.values() if r.is_national] == ["NASIONAL"]
    national = regions["NASIONAL"]
    assert (national.opens_at, national.closes_at) == (time(0, 0), time(23, 59))
    assert {code: [n.number for n in r.numbers] for code, r in regions.items()} == {
        code: [number] for code, number in DEMO_DIALED_NUMBERS.items()
    }
    areas = {r.code: [a.area_code for a in r.area_codes] for r in regions.values()}
    assert areas == {
        "NASIONAL": [],
        "BEKASI": ["21"],
        "CIKARANG": [],
        "KUPANG": ["380"],
        "JAYAPURA": ["967"],
        "DENPASAR": ["361"],
    }
    assert regions["KUPANG"].timezone == regions["DENPASAR"].timezone == "Asia/Makassar"
    assert regions["JAYAPURA"].timezone == "Asia/Jayapura"
    assert regions["JAYAPURA"].closes_at == time(20, 0)


def test_same_inputs_give_identical_rows() -> None:
    first, second = _seed(50), _seed(50)
    columns = (
        Customer.idpel,
        Customer.name,
        Customer.phone,
        Customer.tariff_class,
        Customer.power_va,
    )
    query = select(*columns).order_by(Customer.id)
    assert first.session.execute(query).all() == second.session.execute(query).all()
    amounts = select(Bill.amount_rupiah).order_by(Bill.id)
    assert first.session.scalars(amounts).all() == second.session.scalars(amounts).all()
    assert _dump(first.session) == _dump(second.session)


def test_another_seed_gives_other_customers(small: Seeded) -> None:
    other = _seed(50, seed=7)
    query = select(Customer.idpel, Customer.name).order_by(Customer.id)
    assert small.session.execute(query).all() != other.session.execute(query).all()


def test_every_customer_has_exactly_one_meter(full: Seeded) -> None:
    s = full.session
    per_customer = Counter(s.scalars(select(Meter.customer_id)))
    customer_ids = set(s.scalars(select(Customer.id)))
    assert set(per_customer) == customer_ids
    assert set(per_customer.values()) == {1}


def test_identifiers_have_their_format_and_are_unique(full: Seeded) -> None:
    s = full.session
    formats = {
        "idpel": (select(Customer.idpel), r"\d{12}"),
        "meter": (select(Meter.meter_number), r"\d{11}"),
        "token": (select(TokenPurchase.token), r"\d{20}"),
    }
    for name, (query, pattern) in formats.items():
        values = list(s.scalars(query))
        assert values, name
        assert all(re.fullmatch(pattern, v) for v in values), name
        assert len(set(values)) == len(values), name


def test_reference_numbers_are_keypad_digits_led_by_the_menu_option(full: Seeded) -> None:
    s = full.session
    assert (READING_PREFIX, COMPLAINT_PREFIX, REQUEST_PREFIX, REFERENCE_LENGTH) == ("2", "3", "6", 10)
    assert set(s.scalars(select(Reading.source))) == {"officer"}
    kinds = {
        READING_PREFIX: list(s.scalars(select(Reading.reference))),
        COMPLAINT_PREFIX: list(s.scalars(select(Complaint.ticket_number))),
        REQUEST_PREFIX: list(s.scalars(select(ServiceRequest.reference))),
    }
    everything: list[str] = []
    for prefix, values in kinds.items():
        assert values, prefix
        assert [v for v in values if not re.fullmatch(prefix + "[0-9]{9}", v)] == [], prefix
        assert all(is_reference(v, prefix) for v in values), prefix
        everything += values
    assert len(set(everything)) == len(everything)
    # The nine digits after the type digit are drawn, not counted: they use the whole range.
    assert len({v[1] for v in kinds[READING_PREFIX]}) == 10


def test_is_reference_wants_ten_ascii_digits_with_the_prefix() -> None:
    assert is_reference("3012345678", COMPLAINT_PREFIX)
    assert not is_reference("3012345678", REQUEST_PREFIX)
    assert not is_reference("301234567", COMPLAINT_PREFIX)
    assert not is_reference("30123456789", COMPLAINT_PREFIX)
    assert not is_reference("GG12345678", COMPLAINT_PREFIX)
    assert not is_reference("30123 5678", COMPLAINT_PREFIX)
    assert not is_reference("3\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", COMPLAINT_PREFIX)
    assert not is_reference("", COMPLAINT_PREFIX)


def test_idpel_starts_with_the_region_unit_prefix(full: Seeded) -> None:
    rows = full.session.execute(select(Customer.idpel, Region.code).join(Region)).all()
    assert all(idpel[:5] == IDPEL_PREFIX[code] for idpel, code in rows)


def test_phones_are_valid_unique_e164(full: Seeded) -> None:
    rows = full.session.execute(select(Customer.phone, Region).join(Region)).all()
    phones = [phone for phone, _ in rows if phone is not None]
    assert 0.85 <= len(phones) / len(rows) <= 0.95
    assert len(set(phones)) == len(phones)
    landlines = 0
    for phone, region in rows:
        if phone is None:
            continue
        assert re.fullmatch(r"\+62\d{8,12}", phone), phone
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number), phone
        if phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE:
            landlines += 1
            area = phonenumbers.length_of_geographical_area_code(number)
            national = phonenumbers.national_significant_number(number)
            assert [national[:area]] == [a.area_code for a in region.area_codes], phone
        else:
            assert phonenumbers.number_type(number) == PhoneNumberType.MOBILE, phone
    assert 0.02 <= landlines / len(rows) <= 0.08


def test_every_customer_tariff_is_covered_by_exactly_one_row(full: Seeded) -> None:
    s = full.session
    tariffs = _all(s, Tariff)
    pairs = s.execute(select(Customer.tariff_class, Customer.power_va).distinct()).all()
    assert len(pairs) >= 10
    for tariff_class, power_va in pairs:
        covering = [
            t
            for t in tariffs
            if t.tariff_class == tariff_class
            and t.power_min_va <= power_va
            and (t.power_max_va is None or power_va <= t.power_max_va)
        ]
        assert len(covering) == 1, (tariff_class, power_va)
        assert tariff_for(tariffs, tariff_class, power_va) is covering[0]
    with pytest.raises(LookupError):
        tariff_for(tariffs, "R-1", 1000)


def test_tariff_table_rates(full: Seeded) -> None:
    tariffs = _all(full.session, Tariff)
    assert tariff_for(tariffs, "R-1", 450).rate_per_kwh == Decimal("415.00")
    assert tariff_for(tariffs, "R-1", 900).rate_per_kwh == Decimal("605.00")
    assert tariff_for(tariffs, "R-1M", 900).rate_per_kwh == Decimal("1352.00")
    assert tariff_for(tariffs, "R-1", 2200).rate_per_kwh == Decimal("1444.70")
    assert tariff_for(tariffs, "R-3", 23000).rate_per_kwh == Decimal("1699.53")
    assert tariff_for(tariffs, "B-3", 250_000).rate_per_kwh == Decimal("1114.74")
    assert {t.minimum_hours for t in tariffs} == {40}
    assert {t.effective_from for t in tariffs} == {date(2025, 1, 1)}


def test_business_and_government_customers_are_postpaid(full: Seeded) -> None:
    classes = full.session.execute(
        select(Customer.tariff_class, Customer.payment_type).where(Customer.tariff_class.in_(("B-2", "P-1")))
    ).all()
    assert classes
    assert {payment for _, payment in classes} == {POSTPAID}


def test_bill_arithmetic_recomputed_by_hand(full: Seeded) -> None:
    s = full.session
    customer = s.scalars(
        select(Customer)
        .where(Customer.payment_type == POSTPAID, Customer.power_va == 1300)
        .order_by(Customer.id)
        .limit(1)
    ).one()
    bills = _bills_by_customer(s)[customer.id]
    stands = list(
        s.scalars(select(Reading.stand).join(Meter).where(Meter.customer_id == customer.id).order_by(Reading.period))
    )
    assert [b.stand_end for b in bills] == stands
    for before, after in pairwise(bills):
        assert after.stand_start == before.stand_end
    for bill in bills:
        assert bill.kwh == bill.stand_end - bill.stand_start
        energy = _round(Decimal(max(bill.kwh, 52)) * Decimal("1444.70"))
        assert bill.amount_rupiah == energy + _round(energy * Decimal("0.03"))
    # 120 kWh at Rp 1.444,70 = 173.364 + PPJ 5.201; under 52 kWh the minimum 52 kWh is billed.
    tariff = tariff_for(_all(s, Tariff), "R-1", 1300)
    assert bill_amount(120, 1300, tariff) == 173_364 + 5_201
    assert bill_amount(30, 1300, tariff) == 75_124 + 2_254


def test_every_bill_matches_its_tariff(full: Seeded) -> None:
    s = full.session
    tariffs = _all(s, Tariff)
    customers = {c.id: c for c in _all(s, Customer)}
    minimum_billed = 0
    for customer_id, bills in _bills_by_customer(s).items():
        customer = customers[customer_id]
        rate = tariff_for(tariffs, customer.tariff_class, customer.power_va).rate_per_kwh
        for bill in bills:
            assert bill.amount_rupiah == _expected_bill(bill.kwh, customer.power_va, rate)
            minimum_billed += bill.kwh * 1000 < 40 * customer.power_va
    assert minimum_billed > 0


def test_bills_cover_the_twelve_months_before_today(full: Seeded) -> None:
    months = [date(2025, 11, 1), date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 11)]
    due_dates = [month.replace(day=20) for month in [*months[1:], date(2026, 11, 1)]]
    for bills in _bills_by_customer(full.session).values():
        assert [b.period for b in bills] == months
        assert [b.due_date for b in bills] == due_dates


def test_usage_is_plausible_for_the_power(full: Seeded) -> None:
    s = full.session
    kwh = s.execute(
        select(Customer.power_va, func.avg(Bill.kwh))
        .join(Bill, Bill.customer_id == Customer.id)
        .where(Customer.tariff_class.in_(("R-1", "R-1M")))
        .group_by(Customer.power_va)
    ).all()
    averages = dict(kwh)
    assert 40 <= averages[450] <= 100
    assert 80 <= averages[900] <= 160
    assert 130 <= averages[1300] <= 260
    assert 220 <= averages[2200] <= 420


def test_jump_and_unpaid_shares(full: Seeded) -> None:
    all_bills = _bills_by_customer(full.session)
    jumps = sum(b[-1].amount_rupiah >= 1.2 * b[-2].amount_rupiah for b in all_bills.values())
    latest_unpaid = sum(b[-1].paid_at is None for b in all_bills.values())
    two_unpaid = sum(b[-1].paid_at is None and b[-2].paid_at is None for b in all_bills.values())
    total = len(all_bills)
    assert 0.05 <= jumps / total <= 0.11
    assert 0.24 <= latest_unpaid / total <= 0.36
    assert 0.025 <= two_unpaid / total <= 0.08
    assert all(bill.paid_at is not None for b in all_bills.values() for bill in b[:-2])
    for bills in all_bills.values():
        for bill in bills:
            if bill.paid_at is not None:
                assert bill.created_at < bill.paid_at < TODAY_UTC


def test_token_purchases(full: Seeded) -> None:
    s = full.session
    rows = s.execute(
        select(TokenPurchase, Customer.payment_type, Tariff.rate_per_kwh)
        .join(Meter, TokenPurchase.meter_id == Meter.id)
        .join(Customer, Meter.customer_id == Customer.id)
        .join(
            Tariff,
            (Tariff.tariff_class == Customer.tariff_class)
            & (Tariff.power_min_va <= Customer.power_va)
            & (func.coalesce(Tariff.power_max_va, 10**9) >= Customer.power_va),
        )
    ).all()
    assert {payment for _, payment, _ in rows} == {PREPAID}
    amounts = {20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000}
    for purchase, _, rate in rows:
        assert purchase.amount_rupiah in amounts
        energy_value = Decimal(purchase.amount_rupiah - 1500) / Decimal("1.03")
        assert purchase.kwh == (energy_value / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert TODAY_UTC - timedelta(days=184) < purchase.purchased_at < TODAY_UTC
    per_meter = Counter(p.meter_id for p, _, _ in rows)
    assert min(per_meter.values()) >= 3 and max(per_meter.values()) <= 10
    assert token_kwh(100_000, Decimal("1444.70")) == Decimal("66.19")
    assert token_kwh(20_000, Decimal("415.00")) == Decimal("43.28")


def test_readings_fall_in_the_regions_reading_window(full: Seeded) -> None:
    rows = full.session.execute(
        select(Reading, Customer, Region.timezone)
        .join(Meter, Reading.meter_id == Meter.id)
        .join(Customer, Meter.customer_id == Customer.id)
        .join(Region, Customer.region_id == Region.id)
    ).all()
    windows = set()
    for reading, customer, timezone in rows:
        local = reading.submitted_at.astimezone(ZoneInfo(timezone))
        assert (reading.source, reading.status) == ("officer", "accepted")
        assert local.date().replace(day=1) == reading.period
        start, end = customer.reading_window_start_day, customer.reading_window_end_day
        assert start <= local.day <= end
        assert 8 <= local.hour <= 16
        windows.add((start, end))
    assert windows == {(23, 26), (21, 24)}  # around the seeding day, the 23rd


def _every_day(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", [2026, 2028])  # 2028 has a 29 February
def test_the_demo_reading_window_is_open_on_the_day_it_is_seeded_whatever_the_day(year: int) -> None:
    for today in _every_day(year):
        for code in NON_NATIONAL:
            start, end = reading_window(code, today)
            assert 1 <= start <= 28 and end - start == 3, (code, today)
            assert window_dates(today, start, end)[0], (code, today)
        start, end = reading_window("JAYAPURA", today)  # WIT, two hours ahead: its today may be tomorrow
        tomorrow = today + timedelta(days=1)
        if tomorrow.month == today.month:
            assert window_dates(tomorrow, start, end)[0], today
    assert reading_window("BEKASI", date(2026, 11, 24)) == (24, 27)  # and the three days after
    assert reading_window("BEKASI", date(2026, 11, 30)) == (28, 31)
    assert reading_window("CIKARANG", date(2026, 12, 1)) == (1, 4)


def test_a_window_past_a_short_months_end_still_gives_every_month_a_reading() -> None:
    seeded = _seed(20, today=date(2027, 3, 31))  # windows up to the 31st; February has 28 days
    periods = Counter(seeded.session.scalars(select(Reading.period)))
    assert len(periods) == 12 and periods[date(2027, 2, 1)] == periods[date(2026, 4, 1)] > 0


def test_maintenance_ahead_in_every_region(full: Seeded) -> None:
    rows = full.session.execute(select(MaintenanceNotice, Region).join(Region)).all()
    per_region = Counter(region.code for _, region in rows)
    assert set(per_region) == set(NON_NATIONAL)
    assert all(2 <= n <= 4 for n in per_region.values())
    for code in NON_NATIONAL:
        starts = [n.starts_at for n, region in rows if region.code == code]
        assert any(TODAY_UTC < at < TODAY_UTC + timedelta(days=8) for at in starts), code
    assert any(n.ends_at < TODAY_UTC for n, _ in rows)
    for notice, region in rows:
        local_start = notice.starts_at.astimezone(ZoneInfo(region.timezone))
        local_end = notice.ends_at.astimezone(ZoneInfo(region.timezone))
        assert local_start.hour >= 7 and local_end.hour <= 19
        assert timedelta(hours=2) <= notice.ends_at - notice.starts_at <= timedelta(hours=6)
        assert notice.created_at < notice.starts_at and notice.created_at < TODAY_UTC


def test_tickets_cover_every_status(full: Seeded) -> None:
    s = full.session
    complaints = _all(s, Complaint)
    requests = _all(s, ServiceRequest)
    assert {c.status for c in complaints} == {"open", "in_progress", "resolved"}
    assert {c.category for c in complaints} <= {
        "no_power",
        "outage_area",
        "billing",
        "dangerous_installation",
        "other",
    }
    assert {r.kind for r in requests} <= {"new_connection", "power_change", "temporary"}
    assert all((c.resolved_at is not None) == (c.status == "resolved") for c in complaints)
    assert all(c.callback_number and c.callback_number.startswith("+62") for c in complaints)


def test_seeding_twice_raises(small: Seeded) -> None:
    before = _count(small.session, Customer)
    with pytest.raises(ValueError):
        seed_demo(small.session, today=TODAY, customers=50)
    assert _count(small.session, Customer) == before == 50
    assert _count(small.session, Region) == 6


def test_announcements_for_the_demo_are_current_upcoming_and_ended(full: Seeded) -> None:
    s, now = full.session, TODAY_UTC + timedelta(hours=3)  # 10:00 WIB on the seeding day
    rows = s.scalars(select(Announcement)).all()
    assert sorted(announcements.status(a, now) for a in rows) == ["current", "current", "ended", "upcoming"]
    regions = dict(s.execute(select(Region.code, Region.id)).all())
    heard = {code: [a.text_id for a in announcements.current(s, regions[code], now)] for code in regions}
    assert [len(heard[code]) for code in ("BEKASI", "KUPANG", "JAYAPURA", "NASIONAL")] == [2, 1, 1, 1]
    # Newest first: the one for every region started a day after Bekasi's own.
    assert [text.split()[0] for text in heard["BEKASI"]] == ["Bayar", "Kantor"]
    for a in rows:
        assert a.text_id and a.text_en and announcements.text_problem(a.text_id) is None
        assert announcements.text_problem(a.text_en) is None and a.starts_at < a.ends_at


def test_no_timestamp_after_today_except_planned_maintenance_and_announcements(full: Seeded) -> None:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, UTCDateTime):
                continue
            if table.name == "maintenance_notices" and column.name != "created_at":
                continue
            if table.name == "announcements" and column.name in ("starts_at", "ends_at"):
                continue
            latest = full.session.scalar(select(func.max(column)))
            assert latest is None or latest < TODAY_UTC, f"{table.name}.{column.name}"


def test_all_datetimes_are_aware_utc_and_set_explicitly() -> None:
    seen: list[tuple[str, datetime]] = []
    defaulted: list[str] = []

    def capture(mapper: Any, _connection: Any, target: Any) -> None:
        for column in mapper.columns:
            if not isinstance(column.type, UTCDateTime):
                continue
            value = getattr(target, mapper.get_property_by_column(column).key)
            if value is None and column.default is not None:
                defaulted.append(f"{mapper.class_.__name__}.{column.key}")
            elif value is not None:
                seen.append((f"{mapper.class_.__name__}.{column.key}", value))

    event.listen(Base, "before_insert", capture, propagate=True)
    try:
        _seed(30)
    finally:
        event.remove(Base, "before_insert", capture)
    assert not defaulted
    assert {name for name, _ in seen} >= {
        "Customer.created_at",
        "Reading.submitted_at",
        "Bill.paid_at",
        "TokenPurchase.purchased_at",
        "MaintenanceNotice.starts_at",
        "Complaint.resolved_at",
        "ServiceRequest.updated_at",
    }
    assert [name for name, value in seen if value.tzinfo is not UTC] == []


def test_dates_follow_today() -> None:
    later = _seed(20, today=date(2027, 3, 5))
    periods = sorted(set(later.session.scalars(select(Bill.period))))
    assert periods[0] == date(2026, 3, 1) and periods[-1] == date(2027, 2, 1)
    latest = later.session.scalar(select(func.max(TokenPurchase.purchased_at)))
    assert latest is not None and latest < datetime(2027, 3, 5, tzinfo=UTC)
