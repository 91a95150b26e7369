"""Work over the API: complaints, service requests, callbacks and flagged readings."""

from __future__ import annotations

from typing import Any

from flask import abort, g, jsonify
from flask.typing import ResponseReturnValue

from db.models import TICKET_STATUSES
from ivr.api.blueprint import blueprint
from ivr.api.calls import page_json
from ivr.api.errors import BadRequest
from ivr.api.params import body, choice, page_args, to_json
from ivr.auth.roles import STAFF
from ivr.auth.tokens import api_auth
from ivr.extensions import runtime
from ivr.queries import callbacks, readings, tickets

KIND_BY_PATH = {"complaints": "complaint", "service-requests": "request"}


def _now() -> Any:
    return runtime().clock.now()


def _changed(call: Any) -> Any:
    """Run a change; map the query layer's errors to 400 / 404 (another region looks missing)."""
    try:
        with runtime().database.session() as session:
            return call(session)
    except (tickets.TicketError, readings.ReviewError) as exc:
        raise BadRequest(str(exc)) from exc
    except (LookupError, PermissionError):
        abort(404, description="no such item")


@blueprint.get("/<any(complaints, 'service-requests'):kinds>")
@api_auth(*STAFF)
def ticket_list(kinds: str) -> ResponseReturnValue:
    """Work queue order: urgent first, then oldest; `status` one of the statuses or `active`."""
    status = choice("status", (*TICKET_STATUSES, tickets.ACTIVE))
    page, per_page = page_args()
    with runtime().database.session() as session:
        result = tickets.list_tickets(session, g.principal, KIND_BY_PATH[kinds], status, page, per_page, now=_now())
    return jsonify(page_json(result))


@blueprint.get("/<any(complaints, 'service-requests'):kinds>/<int:item_id>")
@api_auth(*STAFF)
def ticket(kinds: str, item_id: int) -> ResponseReturnValue:
    with runtime().database.session() as session:
        detail = tickets.get_ticket(session, g.principal, KIND_BY_PATH[kinds], item_id, now=_now())
    if detail is None:
        abort(404, description="no such item")
    return jsonify(to_json(detail))


@blueprint.patch("/<any(complaints, 'service-requests'):kinds>/<int:item_id>")
@api_auth(*STAFF)
def ticket_update(kinds: str, item_id: int) -> ResponseReturnValue:
    """Change the status and/or add a note; kept in the history, and heard by callers in menu 4."""
    data = body()
    status, note = data.get("status"), data.get("note")
    if not isinstance(status, str | None) or not isinstance(note, str | None):
        raise BadRequest("status and note must be strings")
    kind, notices = KIND_BY_PATH[kinds], runtime().core.ticket_notices()
    detail = _changed(
        lambda s: tickets.update_ticket(s, g.principal, kind, item_id, status, note, _now(), notices=notices)
    )
    return jsonify(to_json(detail))


@blueprint.get("/callbacks")
@api_auth(*STAFF)
def callback_list() -> ResponseReturnValue:
    status = choice("status", (callbacks.CALLBACK_OPEN, callbacks.CALLBACK_DONE, "all")) or callbacks.CALLBACK_OPEN
    with runtime().database.session() as session:
        rows = callbacks.list_callbacks(session, g.principal, None if status == "all" else status)
    return jsonify(items=to_json(rows))


@blueprint.post("/callbacks/<int:item_id>/complete")
@api_auth(*STAFF)
def callback_complete(item_id: int) -> ResponseReturnValue:
    note = body().get("note")
    if not isinstance(note, str | None):
        raise BadRequest("note must be a string")
    row = _changed(lambda s: callbacks.complete_callback(s, g.principal, item_id, note, _now()))
    return jsonify(to_json(row))


@blueprint.get("/readings")
@api_auth(*STAFF)
def reading_list() -> ResponseReturnValue:
    """Readings flagged for review (lower than the last accepted one, or far above usual use)."""
    page, per_page = page_args()
    with runtime().database.session() as session:
        result = readings.list_flagged_readings(session, g.principal, page, per_page)
    return jsonify(page_json(result))


@blueprint.post("/readings/<int:item_id>/review")
@api_auth(*STAFF)
def reading_review(item_id: int) -> ResponseReturnValue:
    """Accept (it becomes the customer's last reading) or reject with a reason."""
    data = body()
    accept, reason = data.get("accept"), data.get("reason")
    if not isinstance(accept, bool) or not isinstance(reason, str | None):
        raise BadRequest("accept must be true or false, reason a string")
    row = _changed(lambda s: readings.review_reading(s, g.principal, item_id, accept, reason, _now()))
    return jsonify(to_json(row))
