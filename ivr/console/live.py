"""The live board in the console: callers in the menus, waiting (urgent ones apart), longest wait, agents per queue.

Counts come from the live board (ivr/live); who waits, for how long and whether urgent, and which
agents are talking to a caller, from the calls table (ivr/queues/policy.py). An agent's line counts
as on the line from the agent phoning in until they hang up (the board's agent legs); of those, the
ones bridged to a caller are serving, the rest hold for the next caller. /console/live.json gives the
same numbers and the board as HTML for the page's script, which refreshes it in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import DEFAULT_TIMEZONE, Region, User
from ivr.auth.roles import STAFF, Principal
from ivr.auth.sessions import login_required, require_user
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.console.translate import t
from ivr.extensions import runtime
from ivr.live.board import LiveSnapshot, QueueLive, RegionLive
from ivr.phone.numbers import mask
from ivr.queues import policy
from ivr.queues.policy import NATIONAL_QUEUE
from ivr.state import StateStoreError
from ivr.voice.queueing import AGENT_SESSION_TTL

log = logging.getLogger(__name__)

REFRESH_SECONDS = 10
NO_REGION = "NONE"  # the board's name for calls routed to no region

nav.add("console.live", "Langsung", STAFF, order=40)


@dataclass(frozen=True)
class Waiting:
    """One caller waiting: how long in this queue, urgent or not, and their number masked."""

    call_sid: str
    number: str
    wait_seconds: int
    urgent: bool
    visible: bool  # the viewer may open the call's page


@dataclass(frozen=True)
class Serving:
    """An agent talking to a caller they took from the queue, and for how long."""

    agent: str
    seconds: int


@dataclass(frozen=True)
class LiveRow:
    """One region with its own queue (queues are named after region codes, plus NASIONAL)."""

    code: str
    name: str
    in_menu: int
    waiting: int
    longest_wait_seconds: int
    agents_connected: int
    urgent_waiting: int = 0  # of `waiting`, urgent callers (from the database: agents take them first)
    callers: tuple[Waiting, ...] = ()  # who waits, in the order agents take them
    serving: tuple[Serving, ...] = ()  # agents talking to a caller taken from this queue

    @property
    def agents_holding(self) -> int:
        """Agents on the line waiting for the next caller (never below zero if the two sources disagree)."""
        return max(0, self.agents_connected - len(self.serving))


def now() -> float:
    """The snapshot time, in seconds since the epoch, from the app's clock."""
    return runtime().clock.now().timestamp()


Waits = dict[str, list[Waiting]]
Servings = dict[str, list[Serving]]


def _seconds(since: datetime | None, moment: datetime) -> int:
    return max(0, round((moment - (since or moment)).total_seconds()))


def who_is_where(session: Session, principal: Principal, at: float) -> tuple[Waits, Servings]:
    """Per queue: the callers waiting (in the order agents take them) and the agents serving a caller."""
    moment = datetime.fromtimestamp(at, tz=UTC)
    waiting: Waits = {}
    for call in policy.waiting_calls(session, list(_queue_names(session))):
        seconds = _seconds(call.queue_entered_at, moment)
        visible = principal.may_see_region(call.region_id)
        found = Waiting(call.call_sid, mask(call.caller), seconds, call.urgent, visible)
        waiting.setdefault(str(call.queue_name), []).append(found)
    calls = policy.with_agents(session, moment - timedelta(seconds=AGENT_SESSION_TTL))
    ids = {call.agent_id for call in calls if call.agent_id is not None}
    names = {user.id: user.full_name or user.username for user in session.scalars(select(User).where(User.id.in_(ids)))}
    serving: Servings = {}
    for call in calls:
        name = names.get(call.agent_id, t("Agen")) if call.agent_id is not None else t("Agen")
        serving.setdefault(str(call.queue_name), []).append(Serving(name, _seconds(call.answered_at, moment)))
    return waiting, serving


