"""Liveness and readiness probes for the process manager and load balancer."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from ivr.extensions import runtime
from ivr.state import StateStoreError

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is up and serving requests."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> ResponseReturnValue:
    """The database and the call-state store both answer; otherwise 503 with which one failed."""
    checks: dict[str, str] = {}
    rt = runtime()
    try:
        rt.database.ping()
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        rt.store.ping()
        checks["call_state"] = "ok"
    except StateStoreError as exc:
        checks["call_state"] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), 200 if ready else 503
