"""The console's Flask blueprint, which every feature module adds its routes to."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static")
