"""Flask CLI commands: migrate, seed demo data, run the demo, simulate a call or a chat, list what callers may say."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from time import sleep
from typing import TYPE_CHECKING, cast

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from db.models import Region
from ivr.cli import history, outbox, stats, users
from ivr.cli.chat import chat_command
from ivr.cli.simulator import simulate_command
from ivr.cli.words import words_command
from ivr.extensions import Runtime, runtime
from ivr.state import StateStoreError
from ivr.stats.request import today_in

if TYPE_CHECKING:
    from werkzeug.local import LocalProxy


def register(app: Flask) -> None:
    app.cli.add_command(db_upgrade)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo)
    app.cli.add_command(simulate_command)
    app.cli.add_command(chat_command)
    app.cli.add_command(demo_ids)
    app.cli.add_command(sweep_calls)
    app.cli.add_command(words_command)
    for command in (*users.COMMANDS, *stats.COMMANDS, *history.COMMANDS, *outbox.COMMANDS):
        app.cli.add_command(command)


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply database migrations up to the latest revision."""
    from db.migrate import upgrade

    upgrade(runtime().database.engine)
    click.echo("database is at the latest revision")


def _seed_if_empty(customers: int) -> bool:
    from db.seed import seed_demo

    with runtime().database.session() as session:
        if session.scalar(select(func.count()).select_from(Region)):
            return False
        summary = seed_demo(session, today=today_in(runtime().clock.now()), customers=customers)
    click.echo(f"demo data loaded: {summary}")
    history.demo_history()
    runtime().directory.invalidate()
    return True


@click.command("seed-demo")
@with_appcontext
@click.option("--customers", default=1000, show_default=True, help="How many demo customers to create.")
def seed_demo_command(customers: int) -> None:
    """Load deterministic demo data into an empty database."""
    if not _seed_if_empty(customers):
        click.echo("the database already has data; nothing seeded")


@click.command("demo")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def demo(host: str, port: int) -> None:
    """Migrate, load demo data if the database is empty, and serve on localhost (sending the outbox too)."""
    from db.migrate import upgrade

    upgrade(runtime().database.engine)
    _seed_if_empty(1000)
    click.echo(banner(host, port, today_in(runtime().clock.now())))
    from werkzeug.serving import run_simple

    from ivr.notify.worker import start_in_background

    # One process serves everything here, so the outbox's sender is a thread of it (the Procfile runs
    # it as a process of its own); it never runs on the server's request threads.
    start_in_background(outbox.outbox_worker(runtime()), outbox.DEMO_EVERY_SECONDS)

    # current_app is a werkzeug LocalProxy that Flask annotates as the Flask it stands for; the
    # server's threads need the app itself, outside this app context.
    app = cast("LocalProxy[Flask]", current_app)._get_current_object()
    run_simple(host, port, app, threaded=True)


def banner(host: str, port: int, today: date) -> str:
    """What to type next, with this server's port in every make command (make call dials 5000 otherwise)."""
    on = "" if port == 5000 else f" PORT={port}"
    commands = (
        (f"make call{on}", "interactive call: type keys, Enter for no input"),
        (f'make call{on} DIGITS="9 0"', "scripted: English, then an agent"),
        (f"make chat{on}", "text it as WhatsApp would: one line per message"),
        ("make ids", "demo customer numbers, meters and tickets to type"),
        ("make admin", f"the console user admin, for http://{host}:{port}/console/"),
    )
    width = max(len(command) for command, _ in commands) + 3
    lines = [f"  {command:<{width}}{what}" for command, what in commands]
    return (
        f"\nServing on http://{host}:{port} (today on the demo's clock: {today}). In another terminal:\n"
        + "\n".join(lines)
        + "\n"
    )


@click.command("demo-ids")
@with_appcontext
@click.option("--count", default=3, show_default=True)
def demo_ids(count: int) -> None:
    """Print ids from the database worth typing in a simulated call."""
    from db.models import Complaint, Customer, Meter

    with runtime().database.session() as session:
        rows = session.execute(
            select(
                Customer.idpel, Meter.meter_number, Customer.payment_type, Customer.phone, Region.code, Region.timezone
            )
            .join(Meter, Meter.customer_id == Customer.id)
            .join(Region, Region.id == Customer.region_id)
            .order_by(Customer.payment_type, Customer.id)
        ).all()
        tickets = session.scalars(select(Complaint.ticket_number).order_by(Complaint.id).limit(count)).all()
    for payment_type in ("postpaid", "prepaid"):
        click.echo(f"{payment_type} customers (IDPEL, meter, region, registered phone):")
        for idpel, meter, _, phone, region, timezone in [r for r in rows if r.payment_type == payment_type][:count]:
            click.echo(f"  {idpel}  {meter}  {region} ({timezone})  {phone or '-'}")
    phone = next((r.phone for r in rows if r.payment_type == "postpaid" and r.phone), None)
    if phone:
        click.echo(f'  e.g. make call FROM={phone} DIGITS="1"  (their phone: offered the account, no number typed)')
    click.echo("complaint tickets (menu 4): " + ", ".join(tickets))
    if tickets:
        click.echo(f'  e.g. make call DIGITS="9 4 {tickets[0]}# 0"  (English, its status, then an agent)')


@click.command("sweep-calls")
@with_appcontext
@click.option("--older-than-minutes", default=240, show_default=True, help="Close calls started this long ago.")
@click.option("--every", default=0, show_default=True, help="Repeat every N seconds (0: once).")
def sweep_calls(older_than_minutes: int, every: int) -> None:
    """Close calls whose status callback never came and idle text conversations; tidy the live board.

    When repeating, a pass that fails (the database or Redis briefly down) is reported and the next
    one runs as usual: the sweeper outlives the blip it exists to clean up after.
    """
    rt = runtime()
    while True:
        now = runtime().clock.now()
        try:
            click.echo(f"{now.isoformat(timespec='seconds')}: {_sweep_once(rt, now, older_than_minutes)}")
        except (SQLAlchemyError, StateStoreError) as exc:
            if not every:
                raise
            click.echo(f"{now.isoformat(timespec='seconds')}: sweep failed, next in {every} s: {exc}", err=True)
        if not every:
            return
        sleep(every)


def _sweep_once(rt: Runtime, now: datetime, older_than_minutes: int) -> str:
    """One pass of the sweeper; what it did, in words."""
    from ivr.conversations.sweep import close_idle_conversations, release_ended_calls, sweep_stale_calls

    with rt.database.session() as session:
        expired = close_idle_conversations(session, now, timedelta(minutes=rt.settings.messaging_idle_minutes))
        closed = sweep_stale_calls(session, now, timedelta(minutes=older_than_minutes))
    with rt.database.session() as session:  # after the commit: the board only hears of ends that are stored
        released = release_ended_calls(session, rt.live)
    pruned = rt.live.prune(now.timestamp() - older_than_minutes * 60)
    return (
        f"closed {closed} stale calls and {expired} idle conversations, "
        f"released {released} ended calls from the live board, pruned {pruned} live entries"
    )
