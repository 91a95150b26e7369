"""The app caller_time.py plays its journeys on, and the customers it plays them for.

The embedded default backend (SQLite in a temporary directory, in-process call state) on a fixed
clock inside the customers' reading window; one region (UP3 Bekasi, with its 123 line) and one
customer per journey, since a reading is taken once a month.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from flask import Flask

from db.migrate import upgrade
from db.models import Bill, Customer, Meter, Reading, Region, RegionAreaCode, RegionNumber
from db.session import Database
from ivr import create_app
from ivr.extensions import runtime

TOKEN = "caller-time-bench-token"
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 25 Nov 2026, 10:00 WIB: inside the 24-27 window
DIALED = "+62218850123"  # UP3 Bekasi's 123 line


@dataclass(frozen=True)
class Account:
    """The customer a journey is about (each journey gets its own: a reading is taken once a month)."""

    idpel: str
    meter_number: str
    phone: str


def add_region(database: Database) -> int:
    """UP3 Bekasi (WIB) with its 123 number, and the national centre every region needs."""
    with database.session() as session:
        national = Region(
            code="NASIONAL",
            name="Kontak Nasional",
            timezone="Asia/Jakarta",
            agent_number="+62215550100",
            opens_at=time(0, 0),
            closes_at=time(23, 59),
            is_national=True,
        )
        national.numbers.append(RegionNumber(number="+62804150123"))
        bekasi = Region(
            code="BEKASI",
            name="UP3 Bekasi",
            timezone="Asia/Jakarta",
            agent_number="+62218850100",
            opens_at=time(7, 0),
            closes_at=time(22, 0),
        )
        bekasi.numbers.append(RegionNumber(number=DIALED))
        bekasi.area_codes.append(RegionAreaCode(area_code="21"))
        session.add_all([national, bekasi])
        session.flush()
        return bekasi.id


def add_account(database: Database, region_id: int, number: int) -> Account:
    """A postpaid R-1 1300 VA customer, billed May-October (~150 kWh, paid), last read 5000 in October."""
    account = Account(f"5321100{number:05d}", f"140000{number:05d}", f"+62812345{number:05d}")
    with database.session() as session:
        customer = Customer(
            idpel=account.idpel,
            name="Siti Rahmawati",
            address="Jl. Melati No. 12, Tambun Selatan",
            tariff_class="R-1",
            power_va=1300,
            payment_type="postpaid",
            region_id=region_id,
            phone=account.phone,
            reading_window_start_day=24,
            reading_window_end_day=27,
        )
        session.add(customer)
        session.flush()
        meter = Meter(meter_number=account.meter_number, customer_id=customer.id, installed_on=date(2019, 5, 2))
        session.add(meter)
        session.flush()
        for month in range(5, 11):
            session.add(
                Bill(
                    customer_id=customer.id,
                    period=date(2026, month, 1),
                    stand_start=4850,
                    stand_end=5000,
                    kwh=150,
                    amount_rupiah=216_450 + month * 1_000,
                    due_date=date(2026, month + 1, 20),
                    paid_at=datetime(2026, month, 28, 3, 0, tzinfo=UTC),
                )
            )
        session.add(
            Reading(
                reference=f"20000{number:05d}",
                meter_id=meter.id,
                period=date(2026, 10, 1),
                stand=5000,
                status="accepted",
                source="officer",
                submitted_at=datetime(2026, 10, 25, tzinfo=UTC),
            )
        )
    return account


@contextmanager
def bench_app() -> Iterator[tuple[Flask, int]]:
    """The embedded default backend in a temporary directory, its clock at NOW; yields the app and Bekasi's id."""
    with tempfile.TemporaryDirectory(prefix="caller-time-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'caller-time.sqlite3'}"
        database = Database(url)
        upgrade(database.engine)
        region_id = add_region(database)
        database.dispose()
        app = create_app(
            {
                "env": "test",
                "database_url": url,
                "redis_url": None,
                "twilio_auth_token": TOKEN,
                "secret_key": "caller-time-bench",
                "validate_twilio_signature": True,
                "public_base_url": None,
                "redis_namespace": f"caller-time-{uuid.uuid4().hex[:8]}",
            }
        )
        ivr_logger = logging.getLogger("ivr")
        level = ivr_logger.level
        ivr_logger.setLevel(logging.WARNING)  # every webhook logs a line at INFO: keep the table
        parts = runtime(app)
        parts.clock.pin(NOW)
        try:
            yield app, region_id
        finally:
            ivr_logger.setLevel(level)  # a test process goes on logging as before
            parts.database.dispose()
