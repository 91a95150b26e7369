"""The outbox's rows: written in the turn's own transaction, claimed by a sender, then sent, retried or failed.

A claim is a lease, not a lock held across the provider's request: it counts the attempt and
moves the row's next attempt past the lease, in one short transaction. A sender that dies
mid-send leaves the row to be claimed again when the lease runs out, so nothing is lost (at
worst a message whose send was cut off after the provider took it goes twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from db.models import FAILED, QUEUED, SENT, OutboxMessage
from db.models.outbox import PENDING
from db.session import insert_for

ERROR_LENGTH = 500


@dataclass(frozen=True)
class Outgoing:
    """A message a turn decided to send, already in the caller's words."""

    purpose: str
    to: str
    body: str
    channel: str = "sms"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how far apart a message is tried: first_delay, then doubling, up to max_delay."""

    max_attempts: int = 5
    first_delay_seconds: int = 30
    max_delay_seconds: int = 3600
    lease_seconds: int = 120  # longer than a provider request may take (senders.SEND_TIMEOUT_SECONDS)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt."""
        return timedelta(seconds=min(self.first_delay_seconds * 2 ** max(attempts - 1, 0), self.max_delay_seconds))


@dataclass(frozen=True)
class Claimed:
    """A row a sender holds for one attempt; `attempts` counts this one."""

    id: int
    to: str
    body: str
    attempts: int


def enqueue(session: Session, call_sid: str, step: int, messages: Sequence[Outgoing], now: datetime) -> None:
    """Add a turn's messages to its unit of work; a turn run again for the same step adds nothing."""
    rows = [
        {"call_sid": call_sid, "step": step, "position": position, "purpose": message.purpose[:64],
         "channel": message.channel, "to_number": message.to, "body": message.body, "status": QUEUED,
         "attempts": 0, "created_at": now, "next_attempt_at": now}
        for position, message in enumerate(messages)
    ]  # fmt: skip
    insert = insert_for(session)(OutboxMessage).values(rows)
    session.execute(insert.on_conflict_do_nothing(index_elements=["call_sid", "step", "position"]))


def claim(connection: Connection, now: datetime, policy: RetryPolicy, limit: int) -> list[Claimed]:
    """Take up to `limit` due rows for one attempt each; rows another sender holds are skipped (PostgreSQL).

    SQLite has no row locks and ignores FOR UPDATE: its one writer at a time makes the single
    UPDATE the claim.
    """
    due = (
        select(OutboxMessage.id)
        .where(text(PENDING), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = connection.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due))
        .values(
            attempts=OutboxMessage.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + timedelta(seconds=policy.lease_seconds),
        )
        .returning(OutboxMessage.id, OutboxMessage.to_number, OutboxMessage.body, OutboxMessage.attempts)
    ).all()
    return sorted((Claimed(*row) for row in taken), key=lambda claimed: claimed.id)


def record_sent(connection: Connection, claimed: Claimed, provider_sid: str, now: datetime) -> None:
    """The provider took it: sent, whatever a slower attempt of the same row reports later."""
    connection.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claimed.id)
        .values(status=SENT, sent_at=now, provider_sid=provider_sid[:64], last_error=None)
    )


def record_failure(
    connection: Connection, claimed: Claimed, error: str, now: datetime, policy: RetryPolicy, *, permanent: bool
) -> bool:
    """Try again after the backoff, or give up (failed) after the last attempt or a permanent error.

    Returns whether it gave up. Only the attempt that holds the row writes: a result arriving after
    the lease ran out and another attempt began changes nothing.
    """
    give_up = permanent or claimed.attempts >= policy.max_attempts
    connection.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claimed.id, OutboxMessage.attempts == claimed.attempts, text(PENDING))
        .values(
            status=FAILED if give_up else QUEUED,
            next_attempt_at=now if give_up else now + policy.delay(claimed.attempts),
            last_error=error[:ERROR_LENGTH],
        )
    )
    return give_up
