"""SMS and WhatsApp messages -> the same flows -> a text reply, one conversation per address.

A conversation is the customer's channel and number ("whatsapp:+62..."); it lives in the
call-state store until it has been idle for the configured time, and in the database as a row
of `calls` with its channel, so agents and statistics see it like a call. Every message is
handled once (Twilio's retries of a MessageSid get the first reply again), counted against the
sender's rate limit, written to the conversation's timeline, and always answered with valid
TwiML, whatever fails.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from db.models import Call
from ivr.calls import records
from ivr.calls.persistence import CallRecords
from ivr.calls.state import LiveCall
from ivr.calls.sweep import close_expired_conversations
from ivr.engine import text_input
from ivr.engine.errors import EngineError
from ivr.engine.model import Event, Hangup, Text, Transfer, Turn, Utterance
from ivr.engine.prompts import TEXT
from ivr.engine.runtime import Engine
from ivr.engine.state import ConversationState
from ivr.messaging import reply
from ivr.messaging.inbound import InboundMessage, conversation_address
from ivr.messaging.ratelimit import RateLimiter
from ivr.phone.numbers import mask, to_e164
from ivr.phone.routing import RegionDirectory
from ivr.services.context import DEFAULT_TIMEZONE, ServiceContext
from ivr.state import StateStoreError

log = logging.getLogger(__name__)

PHOTO_SERVICE = "readings.attach_photo"
# Prompts this adapter writes on its own; the app refuses to start without them.
MESSAGING_PROMPTS = (
    "messaging.rate_limited",
    "messaging.media_refused",
    "messaging.try_later",
    f"{PHOTO_SERVICE}.attached",
    f"{PHOTO_SERVICE}.kept",
)
SEEN_TTL = 24 * 3600  # how long a MessageSid is remembered, to answer Twilio's retries
# A photo and its caption often arrive as two requests at once: the second waits for the first
# (up to TURN_WAIT_SECONDS) so neither overwrites the other's change to the conversation.
TURN_WAIT_SECONDS, TURN_POLL_SECONDS, TURN_CLAIM_TTL = 5.0, 0.05, 30
ENDED = "completed"


@dataclass(frozen=True)
class MessagingConfig:
    default_language: str
    idle_seconds: int


class MessagingGateway:
    """Handles `/messaging/incoming`; holds no per-conversation state itself."""

    def __init__(
        self,
        *,
        engine: Engine,
        records: CallRecords,
        directory: RegionDirectory,
        limiter: RateLimiter,
        config: MessagingConfig,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.records = records
        self.directory = directory
        self.limiter = limiter
        self.config = config
        self.now = now
        self.pause = pause

    @property
    def store(self) -> Any:
        return self.records.store

    # -- the webhook --------------------------------------------------------------------------

    def incoming(self, form: Any) -> str:
        """One inbound message: answer it once, within the sender's rate limit, never with an error."""
        message = InboundMessage.from_form(form)
        if not message.sid:
            log.warning("message without a MessageSid ignored")
            return reply.render("")
        try:
            if not self.store.claim(f"message:{message.sid}", 0, SEEN_TTL):
                return self._replay(message.sid)
            call = self._take_turn(message)
        except StateStoreError:
            log.exception("call state store unavailable for message %s", message.sid)
            return self._store_down(message)
        verdict = self.limiter.check(message.address)
        if verdict != RateLimiter.ALLOW:
            return self._limited(message, call, verdict)
        fresh = call is None
        call = call or self._new(message)
        self._log_message(call, message)
        return self._advance(call, lambda context: self._turns(call, message, fresh, context), message.sid)

    # -- conversations --------------------------------------------------------------------------

    def _take_turn(self, message: InboundMessage) -> LiveCall | None:
        """The sender's open conversation (None: this message opens one), once no other is being handled."""
        waited = 0.0
        while True:
            pointer = self.store.load(_address_key(message.address))
            call = self.records.load(str(pointer["id"])) if pointer else None
            if call is None or call.closed:
                # Two first messages at once must not open two conversations: one opens, one waits.
                previous = str(pointer["id"]) if pointer else ""
                claim, step, call = f"open:{message.address}:{previous}", 0, None
            else:
                claim, step = f"turn:{call.facts.call_sid}", call.step
            if self.store.claim(claim, step, TURN_CLAIM_TTL):
                return call
            if waited >= TURN_WAIT_SECONDS:
                log.warning("conversation of %s still busy after %.0f s; going on", mask(message.address), waited)
                return call
            self.pause(TURN_POLL_SECONDS)
            waited += TURN_POLL_SECONDS

    def _new(self, message: InboundMessage) -> LiveCall:
        route = self.directory.route(message.dialed, message.sender)
        region = route.region
        facts = records.CallFacts(
            call_sid=message.sid,
            caller=message.sender.value,
            caller_kind=message.sender.kind,
            dialed=to_e164(message.dialed) or message.dialed,
            region_id=region.id if region else None,
            routed_by=route.routed_by,
            language=self.config.default_language,
            started_at=self.now(),
            channel=message.channel,
        )
        variables = {"region_name": region.name} if region else {}
        conversation = self.engine.new_state(self.config.default_language, variables, medium=TEXT)
        call = LiveCall(facts=facts, conversation=conversation, caller_is_mobile=message.sender.is_mobile)
        detail = {"caller": facts.caller, "dialed": facts.dialed, "routed_by": facts.routed_by}
        call.add_events([Event("call_started", None, None, {**detail, "channel": facts.channel})], self.now())
        log.info("%s conversation %s from %s", facts.channel, facts.call_sid, mask(facts.caller))
        return call

    def _log_message(self, call: LiveCall, message: InboundMessage, **extra: Any) -> None:
        state = call.conversation
        detail = {**message.timeline_detail(), **extra}
        call.add_events([Event("message", state.flow, state.node, detail)], self.now())

    def _context(self, session: Any, call: LiveCall) -> ServiceContext:
        region = self.directory.region(call.facts.region_id)
        return call.service_context(session, self.now(), region.timezone if region else DEFAULT_TIMEZONE)

    # -- turns ------------------------------------------------------------------------------------

    def _turns(self, call: LiveCall, message: InboundMessage, fresh: bool, context: ServiceContext) -> list[Turn]:
        """What this message does: attachments first, then the flow moves on the text (or asks again)."""
        engine, state = self.engine, call.conversation
        turns: list[Turn] = []
        refused = [media for media in message.media if not media.is_image]
        if refused:
            turns.append(self._notice(call, "messaging.media_refused", types=[m.content_type for m in refused]))
        for photo in (media for media in message.media if media.is_image):
            turns.append(
                engine.call(state, PHOTO_SERVICE, {"url": photo.url, "content_type": photo.content_type}, context)
            )
        typed = Text(message.body)
        if fresh:
            close_expired_conversations(context.session, call.facts.channel, call.facts.caller, call.facts.call_sid)
            greeting = engine.start(state, context)
            waiting = engine.waiting_node(state)
            if waiting is None or not message.body.strip() or not engine.accepts(state, typed):
                return [*turns, greeting]
            # The customer already knows the menu ("2" to report a reading): greet, then act on it.
            greeting.utterances = [u for u in greeting.utterances if u.key not in waiting.prompt]
            return [*turns, greeting, engine.handle(state, typed, context)]
        if text_input.is_restart(engine.waiting_node(state), message.body):
            return [*turns, engine.restart(state, context)]
        return [*turns, engine.handle(state, typed, context)]  # an empty text asks the question again

    def _notice(self, call: LiveCall, prompt: str, **detail: Any) -> Turn:
        state = call.conversation
        event = Event(prompt.rpartition(".")[2], state.flow, state.node, detail)
        return Turn(utterances=self._prompt(prompt, state.language), ending=Hangup(), events=[event])

    def _advance(self, call: LiveCall, run: Callable[[ServiceContext], list[Turn]], sid: str) -> str:
        """Run the message's turns and commit their effects with the timeline, or apologise."""
        before, step_before = call.conversation.to_dict(), call.step
        try:
            with self.records.database.session() as session:
                if call.call_id is None:
                    self.records.write(session, call)  # a new conversation's row exists before any service looks
                context = self._context(session, call)
                turns = run(context)
                for turn in turns:
                    call.add_events(turn.events, context.now)
                change = self._apply(call, turns, context.now)
                call.step += 1
                self.records.write(session, call, change)
            call.pending.clear()
            text = reply.join(u for turn in turns for u in turn.utterances)
        except (EngineError, SQLAlchemyError) as exc:
            log.exception(
                "conversation %s failed at %s.%s", call.facts.call_sid, call.conversation.flow, call.conversation.node
            )
            call.conversation = ConversationState.from_dict(before)
            call.step = step_before + 1
            call.had_error = True
            call.add_events(
                [Event("error", call.conversation.flow, call.conversation.node, {"error": type(exc).__name__})],
                self.now(),
            )
            self.records.persist(call)
            text = self._apology(call.conversation.language)
        return self._answer(call, sid, text)

    def _apply(self, call: LiveCall, turns: list[Turn], now: datetime) -> Callable[[Call], None] | None:
        """Facts for the conversation's row: served, and its end when the flow says goodbye."""
        if any(event.kind == "served" for turn in turns for event in turn.events):
            call.served = True
        ending = turns[-1].ending
        if isinstance(ending, Transfer):
            log.warning("conversation %s reached a transfer; text has no live agents", call.facts.call_sid)
        if not isinstance(ending, Hangup | Transfer):
            return None
        call.ivr_hung_up = True
        call.closed = True

        def close(row: Call) -> None:
            row.ended_at = row.ended_at or now
            row.final_status = row.final_status or ENDED

        return close

    def _answer(self, call: LiveCall, sid: str, text: str) -> str:
        """Keep the conversation (for the idle time) and the reply (for retries), then send it."""
        rendered = reply.render(text)
        call.last_reply = rendered
        try:
            self.records.save(call, ttl=self.config.idle_seconds)
            address = conversation_address(call.facts.channel, call.facts.caller)
            self.store.save(_address_key(address), {"id": call.facts.call_sid}, self.config.idle_seconds)
            self.store.save(_reply_key(sid), {"reply": rendered}, SEEN_TTL)
        except StateStoreError:
            log.exception("could not save conversation %s", call.facts.call_sid)
        return rendered

    # -- when a message cannot go through the flow ----------------------------------------------

    def _replay(self, sid: str) -> str:
        """Twilio sent this MessageSid again: the same answer, or nothing if the first is still running."""
        log.info("message %s seen before; replaying its reply", sid)
        saved = self.store.load(_reply_key(sid))
        return str(saved["reply"]) if saved else reply.render("")

    def _limited(self, message: InboundMessage, call: LiveCall | None, verdict: str) -> str:
        """Too many messages: keep this one on the timeline, ask politely once to slow down."""
        log.warning("rate limit reached for %s", mask(message.address))
        call = call or self._new(message)
        self._log_message(call, message, rate_limited=True)
        self.records.persist(call)
        language = call.conversation.language
        text = reply.join(self._prompt("messaging.rate_limited", language)) if verdict == RateLimiter.WARN else ""
        return self._answer(call, message.sid, text)

    def _store_down(self, message: InboundMessage) -> str:
        """No conversation state: keep the message on a record of its own and apologise."""
        call = self._new(message)
        self._log_message(call, message)
        call.had_error = True
        call.add_events([Event("error", None, None, {"error": "StateStoreError"})], self.now())
        self.records.persist(call)
        return reply.render(self._apology(self.config.default_language))

    def _apology(self, language: str) -> str:
        return reply.join(
            [*self._prompt("common.system_error", language), *self._prompt("messaging.try_later", language)]
        )

    def _prompt(self, key: str, language: str) -> list[Utterance]:
        return [self.engine.prompts.render(key, language, self.engine.constants, TEXT)]


def _address_key(address: str) -> str:
    return f"conversation:{address}"


def _reply_key(sid: str) -> str:
    return f"reply:{sid}"
