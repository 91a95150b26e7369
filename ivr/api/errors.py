"""Every API error is JSON: {"error": "..."} with the right status, never an HTML page."""

from __future__ import annotations

from flask import jsonify
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


@blueprint.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    return jsonify(error=error.description or error.name), error.code or 500
