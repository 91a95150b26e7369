"""Queue and agent webhooks: hold messages, overflow, callback offers, agents taking calls.

Twilio parameters relied on: the <Enqueue> waitUrl gets QueuePosition and QueueTime; the
<Enqueue> action gets QueueResult (bridged, hangup, leave, queue-full, error, system-error) and
QueueTime, after both parties hung up when bridged; the <Dial><Queue url> request runs on the
queued caller's side just before bridging and carries DequeingCallSid, the agent's call.
Every callback writes facts that only move forward (see ivr/calls/outcome.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from db.models import Call, CallEvent, Complaint, Region, ServiceRequest, User
from ivr.calls.state import LiveCall
from ivr.engine.model import Event, Utterance
from ivr.phone.numbers import national_format, parse_caller
from ivr.queues import policy
from ivr.state import StateStoreError
from ivr.voice import twiml
from ivr.voice.form import int_or_zero
from ivr.voice.gateway import QUEUE_RESULT_URL, QUEUE_WAIT_URL, VoiceGateway, enter_queue

log = logging.getLogger(__name__)

CHOICE_URL = "/voice/queue/choice"
BRIDGE_URL = "/voice/queue/bridge"
AGENT_URL = "/voice/agent/incoming"
AGENT_DONE_URL = "/voice/agent/done"
AGENT_SESSION_TTL = 12 * 3600
# Keys of the in-queue callback offer, and the node of flows/agent.yaml each one continues at.
CALLBACK_KEYS = {"1": "this_number", "2": "ask_number"}
OPEN_STATUSES = ("open", "in_progress")
NOT_A_STEP = ("main_menu", "agent")


@dataclass(frozen=True)
class QueueSettings:
    overflow_after_seconds: int
    max_wait_seconds: int
    default_answer_seconds: int
    hold_music_url: str | None


class QueueGateway:
    """Everything between "please hold" and an agent saying hello (or the caller giving up)."""

    def __init__(self, voice: VoiceGateway, settings: QueueSettings) -> None:
        self.voice = voice
        self.records = voice.records
        self.settings = settings

    @property
    def now(self) -> datetime:
        return self.voice.now()

    # -- the caller's side ----------------------------------------------------------------------

    def wait(self, form: Mapping[str, str]) -> str:
        """One hold turn: overflow when waited too long, else position, estimate and hold audio."""
        call = self.records.load_quietly(form.get("CallSid", ""))
        language = self._language(call)
        queue_time = int_or_zero(form.get("QueueTime"))
        if (
            call is not None
            and call.queue != policy.NATIONAL_QUEUE
            and call.leaving_for is None
            and queue_time >= self.settings.overflow_after_seconds
        ):
            call.leaving_for = "overflow"
            self.records.save_quietly(call)
            return twiml.render_leave(self._say("agent.queue_moved", language), self.voice.config.voice)
        position = max(int_or_zero(form.get("QueuePosition")), 1)
        wait = self._estimate(call.queue if call else None, position)
        if position <= 1:
            utterances = self._say("agent.queue_next", language)
        else:
            utterances = self._say(
                "agent.queue_position", language, position=position, wait_minutes=max(1, round(wait / 60))
            )
        offer = call is not None and not call.callback_offered and wait > self.settings.max_wait_seconds
        if offer and call is not None:
            call.callback_offered = True
            self.records.save_quietly(call)
            utterances += self._say("agent.queue_offer", language)
        return twiml.render_wait(
            utterances,
            hold_music_url=self.settings.hold_music_url,
            voice=self.voice.config.voice,
            offer_action=CHOICE_URL if offer else None,
        )

    def choice(self, form: Mapping[str, str]) -> str:
        """The caller answered the callback offer while holding: `1` this number, `2` another one."""
        call = self.records.load_quietly(form.get("CallSid", ""))
        key = form.get("Digits", "").strip()
        if call is None or key not in CALLBACK_KEYS:
            return twiml.render_say(self._say("agent.queue_thanks", self._language(call)), self.voice.config.voice)
        call.leaving_for = CALLBACK_KEYS[key]
        self.records.save_quietly(call)
        return twiml.render_leave([], self.voice.config.voice)

    def result(self, form: Mapping[str, str]) -> str:
        """The caller left the queue: bridged, hung up, moved by us, or the queue failed."""
        call_sid, outcome = form.get("CallSid", ""), form.get("QueueResult", "")[:32]
        call = self.records.load_quietly(call_sid)
        seen = f"{outcome}:{form.get('QueueSid', '')}:{form.get('QueueTime', '')}"
        if call is not None and call.last_queue_result == seen:
            return call.last_reply  # Twilio retried this callback
        now, queue_time = self.now, int_or_zero(form.get("QueueTime"))
        event = Event(
            "queue_result",
            "agent",
            None,
            {"result": outcome, "queue_time": queue_time, "queue": call.queue if call else None},
        )
        if outcome == "leave" and call is not None and call.leaving_for:
            reply = self._left(call, event, now)
        elif outcome in ("bridged", "bridging-in-progress", "hangup", "redirected", "leave"):
            reply = self._finished(call_sid, call, event, outcome, queue_time, now)
        else:
            reply = self._queue_failed(call_sid, call, event, now)
        if call is not None:
            call.last_queue_result, call.last_reply = seen, reply
            self.records.save_quietly(call)
        return reply

    def bridge(self, form: Mapping[str, str]) -> str:
        """An agent took this caller (runs on the caller's side just before bridging)."""
        call_sid, agent_call = form.get("CallSid", ""), form.get("DequeingCallSid", "")[:64]
        agent_id = self._agent_session(agent_call).get("user_id")
        now = self.now
        event = Event(
            "answered",
            "agent",
            None,
            {"agent_id": agent_id, "agent_call_sid": agent_call, "queue_time": int_or_zero(form.get("QueueTime"))},
        )

        def answered(row: Call) -> None:
            row.answered_at = row.answered_at or now
            row.agent_call_sid = row.agent_call_sid or agent_call
            row.agent_id = row.agent_id or agent_id
            _count_queue_time(row, now)

        call = self.records.load_quietly(call_sid)
        self._record(call_sid, call, event, answered)
        self.voice.live_update(lambda board: board.call_left_queue(call_sid))
        return twiml.render_say(self._say("agent.queue_connecting", self._language(call)), self.voice.config.voice)

    # -- the agent's side -----------------------------------------------------------------------

    def agent_incoming(self, form: Mapping[str, str]) -> str:
        """An agent phoned the agent line: say who is next in their queue, then take that caller."""
        agent_call, language = form.get("CallSid", "")[:64], self.voice.config.default_language
        try:
            with self.voice.database.session() as session:
                user = _agent_for(session, form.get("From", ""))
                if user is None:
                    return twiml.render_ending(self._say("agent.agent_unknown", language), self.voice.config.voice)
                region = session.get(Region, user.region_id) if user.region_id else None
                queue = region.code if region is not None and not region.is_national else policy.NATIONAL_QUEUE
                whisper = self._whisper(session, queue, language)
                user_id = user.id
        except SQLAlchemyError:
            log.exception("agent line: database unavailable")
            return twiml.render_ending(self.voice.prompt("common.system_error", language), self.voice.config.voice)
        try:
            self.records.store.save(f"agent:{agent_call}", {"user_id": user_id, "queue": queue}, AGENT_SESSION_TTL)
        except StateStoreError:
            log.exception("agent session not saved; calls will be recorded without the agent")
        self.voice.live_update(lambda board: board.agent_connected(queue, agent_call, self.now.timestamp()))
        return twiml.render_agent_dial(
            whisper, queue=queue, bridge_url=BRIDGE_URL, done_url=AGENT_DONE_URL, voice=self.voice.config.voice
        )

    def agent_done(self, form: Mapping[str, str]) -> str:
        """The agent's call with a caller ended (or nobody came): back to the queue for the next one."""
        language = self.voice.config.default_language
        return twiml.render_redirect(self._say("agent.agent_next", language), AGENT_URL, self.voice.config.voice)

    def agent_status(self, form: Mapping[str, str]) -> str:
        """The agent hung up the agent line: they no longer count as connected."""
        agent_call = form.get("CallSid", "")
        self.voice.live_update(lambda board: board.agent_disconnected(agent_call))
        return twiml.empty_response()

    # -- internals ------------------------------------------------------------------------------

    def _left(self, call: LiveCall, event: Event, now: datetime) -> str:
        """We took the caller out: into the national queue (overflow) or on to a callback node."""
        reason, call.leaving_for = call.leaving_for, None
        sid = call.facts.call_sid
        if reason == "overflow":
            call.queue = policy.NATIONAL_QUEUE
            call.add_events([event, Event("overflow", "agent", None, {"queue": call.queue})], now)

            def moved(row: Call) -> None:
                enter_queue(row, policy.NATIONAL_QUEUE, now)
                row.overflowed = True

            self.records.persist(call, moved)
            self.voice.live_update(lambda board: board.call_waiting(policy.NATIONAL_QUEUE, sid, now.timestamp()))
            return twiml.render_enqueue(
                [], queue=call.queue, action=QUEUE_RESULT_URL, wait_url=QUEUE_WAIT_URL, voice=self.voice.config.voice
            )
        call.queue = None
        call.add_events([event], now)
        self.records.persist(call, lambda row: _count_queue_time(row, now))
        self.voice.live_update(lambda board: board.call_left_queue(sid))
        call.returned_from_queue = True
        call.conversation.move_to("agent", reason or "this_number")
        return self.voice.advance(call, lambda engine, ctx: engine.start(call.conversation, ctx))

    def _finished(
        self, call_sid: str, call: LiveCall | None, event: Event, outcome: str, queue_time: int, now: datetime
    ) -> str:
        """Bridged (the call is over by now) or abandoned: settle the time in queue."""

        def settle(row: Call) -> None:
            if outcome.startswith("bridg") and row.answered_at is None:
                entered = row.queue_entered_at or row.queued_at or now
                row.answered_at = entered + timedelta(seconds=queue_time)
            _count_queue_time(row, row.answered_at or now)

        self._record(call_sid, call, event, settle)
        self.voice.live_update(lambda board: board.call_left_queue(call_sid))
        return twiml.empty_response()

    def _queue_failed(self, call_sid: str, call: LiveCall | None, event: Event, now: datetime) -> str:
        """The queue refused the caller: apologise and dial the region's agent line directly."""
        self._record(call_sid, call, event, lambda row: _count_queue_time(row, now))
        if call is None:
            return self.voice.apology(self.voice.config.default_language, self.voice.config.fallback_agent_number)
        call.had_error = True
        return self.voice.apology(call.conversation.language, call.agent_number)

    def _record(self, call_sid: str, call: LiveCall | None, event: Event, change: Any) -> None:
        if call is not None:
            call.add_events([event], self.now)
            self.records.persist(call, change)
        else:
            self.records.update_row(call_sid, change, event, at=self.now)

    def _agent_session(self, agent_call: str) -> dict[str, Any]:
        try:
            return self.records.store.load(f"agent:{agent_call}") or {}
        except StateStoreError:
            log.exception("agent session unavailable")
            return {}

    def _estimate(self, queue: str | None, position: int) -> int:
        try:
            with self.voice.database.session() as session:
                return policy.estimate_wait(
                    session, queue or policy.NATIONAL_QUEUE, position, self.now, self.settings.default_answer_seconds
                )
        except SQLAlchemyError:
            log.warning("wait estimate unavailable", exc_info=True)
            return position * self.settings.default_answer_seconds

    def _whisper(self, session: Any, queue: str, language: str) -> list[Utterance]:
        """What the agent hears before taking the next caller: who, from where, what they did."""
        waiting = policy.waiting_count(session, queue)
        head = session.scalar(
            select(Call)
            .where(
                Call.queue_name == queue,
                Call.answered_at.is_(None),
                Call.ended_at.is_(None),
                Call.callback_requested_at.is_(None),
            )
            .order_by(Call.queue_entered_at)
            .limit(1)
        )
        if head is None:
            return self._say("agent.whisper_empty", language, queue=queue)
        region = session.get(Region, head.region_id) if head.region_id else None
        waited = (self.now - (head.queued_at or self.now)).total_seconds()
        caller = parse_caller(head.caller)
        number = national_format(head.caller) if caller.is_phone else head.caller_kind
        utterances = self._say("agent.whisper_waiting", language, waiting=waiting, queue=queue)
        utterances += self._say(
            "agent.whisper_caller",
            language,
            caller="".join(c for c in number if c.isdigit()) or number,
            region_name=region.name if region else "-",
            waited_minutes=max(0, round(waited / 60)),
            path=self._path(session, head, language),
        )
        tickets = _open_tickets(session, head)
        if tickets:
            utterances += self._say("agent.whisper_tickets", language, tickets=tickets)
        return utterances

    def _path(self, session: Any, call: Call, language: str) -> str:
        flows = session.scalars(
            select(CallEvent.flow).where(CallEvent.call_id == call.id, CallEvent.kind == "node").order_by(CallEvent.seq)
        ).all()
        visited = list(dict.fromkeys(flow for flow in flows if flow and flow not in NOT_A_STEP))
        names = [self._flow_name(flow, language) for flow in visited] or [self._flow_name("nothing", language)]
        return ", ".join(names)

    def _flow_name(self, flow: str, language: str) -> str:
        key = f"agent.flow_names.{flow}"
        return self.voice.prompt(key, language)[0].text if self.voice.engine.prompts.has(key) else flow

    def _say(self, key: str, language: str, **variables: Any) -> list[Utterance]:
        return self.voice.prompt(key, language, **variables)

    def _language(self, call: LiveCall | None) -> str:
        return call.conversation.language if call else self.voice.config.default_language


def _count_queue_time(row: Call, until: datetime) -> None:
    """Time in queue runs from the first enqueue to `until`, across an overflow; never shrinks."""
    if row.queued_at is not None:
        seconds = max(0, round((until - row.queued_at).total_seconds()))
        row.queue_seconds = max(row.queue_seconds or 0, seconds)


def _agent_for(session: Any, caller: str) -> User | None:
    """The active agent whose phone (E.164) or Twilio Client identity is calling."""
    parsed = parse_caller(caller)
    return session.scalar(
        select(User).where(
            User.phone == parsed.value, User.active.is_(True), User.role.in_(("agent", "supervisor", "admin"))
        )
    )


def _open_tickets(session: Any, call: Call) -> int:
    """Open complaints and requests left by this caller's number, on any call."""
    counts = 0
    for model in (Complaint, ServiceRequest):
        counts += (
            session.scalar(
                select(func.count())
                .select_from(model)
                .where(
                    model.status.in_(OPEN_STATUSES),
                    or_(model.callback_number == call.caller, model.call_sid == call.call_sid),
                )
            )
            or 0
        )
    return counts
