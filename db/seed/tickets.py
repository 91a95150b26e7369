"""Tickets and notices: planned maintenance per region, recent complaints and service requests."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import Complaint, Customer, MaintenanceNotice, Region, ServiceRequest
from db.references import COMPLAINT_PREFIX, REQUEST_PREFIX
from db.seed.catalog import CUSTOMER_SHARE
from db.seed.helpers import Unique, utc
from db.seed.people import mobile

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


def seed_maintenance(session: Session, rng: random.Random, regions: dict[str, Region], today: date) -> int:
    """Two to four planned outages per region: at least one upcoming and one already done."""
    notices: list[MaintenanceNotice] = []
    for code, areas in MAINTENANCE_AREAS.items():
        zone = ZoneInfo(regions[code].timezone)
        count = rng.randint(2, 4)
        for index, area in enumerate(rng.sample(areas, count)):
            upcoming = index == 0 or (index > 1 and rng.random() < 0.5)
            offset = rng.randint(1, 7) if upcoming else -rng.randint(3, 45)
            day = today + timedelta(days=offset)
            starts = utc(day, rng.randint(8, 12), rng.choice((0, 30)), zone)
            announced = min(day - timedelta(days=rng.randint(3, 7)), today - timedelta(days=1))
            notices.append(
                MaintenanceNotice(
                    region_id=regions[code].id,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=rng.randint(2, 6)),
                    area=area,
                    reason=rng.choice(MAINTENANCE_REASONS),
                    created_at=utc(announced, 10, 0, zone),
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
    created = utc(created_on, rng.randint(6, 22), rng.randrange(60), ZoneInfo(region.timezone))
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


def _callback(rng: random.Random, customer: Customer | None, phones: Unique) -> str:
    """The number an agent calls back: the customer's own, else the mobile the caller gave."""
    if customer is not None and customer.phone:
        return customer.phone
    return mobile(rng, phones)


def seed_complaints(
    session: Session,
    rng: random.Random,
    regions: dict[str, Region],
    people: Sequence[Customer],
    today: date,
) -> int:
    """A handful of recent complaints in every state, for the agent console demo."""
    numbers, phones = Unique(rng), Unique(rng)
    complaints: list[Complaint] = []
    for _ in range(TICKETS_PER_KIND):
        category = rng.choices(list(COMPLAINT_WEIGHTS), list(COMPLAINT_WEIGHTS.values()))[0]
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        customer, region = _pick_caller(rng, regions, people, 0.8)
        created, updated, resolved = _ticket_times(rng, status, region, today)
        complaints.append(
            Complaint(
                ticket_number=numbers.reference(COMPLAINT_PREFIX),
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


def seed_service_requests(
    session: Session,
    rng: random.Random,
    regions: dict[str, Region],
    people: Sequence[Customer],
    today: date,
) -> int:
    """A handful of new-connection, power-change and temporary-connection requests."""
    references, phones = Unique(rng), Unique(rng)
    requests: list[ServiceRequest] = []
    for _ in range(TICKETS_PER_KIND):
        kind = rng.choices(list(REQUEST_KINDS), list(REQUEST_KINDS.values()))[0]
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        known = {"new_connection": 0.0, "power_change": 1.0, "temporary": 0.5}[kind]
        customer, region = _pick_caller(rng, regions, people, known)
        created, updated, _ = _ticket_times(rng, status, region, today)
        requests.append(
            ServiceRequest(
                reference=references.reference(REQUEST_PREFIX),
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
