"""The service's own counters (Prometheus), low in the layers so the stores and the core can count too.

Every metric carries labels, so nothing is written before it is first counted: under gunicorn with
PROMETHEUS_MULTIPROC_DIR each worker's values go to files there (README, "Metrics"), and a module
imported by gunicorn's master leaves no file behind. `/metrics` (ivr/metrics.py) exposes them.

A webhook's outcome ("ok", or "apology" when the caller heard one) is noted per request in a
context variable, so the adapters' request timing can label its histogram without being told.
"""

from __future__ import annotations

from contextvars import ContextVar

from prometheus_client import Counter, Histogram, disable_created_metrics

# No `_created` series: a multiprocess scrape has none either, and they double what a scrape carries.
disable_created_metrics()

# Twilio gives up on a webhook after 15 s; most answer in a few milliseconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)

WEBHOOK_SECONDS = Histogram(
    "ivr_webhook_duration_seconds",
    "Time to answer a Twilio webhook, by webhook kind (endpoint) and outcome (ok, apology, rejected, error).",
    ["kind", "outcome"],
    buckets=LATENCY_BUCKETS,
)
APOLOGIES = Counter(
    "ivr_apologies",
    "Replies that apologised to a caller or texter instead of going on, by channel and cause.",
    ["channel", "cause"],
)
ERRORS = Counter(
    "ivr_errors",
    "Errors that failed a turn or a whole webhook, by where and by exception class.",
    ["where", "error"],
)
STATE_STORE_FAILURES = Counter(
    "ivr_state_store_failures",
    "Call-state store (Redis) operations that failed, live board included.",
    ["operation"],
)
DATABASE_FAILURES = Counter(
    "ivr_database_failures",
    "Database work that failed (after the one retry on a dropped connection).",
    ["operation"],
)
FALLBACKS = Counter(
    "ivr_fallback_requests",
    "Requests to the Voice Fallback URL (/voice/fallback), by the kind of webhook that failed.",
    ["failed"],
)
TAKEOVERS = Counter(
    "ivr_fallback_takeovers",
    "A fallback found the failed step still claimed: replayed (its reply landed), handled (taken over), "
    "asked to wait (a second fallback), or store_down.",
    ["outcome"],
)
RATE_LIMITED = Counter(
    "ivr_messages_rate_limited",
    "Text messages over the per-address rate limit, by verdict (warn: told to slow down once; quiet).",
    ["verdict"],
)

OK, APOLOGY = "ok", "apology"
_outcome: ContextVar[str] = ContextVar("ivr_webhook_outcome", default=OK)


def begin_request() -> None:
    """A new request: its outcome is "ok" until someone apologises."""
    _outcome.set(OK)


def outcome() -> str:
    return _outcome.get()


def apologised(channel: str, cause: str) -> None:
    """Count an apology and mark this request's outcome, so the latency histogram shows it too."""
    APOLOGIES.labels(channel, cause).inc()
    _outcome.set(APOLOGY)


def error(where: str, exc: BaseException) -> None:
    ERRORS.labels(where, type(exc).__name__).inc()


def store_failed(operation: str) -> None:
    STATE_STORE_FAILURES.labels(operation).inc()


def database_failed(operation: str) -> None:
    DATABASE_FAILURES.labels(operation).inc()
