"""Every API error is JSON: {"error": "..."} with the right status, never an HTML page."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ivr.api.blueprint import blueprint


class BadRequest(ValueError):
    """A parameter or body the client must fix; the message says which and why."""


@blueprint.errorhandler(BadRequest)
def bad_request(error: BadRequest) -> ResponseReturnValue:
    return jsonify(error=str(error)), 400


@blueprint.errorhandler(PermissionError)
def forbidden(error: PermissionError) -> ResponseReturnValue:
    return jsonify(error="not allowed for this user"), 403


def unrouted(error: HTTPException) -> ResponseReturnValue:
    """No route matched (an unknown path, an id no column holds): the blueprint's handlers never see it."""
    if request.path.startswith(blueprint.url_prefix or "/api/"):
        return http_error(error)
    return error


@blueprint.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    return jsonify(error=error.description or error.name), error.code or 500
