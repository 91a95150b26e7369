"""The OpenAPI document, written as YAML for people and served as JSON for tools."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import jsonify
from flask.typing import ResponseReturnValue

from ivr.api.blueprint import blueprint

SPEC_PATH = Path(__file__).with_name("openapi.yaml")


@cache
def document() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@blueprint.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document())
