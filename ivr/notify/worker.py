"""The outbox sender: claims due messages, sends each through the provider, records how it went.

It runs in a process of its own (the Procfile's `outbox` line, `flask --app ivr send-outbox`) or
in a background thread of the demo server, never on a web thread: a slow or failing provider
delays messages, not callers.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from db.session import Database
from ivr.clock import Clock
from ivr.notify.outbox import Claimed, RetryPolicy, claim, record_failure, record_sent
from ivr.notify.senders import SendError, SmsSender
from ivr.phone.numbers import mask

log = logging.getLogger(__name__)


@dataclass
class Drained:
    """What one pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retrying + self.failed

    def __str__(self) -> str:
        return f"sent {self.sent}, {self.retrying} to retry, {self.failed} failed"


class OutboxWorker:
    """Drains the outbox through one sender; any number of workers may run side by side."""

    def __init__(
        self, database: Database, sender: SmsSender, clock: Clock, policy: RetryPolicy, *, batch: int = 50
    ) -> None:
        self.database = database
        self.sender = sender
        self.clock = clock
        self.policy = policy
        self.batch = batch

    def drain_once(self) -> Drained:
        """Claim one batch of due messages and attempt each once."""
        done = Drained()
        if not self.sender.enabled:  # kept queued: they go once SMS is configured
            return done
        with self.database.transaction() as connection:
            claimed = claim(connection, self.clock.now(), self.policy, self.batch)
        for message in claimed:
            self._attempt(message, done)
        return done

    def drain(self) -> Drained:
        """Pass after pass until no due message is left (a backlog after an outage goes at once)."""
        total = Drained()
        while True:
            done = self.drain_once()
            total.sent, total.retrying, total.failed = (
                total.sent + done.sent, total.retrying + done.retrying, total.failed + done.failed
            )  # fmt: skip
            if done.claimed < self.batch:
                return total

    def _attempt(self, message: Claimed, done: Drained) -> None:
        try:
            provider_sid = self.sender.send(message.to, message.body)
        except Exception as exc:
            error = exc if isinstance(exc, SendError) else SendError(f"{type(exc).__name__}: {exc}")
            with self.database.transaction() as connection:
                gave_up = record_failure(
                    connection, message, str(error), self.clock.now(), self.policy, permanent=error.permanent
                )
            if gave_up:
                done.failed += 1
                log.error("message %d to %s failed for good after %d attempts: %s",
                          message.id, mask(message.to), message.attempts, error)  # fmt: skip
            else:
                done.retrying += 1
                log.warning("message %d to %s failed (attempt %d), will retry: %s",
                            message.id, mask(message.to), message.attempts, error)  # fmt: skip
            return
        with self.database.transaction() as connection:
            record_sent(connection, message, provider_sid, self.clock.now())
        done.sent += 1

    def run(self, every: float, stop: threading.Event) -> None:
        """Drain every `every` seconds until `stop` is set; a pass that fails (database down) is logged."""
        if not self.sender.enabled:
            log.warning("SMS is not configured: outgoing messages stay queued until it is")
        while not stop.is_set():
            try:
                done = self.drain()
                if done.claimed:
                    log.info("outbox: %s", done)
            except SQLAlchemyError:
                log.exception("outbox pass failed; next in %s s", every)
            stop.wait(every)


def start_in_background(worker: OutboxWorker, every: float) -> threading.Event:
    """Run the worker on a daemon thread (the single-process demo); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=worker.run, args=(every, stop), name="outbox", daemon=True).start()
    return stop
