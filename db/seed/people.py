"""Customers and their meters: where they live, what they are called, their phones and tariffs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import POSTPAID, PREPAID, Customer, Meter, Region, Tariff
from db.seed.catalog import CUSTOMER_SHARE, IDPEL_PREFIX, reading_window, tariff_for
from db.seed.helpers import Unique, utc

# (class, VA, weight %, prepaid share, typical monthly kWh range for a customer's mean).
CUSTOMER_MIX: tuple[tuple[str, int, int, float, tuple[int, int]], ...] = (
    ("R-1", 450, 8, 0.70, (50, 90)),
    ("R-1", 900, 14, 0.75, (90, 150)),
    ("R-1M", 900, 16, 0.75, (90, 150)),
    ("R-1", 1300, 25, 0.65, (150, 250)),
    ("R-1", 2200, 17, 0.60, (250, 400)),
    ("R-2", 3500, 4, 0.50, (400, 600)),
    ("R-2", 4400, 3, 0.50, (500, 750)),
    ("R-2", 5500, 3, 0.45, (600, 900)),
    ("R-3", 6600, 2, 0.40, (800, 1300)),
    ("B-2", 6600, 3, 0.0, (900, 1500)),
    ("B-2", 10600, 2, 0.0, (1400, 2500)),
    ("B-2", 13200, 1, 0.0, (1800, 3200)),
    ("S-2", 900, 1, 0.50, (80, 140)),
    ("P-1", 6600, 1, 0.0, (700, 1300)),
)
MIX_WEIGHTS = tuple(entry[2] for entry in CUSTOMER_MIX)
LOW_USAGE_SHARE = 0.04  # rarely occupied houses: billed the 40-hour minimum

CULTURES = ("jawa", "sunda", "batak", "bali", "ntt", "papua")
GIVEN_NAMES = {
    "jawa": ("Budi", "Sri", "Agus", "Slamet", "Wahyu", "Dwi", "Eko", "Joko", "Siti", "Endang"),
    "sunda": ("Asep", "Ujang", "Dede", "Cecep", "Euis", "Neneng", "Yayan", "Iis", "Dadang", "Entin"),
    "batak": ("Hotman", "Tiurma", "Maruli", "Rosmawati", "Parlindungan", "Sahat", "Lamhot",
              "Rina", "Bonar", "Juliana"),
    "bali": ("I Wayan", "I Made", "I Nyoman", "I Ketut", "I Gede", "I Kadek", "Ni Luh",
             "Ni Made", "Ni Komang", "Ni Putu"),
    "ntt": ("Yohanes", "Maria", "Fransiskus", "Agustinus", "Yosefina", "Petrus", "Theresia",
            "Kornelis", "Marselina", "Dominggus"),
    "papua": ("Yance", "Markus", "Yulius", "Naomi", "Ruben", "Elisabeth", "Frans", "Yakob",
              "Martha", "Benny"),
}  # fmt: skip
SECOND_NAMES = {
    "jawa": ("Santoso", "Wibowo", "Susanto", "Purnomo", "Hartono", "Setiawan", "Kurniawan",
             "Lestari", "Rahayu", "Nugroho"),
    "sunda": ("Sutisna", "Permana", "Hidayat", "Suryana", "Kurnia", "Sukmawati", "Ruhiyat",
              "Saepudin", "Rosmana", "Supriatna"),
    "batak": ("Siregar", "Simanjuntak", "Nainggolan", "Hutapea", "Sitompul", "Panjaitan",
              "Lubis", "Nasution", "Sinaga", "Situmorang"),
    "bali": ("Sudarsana", "Artawan", "Wirawan", "Adnyana", "Suarjana", "Wiguna", "Mahendra",
             "Astawa", "Sukadana", "Arsana"),
    "ntt": ("Ndoen", "Manafe", "Kolo", "Benu", "Lerik", "Tefa", "Fanggidae", "Nope", "Bire",
            "Mooy"),
    "papua": ("Wenda", "Kogoya", "Rumbiak", "Mandowen", "Wanimbo", "Yoku", "Karubaba", "Ayomi",
              "Merauje", "Sawaki"),
}  # fmt: skip
# Weight of each culture (in CULTURES order) among a region's customers.
NAME_MIX = {
    "BEKASI": (40, 35, 15, 3, 4, 3),
    "CIKARANG": (40, 40, 12, 2, 3, 3),
    "KUPANG": (10, 3, 5, 2, 75, 5),
    "JAYAPURA": (20, 5, 8, 2, 10, 55),
    "DENPASAR": (15, 3, 4, 75, 2, 1),
}

STREETS = (
    "Melati", "Mawar", "Kenanga", "Anggrek", "Cempaka", "Flamboyan", "Dahlia", "Merpati",
    "Cendrawasih", "Merdeka", "Pahlawan", "Diponegoro", "Sudirman", "Ahmad Yani",
    "Gatot Subroto", "Imam Bonjol", "Kartini", "Hasanuddin", "Pattimura", "Sam Ratulangi",
)  # fmt: skip
DISTRICTS = {
    "BEKASI": ("Tambun Selatan", "Tambun Utara", "Bekasi Timur", "Bekasi Barat", "Bekasi Utara",
               "Bekasi Selatan", "Rawalumbu", "Mustika Jaya", "Medan Satria", "Jatiasih"),
    "CIKARANG": ("Cikarang Utara", "Cikarang Selatan", "Cikarang Barat", "Cikarang Timur",
                 "Cikarang Pusat", "Cibitung", "Setu", "Serang Baru", "Cibarusah"),
    "KUPANG": ("Oebobo", "Kelapa Lima", "Maulafa", "Alak", "Kota Raja", "Kota Lama",
               "Kupang Tengah", "Kupang Barat"),
    "JAYAPURA": ("Jayapura Utara", "Jayapura Selatan", "Abepura", "Heram", "Muara Tami",
                 "Sentani", "Sentani Timur", "Waibu"),
    "DENPASAR": ("Kuta", "Kuta Selatan", "Kuta Utara", "Denpasar Selatan", "Denpasar Barat",
                 "Denpasar Timur", "Mengwi"),
}  # fmt: skip

MOBILE_PREFIXES = ("812", "813", "821", "852", "857", "878")
LANDLINE_DIGITS = {"21": 8, "380": 6, "967": 6, "361": 6}
METER_PREFIXES = ("14", "32", "45", "56")


@dataclass
class Account:
    """A seeded customer with what its history needs: meter, tariff, clock and usage level."""

    customer: Customer
    meter: Meter
    tariff: Tariff
    zone: ZoneInfo
    reading_window: tuple[int, int]
    mean_kwh: float


def _region_plan(rng: random.Random, count: int) -> list[str]:
    """Region codes for `count` customers in exact proportion to CUSTOMER_SHARE, shuffled."""
    total = sum(CUSTOMER_SHARE.values())
    quotas = {code: count * share / total for code, share in CUSTOMER_SHARE.items()}
    counts = {code: int(quota) for code, quota in quotas.items()}
    by_remainder = sorted(quotas, key=lambda code: counts[code] - quotas[code])
    for code in by_remainder[: count - sum(counts.values())]:
        counts[code] += 1
    plan = [code for code, n in counts.items() for _ in range(n)]
    rng.shuffle(plan)
    return plan


def seed_customers(
    session: Session,
    rng: random.Random,
    regions: dict[str, Region],
    tariffs: list[Tariff],
    today: date,
    count: int,
) -> list[Account]:
    """Customers, then their meters (which need the customer ids), in two batches."""
    uniques = (Unique(rng), Unique(rng), Unique(rng))
    accounts = [_new_account(rng, uniques, regions[code], tariffs, today) for code in _region_plan(rng, count)]
    session.add_all([a.customer for a in accounts])
    session.flush()
    for account in accounts:
        account.meter.customer_id = account.customer.id
    session.add_all([a.meter for a in accounts])
    session.flush()
    return accounts


def _new_account(
    rng: random.Random,
    uniques: tuple[Unique, Unique, Unique],
    region: Region,
    tariffs: list[Tariff],
    today: date,
) -> Account:
    """One customer with its meter, tariff and usage level, connected 1-20 years ago."""
    idpels, meter_numbers, phones = uniques
    cls, power, _, prepaid_share, usage = rng.choices(CUSTOMER_MIX, MIX_WEIGHTS)[0]
    zone = ZoneInfo(region.timezone)
    window = reading_window(region.code, today)
    connected = today - timedelta(days=rng.randint(365, 365 * 20))
    customer = Customer(
        idpel=idpels.draw(IDPEL_PREFIX[region.code], 7),
        name=_person_name(rng, region.code),
        address=_address(rng, region.code),
        tariff_class=cls,
        power_va=power,
        payment_type=PREPAID if rng.random() < prepaid_share else POSTPAID,
        region_id=region.id,
        phone=_customer_phone(rng, phones, _area_code(region)),
        reading_window_start_day=window[0],
        reading_window_end_day=window[1],
        created_at=utc(connected, rng.randint(8, 15), rng.randrange(60), zone),
    )
    installed = connected + timedelta(days=rng.randint(0, (today - connected).days - 30))
    meter = Meter(meter_number=meter_numbers.draw(rng.choice(METER_PREFIXES), 9), installed_on=installed)
    tariff = tariff_for(tariffs, cls, power)
    return Account(customer, meter, tariff, zone, window, _mean_usage(rng, usage, tariff, power))


def _area_code(region: Region) -> str | None:
    return region.area_codes[0].area_code if region.area_codes else None


def _mean_usage(rng: random.Random, usage: tuple[int, int], tariff: Tariff, power: int) -> float:
    """A customer's typical monthly kWh; a few empty houses stay under the billing minimum."""
    if rng.random() < LOW_USAGE_SHARE:
        return tariff.minimum_hours * power / 1000 * rng.uniform(0.4, 0.85)
    return rng.uniform(*usage)


