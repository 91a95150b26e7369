"""Calls for console and query tests: real calls through signed webhooks, rows inserted directly, HTML bits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy.orm import Session

from db.models import Call, CallEvent
from ivr.auth.roles import Principal
from tests.support.factories import DIALED, add_customer
from tests.support.journeys import set_clock
from tests.support.tickets import post_recording, press_all
from tests.support.twilio import FakeTwilio

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE_SIP = f"sip:{SCRIPT}@x"
HOSTILE_RECORDING = f"javascript:alert('{SCRIPT}')"
BEKASI_CALLER = "+62215551234"
KUPANG_CALLER = "+623808211234"
JAYAPURA_CALLER = "+629675331234"
IDPEL, METER, PHONE = "532110000001", "14000000001", "+6281234567890"
KUPANG_IDPEL, KUPANG_METER, KUPANG_PHONE = "532110000002", "14000000002", "+6281299990000"

# When each scenario call starts (UTC), chosen so local dates differ by region:
A_AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 WIB, Monday 23 Nov
B_AT = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # 23:30 WIB on the 22nd = 00:30 WITA on the 23rd
C_AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
D_AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 WIB
E_AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 12:00 WIT, same instant as A, placed after it

_ROW_SID = re.compile(r'<tr class="call-row" data-sid="([^"]*)"')
_LIVE_ROW = re.compile(r'<tr data-code="([^"]+)">(.*?)</tr>', re.DOTALL)
_CELL = re.compile(r'<td class="([a-z-]+)">([^<]*)</td>')


@dataclass(frozen=True)
class Scenario:
    """Five calls placed through the webhooks, and the two customers they may be about."""

    bekasi: str  # A: pressed 1 then a Bekasi IDPEL (bill), self-served
    kupang: str  # B: Kupang closed, pressed 0 then 1: callback requested
    anonymous: str  # C: anonymous caller on the national number, hung up in the menu
    hostile: str  # D: a script as SIP caller id and as the keys pressed, Bekasi number
    jayapura: str  # E: complaint with a hostile "recording URL", Jayapura (WIT)
    customer_id: int
    kupang_customer_id: int

    @property
    def all_newest_first(self) -> list[str]:
        return [self.jayapura, self.bekasi, self.hostile, self.kupang, self.anonymous]


def phone_call(twilio: FakeTwilio, caller: str, dialed: str) -> FakeTwilio:
    """Another call on the same app, from `caller` to `dialed`."""
    return FakeTwilio(client=twilio.client, auth_token=twilio.auth_token, caller=caller, dialed=dialed)


def place_scenario(app: Flask, twilio: FakeTwilio, session: Session, regions: dict[str, int]) -> Scenario:
    """Customers in Bekasi and Kupang, then calls A-E (see Scenario), each ended by a status callback."""
    customer, _ = add_customer(session, regions["BEKASI"], idpel=IDPEL, meter_number=METER, phone=PHONE)
    other, _ = add_customer(
        session,
        regions["KUPANG"],
        idpel=KUPANG_IDPEL,
        meter_number=KUPANG_METER,
        phone=KUPANG_PHONE,
        name="Yohanes Bria",
    )
    session.commit()

    set_clock(app, A_AT)
    a = phone_call(twilio, BEKASI_CALLER, DIALED["BEKASI"])
    a.start()
    press_all(a, "1", IDPEL + "#")
    a.hang_up(duration=42)

    set_clock(app, B_AT)
    b = phone_call(twilio, KUPANG_CALLER, DIALED["KUPANG"])
    b.start()
    press_all(b, "0", "1")
    b.hang_up(duration=30)

    set_clock(app, C_AT)
    c = phone_call(twilio, "anonymous", DIALED["NASIONAL"])
    c.start()
    c.hang_up(duration=5)

    set_clock(app, D_AT)
    d = phone_call(twilio, HOSTILE_SIP, DIALED["BEKASI"])
    d.start()
    d.press(SCRIPT)
    d.hang_up(duration=12)

    set_clock(app, E_AT)
    e = phone_call(twilio, JAYAPURA_CALLER, DIALED["JAYAPURA"])
    e.start()
    press_all(e, "3", "1", "2", "1", "1")  # complaint, no power, no customer no., this number, record
    post_recording(e, url=HOSTILE_RECORDING)
    e.hang_up(duration=95)
    return Scenario(a.call_sid, b.call_sid, c.call_sid, d.call_sid, e.call_sid, customer.id, other.id)


def insert_call(
    session: Session,
    call_sid: str,
    region_id: int | None,
    started_at: datetime,
    *,
    caller: str = BEKASI_CALLER,
    caller_kind: str = "phone",
    outcome: str = "self_served",
    flows: tuple[str, ...] = (),
    digits: tuple[str, ...] = (),
) -> Call:
    """A call row written directly (fast), with a node event per flow and an input event per digits."""
    call = Call(
        call_sid=call_sid,
        caller=caller,
        caller_kind=caller_kind,
        dialed=DIALED["BEKASI"],
        region_id=region_id,
        routed_by="dialed",
        language="id",
        started_at=started_at,
        ended_at=started_at,
        duration_seconds=60,
        outcome=outcome,
    )
    session.add(call)
    session.flush()
    seq = 0
    for flow in flows:
        seq += 1
        session.add(CallEvent(call_id=call.id, seq=seq, at=started_at, kind="node", flow=flow, node="start"))
    for value in digits:
        seq += 1
        session.add(CallEvent(call_id=call.id, seq=seq, at=started_at, kind="input", detail={"digits": value}))
    session.flush()
    return call


def principal(role: str, region_id: int | None = None, user_id: int = 1) -> Principal:
    return Principal(user_id, f"{role}.{region_id}", role.title(), role, region_id)


def row_sids(html: str) -> list[str]:
    """The call sids of a calls table, in the order shown."""
    return _ROW_SID.findall(html)


def live_rows(html: str) -> dict[str, dict[str, str]]:
    """The live table: region/queue code -> {cell class: text}."""
    return {code: dict(_CELL.findall(body)) for code, body in _LIVE_ROW.findall(html)}
