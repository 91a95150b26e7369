"""Deterministic demo data for an empty database: regions, tariffs, customers and their history.

`seed_demo` draws everything from one `random.Random(seed)` and dates everything from `today`,
so the same inputs always give the same rows; it refuses a database that already has regions.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from math import ceil
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import (
    POSTPAID,
    PREPAID,
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
)

DEFAULT_SEED = 20261123


@dataclass(frozen=True)
class RegionSpec:
    """One row of the regions table with its dialed number and (optional) area code."""

    code: str
    name: str
    province_unit: str
    timezone: str
    dialed: str
    agent: str
    area_code: str | None
    opens: time
    closes: time
    is_national: bool = False


REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec(
        "NASIONAL", "Contact Center PLN 123", "Kantor Pusat", "Asia/Jakarta",
        "+62804150123", "+62215550100", None, time(0, 0), time(23, 59), is_national=True,
    ),
    RegionSpec(
        "BEKASI", "UP3 Bekasi", "UID Jawa Barat", "Asia/Jakarta",
        "+62218850123", "+62218850100", "21", time(7, 0), time(22, 0),
    ),
    RegionSpec(
        "CIKARANG", "UP3 Cikarang", "UID Jawa Barat", "Asia/Jakarta",
        "+62218900123", "+62218900100", None, time(7, 0), time(22, 0),
    ),
    RegionSpec(
        "KUPANG", "UP3 Kupang", "UID Nusa Tenggara Timur", "Asia/Makassar",
        "+623808210123", "+623808210100", "380", time(7, 0), time(21, 0),
    ),
    RegionSpec(
        "JAYAPURA", "UP3 Jayapura", "UID Papua dan Papua Barat", "Asia/Jayapura",
        "+629675330123", "+629675330100", "967", time(7, 0), time(20, 0),
    ),
    RegionSpec(
        "DENPASAR", "UP3 Bali Selatan", "UID Bali", "Asia/Makassar",
        "+623612230123", "+623612230100", "361", time(7, 0), time(21, 0),
    ),
)  # fmt: skip

DEMO_DIALED_NUMBERS: dict[str, str] = {spec.code: spec.dialed for spec in REGIONS}

# Share of customers (percent), IDPEL unit prefix and meter-reading window per region.
CUSTOMER_SHARE = {"BEKASI": 35, "CIKARANG": 20, "KUPANG": 15, "JAYAPURA": 10, "DENPASAR": 20}
IDPEL_PREFIX = {
    "BEKASI": "53211",
    "CIKARANG": "53231",
    "KUPANG": "71110",
    "JAYAPURA": "91110",
    "DENPASAR": "55110",
}
READING_WINDOW = {
    "BEKASI": (24, 27),
    "CIKARANG": (22, 25),
    "KUPANG": (24, 27),
    "JAYAPURA": (22, 25),
    "DENPASAR": (24, 27),
}

TARIFF_EFFECTIVE_FROM = date(2025, 1, 1)
MINIMUM_HOURS = 40
PPJ_RATE = Decimal("0.03")
TOKEN_ADMIN_FEE = 1500
ABOVE_200_KVA = 200_001

# (class, min VA, max VA or None, Rp/kWh, description); R-1M is PLN's code for 900 VA RTM.
TARIFFS: tuple[tuple[str, int, int | None, str, str], ...] = (
    ("R-1", 450, 450, "415.00", "Rumah tangga 450 VA (subsidi)"),
    ("R-1", 900, 900, "605.00", "Rumah tangga 900 VA (subsidi)"),
    ("R-1M", 900, 900, "1352.00", "Rumah tangga 900 VA mampu (RTM)"),
    ("R-1", 1300, 1300, "1444.70", "Rumah tangga 1.300 VA"),
    ("R-1", 2200, 2200, "1444.70", "Rumah tangga 2.200 VA"),
    ("R-2", 3500, 5500, "1699.53", "Rumah tangga 3.500-5.500 VA"),
    ("R-3", 6600, None, "1699.53", "Rumah tangga 6.600 VA ke atas"),
    ("B-2", 6600, 200_000, "1444.70", "Bisnis 6.600 VA-200 kVA"),
    ("B-3", ABOVE_200_KVA, None, "1114.74", "Bisnis di atas 200 kVA"),
    ("I-3", ABOVE_200_KVA, None, "1114.74", "Industri di atas 200 kVA"),
    ("P-1", 6600, 200_000, "1699.53", "Kantor pemerintah 6.600 VA-200 kVA"),
    ("S-2", 900, 900, "605.00", "Sosial 900 VA"),
)

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
MAINTENANCE_AREAS = {
    "BEKASI": ("Perumahan Grand Wisata, Tambun Selatan", "Perumahan Harapan Indah, Medan Satria",
               "Jl. Ahmad Yani, Bekasi Selatan", "Perumahan Galaxy, Bekasi Selatan"),
    "CIKARANG": ("Kawasan Industri Jababeka, Cikarang Utara",
                 "Perumahan Lippo Cikarang, Cikarang Selatan",
                 "Perumahan Metland Cibitung, Cibitung", "Desa Sukadami, Cikarang Selatan"),
    "KUPANG": ("Kelurahan Oesapa, Kelapa Lima", "Jl. El Tari, Oebobo",
               "Kelurahan Penfui, Maulafa", "Kelurahan Namosain, Alak"),
    "JAYAPURA": ("Kelurahan Entrop, Jayapura Selatan", "Jl. Raya Abepura-Sentani, Heram",
                 "Kelurahan Dok V, Jayapura Utara", "Kelurahan Hinekombe, Sentani"),
    "DENPASAR": ("Kelurahan Jimbaran, Kuta Selatan", "Jl. Sunset Road, Kuta",
                 "Kelurahan Sanur, Denpasar Selatan", "Desa Canggu, Kuta Utara"),
}  # fmt: skip
MAINTENANCE_REASONS = (
    "Pemeliharaan jaringan tegangan menengah",
    "Penggantian trafo distribusi",
    "Perantingan pohon di sekitar jaringan",
    "Penggantian tiang dan isolator",
    "Penambahan gardu distribusi baru",
)

MOBILE_PREFIXES = ("812", "813", "821", "852", "857", "878")
LANDLINE_DIGITS = {"21": 8, "380": 6, "967": 6, "361": 6}
METER_PREFIXES = ("14", "32", "45", "56")

COMPLAINT_TEXTS = {
    "no_power": ("Listrik di rumah padam sejak pagi, rumah tetangga menyala.",
                 "MCB turun terus dan tidak bisa dinaikkan lagi."),
    "outage_area": ("Listrik padam satu RT sejak pukul 19.00.",
                    "Satu kompleks perumahan padam setelah hujan deras."),
    "billing": ("Tagihan bulan ini naik jauh dari biasanya.",
                "Stand meter di tagihan tidak sama dengan angka di meter rumah."),
    "dangerous_installation": ("Kabel SR putus dan menjuntai ke jalan.",
                               "Ada percikan api di kabel dekat meter."),
    "other": ("Token tidak bisa dimasukkan, meter menampilkan REJECT.",
              "Ingin mengganti nama pemilik sambungan."),
}  # fmt: skip
COMPLAINT_WEIGHTS = {"no_power": 35, "outage_area": 20, "billing": 25,
                     "dangerous_installation": 8, "other": 12}  # fmt: skip
STATUS_WEIGHTS = {"open": 40, "in_progress": 30, "resolved": 30}
COMPLAINT_NOTES = {
    "in_progress": "Petugas pelayanan teknik sedang menuju lokasi.",
    "resolved": "Sudah ditangani petugas; pelanggan telah dihubungi.",
}
REQUEST_KINDS = {"new_connection": 45, "power_change": 40, "temporary": 15}
REQUEST_NOTES = {
    "in_progress": "Survei lokasi sudah dijadwalkan.",
    "resolved": "Pekerjaan selesai dan sambungan sudah menyala.",
}
POWER_STEPS = (450, 900, 1300, 2200, 3500, 4400, 5500, 6600, 7700, 10600, 13200, 16500)
TICKETS_PER_KIND = 20


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


@dataclass
class _Account:
    """A seeded customer with what its history needs: meter, tariff, clock and usage level."""

    customer: Customer
    meter: Meter
    tariff: Tariff
    zone: ZoneInfo
    reading_window: tuple[int, int]
    mean_kwh: float


class _Unique:
    """Hands out random digit strings never used before, so unique columns never collide."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def draw(self, prefix: str, digits: int) -> str:
        while True:
            value = f"{prefix}{self._rng.randrange(10**digits):0{digits}d}"
            if value not in self._seen:
                self._seen.add(value)
                return value


