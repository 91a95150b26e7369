"""Calls as agents and supervisors read them: a filtered, paged list, and one call with what it left behind.

Region rule (Principal.may_see_call): an agent sees the calls whose region is theirs and every call
they answered (an overflow or after-hours call from another region); calls without a region are
national business. A call the principal may not see is reported as missing.
Text conversations (SMS, WhatsApp) are calls too, told apart by their `channel`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from db.models import (
    CHANNELS,
    Call,
    CallbackRequest,
    CallEvent,
    Complaint,
    Meter,
    Reading,
    Region,
    ServiceRequest,
    User,
)
from ivr.auth.roles import Principal, call_clause, region_clause
from ivr.calls.outcome import OUTCOMES
from ivr.phone.numbers import MAX_CALLER_LENGTH, parse_caller
from ivr.queries.customers import (
    ComplaintRef,
    CustomerSummary,
    ReadingRow,
    RegionRef,
    RequestRef,
    complaint_ref,
    customer_for_call,
    reading_row,
    region_ref,
    request_ref,
)
from ivr.queries.paging import Page, page_bounds
from ivr.services.customers import IDPEL_LENGTH, METER_LENGTH

# The menu options a call can reach (flow files), in main-menu order, then the busy message
# (flows/busy.yaml: calls turned away in a surge); `flow` filters on these.
MAX_PER_PAGE = 200
FLOW_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")  # a flow file's name; the adapters check it is a loaded flow


@dataclass(frozen=True)
class CallFilter:
    """What the list may be narrowed by; `since` inclusive, `until` exclusive, both aware datetimes."""

    since: datetime | None = None
    until: datetime | None = None
    region_id: int | None = None
    caller: str | None = None
    outcome: str | None = None
    flow: str | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("since/until must be timezone-aware")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.flow is not None and not FLOW_NAME.fullmatch(self.flow):
            raise ValueError(f"unknown menu option {self.flow!r}")
        if self.channel is not None and self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")


@dataclass(frozen=True)
class CallRow:
    """One line of the calls list."""

    call_sid: str
    channel: str
    started_at: datetime
    caller: str
    caller_kind: str
    region_code: str | None
    region_name: str | None
    region_timezone: str | None
    language: str
    duration_seconds: int | None
    outcome: str
    queue_seconds: int | None
    urgent: bool  # queued in the urgent tier
    last_flow: str | None


@dataclass(frozen=True)
class EventRow:
    seq: int
    at: datetime
    kind: str
    flow: str | None
    node: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class AgentRef:
    id: int
    username: str
    full_name: str


@dataclass(frozen=True)
class CallbackRef:
    number: str
    reason: str
    language: str
    status: str
    requested_at: datetime
    menu_path: tuple[str, ...]


@dataclass(frozen=True)
class CallReading(ReadingRow):
    """A reading sent during the call, with the meter photo it came with (WhatsApp; check before linking)."""

    media_url: str | None
    media_type: str | None


@dataclass(frozen=True)
class CallDetail:
    """One call: its record, timeline, the customer it was about and what it created."""

    call_sid: str
    channel: str
    caller: str
    caller_kind: str
    dialed: str
    routed_by: str
    region: RegionRef | None
    language: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    final_status: str | None
    outcome: str
    last_node: str | None
    queue_name: str | None
    queue_seconds: int | None
    overflowed: bool
    urgent: bool
    answered_at: datetime | None
    agent: AgentRef | None
    closed_by_sweep: bool
    events: tuple[EventRow, ...]
    customer: CustomerSummary | None
    readings: tuple[CallReading, ...]
    complaints: tuple[ComplaintRef, ...]
    requests: tuple[RequestRef, ...]
    callback: CallbackRef | None

    @property
    def recording_urls(self) -> tuple[str, ...]:
        """Recordings callers left with their complaints (a URL as Twilio sent it; check before linking)."""
        return tuple(c.recording_url for c in self.complaints if c.recording_url)


# CallDetail fields copied as they are from the Call row.
_COPIED = (
    "call_sid", "channel", "caller", "caller_kind", "dialed", "routed_by", "language", "started_at", "ended_at",
    "duration_seconds", "final_status", "outcome", "last_node", "queue_name", "queue_seconds", "overflowed",
    "urgent", "answered_at", "closed_by_sweep",
)  # fmt: skip


def caller_values(text: str) -> set[str]:
    """The stored forms a typed caller may have: its E.164 form, or the raw text (sip:, anonymous...)."""
    raw = text.strip()[:MAX_CALLER_LENGTH]
    return {raw, parse_caller(raw).value}


def _conditions(principal: Principal, filt: CallFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [call_clause(principal, Call.region_id, Call.agent_id)]
    if filt.since is not None:
        found.append(Call.started_at >= filt.since)
    if filt.until is not None:
        found.append(Call.started_at < filt.until)
    if filt.region_id is not None:
        found.append(Call.region_id == filt.region_id)
    if filt.caller and filt.caller.strip():
        found.append(Call.caller.in_(caller_values(filt.caller)))
    if filt.outcome is not None:
        found.append(Call.outcome == filt.outcome)
    if filt.channel is not None:
        found.append(Call.channel == filt.channel)
    if filt.flow is not None:
        found.append(
            exists().where(CallEvent.call_id == Call.id, CallEvent.kind == "node", CallEvent.flow == filt.flow)
        )
    return found


def _last_flow() -> Any:
    """The last menu option a call reached (main menu aside), as a correlated subquery."""
    return (
        select(CallEvent.flow)
        .where(CallEvent.call_id == Call.id, CallEvent.kind == "node", CallEvent.flow != "main_menu")
        .order_by(CallEvent.seq.desc())
        .limit(1)
        .correlate(Call)
        .scalar_subquery()
    )


def list_calls(
    session: Session, principal: Principal, filt: CallFilter, page: int = 1, per_page: int = 50
) -> Page[CallRow]:
    """Newest first (started_at, then id, so pages never shuffle); agents get their region and their own calls."""
    page, per_page = page_bounds(page, per_page, MAX_PER_PAGE)
    conditions = _conditions(principal, filt)
    total = session.scalar(select(func.count()).select_from(Call).where(*conditions)) or 0
    stmt = (
        select(Call, Region, _last_flow())
        .outerjoin(Region, Call.region_id == Region.id)
        .where(*conditions)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [
        CallRow(
            call_sid=call.call_sid,
            channel=call.channel,
            started_at=call.started_at,
            caller=call.caller,
            caller_kind=call.caller_kind,
            region_code=region.code if region else None,
            region_name=region.name if region else None,
            region_timezone=region.timezone if region else None,
            language=call.language,
            duration_seconds=call.duration_seconds,
            outcome=call.outcome,
            queue_seconds=call.queue_seconds,
            urgent=call.urgent,
            last_flow=last_flow,
        )
        for call, region, last_flow in session.execute(stmt)
    ]
    return Page(items=items, page=page, per_page=per_page, total=total)


def visible_regions(session: Session, principal: Principal) -> list[RegionRef]:
    """The regions a principal may filter by: all of them, or an agent's own."""
    stmt = select(Region).where(region_clause(principal, Region.id)).order_by(Region.is_national.desc(), Region.name)
    return [region_ref(region) for region in session.scalars(stmt)]


