"""One turn of any conversation, voice or text: one state round trip in, one transaction, one round trip out.

    open   the conversation's state and the claim of its turn (and, for a text, whether the message
           was seen and how many its sender sent), in one round trip to the call-state store
    turn   the engine runs; the turn's effects (events, the call's facts, readings, tickets,
           requests, rollups, the outbox's messages) are written in one database transaction
    save   the new state with its reply, the replies kept for retries, the live board's moves, in
           one round trip

The adapters (ivr/voice, ivr/messaging) keep what is theirs: reading Twilio's form, the
channel's own rules, and rendering TwiML or a text reply from the turns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from db.models import DEFAULT_TIMEZONE, VOICE
from db.session import Database
from ivr import logs, telemetry
from ivr.calls.row import RowChange
from ivr.calls.writer import CallWriter
from ivr.clock import Clock
from ivr.conversations.keys import Keys
from ivr.conversations.model import Conversation, Mark
from ivr.engine.errors import EngineError
from ivr.engine.model import Event, Hangup, Turn
from ivr.engine.runtime import Engine
from ivr.engine.state import ConversationState
from ivr.live.board import Move
from ivr.notify.outbox import Outgoing, enqueue
from ivr.notify.senders import SmsSender
from ivr.phone.routing import RegionDirectory
from ivr.services.context import ServiceContext
from ivr.services.notices import TicketNotices
from ivr.state import CallStateStore, Closing, Opened, Opening, StateStoreError

log = logging.getLogger(__name__)

Run = Callable[[ServiceContext], list[Turn]]
Settle = Callable[[Conversation, list[Turn], datetime], RowChange | None]
"""The adapter's own facts from a turn (a caller queued, a chat closed): may add events, returns a row change."""
STATE_LOST_PROMPT = "common.state_lost"  # said before the main menu when a conversation's state was lost


