"""SMS and WhatsApp messages -> the conversation core -> a text reply, one conversation per address.

A conversation is the customer's channel and number ("whatsapp:+62..."); it lives in the
call-state store until it has been idle for the configured time, and in the database as a row
of `calls` with its channel, so agents and statistics see it like a call. Every message is
handled once (Twilio's retries of a MessageSid get the first reply again), counted against the
sender's rate limit, written to the conversation's timeline (but for one over the limit that came
while another message held the turn: answered at once, logged only), and always answered with
valid TwiML, whatever fails. No message holds its turn past its request, and one over the limit
never waits for it, so a flood stalls nothing. One round trip opens the message (seen before? how
many this window? the conversation and its turn), one saves it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ivr import telemetry
from ivr.calls.records import CallFacts
from ivr.calls.row import CallRow, RowChange
from ivr.conversations.core import ConversationCore
from ivr.conversations.model import Conversation
from ivr.conversations.sweep import close_expired_conversations
from ivr.engine import text_input
from ivr.engine.model import Event, Hangup, Text, Transfer, Turn, Utterance
from ivr.engine.prompts import TEXT
from ivr.messaging import reply
from ivr.messaging.inbound import InboundMessage
from ivr.messaging.ratelimit import RateLimiter
from ivr.phone.numbers import mask, to_e164
from ivr.services.context import ServiceContext
from ivr.state import Opened, Opening, StateStoreError

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
        core: ConversationCore,
        limiter: RateLimiter,
        config: MessagingConfig,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.core = core
        self.limiter = limiter
        self.config = config
        self.pause = pause

    # -- the webhook --------------------------------------------------------------------------

    def incoming(self, form: Any) -> str:
        """One inbound message: answer it once, within the sender's rate limit, never with an error."""
        message = InboundMessage.from_form(form)
        if not message.sid:
            log.warning("message without a MessageSid ignored")
            return reply.render("")
        keys, address = self.core.keys, message.address
        opening = Opening(
            keys.chat(address),
            claim=keys.chat_lock(address),
            claim_ttl=TURN_CLAIM_TTL,
            claim_token=message.sid,
            seen=keys.chat_message(address, message.sid),
            seen_ttl=SEEN_TTL,
            counter=keys.chat_rate(address, self.limiter.window()),
            counter_ttl=self.limiter.limit.window_seconds + 1,
        )
        verdict = RateLimiter.ALLOW
        try:
            call, opened = self.core.open(opening)
            if opened.seen is not None:
                return self._replay(message, opened)
            verdict = self.limiter.verdict(opened.count)
            if verdict != RateLimiter.ALLOW and not opened.claimed:
                return self._limited_at_once(message, call, verdict)
            if not opened.claimed:
                call = self._wait_for_turn(message)
        except StateStoreError:
            log.exception("call state store unavailable for message %s", message.sid)
            return self._store_down(message)
        try:
            return self._handle(message, call, verdict)
        except BaseException:  # whatever broke, the sender's next message must not wait for this claim
            self._release_quietly(message)
            raise

    def _handle(self, message: InboundMessage, call: Conversation | None, verdict: str) -> str:
        fresh = call is None or call.closed
        if fresh:
            call = self._new(message)
        assert call is not None
        if verdict != RateLimiter.ALLOW:
            return self._limited(message, call, verdict)
        self._log_message(call, message)
        turns = self.core.take_turn(
            call, lambda context: self._turns(call, message, fresh, context), self._settle, row_first=fresh
        )
        text = (
            reply.join(u for turn in turns for u in turn.utterances)
            if turns is not None
            else self._apology(call, "turn_failed")
        )
        return self._answer(call, message, text)

    # -- conversations --------------------------------------------------------------------------

    def _wait_for_turn(self, message: InboundMessage) -> Conversation | None:
        """Another message of this sender is being handled: wait for its turn to end, then read what it left."""
        keys, waited = self.core.keys, 0.0
        while True:
            self.pause(TURN_POLL_SECONDS)
            waited += TURN_POLL_SECONDS
            lock = Opening(keys.chat(message.address), claim=keys.chat_lock(message.address),
                           claim_ttl=TURN_CLAIM_TTL, claim_token=message.sid)  # fmt: skip
            call, opened = self.core.open(lock)
            if opened.claimed:
                return call
            if waited >= TURN_WAIT_SECONDS:
                log.warning("conversation of %s still busy after %.0f s; going on", mask(message.address), waited)
                return call

    def _new(self, message: InboundMessage) -> Conversation:
        route = self.core.directory.route(message.dialed, message.sender)
        region = route.region
        facts = CallFacts(
            call_sid=message.sid,
            caller=message.sender.value,
            caller_kind=message.sender.kind,
            dialed=to_e164(message.dialed) or message.dialed,
            region_id=region.id if region else None,
            routed_by=route.routed_by,
            language=self.config.default_language,
            started_at=self.core.clock.now(),
            channel=message.channel,
        )
        variables = {"region_name": region.name} if region else {}
        state = self.core.engine.new_state(self.config.default_language, variables, medium=TEXT)
        call = Conversation(facts=facts, state=state, caller_is_mobile=message.sender.is_mobile)
        detail = {
            "caller": facts.caller,
            "dialed": facts.dialed,
            "routed_by": facts.routed_by,
            "channel": facts.channel,
        }
        call.add_events([Event("call_started", None, None, detail)], self.core.clock.now())
        log.info("%s conversation %s from %s", facts.channel, facts.call_sid, mask(facts.caller))
        return call

    def _log_message(self, call: Conversation, message: InboundMessage, **extra: Any) -> None:
        detail = {**message.timeline_detail(), **extra}
        call.add_events([Event("message", call.state.flow, call.state.node, detail)], self.core.clock.now())

    # -- turns ------------------------------------------------------------------------------------

    def _turns(self, call: Conversation, message: InboundMessage, fresh: bool, context: ServiceContext) -> list[Turn]:
        """What this message does: attachments first, then the flow moves on the text (or asks again)."""
        engine, state = self.core.engine, call.state
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
            live_since = context.now - timedelta(seconds=self.config.idle_seconds)
            facts = call.facts
            lost = close_expired_conversations(context.session, facts.channel, facts.caller, facts.call_sid, live_since)
            greeting = self.core.start_again(call, context, lost) if lost else engine.start(state, context)
            waiting = engine.waiting_node(state)
            if waiting is None or not message.body.strip() or not engine.accepts(state, typed):
                return [*turns, greeting]
            # The customer already knows the menu ("2" to report a reading): greet, then act on it.
            greeting.utterances = [u for u in greeting.utterances if u.key not in waiting.prompt]
            return [*turns, greeting, engine.handle(state, typed, context)]
        if text_input.is_restart(engine.waiting_node(state), message.body):
            return [*turns, engine.restart(state, context)]
        if text_input.is_end(message.body):
            return [*turns, engine.end(state, context)]
        return [*turns, engine.handle(state, typed, context)]  # an empty text asks the question again

    def _notice(self, call: Conversation, prompt: str, **detail: Any) -> Turn:
        state = call.state
        event = Event(prompt.rpartition(".")[2], state.flow, state.node, detail)
        return Turn(utterances=self._prompt(prompt, state.language), ending=Hangup(), events=[event])

    def _settle(self, call: Conversation, turns: list[Turn], now: datetime) -> RowChange | None:
        """The reply goes on the timeline; the conversation ends when the flow says goodbye (or would transfer)."""
        answer = reply.join(u for turn in turns for u in turn.utterances)
        call.add_events([reply.sent(answer, call.state.flow, call.state.node)], now)
        ending = turns[-1].ending
        if isinstance(ending, Transfer):
            log.warning("conversation %s reached a transfer; text has no live agents", call.sid)
        if not isinstance(ending, Hangup | Transfer):
            return None
        call.ivr_hung_up = True
        call.closed = True

        def close(row: CallRow) -> None:
            row.ended_at = row.ended_at or now
            row.final_status = row.final_status or ENDED

        return close

    def _answer(self, call: Conversation, message: InboundMessage, text: str) -> str:
        """Keep the conversation (for the idle time) and the reply (for retries), let the next message in."""
        rendered = reply.render(text)
        call.last_reply = rendered
        keys, address = self.core.keys, message.address
        try:
            self.core.save(
                keys.chat(address),
                call,
                self.config.idle_seconds,
                puts=((keys.chat_message(address, message.sid), rendered, SEEN_TTL),),
                release=(keys.chat_lock(address), message.sid),
            )
        except StateStoreError:
            log.exception("could not save conversation %s", call.sid)
        return rendered

    # -- when a message cannot go through the flow ----------------------------------------------

    def _replay(self, message: InboundMessage, opened: Opened) -> str:
        """Twilio sent this MessageSid again: the same answer, or nothing if the first is still running."""
        log.info("message %s seen before; replaying its reply", message.sid)
        if opened.claimed:  # not ours to hold: the first request is the one handling this message
            self.core.store.release(self.core.keys.chat_lock(message.address), message.sid)
        return opened.seen or reply.render("")

    def _limited(self, message: InboundMessage, call: Conversation, verdict: str) -> str:
        """Too many messages: keep this one on the timeline, ask politely once to slow down."""
        log.warning("rate limit reached for %s", mask(message.address))
        telemetry.RATE_LIMITED.labels(verdict).inc()
        self._log_message(call, message, rate_limited=True)
        text = reply.join(self._prompt("messaging.rate_limited", call.language)) if verdict == RateLimiter.WARN else ""
        if text:
            call.add_events([reply.sent(text, call.state.flow, call.state.node)], self.core.clock.now())
        self.core.record(call)
        return self._answer(call, message, text)

    def _limited_at_once(self, message: InboundMessage, call: Conversation | None, verdict: str) -> str:
        """Over the limit while another message of this sender is being handled: answer now, wait for nothing.

        A flood must not hold web threads: this message neither waits for the conversation's turn
        nor takes it, so it cannot be written to the conversation (that would race the turn that
        holds it); the log keeps it, and a retry of it gets an empty reply.
        """
        log.warning(
            "rate limit reached for %s; message %s answered without its turn", mask(message.address), message.sid
        )
        if verdict != RateLimiter.WARN:
            return reply.render("")
        language = call.language if call is not None else self.config.default_language
        return reply.render(reply.join(self._prompt("messaging.rate_limited", language)))

    def _release_quietly(self, message: InboundMessage) -> None:
        try:
            self.core.store.release(self.core.keys.chat_lock(message.address), message.sid)
        except StateStoreError:
            log.warning("could not release the turn of %s", mask(message.address), exc_info=True)

    def _store_down(self, message: InboundMessage) -> str:
        """No conversation state: keep the message on a record of its own and apologise."""
        call = self._new(message)
        self._log_message(call, message)
        call.had_error = True
        call.add_events([Event("error", None, None, {"error": "StateStoreError"})], self.core.clock.now())
        text = self._apology(call, "state_store")
        call.add_events([reply.sent(text, None, None)], self.core.clock.now())
        self.core.record(call)
        return reply.render(text)

    def _apology(self, call: Conversation, cause: str) -> str:
        telemetry.apologised("messaging", cause)
        language = call.language
        return reply.join(
            [*self._prompt("common.system_error", language), *self._prompt("messaging.try_later", language)]
        )

    def _prompt(self, key: str, language: str) -> list[Utterance]:
        engine = self.core.engine
        return [engine.prompts.render(key, language, engine.constants, TEXT)]