def _queue_names(session: Session) -> set[str]:
    """Every queue a caller can wait in: a region's code, or the national queue."""
    return {NATIONAL_QUEUE, *session.scalars(select(Region.code))}


def visible_rows(
    snapshot: LiveSnapshot,
    regions: list[Region],
    principal: Principal,
    urgent: dict[str, int] | None = None,
    waiting: Waits | None = None,
    serving: Servings | None = None,
) -> list[LiveRow]:
    """Rows for every known region and every name on the board; agents get their region and the national one."""
    names = {region.code: region.name for region in regions}
    urgent, waiting, serving = urgent or {}, waiting or {}, serving or {}
    codes = set(names) | set(snapshot.regions) | set(snapshot.queues)
    if not principal.sees_all_regions:
        allowed = {NATIONAL_QUEUE} | {r.code for r in regions if r.is_national or r.id == principal.region_id}
        codes &= allowed
    rows = []
    for code in codes:
        region = snapshot.regions.get(code, RegionLive())
        queue = snapshot.queues.get(code, QueueLive())
        name = names.get(code, t("Tanpa wilayah") if code == NO_REGION else code)
        rows.append(
            LiveRow(
                code,
                name,
                region.in_menu,
                queue.waiting,
                int(queue.longest_wait_seconds),
                queue.agents_connected,
                urgent.get(code, 0),
                tuple(waiting.get(code, ())),
                tuple(serving.get(code, ())),
            )
        )
    national = {NATIONAL_QUEUE} | {r.code for r in regions if r.is_national}
    return sorted(rows, key=lambda row: (row.code not in national, row.name))


def _board() -> tuple[list[LiveRow] | None, datetime, str]:
    """The rows the viewer may see (None while the board is down), when they were taken, the viewer's zone."""
    principal = require_user()
    at = now()
    with runtime().database.session() as db:
        regions = list(db.scalars(select(Region)))
        urgent = policy.urgent_waiting(db)
        waiting, serving = who_is_where(db, principal, at)
        db.expunge_all()
    own = next((region for region in regions if region.id == principal.region_id), None)
    zone = own.timezone if own is not None else DEFAULT_TIMEZONE
    try:
        snapshot = runtime().live.snapshot(at)
    except StateStoreError:
        log.warning("live board unavailable for the console", exc_info=True)
        return None, datetime.fromtimestamp(at, tz=UTC), zone
    rows = visible_rows(snapshot, regions, principal, urgent, waiting, serving)
    return rows, datetime.fromtimestamp(snapshot.taken_at, tz=UTC), zone


@blueprint.get("/live")
@login_required(*STAFF)
def live() -> ResponseReturnValue:
    """Numbers as of now, refreshed in place (reloaded without JavaScript); 503 when the board is down."""
    rows, taken_at, zone = _board()
    page = render_template("console/live.html", rows=rows, taken_at=taken_at, zone=zone, refresh=REFRESH_SECONDS)
    return page, 200 if rows is not None else 503


@blueprint.get("/live.json")
@login_required(*STAFF)
def live_json() -> ResponseReturnValue:
    """The board now, as numbers and as the HTML the page's script puts in place; 503 when the board is down."""
    rows, taken_at, zone = _board()
    html = render_template("console/_live_board.html", rows=rows, taken_at=taken_at, zone=zone, refresh=REFRESH_SECONDS)
    queues = [
        {
            "code": row.code,
            "name": row.name,
            "in_menu": row.in_menu,
            "waiting": row.waiting,
            "urgent_waiting": row.urgent_waiting,
            "longest_wait_seconds": row.longest_wait_seconds if row.waiting else None,
            "agents_connected": row.agents_connected,
            "agents_serving": len(row.serving),
            "agents_holding": row.agents_holding,
            "callers": [{"wait_seconds": c.wait_seconds, "urgent": c.urgent} for c in row.callers],
        }
        for row in rows or []
    ]
    body = {"taken_at": taken_at.isoformat(), "queues": queues if rows is not None else None, "html": html}
    return jsonify(body), 200 if rows is not None else 503
