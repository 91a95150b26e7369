"""Usage and money: officer readings and bills for postpaid customers, token purchases for prepaid."""

from __future__ import annotations

import calendar
import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from math import ceil
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import Bill, Reading, Tariff, TokenPurchase
from db.references import READING_PREFIX
from db.seed.helpers import Unique, utc
from db.seed.people import Account

PPJ_RATE = Decimal("0.03")
TOKEN_ADMIN_FEE = 1500

JUMP_SHARE = 0.08  # latest bill at least 20 % above the month before
ONE_UNPAID_SHARE = 0.25  # only the latest bill unpaid
TWO_UNPAID_SHARE = 0.05  # latest two bills unpaid (overdue)
LATE_PAYMENT_SHARE = 0.08
# Usage by calendar month: hotter Sep-Nov and Apr-May, cooler in the rainy Jan-Feb.
SEASON = (0.95, 0.94, 0.98, 1.03, 1.05, 1.00, 0.97, 0.99, 1.03, 1.07, 1.06, 1.00)

TOKEN_AMOUNTS = (20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
TOKEN_WEIGHTS = {
    900: (30, 40, 20, 8, 2, 0),
    2200: (10, 30, 35, 18, 6, 1),
    None: (2, 10, 25, 30, 23, 10),
}


def bill_amount(kwh: int, power_va: int, tariff: Tariff) -> int:
    """Whole rupiah for a month: energy (at least the minimum hours) plus 3 % PPJ."""
    minimum_kwh = Decimal(tariff.minimum_hours * power_va) / 1000
    energy = _whole(max(Decimal(kwh), minimum_kwh) * tariff.rate_per_kwh)
    return energy + _whole(energy * PPJ_RATE)


def token_kwh(amount_rupiah: int, rate_per_kwh: Decimal) -> Decimal:
    """kWh a token buys: the amount less the admin fee is the energy value plus its 3 % PPJ."""
    energy_value = Decimal(amount_rupiah - TOKEN_ADMIN_FEE) / (1 + PPJ_RATE)
    return (energy_value / rate_per_kwh).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _day_of(first_of_month: date, day: int) -> date:
    """That day of the month, or its last day for a window reaching past a short month's end."""
    return first_of_month.replace(day=min(day, calendar.monthrange(first_of_month.year, first_of_month.month)[1]))


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def seed_postpaid_history(
    session: Session, rng: random.Random, accounts: list[Account], today: date
) -> tuple[int, int]:
    """Twelve months of officer readings and bills for every postpaid customer."""
    first = _add_months(today.replace(day=1), -12)
    periods = [_add_months(first, n) for n in range(12)]
    references = Unique(rng)
    readings: list[Reading] = []
    bills: list[Bill] = []
    for account in accounts:
        usage = _usage_series(rng, account, periods)
        unpaid = _unpaid_count(rng)
        stand = rng.randint(2_000, 60_000)
        for index, (period, kwh) in enumerate(zip(periods, usage, strict=True)):
            read_on = _day_of(period, rng.randint(*account.reading_window))
            readings.append(_reading(rng, references, account, period, read_on, stand + kwh))
            paid = index < len(periods) - unpaid
            bills.append(_bill(rng, account, period, read_on, stand, kwh, paid, today))
            stand += kwh
    session.add_all(readings)
    session.add_all(bills)
    session.flush()
    return len(readings), len(bills)


def _usage_series(rng: random.Random, account: Account, periods: list[date]) -> list[int]:
    """Monthly kWh with seasonal noise; the last month jumps 30-80 % for a few customers."""
    usage = [max(1, round(account.mean_kwh * SEASON[p.month - 1] * rng.uniform(0.88, 1.12))) for p in periods]
    minimum = ceil(account.tariff.minimum_hours * account.customer.power_va / 1000)
    billed_before = max(usage[-2], minimum)
    if rng.random() < JUMP_SHARE:
        usage[-1] = ceil(billed_before * rng.uniform(1.3, 1.8))
    else:
        usage[-1] = min(usage[-1], int(usage[-2] * 1.15))
    return usage


def _unpaid_count(rng: random.Random) -> int:
    """How many of the latest bills are still open: none, the latest, or the latest two."""
    roll = rng.random()
    if roll < TWO_UNPAID_SHARE:
        return 2
    return 1 if roll < TWO_UNPAID_SHARE + ONE_UNPAID_SHARE else 0


def _reading(
    rng: random.Random,
    references: Unique,
    account: Account,
    period: date,
    read_on: date,
    stand: int,
) -> Reading:
    """An accepted officer reading taken during working hours on the reading day."""
    return Reading(
        reference=references.reference(READING_PREFIX),
        meter_id=account.meter.id,
        period=period,
        stand=stand,
        status="accepted",
        source="officer",
        submitted_at=utc(read_on, rng.randint(8, 16), rng.randrange(60), account.zone),
    )


def _bill(
    rng: random.Random,
    account: Account,
    period: date,
    read_on: date,
    stand_start: int,
    kwh: int,
    paid: bool,
    today: date,
) -> Bill:
    """The month's bill, issued the day after the reading and due on the 20th of next month."""
    due = _add_months(period, 1).replace(day=20)
    issued = read_on + timedelta(days=1)
    return Bill(
        customer_id=account.customer.id,
        period=period,
        stand_start=stand_start,
        stand_end=stand_start + kwh,
        kwh=kwh,
        amount_rupiah=bill_amount(kwh, account.customer.power_va, account.tariff),
        due_date=due,
        paid_at=_paid_at(rng, issued, due, today, account.zone) if paid else None,
        created_at=utc(issued, 2, 0, account.zone),
    )


def _paid_at(rng: random.Random, issued: date, due: date, today: date, zone: ZoneInfo) -> datetime:
    """A payment between issue and due date (a few late), never on or after `today`."""
    last = due + timedelta(days=15) if rng.random() < LATE_PAYMENT_SHARE else due
    last = min(last, today - timedelta(days=1))
    day = issued + timedelta(days=rng.randint(0, (last - issued).days))
    return utc(day, rng.randint(7, 21), rng.randrange(60), zone)


def seed_token_purchases(session: Session, rng: random.Random, accounts: list[Account], today: date) -> int:
    """Three to ten token purchases in the last six months for every prepaid meter."""
    tokens = Unique(rng)
    purchases: list[TokenPurchase] = []
    for account in accounts:
        power = account.customer.power_va
        tier = next((cap for cap in TOKEN_WEIGHTS if cap is not None and power <= cap), None)
        days_ago = sorted(rng.sample(range(1, 183), rng.randint(3, 10)), reverse=True)
        for ago in days_ago:
            amount = rng.choices(TOKEN_AMOUNTS, TOKEN_WEIGHTS[tier])[0]
            bought = today - timedelta(days=ago)
            purchases.append(
                TokenPurchase(
                    meter_id=account.meter.id,
                    token=tokens.draw("", 20),
                    amount_rupiah=amount,
                    kwh=token_kwh(amount, account.tariff.rate_per_kwh),
                    purchased_at=utc(bought, rng.randint(6, 22), rng.randrange(60), account.zone),
                )
            )
    session.add_all(purchases)
    session.flush()
    return len(purchases)
