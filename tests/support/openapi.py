"""Check real API responses against the OpenAPI document, operation by operation."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ivr.api.spec import document

SPEC_URI = "urn:ivr:openapi"


@cache
def _registry() -> Registry:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(document(), default_specification=DRAFT202012))


def _pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def check(response: Any, method: str, path_template: str) -> Any:
    """Validate `response` (Flask test response) against the documented schema; return its JSON."""
    operation = document()["paths"][path_template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path_template} does not document status {status}"
    body = response.get_json()
    pointer = f"{SPEC_URI}#/paths/{_pointer(path_template)}/{method.lower()}/responses/{status}"
    entry = operation["responses"][status]
    if "$ref" in entry:
        pointer = f"{SPEC_URI}#{entry['$ref'][1:]}"
    schema = {"$ref": f"{pointer}/content/application~1json/schema"}
    Draft202012Validator(schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        body
    )
    return body