def _person_name(rng: random.Random, region_code: str) -> str:
    """A name from a culture weighted by region: mostly Balinese in Bali, NTT in Kupang..."""
    culture = rng.choices(CULTURES, NAME_MIX[region_code])[0]
    return f"{rng.choice(GIVEN_NAMES[culture])} {rng.choice(SECOND_NAMES[culture])}"


def _address(rng: random.Random, region_code: str) -> str:
    """A street address with RT/RW half the time, in a district of the region."""
    street = f"Jl. {rng.choice(STREETS)} No. {rng.randint(1, 150)}"
    if rng.random() < 0.5:
        street += f" RT {rng.randint(1, 12):03d}/RW {rng.randint(1, 15):03d}"
    return f"{street}, {rng.choice(DISTRICTS[region_code])}"


def _customer_phone(rng: random.Random, unique: Unique, area_code: str | None) -> str | None:
    """Mostly a mobile, some landlines in the region's area code, and some customers with none."""
    roll = rng.random()
    if roll >= 0.90:
        return None
    if roll >= 0.85 and area_code is not None:
        return unique.draw(f"+62{area_code}", LANDLINE_DIGITS[area_code])
    return mobile(rng, unique)


def mobile(rng: random.Random, unique: Unique) -> str:
    """An Indonesian mobile number (E.164) that `unique` has not handed out before."""
    return unique.draw(f"+62{rng.choice(MOBILE_PREFIXES)}", rng.choice((7, 8, 8, 8)))