def seed_demo(session: Session, *, today: date, customers: int = 1000, seed: int = DEFAULT_SEED) -> SeedSummary:
    """Fill an empty database with demo data dated relative to `today`; same inputs, same rows."""
    if session.scalar(select(func.count()).select_from(Region)):
        raise ValueError("the database already has regions; demo data is seeded only once")
    if customers < 0:
        raise ValueError("customers cannot be negative")
    rng = random.Random(seed)
    regions = _seed_regions(session)
    tariffs = _seed_tariffs(session)
    accounts = _seed_customers(session, rng, regions, tariffs, today, customers)
    postpaid = [a for a in accounts if a.customer.payment_type == POSTPAID]
    prepaid = [a for a in accounts if a.customer.payment_type == PREPAID]
    readings, bills = _seed_postpaid_history(session, rng, postpaid, today)
    tokens = _seed_token_purchases(session, rng, prepaid, today)
    notices = _seed_maintenance(session, rng, regions, today)
    people = [a.customer for a in accounts]
    complaints = _seed_complaints(session, rng, regions, people, today)
    requests = _seed_service_requests(session, rng, regions, people, today)
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
    )


def tariff_for(tariffs: Iterable[Tariff], tariff_class: str, power_va: int) -> Tariff:
    """The one tariff row pricing this class and power; a gap or an overlap is a data error."""
    matches = [
        t
        for t in tariffs
        if t.tariff_class == tariff_class
        and t.power_min_va <= power_va
        and (t.power_max_va is None or power_va <= t.power_max_va)
    ]
    if len(matches) != 1:
        raise LookupError(f"{len(matches)} tariffs match {tariff_class} {power_va} VA")
    return matches[0]


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


