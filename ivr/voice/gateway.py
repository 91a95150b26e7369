"""Voice webhooks -> engine -> TwiML, with the call-state store and call records around it.

Every public method returns TwiML, whatever fails: a caller must never hear Twilio's
"application error". One webhook is one unit of work: the call row and events commit together.
Queue and agent webhooks live in ivr/voice/queueing.py and share CallRecords with this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from db.models import Call, Region
from ivr.calls import records
from ivr.calls.persistence import CallRecords
from ivr.calls.state import LiveCall
from ivr.engine.errors import EngineError
from ivr.engine.model import Event, Hangup, Transfer, Turn, Utterance
from ivr.engine.runtime import Engine
from ivr.engine.state import ConversationState
from ivr.live.board import LiveBoard
from ivr.notify import DisabledSender, SmsSender
from ivr.phone.numbers import mask, parse_caller, to_e164
from ivr.phone.routing import RegionDirectory
from ivr.queues import policy
from ivr.services.context import DEFAULT_TIMEZONE, ServiceContext
from ivr.state import StateStoreError
from ivr.voice import twiml
from ivr.voice.form import to_int, user_input

log = logging.getLogger(__name__)

STEP_URL = "/voice/step"
DIAL_RESULT_URL = "/voice/dial-result"
QUEUE_RESULT_URL = "/voice/queue/result"
QUEUE_WAIT_URL = "/voice/queue/wait"
CLOSED_STATE_TTL = 600
BUSY_FLOW = "busy"  # where a new call starts when every line is busy (MAX_ACTIVE_CALLS)


@dataclass(frozen=True)
class GatewayConfig:
    default_language: str
    state_ttl: int
    fallback_agent_number: str | None
    voice: twiml.VoiceSettings
    max_active_calls: int = 0  # 0: every new call is admitted


class VoiceGateway:
    """Handles the menu webhooks of every call; holds no per-call state itself."""

    def __init__(
        self,
        *,
        engine: Engine,
        records: CallRecords,
        directory: RegionDirectory,
        config: GatewayConfig,
        live: LiveBoard,
        sender: SmsSender | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.records = records
        self.directory = directory
        self.config = config
        self.live = live
        self.sender = sender or DisabledSender()
        self.now = now

    @property
    def database(self) -> Any:
        return self.records.database

    # -- webhooks -----------------------------------------------------------------------------

    def incoming(self, form: Mapping[str, str]) -> str:
        """A new call (or Twilio retrying the first request): the main menu, or the busy flow at MAX_ACTIVE_CALLS."""
        try:
            existing = self.records.load(form.get("CallSid", ""))
        except StateStoreError:
            log.exception("call state store unavailable at call start")
            return self.state_store_down(form)
        if existing is not None:
            return existing.last_reply
        return self._start(form, busy_at=self._lines_busy())

    def step(
        self,
        form: Mapping[str, str],
        step: int | None,
        no_input: bool,
        on_claimed: Callable[[LiveCall], str] | None = None,
    ) -> str:
        """The caller answered a gather (or stayed silent): move the flow one turn.

        `on_claimed` answers when another request holds the step (the fallback takes it over);
        by default the caller waits a second and asks again.
        """
        call_sid = form.get("CallSid", "")
        try:
            call = self.records.load(call_sid)
        except StateStoreError:
            log.exception("call state store unavailable mid-call")
            return self.state_store_down(form)
        if call is None:
            log.warning("no state for call %s; starting it afresh", call_sid)
            return self._start(form, note="state_missing")
        if call.closed:
            return twiml.render_ending([], self.config.voice)
        if step is None or step > call.step:
            step = call.step
        if step < call.step:
            log.info("retried webhook for call %s step %s; replaying the stored reply", call_sid, step)
            return call.last_reply
        try:
            first = self.records.store.claim(call_sid, step)
        except StateStoreError:
            log.exception("call state store unavailable while claiming a step")
            return self.state_store_down(form, call)
        if not first:
            if on_claimed is not None:
                return on_claimed(call)
            return twiml.render_retry_later(f"{STEP_URL}?step={step}")
        return self.answer(call, form, no_input)

    def answer(self, call: LiveCall, form: Mapping[str, str], no_input: bool) -> str:
        """Handle the caller's answer to the gather at the call's step (the step's claim is held)."""
        given = user_input(form, no_input)
        return self.advance(call, lambda engine, ctx: engine.handle(call.conversation, given, ctx))

    def dial_result(self, form: Mapping[str, str]) -> str:
        """A direct <Dial> to an agent line (the fallback when queueing is impossible) ended."""
        call_sid = form.get("CallSid", "")
        status = form.get("DialCallStatus", "")
        answered = status == "completed"
        event = Event(
            "dial_result", None, None, {"status": status[:32], "duration": form.get("DialCallDuration", "")[:12]}
        )

        def change(row: Call) -> None:
            if row.direct_transfer != "answered":
                row.direct_transfer = "answered" if answered else "unanswered"

        call = self.records.load_quietly(call_sid)
        if call is not None:
            call.add_events(
                [Event(event.kind, call.conversation.flow, call.conversation.node, event.detail)], self.now()
            )
            self.records.persist(call, change)
            self.records.save_quietly(call)
        else:
            self.records.update_row(call_sid, change, event, at=self.now())
        if answered:
            return twiml.render_ending([], self.config.voice)
        language = call.conversation.language if call else self.config.default_language
        return twiml.render_ending(self.prompt("common.agent_unavailable", language), self.config.voice)

    def status(self, form: Mapping[str, str]) -> str:
        """Twilio's final status callback: close the call record, once, whatever came before."""
        call_sid = form.get("CallSid", "")
        call = self.records.load_quietly(call_sid) or self.new_call(form)
        status = form.get("CallStatus", "")[:16]
        duration = to_int(form.get("CallDuration"))
        if not call.closed:
            call.closed = True
            call.add_events(
                [Event("call_ended", call.conversation.flow, call.conversation.node, {"status": status})],
                self.now(),
            )
        ended_at = self.now()

        def close(row: Call) -> None:
            row.ended_at = row.ended_at or ended_at
            row.final_status = status or row.final_status
            row.duration_seconds = duration if duration is not None else row.duration_seconds

        self.records.persist(call, close)
        if not call.turned_away:  # a turned-away call was never on the board
            self.live_update(lambda board: board.call_ended(call_sid))
        self.records.save_quietly(call, ttl=CLOSED_STATE_TTL if not call.pending else self.config.state_ttl)
        return twiml.empty_response()

    # -- turns --------------------------------------------------------------------------------

    def advance(self, call: LiveCall, run: Callable[[Engine, ServiceContext], Turn]) -> str:
        """Run one engine turn and commit its effects with the call's events, or apologise."""
        before, step_before = call.conversation.to_dict(), call.step
        try:
            with self.database.session() as session:
                context = self._context(session, call)
                turn = run(self.engine, context)
                call.add_events(turn.events, context.now)
                change = self._apply_turn(session, call, turn, context.now)
                call.step += 1
                reply = self._render(call, turn)
                self.records.write(session, call, change)
            call.pending.clear()
            self._send(context)
            self._announce(call, turn, context.now)
        except (EngineError, SQLAlchemyError) as exc:
            log.exception(
                "call %s failed at %s.%s", call.facts.call_sid, call.conversation.flow, call.conversation.node
            )
            call.conversation = ConversationState.from_dict(before)
            call.step = step_before + 1
            call.queue = None
            call.had_error = True
            call.add_events(
                [Event("error", call.conversation.flow, call.conversation.node, {"error": type(exc).__name__})],
                self.now(),
            )
            reply = self.apology(call.conversation.language, call.agent_number)
            self.records.persist(call)
        call.last_reply = reply
        try:
            self.records.save(call)
        except StateStoreError:
            log.exception("could not save state for call %s", call.facts.call_sid)
            return self.apology(call.conversation.language, call.agent_number)
        return reply

    def _apply_turn(self, session: Any, call: LiveCall, turn: Turn, now: datetime) -> Callable[[Call], None] | None:
        """Turn engine output into call facts; a transfer joins the right agent queue."""
        if any(event.kind == "served" for event in turn.events):
            call.served = True
        if isinstance(turn.ending, Hangup):
            call.ivr_hung_up = True
        if not isinstance(turn.ending, Transfer):
            return None
        region = session.get(Region, call.facts.region_id) if call.facts.region_id else None
        call.queue = policy.queue_for(region, policy.national_region(session), now)
        call.add_events([Event("enqueued", call.conversation.flow, call.conversation.node, {"queue": call.queue})], now)
        return lambda row: enter_queue(row, call.queue or policy.NATIONAL_QUEUE, now)

    def _announce(self, call: LiveCall, turn: Turn, now: datetime) -> None:
        """Tell the live board when the caller's place changes: into the menus, or into a queue."""
        sid, stamp = call.facts.call_sid, now.timestamp()
        if call.turned_away:  # counted, it would hold up the very count it was turned away for
            return
        if isinstance(turn.ending, Transfer) and call.queue:
            self.live_update(lambda board: board.call_waiting(call.queue or "", sid, stamp))
        elif call.step == 1 or call.returned_from_queue:
            call.returned_from_queue = False
            region = self.directory.region(call.facts.region_id)
            self.live_update(lambda board: board.call_in_menu(region.code if region else "NONE", sid, stamp))

    def live_update(self, action: Callable[[LiveBoard], None]) -> None:
        """Best effort: the live board is for dashboards and must never break a call."""
        try:
            action(self.live)
        except Exception:
            log.warning("live board update failed", exc_info=True)

    def _render(self, call: LiveCall, turn: Turn) -> str:
        if isinstance(turn.ending, Transfer):
            return twiml.render_enqueue(
                turn.utterances,
                queue=call.queue or policy.NATIONAL_QUEUE,
                action=QUEUE_RESULT_URL,
                wait_url=QUEUE_WAIT_URL,
                voice=self.config.voice,
            )
        step_url = f"{STEP_URL}?step={call.step}"
        return twiml.render_turn(
            turn,
            step_url=step_url,
            no_input_url=f"{step_url}&timeout=1",
            voice=self.config.voice,
        )

    # -- call set-up ----------------------------------------------------------------------------

    def new_call(self, form: Mapping[str, str], busy: bool = False) -> LiveCall:
        caller = parse_caller(form.get("From"))
        dialed = (form.get("To") or "")[:128]
        route = self.directory.route(dialed, caller)
        region = route.region
        facts = records.CallFacts(
            call_sid=form.get("CallSid", "")[:64],
            caller=caller.value,
            caller_kind=caller.kind,
            dialed=to_e164(dialed) or dialed,
            region_id=region.id if region else None,
            routed_by=route.routed_by,
            language=self.config.default_language,
            started_at=self.now(),
        )
        variables = {"region_name": region.name} if region else {}
        if busy:
            variables["callback_reason"] = "busy"
        conversation = self.engine.new_state(self.config.default_language, variables, flow=BUSY_FLOW if busy else None)
        agent = (region.agent_number if region else None) or self.config.fallback_agent_number
        return LiveCall(
            facts=facts,
            conversation=conversation,
            caller_is_mobile=caller.is_mobile,
            agent_number=agent,
            turned_away=busy,
        )

    def _lines_busy(self) -> int | None:
        """The active call count when it has reached MAX_ACTIVE_CALLS (turn the new call away), else None."""
        limit = self.config.max_active_calls
        if not limit:
            return None
        try:
            active = self.live.active_calls()
        except Exception:  # best effort, like every live board use: an unreadable count admits the call
            log.warning("live board unreadable at call start; admitting the call", exc_info=True)
            return None
        return active if active >= limit else None

    def _start(self, form: Mapping[str, str], note: str | None = None, busy_at: int | None = None) -> str:
        """Open the call at the main menu, or, with `busy_at` (the active calls), at the busy flow."""
        call = self.new_call(form, busy=busy_at is not None)
        detail: dict[str, Any] = {
            "caller": call.facts.caller,
            "dialed": call.facts.dialed,
            "routed_by": call.facts.routed_by,
        }
        if note:
            detail["note"] = note
        call.add_events([Event("call_started", None, None, detail)], self.now())
        if busy_at is not None:
            call.ivr_hung_up = True  # turned away: "ended by the IVR" unless the caller leaves a callback
            call.add_events(
                [Event("busy", None, None, {"active_calls": busy_at, "limit": self.config.max_active_calls})],
                self.now(),
            )
            log.info("call %s turned away: %d calls active", call.facts.call_sid, busy_at)
        log.info("call %s from %s routed by %s", call.facts.call_sid, mask(call.facts.caller), call.facts.routed_by)
        return self.advance(call, lambda engine, ctx: engine.start(call.conversation, ctx))

    def _context(self, session: Any, call: LiveCall) -> ServiceContext:
        region = self.directory.region(call.facts.region_id)
        timezone = region.timezone if region else DEFAULT_TIMEZONE
        return call.service_context(session, self.now(), timezone, sms_enabled=self.sender.enabled)

    def _send(self, context: ServiceContext) -> None:
        """Hand queued messages to the sender, only after their request's work is committed."""
        for message in context.outbox:
            try:
                variables = {**self.engine.constants, **message.variables}
                text = self.engine.prompts.render(message.prompt, message.language, variables).text
                self.sender.send(message.to, text)
            except Exception:
                log.exception("could not send %s to %s", message.prompt, mask(message.to))

    # -- when things break ----------------------------------------------------------------------

    def state_store_down(self, form: Mapping[str, str], call: LiveCall | None = None) -> str:
        """Without call state the menu cannot go on: apologise, offer an agent, keep a record."""
        call = call or self.new_call(form)
        call.had_error = True
        call.add_events([Event("error", None, None, {"error": "StateStoreError"})], self.now())
        self.records.persist(call)
        return self.apology(call.conversation.language, call.agent_number)

    def apology(self, language: str, agent_number: str | None) -> str:
        """An apology, then the region's agent line dialled directly (no queue state needed)."""
        apology = self.prompt("common.system_error", language)
        if agent_number:
            apology += self.prompt("common.connecting_agent", language)
        return twiml.render_apology(
            apology,
            agent_number=agent_number,
            dial_url=DIAL_RESULT_URL,
            goodbye=self.prompt("common.agent_unavailable", language),
            voice=self.config.voice,
        )

    def prompt(self, key: str, language: str, **variables: Any) -> list[Utterance]:
        return [self.engine.prompts.render(key, language, {**self.engine.constants, **variables})]


def enter_queue(row: Call, queue: str, now: datetime) -> None:
    """A caller joins `queue`; the first time they ever queued is kept for the statistics."""
    row.queue_name = queue
    row.queue_entered_at = now
    row.queued_at = row.queued_at or now
