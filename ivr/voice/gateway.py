"""Voice webhooks -> the conversation core -> TwiML: what is the voice channel's own.

Every public method returns TwiML, whatever fails: a caller must never hear Twilio's
"application error". A menu webhook is one turn of the core (one round trip to the call-state
store to open it, one transaction, one round trip to save it). Queue and agent webhooks live in
ivr/voice/queueing.py, the Voice Fallback URL in ivr/voice/recovery.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.models import VOICE
from ivr import telemetry
from ivr.calls import records
from ivr.calls.records import CallFacts
from ivr.calls.row import CallRow, RowChange
from ivr.conversations.core import ConversationCore, Run
from ivr.conversations.model import Conversation
from ivr.engine.model import Event, Transfer, Turn, Utterance
from ivr.live import board
from ivr.phone.numbers import mask, parse_caller, to_e164
from ivr.queues import policy
from ivr.services.context import ServiceContext
from ivr.state import Opening, StateStoreError
from ivr.voice import twiml
from ivr.voice.form import to_int, user_input

log = logging.getLogger(__name__)

INCOMING_URL = "/voice/incoming"
STEP_URL = "/voice/step"
DIAL_RESULT_URL = "/voice/dial-result"
QUEUE_RESULT_URL = "/voice/queue/result"
QUEUE_WAIT_URL = "/voice/queue/wait"
CLOSED_STATE_TTL = 600
STATE_MISSING = "state_missing"  # the call_started note of a call whose state was lost
BUSY_FLOW = "busy"  # where a new call starts when every line is busy (MAX_ACTIVE_CALLS)
# The CallStatus values that end a call; the others (queued, ringing, in-progress) only report progress.
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@dataclass(frozen=True)
class GatewayConfig:
    default_language: str
    state_ttl: int
    fallback_agent_number: str | None
    voice: twiml.VoiceSettings
    max_active_calls: int = 0  # 0: every new call is admitted


class VoiceGateway:
    """Handles the menu webhooks of every call; holds no per-call state itself."""

    def __init__(self, core: ConversationCore, config: GatewayConfig) -> None:
        self.core = core
        self.config = config

    @property
    def engine(self) -> Any:
        return self.core.engine

    def key(self, call_sid: str) -> str:
        return self.core.keys.call(call_sid)

    # -- webhooks -----------------------------------------------------------------------------

    def incoming(self, form: Mapping[str, str]) -> str:
        """A new call (or Twilio retrying the first request): the main menu, or the busy flow at MAX_ACTIVE_CALLS."""
        sid = form.get("CallSid", "")
        opening = Opening(
            self.key(sid), claim=self.core.keys.call_claim(sid, 0), count_active=bool(self.config.max_active_calls)
        )
        try:
            existing, opened = self.core.open(opening)
        except StateStoreError:
            log.exception("call state store unavailable at call start")
            return self.state_store_down(form)
        if existing is not None:  # a retry: its reply again, unless the call has ended meanwhile
            if existing.closed or not existing.last_reply:
                return twiml.render_ending([], self.config.voice)
            return existing.last_reply
        if not opened.claimed:  # the same first request is being answered right now
            return twiml.render_retry_later(INCOMING_URL)
        return self._start(form, busy_at=self._lines_busy(opened.active_calls))

    def step(
        self,
        form: Mapping[str, str],
        step: int | None,
        no_input: bool,
        on_claimed: Callable[[Conversation], str] | None = None,
    ) -> str:
        """The caller answered a gather (or stayed silent): move the flow one turn.

        `on_claimed(call)` answers when another request holds the step (the fallback takes it over);
        by default the caller waits a second and asks again.
        """
        sid = form.get("CallSid", "")
        claim = self.core.keys.call_claim(sid, step) if step is not None else None
        try:
            call, opened = self.core.open(Opening(self.key(sid), claim=claim))
            if call is not None and (step is None or step > call.step):  # no step, or a step never sent
                step = call.step
                claimed = self.core.store.claim(self.core.keys.call_claim(sid, step))
            else:
                claimed = opened.claimed
        except StateStoreError:
            log.exception("call state store unavailable mid-call")
            return self.state_store_down(form)
        if call is None:
            log.warning("no state for call %s; starting it afresh", sid)
            return self._start(form, note=STATE_MISSING)
        if call.closed:
            return twiml.render_ending([], self.config.voice)
        if step is not None and step < call.step:
            log.info("retried webhook for call %s step %s; replaying the stored reply", sid, step)
            return call.last_reply or twiml.render_ending([], self.config.voice)
        if not claimed:
            if on_claimed is not None:
                return on_claimed(call)
            return twiml.render_retry_later(f"{STEP_URL}?step={call.step}")
        return self.answer(call, form, no_input)

    def answer(self, call: Conversation, form: Mapping[str, str], no_input: bool) -> str:
        """Handle the caller's answer to the gather at the call's step (the step's claim is held)."""
        given = user_input(form, no_input)
        return self.respond(call, lambda context: [self.core.engine.handle(call.state, given, context)])

    def dial_result(self, form: Mapping[str, str]) -> str:
        """A direct <Dial> to an agent line (the fallback when queueing is impossible) ended."""
        sid, status = form.get("CallSid", ""), form.get("DialCallStatus", "")
        answered = status == "completed"
        detail = {"status": status[:32], "duration": form.get("DialCallDuration", "")[:12]}

        def change(row: CallRow) -> None:
            if row.direct_transfer != "answered":
                row.direct_transfer = "answered" if answered else "unanswered"

        call = self.core.load(self.key(sid))
        if call is not None:
            call.add_events([Event("dial_result", call.state.flow, call.state.node, detail)], self.core.clock.now())
            self.core.record(call, change)
            self.core.save_quietly(self.key(sid), call, self.config.state_ttl)
        else:
            self.core.record_by_sid(sid, change, Event("dial_result", None, None, detail))
        if answered:
            return twiml.render_ending([], self.config.voice)
        language = call.language if call else self.config.default_language
        return twiml.render_ending(self.prompt("common.agent_unavailable", language), self.config.voice)

    def status(self, form: Mapping[str, str]) -> str:
        """Twilio's status callback: a final status closes the call record, once; progress changes nothing.

        Callbacks may arrive in any order. A non-final status (ringing, in-progress) never closes,
        reopens or zeroes a call; a final status never replaces one with a later SequenceNumber.
        """
        sid = form.get("CallSid", "")
        status = form.get("CallStatus", "")[:16]
        if status not in FINAL_STATUSES:
            log.info("call %s reported %s; not a final status, nothing to record", sid, status)
            return twiml.empty_response()
        call = self.core.load(self.key(sid)) or self.new_call(form)
        sequence = to_int(form.get("SequenceNumber"))
        duration = to_int(form.get("CallDuration"))
        now = self.core.clock.now()
        later = call.closed and _is_later(sequence, call.status_sequence)  # a final status to correct
        if not call.closed or later:
            call.status_sequence = sequence
        if not call.closed:
            call.closed = True
            detail: dict[str, Any] = {"status": status, "sequence": sequence}
            call.add_events([Event("call_ended", call.state.flow, call.state.node, detail)], now)

        def close(row: CallRow) -> None:
            if row.final_status in FINAL_STATUSES and not later:  # closed already (a retry, or state lost)
                return
            row.ended_at = row.ended_at or now
            row.final_status = status
            row.duration_seconds = duration if duration is not None else row.duration_seconds

        self.core.record(call, close)
        moves = () if call.turned_away else (board.ended(sid),)  # a turned-away call was never on the board
        ttl = CLOSED_STATE_TTL if not call.pending else self.config.state_ttl
        if not self.core.save_quietly(self.key(sid), call, ttl, moves=moves):
            self.core.move(*moves)
        return twiml.empty_response()

    # -- turns --------------------------------------------------------------------------------

    def respond(self, call: Conversation, run: Run) -> str:
        """One turn of the core, rendered as TwiML; the live board hears where the caller went."""
        turns = self.core.take_turn(call, run, self._settle)
        if turns is None:
            call.queue = None
            reply = self.apology(call.language, call.agent_number, cause="turn_failed")
            moves: tuple[board.Move, ...] = ()
        else:
            reply = self._render(call, turns[-1])
            moves = self._moves(call, turns[-1])
        call.last_reply = reply
        try:
            self.core.save(self.key(call.sid), call, self.config.state_ttl, moves=moves)
        except StateStoreError:
            log.exception("could not save state for call %s", call.sid)
            return self.apology(call.language, call.agent_number, cause="state_save")
        return reply

    def _settle(self, call: Conversation, turns: list[Turn], now: datetime) -> RowChange | None:
        """A transfer joins the right agent queue, in its tier: the region's while it is open, else the national one."""
        ending = turns[-1].ending
        if not isinstance(ending, Transfer):
            return None
        region = self.core.directory.region(call.facts.region_id)
        queue = call.queue = policy.queue_for(region, self.core.directory.national(), now)
        urgent = call.urgent = call.urgent or ending.priority == policy.URGENT
        detail: dict[str, Any] = {"queue": queue, **({"urgent": True} if urgent else {})}
        call.add_events([Event("enqueued", call.state.flow, call.state.node, detail)], now)
        return lambda row: enter_queue(row, queue, now, urgent=urgent)

    def _moves(self, call: Conversation, turn: Turn) -> tuple[board.Move, ...]:
        """Where the caller's place changed: into the menus, or into a queue (never a turned-away call)."""
        stamp = self.core.clock.now().timestamp()
        if call.turned_away:  # counted, it would hold up the very count it was turned away for
            return ()
        if isinstance(turn.ending, Transfer) and call.queue:
            return (board.waiting(call.queue, call.sid, stamp),)
        if call.step == 1 or call.returned_from_queue:
            call.returned_from_queue = False
            region = self.core.directory.region(call.facts.region_id)
            return (board.in_menu(region.code if region else "NONE", call.sid, stamp),)
        return ()

    def _render(self, call: Conversation, turn: Turn) -> str:
        if isinstance(turn.ending, Transfer):
            return twiml.render_enqueue(
                turn.utterances,
                queue=policy.tier_queue(call.queue or policy.NATIONAL_QUEUE, call.urgent),
                action=QUEUE_RESULT_URL,
                wait_url=QUEUE_WAIT_URL,
                voice=self.config.voice,
            )
        step_url = f"{STEP_URL}?step={call.step}"
        no_input = f"{step_url}&timeout=1"
        return twiml.render_turn(
            turn, step_url=step_url, no_input_url=no_input, voice=self.config.voice, language=call.language
        )

    # -- call set-up ----------------------------------------------------------------------------

    def new_call(self, form: Mapping[str, str], busy: bool = False) -> Conversation:
        caller = parse_caller(form.get("From"))
        dialed = (form.get("To") or "")[:128]
        route = self.core.directory.route(dialed, caller)
        region = route.region
        facts = CallFacts(
            call_sid=form.get("CallSid", "")[:64],
            caller=caller.value,
            caller_kind=caller.kind,
            dialed=to_e164(dialed) or dialed,
            region_id=region.id if region else None,
            routed_by=route.routed_by,
            language=self.config.default_language,
            started_at=self.core.clock.now(),
            channel=VOICE,
        )
        variables = {"region_name": region.name} if region else {}
        if busy:
            variables["callback_reason"] = "busy"
        state = self.core.engine.new_state(self.config.default_language, variables, flow=BUSY_FLOW if busy else None)
        agent = (region.agent_number if region else None) or self.config.fallback_agent_number
        return Conversation(
            facts=facts, state=state, caller_is_mobile=caller.is_mobile, agent_number=agent, turned_away=busy
        )

    def _lines_busy(self, active: int | None) -> int | None:
        """The active call count when it has reached MAX_ACTIVE_CALLS (turn the new call away), else None.

        An unreadable count (the board is best effort, like every use of it) admits the call.
        """
        limit = self.config.max_active_calls
        if not limit:
            return None
        if active is None:
            log.warning("live board unreadable at call start; admitting the call")
            return None
        return active if active >= limit else None

    def _start(self, form: Mapping[str, str], note: str | None = None, busy_at: int | None = None) -> str:
        """Open the call at the main menu, or, with `busy_at` (the active calls), at the busy flow."""
        call = self.new_call(form, busy=busy_at is not None)
        facts, now = call.facts, self.core.clock.now()
        detail: dict[str, Any] = {"caller": facts.caller, "dialed": facts.dialed, "routed_by": facts.routed_by}
        if note:
            detail["note"] = note
        call.add_events([Event("call_started", None, None, detail)], now)
        if busy_at is not None:
            call.ivr_hung_up = True  # turned away: "ended by the IVR" unless the caller leaves a callback
            busy = {"active_calls": busy_at, "limit": self.config.max_active_calls}
            call.add_events([Event("busy", None, None, busy)], now)
            log.info("call %s turned away: %d calls active", facts.call_sid, busy_at)
        log.info("call %s from %s routed by %s", facts.call_sid, mask(facts.caller), facts.routed_by)
        if note == STATE_MISSING:
            return self.respond(call, lambda context: [self._start_again(call, context)])
        return self.respond(call, lambda context: [self.core.engine.start(call.state, context)])

    def _start_again(self, call: Conversation, context: ServiceContext) -> Turn:
        """The call's state was lost mid-call: the main menu again, in the call's language, after an apology."""
        language = records.call_language(context.session.connection(), call.sid)
        return self.core.start_again(call, context, language)

    # -- when things break ----------------------------------------------------------------------

    def state_store_down(self, form: Mapping[str, str], call: Conversation | None = None) -> str:
        """Without call state the menu cannot go on: apologise, offer an agent, keep a record."""
        call = call or self.new_call(form)
        call.had_error = True
        call.add_events([Event("error", None, None, {"error": "StateStoreError"})], self.core.clock.now())
        self.core.record(call)
        return self.apology(call.language, call.agent_number, cause="state_store")

    def apology(self, language: str, agent_number: str | None, *, cause: str) -> str:
        """An apology, then the region's agent line dialled directly (no queue state needed); counted by cause."""
        telemetry.apologised("voice", cause)
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
        engine = self.core.engine
        return [engine.prompts.render(key, language, {**engine.constants, **variables})]


def _is_later(sequence: int | None, applied: int | None) -> bool:
    """Whether a callback's SequenceNumber comes after the one applied (unknown ones never do)."""
    return sequence is not None and applied is not None and sequence > applied


def enter_queue(row: CallRow, queue: str, now: datetime, *, urgent: bool = False) -> None:
    """A caller joins `queue` (its urgent tier once urgent); their first time queued is kept for the statistics."""
    row.queue_name = queue
    row.queue_entered_at = now
    row.queued_at = row.queued_at or now
    row.urgent = row.urgent or urgent
