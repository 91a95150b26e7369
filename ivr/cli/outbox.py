"""CLI for the outbox: the worker process that sends the messages turns wrote (the Procfile's `outbox` line)."""

from __future__ import annotations

import threading

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ivr.extensions import Runtime, runtime
from ivr.notify.outbox import RetryPolicy
from ivr.notify.worker import OutboxWorker

DEMO_EVERY_SECONDS = 2.0  # the demo server's background sender


def outbox_worker(rt: Runtime) -> OutboxWorker:
    """A worker with the app's database, clock and sender, and the retry policy from the settings."""
    policy = RetryPolicy(
        max_attempts=rt.settings.outbox_max_attempts, first_delay_seconds=rt.settings.outbox_retry_seconds
    )
    return OutboxWorker(rt.database, rt.core.sender, rt.clock, policy)


@click.command("send-outbox")
@with_appcontext
@click.option("--every", default=0.0, show_default=True, help="Repeat every N seconds (0: one drain, then exit).")
def send_outbox(every: float) -> None:
    """Send the queued outgoing messages (SMS confirmations), retrying failures with backoff.

    When repeating, a pass that fails (the database briefly down) is logged and the next one runs;
    several of these may run at once (each claims its own rows).
    """
    worker = outbox_worker(runtime())
    if every:
        click.echo(f"sending the outbox every {every:g} s")
        worker.run(every, threading.Event())
        return
    if not worker.sender.enabled:
        click.echo("SMS is not configured (TWILIO_ACCOUNT_SID, TWILIO_SMS_FROM): messages stay queued")
        return
    try:
        click.echo(f"outbox: {worker.drain()}")
    except SQLAlchemyError as exc:
        raise click.ClickException(f"outbox pass failed: {exc}") from exc


COMMANDS = (send_outbox,)
