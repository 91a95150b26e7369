"""The live board in the console: callers in the menus, waiting (urgent ones apart), longest wait, agents per queue."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from db.models import DEFAULT_TIMEZONE, Region
from ivr.auth.roles import STAFF, Principal
from ivr.auth.sessions import login_required, require_user
from ivr.console import nav
from ivr.console.blueprint import blueprint
from ivr.extensions import runtime
from ivr.live.board import LiveSnapshot, QueueLive, RegionLive
from ivr.queues.policy import NATIONAL_QUEUE, urgent_waiting
from ivr.state import StateStoreError

log = logging.getLogger(__name__)

REFRESH_SECONDS = 15
NO_REGION = "NONE"  # the board's name for calls routed to no region

nav.add("console.live", "Langsung", STAFF, order=40)


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


def now() -> float:
    """The snapshot time, in seconds since the epoch, from the app's clock."""
    return runtime().clock.now().timestamp()


def visible_rows(
    snapshot: LiveSnapshot, regions: list[Region], principal: Principal, urgent: dict[str, int] | None = None
) -> list[LiveRow]:
    """Rows for every known region and every name on the board; agents get their region and the national one."""
    names = {region.code: region.name for region in regions}
    urgent = urgent or {}
    codes = set(names) | set(snapshot.regions) | set(snapshot.queues)
    if not principal.sees_all_regions:
        allowed = {NATIONAL_QUEUE} | {r.code for r in regions if r.is_national or r.id == principal.region_id}
        codes &= allowed
    rows = []
    for code in codes:
        region = snapshot.regions.get(code, RegionLive())
        queue = snapshot.queues.get(code, QueueLive())
        name = names.get(code, "Tanpa wilayah" if code == NO_REGION else code)
        rows.append(
            LiveRow(
                code,
                name,
                region.in_menu,
                queue.waiting,
                int(queue.longest_wait_seconds),
                queue.agents_connected,
                urgent.get(code, 0),
            )
        )
    national = {NATIONAL_QUEUE} | {r.code for r in regions if r.is_national}
    return sorted(rows, key=lambda row: (row.code not in national, row.name))


@blueprint.get("/live")
@login_required(*STAFF)
def live() -> ResponseReturnValue:
    """Numbers as of now, refreshed by the browser every 15 seconds; 503 when the board is down."""
    principal = require_user()
    with runtime().database.session() as db:
        regions = list(db.scalars(select(Region)))
        urgent = urgent_waiting(db)
    own = next((region for region in regions if region.id == principal.region_id), None)
    zone = own.timezone if own is not None else DEFAULT_TIMEZONE
    headers = {"Refresh": str(REFRESH_SECONDS), "Cache-Control": "no-store"}
    try:
        snapshot = runtime().live.snapshot(now())
    except StateStoreError:
        log.warning("live board unavailable for the console", exc_info=True)
        return render_template("console/live.html", rows=None, refresh=REFRESH_SECONDS), 503, headers
    taken_at = datetime.fromtimestamp(snapshot.taken_at, tz=UTC)
    rows = visible_rows(snapshot, regions, principal, urgent)
    page = render_template("console/live.html", rows=rows, taken_at=taken_at, zone=zone, refresh=REFRESH_SECONDS)
    return page, 200, headers