def _utc(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """A local wall-clock moment in a region, stored as aware UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _seed_regions(session: Session) -> dict[str, Region]:
    """Regions with their dialed numbers and area codes, keyed by code."""
    regions: dict[str, Region] = {}
    for spec in REGIONS:
        region = Region(
            code=spec.code,
            name=spec.name,
            province_unit=spec.province_unit,
            timezone=spec.timezone,
            agent_number=spec.agent,
            opens_at=spec.opens,
            closes_at=spec.closes,
            is_national=spec.is_national,
            numbers=[RegionNumber(number=spec.dialed)],
            area_codes=[RegionAreaCode(area_code=spec.area_code)] if spec.area_code else [],
        )
        regions[spec.code] = region
    session.add_all(regions.values())
    session.flush()
    return regions


def _seed_tariffs(session: Session) -> list[Tariff]:
    """The published tariff table the bills and tokens are priced with."""
    tariffs = [
        Tariff(
            tariff_class=cls,
            power_min_va=low,
            power_max_va=high,
            rate_per_kwh=Decimal(rate),
            minimum_hours=MINIMUM_HOURS,
            effective_from=TARIFF_EFFECTIVE_FROM,
            description=description,
        )
        for cls, low, high, rate, description in TARIFFS
    ]
    session.add_all(tariffs)
    session.flush()
    return tariffs


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


def _seed_customers(
    session: Session,
    rng: random.Random,
    regions: dict[str, Region],
    tariffs: list[Tariff],
    today: date,
    count: int,
) -> list[_Account]:
    """Customers, then their meters (which need the customer ids), in two batches."""
    uniques = (_Unique(rng), _Unique(rng), _Unique(rng))
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
    uniques: tuple[_Unique, _Unique, _Unique],
    region: Region,
    tariffs: list[Tariff],
    today: date,
) -> _Account:
    """One customer with its meter, tariff and usage level, connected 1-20 years ago."""
    idpels, meter_numbers, phones = uniques
    cls, power, _, prepaid_share, usage = rng.choices(CUSTOMER_MIX, MIX_WEIGHTS)[0]
    zone = ZoneInfo(region.timezone)
    window = READING_WINDOW[region.code]
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
        created_at=_utc(connected, rng.randint(8, 15), rng.randrange(60), zone),
    )
    installed = connected + timedelta(days=rng.randint(0, (today - connected).days - 30))
    meter = Meter(meter_number=meter_numbers.draw(rng.choice(METER_PREFIXES), 9), installed_on=installed)
    tariff = tariff_for(tariffs, cls, power)
    return _Account(customer, meter, tariff, zone, window, _mean_usage(rng, usage, tariff, power))


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


def _customer_phone(rng: random.Random, unique: _Unique, area_code: str | None) -> str | None:
    """Mostly a mobile, some landlines in the region's area code, and some customers with none."""
    roll = rng.random()
    if roll >= 0.90:
        return None
    if roll >= 0.85 and area_code is not None:
        return unique.draw(f"+62{area_code}", LANDLINE_DIGITS[area_code])
    return _mobile(rng, unique)


def _mobile(rng: random.Random, unique: _Unique) -> str:
    return unique.draw(f"+62{rng.choice(MOBILE_PREFIXES)}", rng.choice((7, 8, 8, 8)))


def _seed_postpaid_history(
    session: Session, rng: random.Random, accounts: list[_Account], today: date
) -> tuple[int, int]:
    """Twelve months of officer readings and bills for every postpaid customer."""
    first = _add_months(today.replace(day=1), -12)
    periods = [_add_months(first, n) for n in range(12)]
    references = _Unique(rng)
    readings: list[Reading] = []
    bills: list[Bill] = []
    for account in accounts:
        usage = _usage_series(rng, account, periods)
        unpaid = _unpaid_count(rng)
        stand = rng.randint(2_000, 60_000)
        for index, (period, kwh) in enumerate(zip(periods, usage, strict=True)):
            read_on = period.replace(day=rng.randint(*account.reading_window))
            readings.append(_reading(rng, references, account, period, read_on, stand + kwh))
            paid = index < len(periods) - unpaid
            bills.append(_bill(rng, account, period, read_on, stand, kwh, paid, today))
            stand += kwh
    session.add_all(readings)
    session.add_all(bills)
    session.flush()
    return len(readings), len(bills)


def _usage_series(rng: random.Random, account: _Account, periods: list[date]) -> list[int]:
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
    references: _Unique,
    account: _Account,
    period: date,
    read_on: date,
    stand: int,
) -> Reading:
    """An accepted officer reading taken during working hours on the reading day."""
    return Reading(
        reference=references.draw("RD", 8),
        meter_id=account.meter.id,
        period=period,
        stand=stand,
        status="accepted",
        source="officer",
        submitted_at=_utc(read_on, rng.randint(8, 16), rng.randrange(60), account.zone),
    )


