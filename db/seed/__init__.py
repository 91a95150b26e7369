"""Deterministic demo data for an empty database: regions, tariffs, customers and their history.

`seed_demo` draws everything from one `random.Random(seed)` and dates everything from `today`,
so the same inputs always give the same rows; it refuses a database that already has regions.
Each part lives in the module of its concern: `catalog` (regions, tariffs), `people` (customers,
meters), `usage` (readings, bills, tokens, money rules), `tickets` (notices, complaints, requests) and
`announcements` (what callers hear in menu 7).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import POSTPAID, PREPAID, Region
from db.seed.announcements import seed_announcements
from db.seed.catalog import DEMO_DIALED_NUMBERS, IDPEL_PREFIX, REGIONS, seed_regions, seed_tariffs, tariff_for
from db.seed.people import seed_customers
from db.seed.tickets import seed_complaints, seed_maintenance, seed_service_requests
from db.seed.usage import bill_amount, seed_postpaid_history, seed_token_purchases, token_kwh

__all__ = [
    "DEFAULT_SEED",
    "DEMO_DIALED_NUMBERS",
    "IDPEL_PREFIX",
    "SeedSummary",
    "bill_amount",
    "seed_demo",
    "tariff_for",
    "token_kwh",
]

DEFAULT_SEED = 20261123


@dataclass(frozen=True)
class SeedSummary:
    """How many rows `seed_demo` wrote to each table, for logs and tests."""

    regions: int
    region_area_codes: int
    region_numbers: int
    tariffs: int
    customers: int
    meters: int
    readings: int
    bills: int
    token_purchases: int
    maintenance_notices: int
    complaints: int
    service_requests: int
    announcements: int


def seed_demo(session: Session, *, today: date, customers: int = 1000, seed: int = DEFAULT_SEED) -> SeedSummary:
    """Fill an empty database with demo data dated relative to `today`; same inputs, same rows."""
    if session.scalar(select(func.count()).select_from(Region)):
        raise ValueError("the database already has regions; demo data is seeded only once")
    if customers < 0:
        raise ValueError("customers cannot be negative")
    rng = random.Random(seed)
    regions = seed_regions(session)
    tariffs = seed_tariffs(session)
    accounts = seed_customers(session, rng, regions, tariffs, today, customers)
    postpaid = [a for a in accounts if a.customer.payment_type == POSTPAID]
    prepaid = [a for a in accounts if a.customer.payment_type == PREPAID]
    readings, bills = seed_postpaid_history(session, rng, postpaid, today)
    tokens = seed_token_purchases(session, rng, prepaid, today)
    notices = seed_maintenance(session, rng, regions, today)
    people = [a.customer for a in accounts]
    complaints = seed_complaints(session, rng, regions, people, today)
    requests = seed_service_requests(session, rng, regions, people, today)
    news = seed_announcements(session, regions, today)  # draws nothing from rng: the rest stays as it was
    return SeedSummary(
        regions=len(regions),
        region_area_codes=sum(1 for spec in REGIONS if spec.area_code),
        region_numbers=len(REGIONS),
        tariffs=len(tariffs),
        customers=len(accounts),
        meters=len(accounts),
        readings=readings,
        bills=bills,
        token_purchases=tokens,
        maintenance_notices=notices,
        complaints=complaints,
        service_requests=requests,
        announcements=news,
    )
