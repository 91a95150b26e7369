"""Voice webhooks -> engine -> TwiML, with the call-state store and call records around it.

Every public method returns TwiML, whatever fails: a caller must never hear Twilio's
"application error". One webhook is one unit of work: the call row and events commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from db.session import Database
from ivr.calls import records
from ivr.engine.errors import EngineError
from ivr.engine.model import Event, Hangup, Keys, NoInput, Recording, Transfer, Turn, UserInput, Utterance
from ivr.engine.runtime import Engine
from ivr.engine.state import ConversationState
from ivr.notify import DisabledSender, SmsSender
from ivr.phone.numbers import mask, parse_caller, to_e164
from ivr.phone.routing import RegionDirectory
from ivr.services.context import DEFAULT_TIMEZONE, ServiceContext
from ivr.state import CallStateStore, StateStoreError
from ivr.voice import twiml
from ivr.voice.callstate import VoiceCall

log = logging.getLogger(__name__)

STEP_URL = "/voice/step"
DIAL_RESULT_URL = "/voice/dial-result"
CLOSED_STATE_TTL = 600


@dataclass(frozen=True)
class GatewayConfig:
    default_language: str
    state_ttl: int
    fallback_agent_number: str | None
    voice: twiml.VoiceSettings


class VoiceGateway:
    """Handles the voice webhooks of every call; holds no per-call state itself."""

    def __init__(
        self,
        *,
        engine: Engine,
        store: CallStateStore,
        database: Database,
        directory: RegionDirectory,
        config: GatewayConfig,
        sender: SmsSender | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sender = sender or DisabledSender()
        self.engine = engine
        self.store = store
        self.database = database
        self.directory = directory
        self.config = config
        self.now = now

    # -- webhooks -----------------------------------------------------------------------------

    def incoming(self, form: Mapping[str, str]) -> str:
        """A new call (or Twilio retrying the first request): greet and show the main menu."""
        call_sid = form.get("CallSid", "")
        try:
            existing = self.store.load(call_sid)
        except StateStoreError:
            log.exception("call state store unavailable at call start")
            return self._state_store_down(form)
        if existing is not None:
            return VoiceCall.from_dict(existing).last_reply
        return self._start(form)

    def step(self, form: Mapping[str, str], step: int | None, no_input: bool) -> str:
        """The caller answered a gather (or stayed silent): move the flow one turn."""
        call_sid = form.get("CallSid", "")
        try:
            saved = self.store.load(call_sid)
        except StateStoreError:
            log.exception("call state store unavailable mid-call")
            return self._state_store_down(form)
        if saved is None:
            log.warning("no state for call %s; starting it afresh", call_sid)
            return self._start(form, note="state_missing")
        call = VoiceCall.from_dict(saved)
        if call.closed:
            return twiml.render_ending([], self.config.voice)
        if step is None or step > call.step:
            step = call.step
        if step < call.step:
            log.info("retried webhook for call %s step %s; replaying the stored reply", call_sid, step)
            return call.last_reply
        try:
            first = self.store.claim(call_sid, step)
        except StateStoreError:
            log.exception("call state store unavailable while claiming a step")
            return self._state_store_down(form, call)
        if not first:
            return twiml.render_retry_later(f"{STEP_URL}?step={step}")
        user_input = self._user_input(form, no_input)
        return self._advance(call, lambda engine, ctx: engine.handle(call.conversation, user_input, ctx))

    @staticmethod
    def _user_input(form: Mapping[str, str], no_input: bool) -> UserInput:
        if no_input:
            return NoInput()
        if form.get("RecordingUrl"):
            return Recording(url=form["RecordingUrl"][:500], seconds=_to_int(form.get("RecordingDuration")) or 0)
        return Keys(form.get("Digits", ""))

    def dial_result(self, form: Mapping[str, str]) -> str:
        """The <Dial> to an agent ended: record how, and end politely if nobody answered."""
        call_sid = form.get("CallSid", "")
        status = form.get("DialCallStatus", "")
        answered = status == "completed"
        outcome = records.TRANSFERRED if answered else records.AGENT_UNAVAILABLE
        detail = {"status": status[:32], "duration": form.get("DialCallDuration", "")[:12]}
        call = self._load_quietly(call_sid)
        language = call.conversation.language if call else self.config.default_language
        if call is not None:
            call.outcome = outcome
            call.add_events([Event("dial_result", call.conversation.flow, call.conversation.node, detail)], self.now())
            self._persist(call)
            self._save_quietly(call)
        if answered:
            return twiml.render_ending([], self.config.voice)
        return twiml.render_ending(self._prompt("common.agent_unavailable", language), self.config.voice)

    def status(self, form: Mapping[str, str]) -> str:
        """Twilio's final status callback: close the call record, once, whatever came before."""
        call_sid = form.get("CallSid", "")
        call = self._load_quietly(call_sid)
        if call is None:
            call = self._new_call(form)
        status = form.get("CallStatus", "")[:16]
        duration = _to_int(form.get("CallDuration"))
        if not call.closed:
            call.closed = True
            if call.outcome == records.IN_PROGRESS:
                call.outcome = records.HUNG_UP_IN_MENU
            call.add_events(
                [Event("call_ended", call.conversation.flow, call.conversation.node, {"status": status})],
                self.now(),
            )
        try:
            with self.database.session() as session:
                row = self._write(session, call)
                if row.final_status is None or row.ended_at is None:
                    row.ended_at = self.now()
                row.final_status = status or row.final_status
                row.duration_seconds = duration if duration is not None else row.duration_seconds
            call.pending.clear()
        except SQLAlchemyError:
            log.exception("could not close call %s; its events stay in the state store", call_sid)
        self._save_quietly(call, ttl=CLOSED_STATE_TTL if not call.pending else self.config.state_ttl)
        return twiml.empty_response()

    # -- internals ----------------------------------------------------------------------------

    def _new_call(self, form: Mapping[str, str]) -> VoiceCall:
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
        conversation = self.engine.new_state(self.config.default_language, variables)
        agent = (region.agent_number if region else None) or self.config.fallback_agent_number
        return VoiceCall(facts=facts, conversation=conversation, caller_is_mobile=caller.is_mobile, agent_number=agent)

    def _start(self, form: Mapping[str, str], note: str | None = None) -> str:
        call = self._new_call(form)
        detail: dict[str, Any] = {
            "caller": call.facts.caller,
            "dialed": call.facts.dialed,
            "routed_by": call.facts.routed_by,
        }
        if note:
            detail["note"] = note
        call.add_events([Event("call_started", None, None, detail)], self.now())
        log.info("call %s from %s routed by %s", call.facts.call_sid, mask(call.facts.caller), call.facts.routed_by)
        return self._advance(call, lambda engine, ctx: engine.start(call.conversation, ctx))

    def _advance(self, call: VoiceCall, run: Callable[[Engine, ServiceContext], Turn]) -> str:
        """Run one engine turn and commit its effects with the call's events, or apologise."""
        before, step_before = call.conversation.to_dict(), call.step
        try:
            with self.database.session() as session:
                context = self._context(session, call)
                turn = run(self.engine, context)
                call.add_events(turn.events, context.now)
                self._apply_outcome(call, turn)
                call.step += 1
                reply = self._render(call, turn)
                self._write(session, call)
            call.pending.clear()
            self._send(context)
        except (EngineError, SQLAlchemyError) as exc:
            log.exception(
                "call %s failed at %s.%s", call.facts.call_sid, call.conversation.flow, call.conversation.node
            )
            call.conversation = ConversationState.from_dict(before)
            call.step = step_before + 1
            call.add_events(
                [Event("error", call.conversation.flow, call.conversation.node, {"error": type(exc).__name__})],
                self.now(),
            )
            call.outcome = records.ERROR
            reply = self._apology(call.conversation.language, call.agent_number)
            self._persist(call)
        call.last_reply = reply
        try:
            self.store.save(call.facts.call_sid, call.to_dict(), self.config.state_ttl)
        except StateStoreError:
            log.exception("could not save state for call %s", call.facts.call_sid)
            return self._apology(call.conversation.language, call.agent_number)
        return reply

    def _context(self, session: Any, call: VoiceCall) -> ServiceContext:
        region = self.directory.region(call.facts.region_id)
        return ServiceContext(
            session=session,
            conversation_id=call.facts.call_sid,
            caller=call.facts.caller,
            caller_is_mobile=call.caller_is_mobile,
            region_id=call.facts.region_id,
            channel="voice",
            now=self.now(),
            timezone=region.timezone if region else DEFAULT_TIMEZONE,
            language=call.conversation.language,
            step=call.step,
            sms_enabled=self.sender.enabled,
        )

    def _send(self, context: ServiceContext) -> None:
        """Hand queued messages to the sender, only after their request's work is committed."""
        for message in context.outbox:
            try:
                variables = {**self.engine.constants, **message.variables}
                text = self.engine.prompts.render(message.prompt, message.language, variables).text
                self.sender.send(message.to, text)
            except Exception:
                log.exception("could not send %s to %s", message.prompt, mask(message.to))

    def _apply_outcome(self, call: VoiceCall, turn: Turn) -> None:
        if isinstance(turn.ending, Transfer):
            call.outcome = records.TRANSFERRED
        elif isinstance(turn.ending, Hangup):
            call.outcome = records.ENDED_BY_IVR

    def _render(self, call: VoiceCall, turn: Turn) -> str:
        step_url = f"{STEP_URL}?step={call.step}"
        return twiml.render_turn(
            turn,
            step_url=step_url,
            no_input_url=f"{step_url}&timeout=1",
            dial_url=DIAL_RESULT_URL,
            agent_number=call.agent_number,
            fallback=self._prompt("common.agent_unavailable", call.conversation.language),
            voice=self.config.voice,
        )

    def _write(self, session: Any, call: VoiceCall) -> Any:
        """Create the call row if needed, add pending events, and bring the row up to date."""
        row = records.open_call(session, call.facts)
        if call.call_id is None:
            self._continue_numbering(session, call, row.id)
        call.call_id = row.id
        records.append_events(session, row.id, call.pending)
        row.language = call.conversation.language
        row.last_node = f"{call.conversation.flow}.{call.conversation.node}"
        row.outcome = call.outcome
        return row

    @staticmethod
    def _continue_numbering(session: Any, call: VoiceCall, call_id: int) -> None:
        """A call restarted after lost state continues its timeline instead of overwriting it."""
        offset = records.last_event_seq(session, call_id)
        if offset:
            for event in call.pending:
                event["seq"] += offset
            call.event_seq += offset

    def _persist(self, call: VoiceCall) -> None:
        """Best-effort write of pending events; on failure they wait in the state store."""
        try:
            with self.database.session() as session:
                self._write(session, call)
            call.pending.clear()
        except SQLAlchemyError:
            log.exception("database unavailable; %d events kept for call %s", len(call.pending), call.facts.call_sid)

    def _load_quietly(self, call_sid: str) -> VoiceCall | None:
        try:
            saved = self.store.load(call_sid)
        except StateStoreError:
            log.exception("call state store unavailable")
            return None
        return VoiceCall.from_dict(saved) if saved else None

    def _save_quietly(self, call: VoiceCall, ttl: int | None = None) -> None:
        try:
            self.store.save(call.facts.call_sid, call.to_dict(), ttl or self.config.state_ttl)
        except StateStoreError:
            log.exception("could not save state for call %s", call.facts.call_sid)

    def _state_store_down(self, form: Mapping[str, str], call: VoiceCall | None = None) -> str:
        """Without call state the menu cannot go on: apologise, offer an agent, keep a record."""
        call = call or self._new_call(form)
        call.outcome = records.ERROR
        call.add_events([Event("error", None, None, {"error": "StateStoreError"})], self.now())
        self._persist(call)
        return self._apology(call.conversation.language, call.agent_number)

    def _apology(self, language: str, agent_number: str | None) -> str:
        apology = self._prompt("common.system_error", language)
        if agent_number:
            apology += self._prompt("common.connecting_agent", language)
        return twiml.render_apology(
            apology,
            agent_number=agent_number,
            dial_url=DIAL_RESULT_URL,
            goodbye=self._prompt("common.agent_unavailable", language),
            voice=self.config.voice,
        )

    def _prompt(self, key: str, language: str) -> list[Utterance]:
        return [self.engine.prompts.render(key, language, self.engine.constants)]


def _to_int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
