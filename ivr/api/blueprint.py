"""The API's Flask blueprint (/api/v1), which every resource module adds its routes to."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
