"""Every request: a request id, its log context, one access line, and the webhooks' latency histogram.

The app, not gunicorn, writes the access log (gunicorn's is off, see gunicorn.conf.py): only the app
knows the request id, the CallSid or MessageSid, the flow node and whether the caller heard an
apology, and one line carrying all of them is easier to follow than two.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from urllib.parse import unquote_plus

from flask import Flask, Response, g, request

from ivr import logs, telemetry

log = logging.getLogger("ivr.access")

REQUEST_ID_HEADERS = ("X-Request-Id", "I-Twilio-Idempotency-Token")
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
WEBHOOK_BLUEPRINTS = ("voice", "messaging")
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # polled all day: logged at DEBUG
FORM = "application/x-www-form-urlencoded"


def register(app: Flask) -> None:
    """Hooks that run for every request, the refused ones included (their access line too)."""
    app.before_request(begin)
    app.after_request(finish)
    app.teardown_request(end)


def register_webhook_ids(app: Flask) -> None:
    """Name the CallSid or MessageSid in the log context; registered after ivr.edge's guard, since
    reading the form parses it and the guard must refuse an oversized form first."""
    app.before_request(bind_webhook_id)


def request_id() -> str:
    """The caller's X-Request-Id or Twilio's idempotency token when it is safe to repeat, else a new one."""
    for header in REQUEST_ID_HEADERS:
        given = request.headers.get(header, "")
        if SAFE_REQUEST_ID.match(given):
            return given
    return uuid.uuid4().hex


def _sid() -> tuple[str, str] | None:
    """The call or message this webhook is about, read only from Twilio's form posts."""
    if request.blueprint not in WEBHOOK_BLUEPRINTS or request.mimetype != FORM:
        return None
    form = request.form
    if form.get("MessageSid"):
        return "message_sid", form["MessageSid"]
    if form.get("CallSid"):
        return "call_sid", form["CallSid"]
    return None


def begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id()
    telemetry.begin_request()
    logs.begin_request(g.request_id, request.path)


def bind_webhook_id() -> None:
    sid = _sid()
    if sid is not None:
        logs.bind_sid(*sid)


def finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:  # a request that failed before `begin` (none today)
        return response
    elapsed = time.perf_counter() - started
    response.headers["X-Request-Id"] = g.request_id
    kind, outcome = request.endpoint, _outcome(response.status_code)
    if request.blueprint in WEBHOOK_BLUEPRINTS and kind is not None:
        telemetry.WEBHOOK_SECONDS.labels(kind, outcome).observe(elapsed)
    query = request.query_string.decode("latin-1")
    target = request.path + ("?" + unquote_plus(query) if query else "")
    level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
    extra = {"method": request.method, "status": response.status_code, "latency_ms": round(elapsed * 1000, 2)}
    if kind is not None and request.blueprint in WEBHOOK_BLUEPRINTS:
        extra.update(kind=kind, outcome=outcome)
    log.log(level, "%s %s %s", request.method, target, response.status_code, extra=extra)
    return response


def _outcome(status: int) -> str:
    if status >= 500:
        return "error"
    if status >= 400:
        return "rejected"
    return telemetry.outcome()


def end(_error: BaseException | None) -> None:
    logs.end_request()