def _bill(
    rng: random.Random,
    account: _Account,
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
        created_at=_utc(issued, 2, 0, account.zone),
    )


def _paid_at(rng: random.Random, issued: date, due: date, today: date, zone: ZoneInfo) -> datetime:
    """A payment between issue and due date (a few late), never on or after `today`."""
    last = due + timedelta(days=15) if rng.random() < LATE_PAYMENT_SHARE else due
    last = min(last, today - timedelta(days=1))
    day = issued + timedelta(days=rng.randint(0, (last - issued).days))
    return _utc(day, rng.randint(7, 21), rng.randrange(60), zone)


def _seed_token_purchases(session: Session, rng: random.Random, accounts: list[_Account], today: date) -> int:
    """Three to ten token purchases in the last six months for every prepaid meter."""
    tokens = _Unique(rng)
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
                    purchased_at=_utc(bought, rng.randint(6, 22), rng.randrange(60), account.zone),
                )
            )
    session.add_all(purchases)
    session.flush()
    return len(purchases)


def _seed_maintenance(session: Session, rng: random.Random, regions: dict[str, Region], today: date) -> int:
    """Two to four planned outages per region: at least one upcoming and one already done."""
    notices: list[MaintenanceNotice] = []
    for code, areas in MAINTENANCE_AREAS.items():
        zone = ZoneInfo(regions[code].timezone)
        count = rng.randint(2, 4)
        for index, area in enumerate(rng.sample(areas, count)):
            upcoming = index == 0 or (index > 1 and rng.random() < 0.5)
            offset = rng.randint(1, 7) if upcoming else -rng.randint(3, 45)
            day = today + timedelta(days=offset)
            starts = _utc(day, rng.randint(8, 12), rng.choice((0, 30)), zone)
            announced = min(day - timedelta(days=rng.randint(3, 7)), today - timedelta(days=1))
            notices.append(
                MaintenanceNotice(
                    region_id=regions[code].id,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=rng.randint(2, 6)),
                    area=area,
                    reason=rng.choice(MAINTENANCE_REASONS),
                    created_at=_utc(announced, 10, 0, zone),
                )
            )
    session.add_all(notices)
    session.flush()
    return len(notices)


