"""A small, fixed history whose supervisor figures were worked out by hand (tests/test_stats_figures.py).

The week of Monday 16 to Sunday 22 November 2026, in Bekasi (WIB, UTC+7) and Kupang (WITA, UTC+8),
with rows just outside it on either side that only a wrong clock would count. Calls are written the
way the webhooks write them: opened in progress, then ended under `rollup.tracking`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import Call, CallbackRequest, Complaint, Reading
from ivr.calls.outcome import derive_outcome
from ivr.stats.rollup import tracking
from tests.support.factories import add_customer

WEEK_START, WEEK_END = date(2026, 11, 16), date(2026, 11, 22)
WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")


def local(zone: ZoneInfo, day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 wall-clock time in `zone`, as the UTC instant it is."""
    return datetime(2026, 11, day, hour, minute, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class CallSpec:
    """One call of the history: where, when, how it went. Times are offsets from the start."""

    name: str
    region: str
    zone: ZoneInfo
    day: int
    hour: int
    minute: int
    flows: str
    last_node: str
    completed: str = ""
    ends: bool = True
    self_served: bool = False
    queue_wait: int | None = None  # seconds in queue; queued at start + 60 s
    answered: bool = False
    talk: int = 0
    callback: bool = False
    direct_transfer: str | None = None
    ivr_hung_up: bool = False
    had_error: bool = False


CALLS: tuple[CallSpec, ...] = (
    CallSpec("B1", "BEKASI", WIB, 16, 9, 10, "bill,main_menu", "main_menu.menu", "bill", self_served=True),
    CallSpec("B2", "BEKASI", WIB, 16, 9, 40, "main_menu,meter_reading", "meter_reading.ask_id"),
    CallSpec("B3", "BEKASI", WIB, 16, 9, 50, "agent,main_menu", "agent.queue", queue_wait=15, answered=True, talk=300),
    CallSpec("B4", "BEKASI", WIB, 17, 10, 5, "agent,main_menu", "agent.queue", queue_wait=45, answered=True, talk=120),
    CallSpec("B5", "BEKASI", WIB, 17, 10, 20, "agent,main_menu", "agent.queue", queue_wait=90),
    CallSpec("B6", "BEKASI", WIB, 17, 23, 30, "agent,main_menu", "agent.callback", queue_wait=30, callback=True),
    CallSpec("B7", "BEKASI", WIB, 23, 0, 10, "bill,main_menu", "main_menu.menu", "bill", self_served=True),
    CallSpec("B8", "BEKASI", WIB, 16, 0, 30, "main_menu", "main_menu.menu"),
    CallSpec("B9", "BEKASI", WIB, 18, 11, 0, "main_menu", "main_menu.menu", ends=False),
    CallSpec("K1", "KUPANG", WITA, 16, 9, 30, "agent,main_menu", "agent.queue", queue_wait=25, answered=True, talk=200),
    CallSpec("K2", "KUPANG", WITA, 18, 14, 0, "main_menu", "main_menu.too_many_tries", ivr_hung_up=True),
    CallSpec("K3", "KUPANG", WITA, 18, 14, 30, "agent,main_menu", "agent.dial", direct_transfer="answered"),
    CallSpec(
        "K4", "KUPANG", WITA, 19, 8, 0, "main_menu,token_history", "main_menu.menu", "token_history", self_served=True
    ),
    CallSpec("K5", "KUPANG", WITA, 19, 8, 10, "bill,main_menu", "bill.lookup", had_error=True),
    CallSpec("K6", "KUPANG", WITA, 19, 8, 20, "agent,main_menu", "agent.queue", queue_wait=5),
    CallSpec("K7", "KUPANG", WITA, 19, 8, 25, "agent,main_menu", "agent.dial", direct_transfer="unanswered"),
)


# How callers answered (ivr/calls/modes.py: k keys, s speech, m speech missed). B7 is outside the
# week, B9 never ended: neither counts.
MODES: dict[str, str] = {
    "B1": "bill.account:k,main_menu.menu:s",
    "B2": "main_menu.menu:k,meter_reading.ask_id:m",
    "B7": "main_menu.menu:m",
    "B9": "main_menu.menu:s",
    "K4": "main_menu.menu:ms",
    "K5": "bill.account:s,main_menu.menu:s",
}


@dataclass(frozen=True)
class FixedHistory:
    call_ids: dict[str, int]
    call_sids: dict[str, str]


def add_call_row(
    session: Session, *, call_sid: str, channel: str, region_id: int, started: datetime, flows: str, completed: str,
    last_node: str, modes: str = "",
) -> Call:  # fmt: skip
    """A call (or text conversation) row as it stands while still in progress: no rollup yet."""
    call = Call(
        call_sid=call_sid,
        channel=channel,
        caller="+6281234567890",
        caller_kind="mobile",
        dialed="+62218850123",
        region_id=region_id,
        routed_by="dialed",
        language="id",
        started_at=started,
        flows_reached=flows,
        flows_completed=completed,
        last_node=last_node,
        input_modes=modes,
    )
    call.outcome = derive_outcome(call)
    session.add(call)
    session.flush()
    return call


def _write_call(session: Session, spec: CallSpec, region_id: int) -> Call:
    started = local(spec.zone, spec.day, spec.hour, spec.minute)
    call = add_call_row(
        session, call_sid=f"CAfixed{spec.name}", channel="voice", region_id=region_id, started=started,
        flows=spec.flows, completed=spec.completed, last_node=spec.last_node, modes=MODES.get(spec.name, ""),
    )  # fmt: skip
    if not spec.ends:
        return call
    with tracking(session, call):
        ended = started + timedelta(minutes=3)
        if spec.queue_wait is not None:
            call.queue_name = spec.region
            call.queued_at = call.queue_entered_at = started + timedelta(seconds=60)
            call.queue_seconds = spec.queue_wait
            left_queue = call.queued_at + timedelta(seconds=spec.queue_wait)
            ended = left_queue
            if spec.answered:
                call.answered_at = left_queue
                ended = left_queue + timedelta(seconds=spec.talk)
            if spec.callback:
                call.callback_requested_at = left_queue
        call.self_served = spec.self_served
        call.direct_transfer = spec.direct_transfer
        call.ivr_hung_up = spec.ivr_hung_up
        call.had_error = spec.had_error
        call.ended_at = ended
        call.final_status = "completed"
        call.outcome = derive_outcome(call)
    return call


def add_fixed_history(session: Session, regions: dict[str, int]) -> FixedHistory:
    """The calls above, with callbacks, readings and complaints around the same week."""
    calls = {spec.name: _write_call(session, spec, regions[spec.region]) for spec in CALLS}
    _add_callbacks(session, regions, calls)
    _add_readings(session, regions)
    _add_complaints(session, regions)
    session.flush()
    return FixedHistory({name: c.id for name, c in calls.items()}, {name: c.call_sid for name, c in calls.items()})


def _add_callbacks(session: Session, regions: dict[str, int], calls: dict[str, Call]) -> None:
    b6 = calls["B6"]
    asked = b6.callback_requested_at
    assert asked is not None
    session.add_all(
        [
            CallbackRequest(
                call_id=b6.id,
                call_sid=b6.call_sid,
                region_id=regions["BEKASI"],
                number="+6281234567890",
                reason="long_wait",
                language="id",
                requested_at=asked,
                status="done",
                fulfilled_at=asked + timedelta(hours=2),
            ),
            CallbackRequest(
                call_sid="CAfixedCB2",
                region_id=regions["KUPANG"],
                number="+6281299990000",
                reason="closed",
                language="id",
                requested_at=local(WITA, 20, 10),
            ),
            CallbackRequest(  # 00:05 on the 23rd in Bekasi: the day after the range
                call_sid="CAfixedCB3",
                region_id=regions["BEKASI"],
                number="+6281299990001",
                reason="closed",
                language="id",
                requested_at=local(WIB, 23, 0, 5),
            ),
        ]
    )


def _add_readings(session: Session, regions: dict[str, int]) -> None:
    _, bekasi_meter = add_customer(session, regions["BEKASI"], idpel="532110000091", meter_number="14000000091")
    _, kupang_meter = add_customer(session, regions["KUPANG"], idpel="532110000092", meter_number="14000000092")
    rows = [
        ("R1", bekasi_meter.id, "ivr", "accepted", None, local(WIB, 16, 10)),
        ("R2", bekasi_meter.id, "ivr", "flagged", "far_above_usual_use", local(WIB, 18, 9)),
        ("R3", kupang_meter.id, "whatsapp", "accepted", "lower_than_last_accepted", local(WITA, 20, 7)),
        ("R4", bekasi_meter.id, "officer", "accepted", None, local(WIB, 17, 9)),
        ("R5", kupang_meter.id, "ivr", "accepted", None, local(WITA, 23, 0, 30)),
    ]
    session.add_all(
        Reading(
            reference=f"2{index:09d}",
            meter_id=meter,
            period=date(2026, 11, 1),
            stand=1000 + index,
            status=status,
            source=source,
            flag_reason=flag,
            submitted_at=at,
        )
        for index, (_, meter, source, status, flag, at) in enumerate(rows, start=1)
    )


def _add_complaints(session: Session, regions: dict[str, int]) -> None:
    rows = [
        ("C1", "BEKASI", "no_power", local(WIB, 16, 8), local(WIB, 16, 12)),
        ("C2", "BEKASI", "billing", local(WIB, 17, 9), None),
        ("C3", "KUPANG", "outage_area", local(WITA, 18, 10), local(WITA, 20, 10)),
        ("C4", "KUPANG", "no_power", local(WITA, 10, 10), local(WITA, 19, 10)),
        ("C5", "BEKASI", "other", local(WIB, 12, 9), None),
        ("C6", "BEKASI", "dangerous_installation", local(WIB, 21, 9), local(WIB, 25, 9)),
        ("C7", "JAYAPURA", "billing", local(WIT, 23, 0, 30), None),
    ]
    session.add_all(
        Complaint(
            ticket_number=f"3{index:09d}",
            category=category,
            region_id=regions[region],
            created_at=opened,
            updated_at=resolved or opened,
            resolved_at=resolved,
            status="resolved" if resolved else "open",
        )
        for index, (_, region, category, opened, resolved) in enumerate(rows, start=1)
    )
