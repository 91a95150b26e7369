"""Every API resource, imported here so its routes exist, and the API attached."""

from __future__ import annotations

from flask import Flask

from ivr.api import admin, calls, errors, spec, stats, work
from ivr.api.blueprint import blueprint

RESOURCES = (errors, spec, calls, work, admin, stats)  # imported for their routes and error handlers


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.register_error_handler(404, errors.unrouted)
    app.register_error_handler(405, errors.unrouted)
