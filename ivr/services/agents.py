"""Reaching a person: is the region's queue open, how long is the wait, or a callback instead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from db.models import VOICE, Call, CallbackRequest, CallEvent
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.phone.numbers import parse_caller, to_e164
from ivr.queues import policy
from ivr.services.context import ServiceContext
from ivr.services.tickets import reported_urgent


@dataclass(frozen=True)
class QueueLimits:
    max_wait_seconds: int = 300
    default_answer_seconds: int = 60


def availability(context: ServiceContext, args: Mapping[str, Any], limits: QueueLimits) -> ServiceResult:
    """open, long_wait (estimate above the limit), closed, closed_national_open, or by_message.

    `callback_reason` (closed, long_wait, while_waiting, message) is what a callback request will
    record. A texting customer cannot be put on hold: an agent calls them back instead.
    """
    if context.channel != VOICE:
        return ServiceResult("by_message", {"callback_reason": "message"})
    session, region, national = context.session, context.region, context.national
    if region is not None and not region.is_national and not policy.is_open(policy.hours_of(region), context.now):
        hours = {
            "opens_at": region.opens_at.strftime("%H:%M"),
            "closes_at": region.closes_at.strftime("%H:%M"),
            "region_name": region.name,
        }
        national_open = national is not None and policy.is_open(policy.hours_of(national), context.now)
        return ServiceResult(
            "closed_national_open" if national_open else "closed", {**hours, "callback_reason": "closed"}
        )
    queue = policy.queue_for(region, national, context.now)
    position = policy.waiting_count(session, queue) + 1
    wait = policy.estimate_wait(session, queue, position, context.now, limits.default_answer_seconds)
    minutes = max(1, round(wait / 60))
    if wait > limits.max_wait_seconds:
        return ServiceResult("long_wait", {"wait_minutes": minutes, "callback_reason": "long_wait"})
    return ServiceResult("open", {"wait_minutes": minutes, "callback_reason": "while_waiting"})


def menu_path(session: Any, call_sid: str) -> list[str]:
    """The nodes the caller went through, in order, without immediate repeats."""
    nodes = session.execute(
        select(CallEvent.flow, CallEvent.node)
        .join(Call, Call.id == CallEvent.call_id)
        .where(Call.call_sid == call_sid, CallEvent.kind == "node")
        .order_by(CallEvent.seq)
    ).all()
    path: list[str] = []
    for flow, node in nodes:
        step = f"{flow}.{node}"
        if not path or path[-1] != step:
            path.append(step)
    return path


def request_callback(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """One callback request per call, to the number entered or else the caller's own.

    An urgent caller's request (one queued in the urgent tier, or who reported an urgent ticket
    in this conversation) is phoned back before routine ones.
    """
    session = context.session
    existing = session.scalar(select(CallbackRequest).where(CallbackRequest.call_sid == context.conversation_id))
    if existing is not None:
        return ServiceResult("created", {"callback_number": existing.number})
    entered = args.get("number")
    caller = parse_caller(context.caller)
    number = to_e164(str(entered)) if entered else (caller.value if caller.is_phone else None)
    if number is None:
        return ServiceResult("no_number")
    call = session.scalar(select(Call).where(Call.call_sid == context.conversation_id))
    urgent = (call is not None and call.urgent) or reported_urgent(session, context.conversation_id)
    session.add(
        CallbackRequest(
            call_id=call.id if call else None,
            call_sid=context.conversation_id,
            channel=context.channel,
            region_id=context.region_id,
            number=number,
            reason=str(args.get("reason") or "agent_unavailable")[:16],
            urgent=urgent,
            language=context.language,
            menu_path=menu_path(session, context.conversation_id),
            requested_at=context.now,
        )
    )
    if call is not None and call.callback_requested_at is None:
        call.callback_requested_at = context.now
    return ServiceResult("created", {"callback_number": number})


def urgent_handover(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """An urgent report reaches a person: a caller is put through, a texting customer called back first."""
    if context.channel == "voice":
        return ServiceResult("transfer")
    booked = request_callback(context, {"number": args.get("number"), "reason": "urgent"})
    return ServiceResult("callback", dict(booked.vars)) if booked.outcome == "created" else ServiceResult("transfer")


def register(registry: ServiceRegistry, limits: QueueLimits) -> None:
    registry.add(
        "queue.availability",
        lambda ctx, args: availability(ctx, args, limits),
        {"open", "long_wait", "closed", "closed_national_open", "by_message"},
    )
    registry.add("callbacks.request", request_callback, {"created", "no_number"})
    registry.add("callbacks.urgent", urgent_handover, {"transfer", "callback"})
