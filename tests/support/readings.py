"""A postpaid meter in its reading window, as the meter-reading tests (voice, text, chat) need it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from db.models import Meter, Reading
from tests.support.factories import add_bill, add_customer

IDPEL, METER = "532110000001", "14000000001"
IN_WINDOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 WIB on the 25th; window 24-27
LAST_STAND = 5000


def add_read_meter(session: Session, region_id: int) -> Meter:
    """A postpaid customer, last read 5000 in October (by an officer), using ~150 kWh a month."""
    customer, meter = add_customer(session, region_id, idpel=IDPEL, meter_number=METER)
    for month in range(5, 11):
        add_bill(session, customer, date(2026, month, 1), kwh=150, amount=220_000, stand_end=LAST_STAND)
    session.add(
        Reading(
            reference="2000000001",
            meter_id=meter.id,
            period=date(2026, 10, 1),
            stand=LAST_STAND,
            status="accepted",
            source="officer",
            submitted_at=datetime(2026, 10, 25, tzinfo=UTC),
        )
    )
    session.flush()
    return meter
