"""The JSON API for agents, supervisors and scripts: /api/v1/..., Bearer-token authenticated.

Views are thin: they parse parameters, call the same functions in ivr/queries that the console
uses (so the role rules are the same), and serialise. The contract is openapi.yaml beside this
file, served at /api/v1/openapi.json and checked against real responses by the tests.
"""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


def register(app: Flask) -> None:
    from ivr.api import endpoints, errors, spec  # noqa: F401  (routes register on import)

    endpoints.load()
    app.register_blueprint(blueprint)
