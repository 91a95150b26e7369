"""Calls and customers over the API: the same queries and role rules as the console."""

from __future__ import annotations

from typing import Any

from flask import abort, g, jsonify, request
from flask.typing import ResponseReturnValue

from db.models import CHANNELS
from ivr.api.blueprint import blueprint
from ivr.api.errors import BadRequest
from ivr.api.params import choice, integer, page_args, timestamp, to_json
from ivr.auth.roles import STAFF
from ivr.auth.tokens import api_auth
from ivr.calls.outcome import OUTCOMES
from ivr.extensions import runtime
from ivr.queries.calls import CallFilter, get_call, list_calls
from ivr.queries.customer_page import get_customer
from ivr.queries.customers import lookup_customers
from ivr.queries.paging import Page


def page_json(page: Page[Any]) -> dict[str, object]:
    """A page of results with the pager's facts spelled out (stable order; ask for page + 1)."""
    data = to_json(page)
    data["has_next"] = page.has_next
    return data


@blueprint.get("/calls")
@api_auth(*STAFF)
def calls() -> ResponseReturnValue:
    """Calls, newest first; filter by time, region, caller, outcome, menu option reached and channel."""
    try:
        filt = CallFilter(
            since=timestamp("since"),
            until=timestamp("until"),
            region_id=integer("region_id"),
            caller=request.args.get("caller") or None,
            outcome=choice("outcome", OUTCOMES),
            flow=choice("flow", tuple(runtime().engine.flows.flows)),
            channel=choice("channel", CHANNELS),
        )
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    page, per_page = page_args()
    with runtime().database.session() as session:
        result = list_calls(session, g.principal, filt, page, per_page)
    return jsonify(page_json(result))


@blueprint.get("/calls/<call_sid>")
@api_auth(*STAFF)
def call(call_sid: str) -> ResponseReturnValue:
    """One call with its event timeline and what it created; 404 also when not visible."""
    with runtime().database.session() as session:
        detail = get_call(session, g.principal, call_sid[:64])
    if detail is None:
        abort(404, description="no such call")
    return jsonify(to_json(detail))


@blueprint.get("/customers")
@api_auth(*STAFF)
def customers() -> ResponseReturnValue:
    """Look a customer up by IDPEL, meter number or phone."""
    query = (request.args.get("q") or "").strip()
    if not query:
        raise BadRequest("q (IDPEL, meter number or phone) is required")
    with runtime().database.session() as session:
        found = lookup_customers(session, g.principal, query[:40])
    return jsonify(items=to_json(found))


@blueprint.get("/customers/<int:customer_id>")
@api_auth(*STAFF)
def customer(customer_id: int) -> ResponseReturnValue:
    with runtime().database.session() as session:
        detail = get_customer(session, g.principal, customer_id)
    if detail is None:
        abort(404, description="no such customer")
    return jsonify(to_json(detail))
