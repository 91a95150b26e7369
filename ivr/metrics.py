"""Live counters over HTTP: Prometheus text for scraping, JSON for the supervisor console."""

from __future__ import annotations

import hmac
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from ivr.extensions import runtime
from ivr.live.board import LiveSnapshot
from ivr.state import StateStoreError

log = logging.getLogger(__name__)

blueprint = Blueprint("live", __name__)

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
OPEN_WITHOUT_TOKEN = frozenset({"development", "test"})
UNAVAILABLE = "live board unavailable"

Samples = Callable[[LiveSnapshot], Iterable[tuple[str, float]]]

# (metric, help, label, samples): one gauge family per labelled counter, in this order.
FAMILIES: tuple[tuple[str, str, str, Samples], ...] = (
    (
        "ivr_calls_in_menu",
        "Calls in the IVR menus, by region.",
        "region",
        lambda snap: ((name, region.in_menu) for name, region in snap.regions.items()),
    ),
    (
        "ivr_calls_waiting",
        "Calls waiting for an agent, by queue.",
        "queue",
        lambda snap: ((name, queue.waiting) for name, queue in snap.queues.items()),
    ),
    (
        "ivr_queue_longest_wait_seconds",
        "Seconds the longest-waiting caller has been in the queue (0 when empty).",
        "queue",
        lambda snap: ((name, queue.longest_wait_seconds) for name, queue in snap.queues.items()),
    ),
    (
        "ivr_agents_connected",
        "Agent legs connected to the queue.",
        "queue",
        lambda snap: ((name, queue.agents_connected) for name, queue in snap.queues.items()),
    ),
)


def now() -> float:
    """The snapshot time, in seconds since the epoch, from the app's clock."""
    return runtime().clock.now().timestamp()


def escape_label(value: str) -> str:
    """Escape a label value as the text format requires (backslash, double quote, newline)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def format_value(value: float) -> str:
    """Whole numbers without a trailing ".0", so dashboards and tests read "41", not "41.0"."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render_prometheus(snapshot: LiveSnapshot) -> str:
    """The snapshot in text exposition format 0.0.4, label values sorted for stable output."""
    lines: list[str] = []
    for metric, help_text, label, samples in FAMILIES:
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} gauge"]
        for name, value in sorted(samples(snapshot)):
            lines.append(f'{metric}{{{label}="{escape_label(name)}"}} {format_value(value)}')
    lines += [
        "# HELP ivr_live_snapshot_timestamp_seconds When these counters were read (Unix time).",
        "# TYPE ivr_live_snapshot_timestamp_seconds gauge",
        f"ivr_live_snapshot_timestamp_seconds {format_value(snapshot.taken_at)}",
    ]
    return "\n".join(lines) + "\n"


def snapshot_json(snapshot: LiveSnapshot) -> dict[str, object]:
    """The JSON the supervisor console polls."""
    taken_at = datetime.fromtimestamp(snapshot.taken_at, tz=UTC).isoformat(timespec="milliseconds")
    return {
        "taken_at": taken_at,
        "regions": {name: asdict(region) for name, region in snapshot.regions.items()},
        "queues": {name: asdict(queue) for name, queue in snapshot.queues.items()},
    }


def _refuse(status: int, message: str, headers: dict[str, str] | None = None) -> ResponseReturnValue:
    """An error in the endpoint's own format, so the console can parse it and a scraper log it."""
    if request.path.startswith("/api/"):
        response = jsonify(error=message)
        response.status_code = status
    else:
        response = Response(message + "\n", status=status, content_type=TEXT_CONTENT_TYPE)
    response.headers.update(headers or {})
    return response


@blueprint.before_request
def require_token() -> ResponseReturnValue | None:
    """Counters reveal traffic: a bearer token, or no token only in development and test."""
    settings = runtime().settings
    expected = settings.metrics_token
    if not expected:
        if settings.env in OPEN_WITHOUT_TOKEN:
            return None
        return _refuse(403, "METRICS_TOKEN is not configured")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return _refuse(401, "bearer token required", {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _refuse(403, "invalid token")
    return None


@blueprint.after_request
def no_store(response: Response) -> Response:
    """Live numbers must never be served from a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Prometheus scrape target; 503 when the board cannot be read so the scrape shows as failed."""
    try:
        snapshot = runtime().live.snapshot(now())
    except StateStoreError as exc:
        log.warning("live board unavailable for /metrics: %s", exc)
        return Response(UNAVAILABLE + "\n", status=503, content_type=TEXT_CONTENT_TYPE)
    return Response(render_prometheus(snapshot), content_type=PROMETHEUS_CONTENT_TYPE)


@blueprint.get("/api/v1/live")
def live() -> ResponseReturnValue:
    """The same snapshot as JSON for the supervisor console."""
    try:
        snapshot = runtime().live.snapshot(now())
    except StateStoreError as exc:
        log.warning("live board unavailable for /api/v1/live: %s", exc)
        return jsonify(error=UNAVAILABLE), 503
    return jsonify(snapshot_json(snapshot))
