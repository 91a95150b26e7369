"""The API's Flask blueprint (/api/v1), which every resource module adds its routes to."""

from __future__ import annotations

from flask import Blueprint, Response

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


@blueprint.after_request
def no_sniffing(response: Response) -> Response:
    """JSON and CSV are read as what they say they are, never sniffed into HTML."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