def _ticket_times(
    rng: random.Random, status: str, region: Region, today: date
) -> tuple[datetime, datetime, datetime | None]:
    """Created 3-21 days ago; in-progress and resolved tickets were touched up to 2 days later."""
    created_on = today - timedelta(days=rng.randint(3, 21))
    created = _utc(created_on, rng.randint(6, 22), rng.randrange(60), ZoneInfo(region.timezone))
    if status == "open":
        return created, created, None
    touched = created + timedelta(minutes=rng.randint(30, 48 * 60))
    return created, touched, touched if status == "resolved" else None


def _pick_caller(
    rng: random.Random,
    regions: dict[str, Region],
    people: Sequence[Customer],
    known_share: float,
) -> tuple[Customer | None, Region]:
    """A known customer most of the time, otherwise a caller without an account."""
    if people and rng.random() < known_share:
        customer = rng.choice(people)
        return customer, next(r for r in regions.values() if r.id == customer.region_id)
    return None, regions[rng.choice(list(CUSTOMER_SHARE))]


def _callback(rng: random.Random, customer: Customer | None, phones: _Unique) -> str:
    """The number an agent calls back: the customer's own, else the mobile the caller gave."""
    if customer is not None and customer.phone:
        return customer.phone
    return _mobile(rng, phones)


def _seed_complaints(
    session: Session,
    rng: random.Random,
    regions: dict[str, Region],
    people: Sequence[Customer],
    today: date,
) -> int:
    """A handful of recent complaints in every state, for the agent console demo."""
    numbers, phones = _Unique(rng), _Unique(rng)
    complaints: list[Complaint] = []
    for _ in range(TICKETS_PER_KIND):
        category = rng.choices(list(COMPLAINT_WEIGHTS), list(COMPLAINT_WEIGHTS.values()))[0]
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        customer, region = _pick_caller(rng, regions, people, 0.8)
        created, updated, resolved = _ticket_times(rng, status, region, today)
        complaints.append(
            Complaint(
                ticket_number=numbers.draw("GG", 8),
                category=category,
                urgent=category == "dangerous_installation" or (category == "no_power" and rng.random() < 0.2),
                status=status,
                customer_id=customer.id if customer else None,
                region_id=region.id,
                callback_number=_callback(rng, customer, phones),
                description=rng.choice(COMPLAINT_TEXTS[category]),
                last_note=COMPLAINT_NOTES.get(status),
                created_at=created,
                updated_at=updated,
                resolved_at=resolved,
            )
        )
    session.add_all(complaints)
    session.flush()
    return len(complaints)


def _requested_power(rng: random.Random, kind: str, customer: Customer | None) -> int:
    """New connections ask for a household size; a power change asks for the next step up."""
    if kind == "power_change" and customer is not None:
        return next((p for p in POWER_STEPS if p > customer.power_va), POWER_STEPS[-1])
    if kind == "temporary":
        return rng.choice((2200, 3500, 5500, 7700))
    return rng.choice((900, 1300, 2200, 3500))


def _seed_service_requests(
    session: Session,
    rng: random.Random,
    regions: dict[str, Region],
    people: Sequence[Customer],
    today: date,
) -> int:
    """A handful of new-connection, power-change and temporary-connection requests."""
    references, phones = _Unique(rng), _Unique(rng)
    requests: list[ServiceRequest] = []
    for _ in range(TICKETS_PER_KIND):
        kind = rng.choices(list(REQUEST_KINDS), list(REQUEST_KINDS.values()))[0]
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        known = {"new_connection": 0.0, "power_change": 1.0, "temporary": 0.5}[kind]
        customer, region = _pick_caller(rng, regions, people, known)
        created, updated, _ = _ticket_times(rng, status, region, today)
        requests.append(
            ServiceRequest(
                reference=references.draw("PB", 8),
                kind=kind,
                status=status,
                customer_id=customer.id if customer else None,
                region_id=region.id,
                requested_power_va=_requested_power(rng, kind, customer),
                callback_number=_callback(rng, customer, phones),
                last_note=REQUEST_NOTES.get(status),
                created_at=created,
                updated_at=updated,
            )
        )
    session.add_all(requests)
    session.flush()
    return len(requests)