class ConversationCore:
    """Runs turns; holds no per-conversation state itself, so any web process can run any turn."""

    def __init__(
        self,
        *,
        engine: Engine,
        store: CallStateStore,
        database: Database,
        writer: CallWriter,
        directory: RegionDirectory,
        clock: Clock,
        sender: SmsSender,
        keys: Keys,
    ) -> None:
        self.engine = engine
        self.store = store
        self.database = database
        self.writer = writer
        self.directory = directory
        self.clock = clock
        self.sender = sender
        self.keys = keys

    # -- round trip 1 ---------------------------------------------------------------------------

    def open(self, opening: Opening) -> tuple[Conversation | None, Opened]:
        """The conversation under `opening.key` (None when there is none) and what else was asked."""
        opened = self.store.open(opening)
        return (Conversation.from_dict(opened.state) if opened.state else None), opened

    def load(self, key: str) -> Conversation | None:
        """A conversation's state alone; None when it is gone or the store cannot be reached."""
        try:
            saved = self.store.load(key)
        except StateStoreError:
            log.exception("call state store unavailable")
            return None
        return Conversation.from_dict(saved) if saved else None

    # -- the turn: one transaction ----------------------------------------------------------------

    def take_turn(
        self, conversation: Conversation, run: Run, settle: Settle | None = None, *, row_first: bool = False
    ) -> list[Turn] | None:
        """Run the engine and write everything the turn did in one transaction.

        `row_first` writes a new conversation's row before the engine runs, for services that look
        for it (a text conversation's first message may already be an answer). A pooled connection
        the database dropped (a restart, a failover) is noticed by the first statement, not by a
        ping before every turn: the turn then runs once more on a fresh connection. On failure the
        conversation is put back where it was (a step further, so a retry replays the apology),
        keeps the turn's events, is marked as having had an error, and None is returned: the
        adapter apologises.
        """
        mark, now = conversation.mark(), self.clock.now()
        _log_node(conversation)
        for attempt in (1, 2):
            try:
                turns = self._turn(conversation, run, settle, row_first, now)
            except (EngineError, SQLAlchemyError) as exc:
                if attempt == 1 and _connection_lost(exc):
                    log.warning("database connection lost; running the turn of %s again", conversation.sid)
                    conversation.rewind(mark)
                    continue
                self._failed(conversation, mark, exc, now)
                return None
            conversation.pending.clear()
            _log_node(conversation)
            return turns
        raise AssertionError("unreachable: the second attempt returns or fails")

    def _turn(
        self, conversation: Conversation, run: Run, settle: Settle | None, row_first: bool, now: datetime
    ) -> list[Turn]:
        # The session connects on first use: a turn that asks no service runs the engine first (so
        # when the database is down its events are kept, pending, and written later), and then
        # writes alone, with no transaction (the session is never committed: it never began).
        session = self.database.new_session()
        try:
            if row_first:  # its events are written again below: the repeats are skipped
                self.writer.write(session.connection(), conversation)
            context = self.context(conversation, session, now)
            turns = run(context)
            for turn in turns:
                conversation.add_events(turn.events, now)
            if any(event.kind == "served" for turn in turns for event in turn.events):
                conversation.served = True
            if isinstance(turns[-1].ending, Hangup):
                conversation.ivr_hung_up = True
            change = settle(conversation, turns, now) if settle is not None else None
            if context.outbox:  # only a turn that sends opens a transaction for it
                enqueue(session, conversation.facts.call_sid, context.step, self._messages(context), now)
            conversation.step += 1
            if change is None and not session.in_transaction() and self._write_alone(conversation):
                return turns
            if session.new or session.dirty or session.deleted:
                session.flush()
            self.writer.write(session.connection(), conversation, change)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        return turns

    def _write_alone(self, conversation: Conversation) -> bool:
        """A turn that asked no service the database: its writes as one statement outside a transaction."""
        if not self.database.single_statement_writes:
            return False
        with self.database.autocommit() as connection:
            return self.writer.write_alone(connection, conversation)

    def _failed(self, conversation: Conversation, mark: Mark, exc: Exception, now: datetime) -> None:
        state = conversation.state
        log.exception("conversation %s failed at %s.%s", conversation.sid, state.flow, state.node)
        telemetry.error("turn", exc)
        if isinstance(exc, SQLAlchemyError):
            telemetry.database_failed("turn")
        conversation.state = ConversationState.from_dict(mark.state)
        conversation.step = mark.values["step"] + 1
        conversation.call_id = mark.values["call_id"]  # a row written in the failed transaction is not there
        conversation.known_flags = None  # nor are the facts it wrote
        conversation.had_error = True
        error = Event("error", conversation.state.flow, conversation.state.node, {"error": type(exc).__name__})
        conversation.add_events([error], now)
        self.record(conversation)

    def start_again(self, conversation: Conversation, context: ServiceContext, language: str | None) -> Turn:
        """Start over a conversation whose state was lost: in its last known language, sorry first.

        The customer was somewhere in a menu; the greeting again without a word would sound as if
        the line had dropped them. Channel-agnostic: a call and a text conversation say the same.
        """
        engine, state = self.engine, conversation.state
        if language in engine.prompts.languages:
            state.language = language
        turn = engine.start(state, context)
        apology = engine.prompts.render(STATE_LOST_PROMPT, state.language, engine.constants, state.medium)
        turn.utterances.insert(0, apology)
        return turn

    def context(self, conversation: Conversation, session: Session, now: datetime) -> ServiceContext:
        """What the services of this turn get: its unit of work and the conversation's facts."""
        facts = conversation.facts
        region = self.directory.region(facts.region_id)
        return ServiceContext(
            session=session,
            conversation_id=facts.call_sid,
            caller=facts.caller,
            caller_is_mobile=conversation.caller_is_mobile,
            region_id=facts.region_id,
            channel=facts.channel,
            now=now,
            timezone=region.timezone if region else DEFAULT_TIMEZONE,
            language=conversation.state.language,
            step=conversation.step,
            sms_enabled=self.sender.enabled and facts.channel == VOICE,  # a text conversation is already text
            region=region,
            national=self.directory.national(),
        )

    def record(self, conversation: Conversation, change: RowChange | None = None) -> bool:
        """Write the pending events and facts in a transaction of their own (callbacks, errors).

        When the database is down the events stay pending in the state and go in with a later write.
        """
        for attempt in (1, 2):
            try:
                with self.database.transaction() as connection:
                    self.writer.write(connection, conversation, change)
            except SQLAlchemyError as exc:
                if attempt == 1 and _connection_lost(exc):
                    continue  # writes repeat safely: events by number, facts only move forward
                kept = len(conversation.pending)
                telemetry.database_failed("record")
                log.exception("database unavailable; %d events kept for %s", kept, conversation.sid)
                conversation.known_flags = None  # what the failed write wrote is not there
                return False
            conversation.pending.clear()
            return True
        return False

    def record_by_sid(self, call_sid: str, change: RowChange, event: Event) -> bool:
        """Apply a fact to a call whose live state is gone (expired, or the store is down)."""
        detail = {"at": self.clock.now().isoformat(), "kind": event.kind, "flow": event.flow, "node": event.node,
                  "detail": event.detail}  # fmt: skip
        for attempt in (1, 2):
            try:
                with self.database.transaction() as connection:
                    return self.writer.update_row(connection, call_sid, change, detail)
            except SQLAlchemyError as exc:
                if attempt == 1 and _connection_lost(exc):
                    continue
                log.exception("could not record a callback for %s", call_sid)
                telemetry.database_failed("record")
                return False
        return False

    # -- round trip 2 ---------------------------------------------------------------------------

    def save(
        self,
        key: str,
        conversation: Conversation,
        ttl: int,
        *,
        moves: Sequence[Move] = (),
        puts: Sequence[tuple[str, str, int]] = (),
        release: tuple[str, str] | None = None,
    ) -> None:
        """Keep the conversation (and what rides along) in one round trip; raises StateStoreError."""
        self.store.close(Closing(key, conversation.to_dict(), ttl, tuple(puts), release, tuple(moves)))

    def save_quietly(self, key: str, conversation: Conversation, ttl: int, *, moves: Sequence[Move] = ()) -> bool:
        try:
            self.save(key, conversation, ttl, moves=moves)
            return True
        except StateStoreError:
            log.exception("could not save state for %s", conversation.sid)
            return False

    def move(self, *moves: Move) -> None:
        """Best effort, on its own: the live board is for dashboards and must never break a call."""
        try:
            self.store.board.apply(moves)
        except Exception:
            log.warning("live board update failed", exc_info=True)

    # -- outgoing messages ----------------------------------------------------------------------

    def ticket_notices(self) -> TicketNotices:
        """What an agent's change needs to tell the customer: the prompts, and the channels that can send now."""
        return TicketNotices(self.engine.prompts, self.engine.constants, self.sender.channels)

    def _messages(self, context: ServiceContext) -> list[Outgoing]:
        """The turn's notifications in the caller's words, for the outbox row written with the turn."""
        return [
            Outgoing(
                purpose=message.prompt,
                to=message.to,
                body=self.engine.prompts.render(
                    message.prompt, message.language, {**self.engine.constants, **message.variables}
                ).text,
            )
            for message in context.outbox
        ]


def _log_node(conversation: Conversation) -> None:
    """Log lines from here on name where the conversation is (flow.node), when it is at a node."""
    state = conversation.state
    if state.node:
        logs.bind(flow_node=f"{state.flow}.{state.node}")


def _connection_lost(exc: Exception) -> bool:
    """The database dropped a pooled connection (SQLAlchemy has discarded the pool's connections)."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