def entered_numbers(events: tuple[EventRow, ...]) -> Iterator[str]:
    """The numbers the caller entered (keys or words understood as keys), in order, without a closing #."""
    for event in events:
        digits = str(event.detail.get("digits", "")).removesuffix("#") if event.kind == "input" else ""
        if digits.isascii() and digits.isdigit():
            yield digits


def typed_ids(events: tuple[EventRow, ...]) -> list[str]:
    """IDPELs (12 digits) and meter numbers (11) the caller typed, in the order typed."""
    return [digits for digits in entered_numbers(events) if len(digits) in (IDPEL_LENGTH, METER_LENGTH)]


def get_call(session: Session, principal: Principal, call_sid: str) -> CallDetail | None:
    """One call with its timeline; None when missing or not the principal's to see."""
    call = session.scalar(select(Call).where(Call.call_sid == call_sid[:64]))
    if call is None or not principal.may_see_call(call.region_id, call.agent_id):
        return None
    region = session.get(Region, call.region_id) if call.region_id is not None else None
    agent = session.get(User, call.agent_id) if call.agent_id is not None else None
    events = tuple(
        EventRow(e.seq, e.at, e.kind, e.flow, e.node, dict(e.detail or {}))
        for e in session.scalars(select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.seq))
    )
    readings = session.execute(
        select(Reading, Meter.meter_number)
        .join(Meter, Reading.meter_id == Meter.id)
        .where(Reading.call_sid == call.call_sid)
        .order_by(Reading.submitted_at, Reading.id)
    ).all()
    complaints = list(
        session.scalars(select(Complaint).where(Complaint.call_sid == call.call_sid).order_by(Complaint.id))
    )
    requests = list(
        session.scalars(
            select(ServiceRequest).where(ServiceRequest.call_sid == call.call_sid).order_by(ServiceRequest.id)
        )
    )
    callback = session.scalar(select(CallbackRequest).where(CallbackRequest.call_sid == call.call_sid))
    customer_ids = [c.customer_id for c in complaints] + [r.customer_id for r in requests]
    answered = call.agent_id is not None and call.agent_id == principal.id
    customer = customer_for_call(session, principal, call.caller, typed_ids(events), customer_ids, answered=answered)
    return CallDetail(
        **{name: getattr(call, name) for name in _COPIED},
        region=region_ref(region) if region else None,
        agent=AgentRef(agent.id, agent.username, agent.full_name) if agent else None,
        events=events,
        customer=customer,
        readings=tuple(_call_reading(reading, number) for reading, number in readings),
        complaints=tuple(complaint_ref(c) for c in complaints),
        requests=tuple(request_ref(r) for r in requests),
        callback=_callback_ref(callback) if callback else None,
    )


def _callback_ref(row: CallbackRequest) -> CallbackRef:
    return CallbackRef(row.number, row.reason, row.language, row.status, row.requested_at, tuple(row.menu_path or ()))


def _call_reading(reading: Reading, meter_number: str) -> CallReading:
    return CallReading(
        **vars(reading_row(reading, meter_number)), media_url=reading.media_url, media_type=reading.media_type
    )
