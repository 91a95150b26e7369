"""/metrics for Prometheus (the service's counters and the live board), and /api/v1/live as JSON.

The counters live in ivr/telemetry.py. Under gunicorn each worker writes its values to files in
PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py sets it and empties it at start), and a scrape, whichever
worker answers it, adds up every worker's; without it (one process, the tests) the process's own
registry is read. The live board's gauges are read from the board at each scrape (it is shared by
every worker already), and other parts may add gauges of their own with `add_gauge` (a future
outbox's depth and age, say).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from ivr.extensions import runtime
from ivr.live.board import LiveSnapshot
from ivr.state import StateStoreError

log = logging.getLogger(__name__)

blueprint = Blueprint("live", __name__)

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
OPEN_WITHOUT_TOKEN = frozenset({"development", "test"})
UNAVAILABLE = "live board unavailable"
GAUGES_KEY = "ivr.gauges"

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


@dataclass(frozen=True)
class GaugeSource:
    """A gauge read at each scrape: one value, or one per label value when `label` is set."""

    name: str
    help: str
    read: Callable[[], float | Mapping[str, float]]
    label: str | None = None


def add_gauge(
    app: Flask, name: str, help_text: str, read: Callable[[], float | Mapping[str, float]], label: str | None = None
) -> None:
    """Let a part of the app (an outbox's depth and age, say) show a gauge on /metrics."""
    app.extensions.setdefault(GAUGES_KEY, []).append(GaugeSource(name, help_text, read, label))


def now() -> float:
    """The snapshot time, in seconds since the epoch, from the app's clock."""
    return runtime().clock.now().timestamp()


class LiveCollector:
    """The live board's counts at scrape time; `ivr_live_board_up` 0 (and no counts) when it cannot be read."""

    def __init__(self, snapshot: LiveSnapshot | None) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("ivr_live_board_up", "1 when the live board could be read for this scrape.")
        up.add_metric([], 0 if self.snapshot is None else 1)
        yield up
        if self.snapshot is None:
            return
        for metric, help_text, label, samples in FAMILIES:
            family = GaugeMetricFamily(metric, help_text, labels=[label])
            for name, value in sorted(samples(self.snapshot)):
                family.add_metric([name], value)
            yield family
        taken = GaugeMetricFamily(
            "ivr_live_snapshot_timestamp_seconds", "When these counters were read (Unix time).", self.snapshot.taken_at
        )
        yield taken


class GaugeCollector:
    """The gauges other parts added with `add_gauge`; one that fails to read is left out and logged."""

    def __init__(self, sources: Iterable[GaugeSource]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            try:
                value = source.read()
            except Exception:
                log.warning("gauge %s could not be read", source.name, exc_info=True)
                continue
            family = GaugeMetricFamily(source.name, source.help, labels=[source.label] if source.label else None)
            if isinstance(value, Mapping):
                for name, sample in sorted(value.items()):
                    family.add_metric([name], sample)
            else:
                family.add_metric([], value)
            yield family


class ProcessCollector:
    """This process's own registry (one process: the counters, and Python's process metrics)."""

    def collect(self) -> Iterator[Metric]:
        return iter(REGISTRY.collect())


def render_prometheus(
    snapshot: LiveSnapshot | None, gauges: Iterable[GaugeSource] = (), multiproc_dir: str | None = None
) -> bytes:
    """Every worker's counters (or this process's), the live board and the added gauges, in text format 0.0.4."""
    registry = CollectorRegistry()
    if multiproc_dir:
        MultiProcessCollector(registry, path=multiproc_dir)
    else:
        registry.register(ProcessCollector())
    registry.register(LiveCollector(snapshot))
    registry.register(GaugeCollector(gauges))
    return generate_latest(registry)


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
    """Prometheus scrape target; the counters are served even when the live board cannot be read."""
    settings = runtime().settings
    try:
        snapshot: LiveSnapshot | None = runtime().live.snapshot(now())
    except StateStoreError as exc:
        log.warning("live board unavailable for /metrics: %s", exc)
        snapshot = None
    gauges = current_app.extensions.get(GAUGES_KEY, ())
    body = render_prometheus(snapshot, gauges, settings.prometheus_multiproc_dir)
    return Response(body, content_type=PROMETHEUS_CONTENT_TYPE)


@blueprint.get("/api/v1/live")
def live() -> ResponseReturnValue:
    """The same snapshot as JSON for the supervisor console."""
    try:
        snapshot = runtime().live.snapshot(now())
    except StateStoreError as exc:
        log.warning("live board unavailable for /api/v1/live: %s", exc)
        return jsonify(error=UNAVAILABLE), 503
    return jsonify(snapshot_json(snapshot))
