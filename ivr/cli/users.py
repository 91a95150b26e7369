"""CLI for people and API tokens: the first admin, more users, tokens for scripts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ADMIN, AGENT, Region, User
from ivr.auth.passwords import UNUSABLE, hash_password
from ivr.auth.roles import STAFF
from ivr.auth.sessions import end_sessions
from ivr.auth.tokens import issue_token, revoke_token
from ivr.extensions import runtime
from ivr.phone.numbers import parse_caller


def _agent_line(phone: str) -> str:
    """An agent's line as stored: E.164 for a phone, `client:<identity>` for a browser softphone."""
    caller = parse_caller(phone)
    if caller.kind not in ("phone", "client"):
        raise click.BadParameter(f"{phone!r} is neither a phone number nor client:<identity>", param_hint="--phone")
    return caller.value


def _refuse_taken(db: Session, username: str) -> None:
    if db.scalar(select(User.id).where(User.username == username)):
        raise click.ClickException(f"user {username!r} exists already")


def _region_id(db: Session, code: str | None) -> int | None:
    if not code:
        return None
    region_id = db.scalar(select(Region.id).where(Region.code == code.upper()))
    if region_id is None:
        raise click.BadParameter(f"no region {code!r}", param_hint="--region")
    return region_id


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(STAFF), required=True)
@click.option("--region", "region_code", default=None, help="Region code; agents see only this region.")
@click.option("--name", "full_name", default="")
@click.option("--phone", default=None, help="Agent line caller id (E.164/national) or client:<identity>.")
@click.password_option("--password", help="At least 10 characters; asked for when not given.")
@with_appcontext
def create_user(
    username: str, role: str, region_code: str | None, full_name: str, phone: str | None, password: str
) -> None:
    """Create a console/API user with a hashed password."""
    if role == AGENT and not region_code:
        raise click.BadParameter("an agent belongs to a region", param_hint="--region")
    line = _agent_line(phone) if phone else None
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from exc
    with runtime().database.session() as db:
        _refuse_taken(db, username)
        db.add(
            User(
                username=username,
                role=role,
                region_id=_region_id(db, region_code),
                full_name=full_name,
                phone=line,
                password_hash=hashed,
            )
        )
    click.echo(f"{role} {username!r} created")


@click.command("add-agent")
@click.option("--username", required=True)
@click.option("--phone", required=True, help="The agent's phone (E.164 or national) or client:<identity>.")
@click.option("--region", "region_code", default=None, help="Region code (e.g. BEKASI); none = national queue.")
@click.option("--name", "full_name", default="")
@with_appcontext
def add_agent(username: str, phone: str, region_code: str | None, full_name: str) -> None:
    """Register an agent's line so the queue knows who takes calls; no console login until a password is set."""
    line = _agent_line(phone)
    with runtime().database.session() as db:
        _refuse_taken(db, username)
        region_id = _region_id(db, region_code)
        db.add(
            User(
                username=username,
                full_name=full_name,
                password_hash=UNUSABLE,
                role=AGENT,
                region_id=region_id,
                phone=line,
            )
        )
    click.echo(f"agent {username} ({line}) takes calls from queue {region_code or 'NASIONAL'}")


@click.command("create-admin")
@click.option("--username", default="admin", show_default=True, help="The user name to log in to the console with.")
@click.option("--password", default=None, help="At least 10 characters; asked for (twice) when not given.")
@click.pass_context
def create_admin(ctx: click.Context, username: str, password: str | None) -> None:
    """Create the first administrator, saying the user name to log in with (a newcomer never typed one)."""
    click.echo(f"Creating the console administrator {username!r}.")
    if password is None:
        password = click.prompt(f"Password for {username!r}", hide_input=True, confirmation_prompt=True)
    ctx.invoke(
        create_user, username=username, role=ADMIN, region_code=None, full_name="", phone=None, password=password
    )
    click.echo(f"Log in to the console (/console/) with user name {username!r} and that password.")


@click.command("set-password")
@click.option("--username", required=True)
@click.password_option("--password", help="At least 10 characters; asked for when not given.")
@with_appcontext
def set_password(username: str, password: str) -> None:
    """Give a user a new password (or a first one, after add-agent); their console sessions end."""
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from exc
    with runtime().database.session() as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        user.password_hash = hashed
        end_sessions(db, user.id)
    click.echo(f"password of {username} set; their console sessions ended")


@click.command("create-token")
@click.option("--username", required=True)
@click.option("--name", required=True, help="What the token is for, e.g. 'wallboard'.")
@with_appcontext
def create_token(username: str, name: str) -> None:
    """Issue an API token for a user; it is printed once and stored only as a hash."""
    with runtime().database.session() as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        raw = issue_token(db, user, name)
    click.echo(raw)


@click.command("revoke-token")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token_command(token_id: int) -> None:
    """Revoke an API token by its id; it stops working at once."""
    with runtime().database.session() as db:
        if not revoke_token(db, token_id, runtime().clock.now()):
            raise click.ClickException(f"no live token {token_id}")
    click.echo(f"token {token_id} revoked")


COMMANDS = (create_user, add_agent, create_admin, set_password, create_token, revoke_token_command)
