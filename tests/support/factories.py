"""Small, explicit test data: the regions a call can be routed to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from db.models import Bill, Customer, Meter, Region, RegionAreaCode, RegionNumber

DIALED = {
    "NASIONAL": "+62804150123",
    "BEKASI": "+62218850123",
    "KUPANG": "+623808210123",
    "JAYAPURA": "+629675330123",
}
AGENTS = {
    "NASIONAL": "+62215550100",
    "BEKASI": "+62218850100",
    "KUPANG": "+623808210100",
    "JAYAPURA": "+629675330100",
}
UNKNOWN_DIALED = "+62215550999"


def add_regions(session: Session) -> dict[str, Region]:
    """Four regions across WIB, WITA and WIT, each with a dialed number and agent line."""
    specs = [
        ("NASIONAL", "Kontak Nasional", "Asia/Jakarta", None, True),
        ("BEKASI", "UP3 Bekasi", "Asia/Jakarta", "21", False),
        ("KUPANG", "UP3 Kupang", "Asia/Makassar", "380", False),
        ("JAYAPURA", "UP3 Jayapura", "Asia/Jayapura", "967", False),
    ]
    regions: dict[str, Region] = {}
    for code, name, tz, area, national in specs:
        region = Region(
            code=code,
            name=name,
            timezone=tz,
            agent_number=AGENTS[code],
            opens_at=time(0, 0) if national else time(7, 0),  # the national centre never closes
            closes_at=time(23, 59) if national else time(22, 0),
            is_national=national,
        )
        region.numbers.append(RegionNumber(number=DIALED[code]))
        if area:
            region.area_codes.append(RegionAreaCode(area_code=area))
        session.add(region)
        regions[code] = region
    session.flush()
    return regions


def add_customer(
    session: Session,
    region_id: int,
    *,
    idpel: str = "532110000001",
    meter_number: str = "14000000001",
    name: str = "Siti Rahmawati",
    payment_type: str = "postpaid",
    tariff_class: str = "R-1",
    power_va: int = 1300,
    phone: str | None = "+6281234567890",
    window: tuple[int, int] = (24, 27),
) -> tuple[Customer, Meter]:
    """One customer with one meter; bills, readings and tokens are added by the test itself."""
    customer = Customer(
        idpel=idpel,
        name=name,
        address="Jl. Melati No. 12, Tambun Selatan",
        tariff_class=tariff_class,
        power_va=power_va,
        payment_type=payment_type,
        region_id=region_id,
        phone=phone,
        reading_window_start_day=window[0],
        reading_window_end_day=window[1],
    )
    session.add(customer)
    session.flush()
    meter = Meter(meter_number=meter_number, customer_id=customer.id, installed_on=date(2019, 5, 2))
    session.add(meter)
    session.flush()
    return customer, meter


def add_bill(
    session: Session,
    customer: Customer,
    period: date,
    kwh: int,
    amount: int,
    *,
    stand_end: int = 5000,
    paid: bool = True,
) -> Bill:
    bill = Bill(
        customer_id=customer.id,
        period=period,
        stand_start=stand_end - kwh,
        stand_end=stand_end,
        kwh=kwh,
        amount_rupiah=amount,
        due_date=date(period.year + period.month // 12, period.month % 12 + 1, 20),
        paid_at=datetime(period.year, period.month, 28, 3, 0, tzinfo=UTC) if paid else None,
    )
    session.add(bill)
    session.flush()
    return bill
