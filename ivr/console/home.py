"""The console's first page: today's figures for the viewer's scope, refreshed in place every few seconds.

An agent sees their own region; supervisors and admins every region, or one they pick. Each tile
reads an existing source: the statistics rollups (calls today, all channels), the live board
(callers waiting now, the oldest wait), the work queues (urgent complaints still open) and the
readings to review. /console/home.json gives the same figures and the tiles as HTML for the page's
script (ivr/console/static/refresh.js); without JavaScript the page reloads itself instead.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AGENT, DEFAULT_TIMEZONE, Region, whole_number
from ivr.auth.roles import STAFF, Principal
from ivr.auth.sessions import current_user, login_required, require_user
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.extensions import runtime
from ivr.live.board import LiveSnapshot
from ivr.queries import readings, tickets
from ivr.queues.policy import NATIONAL_QUEUE
from ivr.state import StateStoreError
from ivr.stats.definitions import ratio
from ivr.stats.figures import ALL_CHANNELS, StatsRange, call_totals
from ivr.stats.request import today_in

log = logging.getLogger(__name__)

REFRESH_SECONDS = 10
NO_REGION_ID = 0  # an agent without a region: no region has this id, so every figure is zero


@dataclass(frozen=True)
class Scope:
    """Whose figures: one region (its code for the live board) or every region (`region` None)."""

    region: Region | None
    viewer: Principal  # the region rule applied to tickets and readings (see `scope_for`)

    @property
    def region_id(self) -> int | None:
        return self.region.id if self.region is not None else None

    @property
    def zone(self) -> str:
        return self.region.timezone if self.region is not None else DEFAULT_TIMEZONE

    @property
    def queue(self) -> str | None:
        """The live board's queue of the region (None: every queue)."""
        if self.region is None:
            return None
        return NATIONAL_QUEUE if self.region.is_national else self.region.code


@dataclass(frozen=True)
class Today:
    """The home page's figures, as of `taken_at`; `waiting` is None while the live board is down."""

    day: date
    taken_at: datetime
    calls: int
    self_served: int
    self_served_rate: float | None
    waiting: int | None
    oldest_wait_seconds: int | None
    urgent_tickets: int
    readings_to_review: int


def scope_for(session: Session, principal: Principal, asked: int | None) -> Scope:
    """An agent: their region, whatever is asked. Others: the region asked for (if it is one), else all.

    A supervisor who picked a region sees tickets and readings as that region's agents do: the
    one region rule of ivr/auth/roles.py, applied to the region picked.
    """
    if not principal.sees_all_regions:
        region = session.get(Region, principal.region_id) if principal.region_id is not None else None
        return Scope(region, principal)
    region = session.get(Region, asked) if asked is not None else None
    if region is None:
        return Scope(None, principal)
    return Scope(region, dataclasses.replace(principal, role=AGENT, region_id=region.id))


def _waiting(snapshot: LiveSnapshot | None, queue: str | None) -> tuple[int | None, int | None]:
    """Callers waiting in the scope's queue (or all queues) and the oldest wait; (None, None) when unknown."""
    if snapshot is None:
        return None, None
    queues = [q for name, q in snapshot.queues.items() if queue is None or name == queue]
    waiting = sum(q.waiting for q in queues)
    return waiting, int(max((q.longest_wait_seconds for q in queues), default=0.0)) if waiting else None


def today_figures(session: Session, principal: Principal, scope: Scope, snapshot: LiveSnapshot | None) -> Today:
    now = runtime().clock.now()
    day = today_in(now, scope.zone)
    region_id = scope.region_id if scope.region is not None or principal.sees_all_regions else NO_REGION_ID
    totals = call_totals(session, StatsRange(day, day, region_id, ALL_CHANNELS))
    waiting, oldest = _waiting(snapshot, scope.queue if region_id != NO_REGION_ID else "")
    urgent = tickets.list_tickets(session, scope.viewer, "complaint", tickets.ACTIVE, 1, 1, now=now, urgent_only=True)
    flagged = readings.list_flagged_readings(session, scope.viewer, 1, 1)
    return Today(
        day=day,
        taken_at=now,
        calls=totals["offered"],
        self_served=totals["self_served"],
        self_served_rate=ratio(totals["self_served"], totals["offered"]),
        waiting=waiting,
        oldest_wait_seconds=oldest,
        urgent_tickets=urgent.total,
        readings_to_review=flagged.total,
    )


def _snapshot() -> LiveSnapshot | None:
    try:
        return runtime().live.snapshot(runtime().clock.now().timestamp())
    except StateStoreError:
        log.warning("live board unavailable for the console's home page", exc_info=True)
        return None


def _asked_region() -> int | None:
    raw = request.args.get("region_id", "").strip()
    return whole_number(raw, minimum=1) if raw else None


def _read() -> tuple[Scope, Today, list[Region]]:
    principal = require_user()
    snapshot = _snapshot()
    with runtime().database.session() as db:
        scope = scope_for(db, principal, _asked_region())
        figures = today_figures(db, principal, scope, snapshot)
        regions = list(db.scalars(select(Region).order_by(Region.name))) if principal.sees_all_regions else []
        db.expunge_all()
    return scope, figures, regions


def _tiles(scope: Scope, figures: Today) -> str:
    return render_template("console/_home_tiles.html", scope=scope, today=figures)


@blueprint.get("/")
@login_required(*STAFF)
def home() -> ResponseReturnValue:
    """The first page after login: today's figures for this user's scope, and what this role can open."""
    scope, figures, regions = _read()
    return render_template(
        "console/home.html",
        entries=nav.entries_for(current_user()),
        scope=scope,
        today=figures,
        regions=regions,
        refresh=REFRESH_SECONDS,
    )


@blueprint.get("/home.json")
@login_required(*STAFF)
def home_json() -> ResponseReturnValue:
    """The home page's figures now, and its tiles as HTML for the page's script to put in place."""
    scope, figures, _ = _read()
    body: dict[str, Any] = {
        "day": figures.day.isoformat(),
        "taken_at": figures.taken_at.isoformat(),
        "region": scope.region.code if scope.region is not None else None,
        "figures": {
            "calls": figures.calls,
            "self_served": figures.self_served,
            "self_served_rate": figures.self_served_rate,
            "waiting": figures.waiting,
            "oldest_wait_seconds": figures.oldest_wait_seconds,
            "urgent_tickets": figures.urgent_tickets,
            "readings_to_review": figures.readings_to_review,
        },
        "html": _tiles(scope, figures),
    }
    return jsonify(body)
