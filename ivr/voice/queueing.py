"""Queue and agent webhooks: hold messages, overflow, callback offers, agents taking calls.

Twilio parameters relied on: the <Enqueue> waitUrl gets QueuePosition and QueueTime; the
<Enqueue> action gets QueueResult (bridged, hangup, leave, queue-full, error, system-error) and
QueueTime, after both parties hung up when bridged; the <Dial><Queue url> request runs on the
queued caller's side just before bridging and carries DequeingCallSid, the agent's call.
Every callback writes facts that only move forward (see ivr/calls/outcome.py) through the
conversation core; who waits and who is next are ivr/queues/'s questions.

Urgent callers wait in their queue's urgent tier, a Twilio queue of its own (policy.tier_queue).
An agent's line takes from the tier the next caller waits in, never dialling an empty queue: with
nobody waiting it holds and looks again every few seconds, so an urgent caller arriving while
agents are idle is the next one taken, not a routine caller who comes after.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from ivr import telemetry
from ivr.calls.row import CallRow, RowChange
from ivr.conversations.model import Conversation
from ivr.engine.model import Event, Utterance
from ivr.live import board
from ivr.queues import in_hand, policy, whisper
from ivr.queues.in_hand import InHand
from ivr.queues.pace import QueuePace
from ivr.state import Closing, Opening, StateStoreError
from ivr.voice import twiml
from ivr.voice.form import int_or_zero
from ivr.voice.gateway import QUEUE_RESULT_URL, QUEUE_WAIT_URL, VoiceGateway, enter_queue

log = logging.getLogger(__name__)

CHOICE_URL = "/voice/queue/choice"
BRIDGE_URL = "/voice/queue/bridge"
AGENT_URL = "/voice/agent/incoming"
AGENT_DONE_URL = "/voice/agent/done"
AGENT_AGAIN_URL = f"{AGENT_URL}?again=1"  # the line looks at the queue again, without repeating itself
AGENT_SESSION_TTL = 12 * 3600
AGENT_RECHECK_SECONDS = 10  # an idle agent's line looks at the queue again this often
AGENT_DIAL_SECONDS = 20  # a dial into a tier whose caller has gone (or was taken) gives up after this
# Keys of the in-queue callback offer, and the node of flows/agent.yaml each one continues at.
CALLBACK_KEYS = {"1": "this_number", "2": "ask_number"}


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
        self.core = voice.core
        self.settings = settings
        self.pace = QueuePace(settings.default_answer_seconds)

    # -- the caller's side ----------------------------------------------------------------------

    def wait(self, form: Mapping[str, str]) -> str:
        """One hold turn: overflow when waited too long, else position, estimate and hold audio."""
        call = self.core.load(self.voice.key(form.get("CallSid", "")))
        language = self._language(call)
        queue_time = int_or_zero(form.get("QueueTime"))
        if (
            call is not None
            and call.queue != policy.NATIONAL_QUEUE
            and call.leaving_for is None
            and queue_time >= self.settings.overflow_after_seconds
        ):
            call.leaving_for = "overflow"
            self._save(call)
            return twiml.render_leave(self._say("agent.queue_moved", language), self.voice.config.voice)
        position = max(int_or_zero(form.get("QueuePosition")), 1)  # in the caller's own tier
        if call is not None and not call.urgent:
            position += self._urgent_waiting(call.queue)  # taken before this caller, wherever they are
        wait = self._estimate(call.queue if call else None, position)
        if position <= 1:
            utterances = self._say("agent.queue_next", language)
        else:
            minutes = max(1, round(wait / 60))
            utterances = self._say("agent.queue_position", language, position=position, wait_minutes=minutes)
        offer = call is not None and not call.callback_offered and wait > self.settings.max_wait_seconds
        if offer and call is not None:
            call.callback_offered = True
            self._save(call)
            utterances += self._say("agent.queue_offer", language)
        return twiml.render_wait(
            utterances,
            hold_music_url=self.settings.hold_music_url,
            voice=self.voice.config.voice,
            offer_action=CHOICE_URL if offer else None,
        )

    def choice(self, form: Mapping[str, str]) -> str:
        """The caller answered the callback offer while holding: `1` this number, `2` another one."""
        call = self.core.load(self.voice.key(form.get("CallSid", "")))
        key = form.get("Digits", "").strip()
        if call is None or key not in CALLBACK_KEYS:
            return twiml.render_say(self._say("agent.queue_thanks", self._language(call)), self.voice.config.voice)
        call.leaving_for = CALLBACK_KEYS[key]
        self._save(call)
        return twiml.render_leave([], self.voice.config.voice)

    def result(self, form: Mapping[str, str]) -> str:
        """The caller left the queue: bridged, hung up, moved by us, or the queue failed."""
        call_sid, outcome = form.get("CallSid", ""), form.get("QueueResult", "")[:32]
        call = self.core.load(self.voice.key(call_sid))
        seen = f"{outcome}:{form.get('QueueSid', '')}:{form.get('QueueTime', '')}"
        if call is not None and call.last_queue_result == seen:
            return call.last_reply  # Twilio retried this callback
        now, queue_time = self.core.clock.now(), int_or_zero(form.get("QueueTime"))
        detail = {"result": outcome, "queue_time": queue_time, "queue": call.queue if call else None}
        event = Event("queue_result", "agent", None, detail)
        moves: tuple[board.Move, ...] = ()
        if outcome == "leave" and call is not None and call.leaving_for:
            return self._left(call, event, seen, now)
        if outcome in ("bridged", "bridging-in-progress", "hangup", "redirected", "leave"):
            reply = self._finished(call_sid, call, event, outcome, queue_time, now)
            moves = (board.left_queue(call_sid),)
        else:
            reply = self._queue_failed(call_sid, call, event, now)
        if call is None:
            self.core.move(*moves)
            return reply
        call.last_queue_result, call.last_reply = seen, reply
        self._save(call, moves)
        return reply

    def bridge(self, form: Mapping[str, str]) -> str:
        """An agent took this caller (runs on the caller's side just before bridging)."""
        call_sid, agent_call = form.get("CallSid", ""), form.get("DequeingCallSid", "")[:64]
        try:
            call, opened = self.core.open(Opening(self.voice.key(call_sid), also=(self.core.keys.agent(agent_call),)))
            agent_session = opened.also[0] or {}
        except StateStoreError:
            log.exception("call state store unavailable at the bridge; recorded without the agent")
            call, agent_session = None, {}
        agent_id, now = agent_session.get("user_id"), self.core.clock.now()
        detail = {"agent_id": agent_id, "agent_call_sid": agent_call, "queue_time": int_or_zero(form.get("QueueTime"))}

        def answered(row: CallRow) -> None:
            row.answered_at = row.answered_at or now
            row.agent_call_sid = row.agent_call_sid or agent_call
            row.agent_id = row.agent_id or agent_id
            _count_queue_time(row, now)

        self._record(call_sid, call, Event("answered", "agent", None, detail), answered)
        if call is None or not self._save(call, (board.left_queue(call_sid),)):
            self.core.move(board.left_queue(call_sid))
        if isinstance(agent_id, int):
            caller = call.facts.caller if call is not None else form.get("From", "")[:64]
            self._hand_over(agent_id, InHand(call_sid, caller, now.timestamp(), int_or_zero(form.get("QueueTime"))))
        return twiml.render_say(self._say("agent.queue_connecting", self._language(call)), self.voice.config.voice)

    # -- the agent's side -----------------------------------------------------------------------

    def agent_incoming(self, form: Mapping[str, str], *, again: bool = False) -> str:
        """An agent phoned the agent line: say who is next in their queue, then take that caller.

        Urgent callers first: the line dials the tier the next caller waits in. With nobody waiting
        it holds and looks again (`again`: quietly), rather than wait inside one tier's queue.
        """
        agent_call, language = form.get("CallSid", "")[:64], self.voice.config.default_language
        try:
            with self.core.database.session() as session:
                line = whisper.agent_line(session, form.get("From", ""))
                if line is None:
                    return twiml.render_ending(self._say("agent.agent_unknown", language), self.voice.config.voice)
                waiting, head = whisper.next_caller(session, line.queue, self.core.clock.now())
        except SQLAlchemyError:
            log.exception("agent line: database unavailable")
            telemetry.database_failed("read")
            telemetry.apologised("agent", "database")
            return twiml.render_ending(self.voice.prompt("common.system_error", language), self.voice.config.voice)
        connected = board.agent_in(line.queue, agent_call, self.core.clock.now().timestamp())
        try:
            session_state = {"user_id": line.user_id, "queue": line.queue}
            self.core.store.close(Closing(self.core.keys.agent(agent_call), session_state, AGENT_SESSION_TTL,
                                          moves=(connected,)))  # fmt: skip
        except StateStoreError:
            log.exception("agent session not saved; calls will be recorded without the agent")
            self.core.move(connected)
        if head is None:
            empty = [] if again else self._say("agent.whisper_empty", language, queue=line.queue)
            return twiml.render_hold(empty, AGENT_RECHECK_SECONDS, AGENT_AGAIN_URL, self.voice.config.voice)
        return twiml.render_agent_dial(
            self._whisper(line.queue, waiting, head, language),
            queue=policy.tier_queue(line.queue, head.urgent),
            bridge_url=BRIDGE_URL,
            done_url=AGENT_DONE_URL,
            voice=self.voice.config.voice,
            timeout=AGENT_DIAL_SECONDS,
        )

    def agent_done(self, form: Mapping[str, str]) -> str:
        """The agent's call with a caller ended: back for the next one; nobody came: look again, quietly."""
        if form.get("DialCallStatus") != "completed":
            return twiml.render_redirect([], AGENT_AGAIN_URL, self.voice.config.voice)
        language = self.voice.config.default_language
        return twiml.render_redirect(self._say("agent.agent_next", language), AGENT_URL, self.voice.config.voice)

    def agent_status(self, form: Mapping[str, str]) -> str:
        """The agent hung up the agent line: they no longer count as connected."""
        self.core.move(board.agent_out(form.get("CallSid", "")))
        return twiml.empty_response()

    # -- internals ------------------------------------------------------------------------------

    def _hand_over(self, agent_id: int, taken: InHand) -> None:
        """Tell the agent's console who they now have (the screen pop); best effort, like the live board."""
        try:
            in_hand.hand_over(self.core.store, self.core.keys.agent_user(agent_id), taken)
        except StateStoreError:
            log.warning("screen pop not recorded for agent %s", agent_id, exc_info=True)

    def _left(self, call: Conversation, event: Event, seen: str, now: datetime) -> str:
        """We took the caller out: into the national queue (overflow) or on to a callback node."""
        reason, call.leaving_for = call.leaving_for, None
        call.last_queue_result = seen
        if reason == "overflow":
            call.queue = policy.NATIONAL_QUEUE
            call.add_events([event, Event("overflow", "agent", None, {"queue": call.queue})], now)

            urgent = call.urgent

            def moved(row: CallRow) -> None:
                enter_queue(row, policy.NATIONAL_QUEUE, now, urgent=urgent)
                row.overflowed = True

            self.core.record(call, moved)
            reply = twiml.render_enqueue(
                [],
                queue=policy.tier_queue(call.queue, urgent),
                action=QUEUE_RESULT_URL,
                wait_url=QUEUE_WAIT_URL,
                voice=self.voice.config.voice,
            )
            call.last_reply = reply
            self._save(call, (board.waiting(policy.NATIONAL_QUEUE, call.sid, now.timestamp()),))
            return reply
        call.queue = None
        call.add_events([event], now)
        self.core.record(call, lambda row: _count_queue_time(row, now))
        self.core.move(board.left_queue(call.sid))
        call.returned_from_queue = True
        # Queued without passing flows/agent.yaml's check (an urgent report): asked while waiting.
        call.state.vars.setdefault("callback_reason", "while_waiting")
        call.state.move_to("agent", reason or "this_number")
        return self.voice.respond(call, lambda context: [self.core.engine.start(call.state, context)])

    def _finished(
        self, call_sid: str, call: Conversation | None, event: Event, outcome: str, queue_time: int, now: datetime
    ) -> str:
        """Bridged (the call is over by now) or abandoned: settle the time in queue."""

        def settle(row: CallRow) -> None:
            if outcome.startswith("bridg") and row.answered_at is None:
                entered = row.queue_entered_at or row.queued_at or now
                row.answered_at = entered + timedelta(seconds=queue_time)
            _count_queue_time(row, row.answered_at or now)

        self._record(call_sid, call, event, settle)
        return twiml.empty_response()

    def _queue_failed(self, call_sid: str, call: Conversation | None, event: Event, now: datetime) -> str:
        """The queue refused the caller: apologise and dial the region's agent line directly."""
        if call is not None:
            call.had_error = True
        self._record(call_sid, call, event, lambda row: _count_queue_time(row, now))
        config = self.voice.config
        if call is None:
            return self.voice.apology(config.default_language, config.fallback_agent_number, cause="queue_failed")
        return self.voice.apology(call.language, call.agent_number, cause="queue_failed")

    def _record(self, call_sid: str, call: Conversation | None, event: Event, change: RowChange) -> None:
        if call is not None:
            call.add_events([event], self.core.clock.now())
            self.core.record(call, change)
        else:
            self.core.record_by_sid(call_sid, change, event)

    def _save(self, call: Conversation, moves: tuple[board.Move, ...] = ()) -> bool:
        return self.core.save_quietly(self.voice.key(call.sid), call, self.voice.config.state_ttl, moves=moves)

    def _urgent_waiting(self, queue: str | None) -> int:
        """Urgent callers waiting in `queue` now (0 when the database cannot say)."""
        try:
            with self.core.database.session() as session:
                return policy.waiting_count(session, queue or policy.NATIONAL_QUEUE, urgent=True)
        except SQLAlchemyError:
            log.warning("urgent callers in queue unknown", exc_info=True)
            telemetry.database_failed("read")
            return 0

    def _estimate(self, queue: str | None, position: int) -> int:
        try:
            return self.pace.estimate(self.core.database.session, queue or policy.NATIONAL_QUEUE, position,
                                      self.core.clock.now())  # fmt: skip
        except SQLAlchemyError:
            log.warning("wait estimate unavailable", exc_info=True)
            telemetry.database_failed("read")
            return position * self.settings.default_answer_seconds

    def _whisper(self, queue: str, waiting: int, head: whisper.NextCaller | None, language: str) -> list[Utterance]:
        """What the agent hears before taking the next caller: who, from where, what they did."""
        if head is None:
            return self._say("agent.whisper_empty", language, queue=queue)
        names = [self._flow_name(flow, language) for flow in head.flows] or [self._flow_name("nothing", language)]
        utterances = self._urgent(head, language) if head.urgent else []
        utterances += self._say("agent.whisper_waiting", language, waiting=waiting, queue=queue)
        utterances += self._say(
            "agent.whisper_caller",
            language,
            caller=head.number,
            region_name=head.region_name,
            waited_minutes=head.waited_minutes,
            path=", ".join(names),
        )
        if head.open_tickets:
            utterances += self._say("agent.whisper_tickets", language, tickets=head.open_tickets)
        return utterances

    def _urgent(self, head: whisper.NextCaller, language: str) -> list[Utterance]:
        """What an urgent caller reported ("Urgent: dangerous installation"), said first; else "Urgent call"."""
        key = f"agent.whisper_urgent.{head.urgent_category}"
        return self._say(key if self.core.engine.prompts.has(key) else "agent.whisper_urgent.any", language)

    def _flow_name(self, flow: str, language: str) -> str:
        key = f"agent.flow_names.{flow}"
        return self.voice.prompt(key, language)[0].text if self.core.engine.prompts.has(key) else flow

    def _say(self, key: str, language: str, **variables: Any) -> list[Utterance]:
        return self.voice.prompt(key, language, **variables)

    def _language(self, call: Conversation | None) -> str:
        return call.language if call else self.voice.config.default_language


def _count_queue_time(row: CallRow, until: datetime) -> None:
    """Time in queue runs from the first enqueue to `until`, across an overflow; never shrinks."""
    if row.queued_at is not None:
        seconds = max(0, round((until - row.queued_at).total_seconds()))
        row.queue_seconds = max(row.queue_seconds or 0, seconds)
