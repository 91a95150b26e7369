"""How a task ends: whether there is an answer to hear again, and forgetting it when a new one begins.

The engine keeps the text of the last answer (`result: true` nodes) in the `last_result` variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ivr.engine.runtime import RESULT_VAR
from ivr.engine.services import ServiceRegistry, ServiceResult
from ivr.services.context import ServiceContext


def last_result(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """Whether the caller was given an answer they may hear again (`some`), or not (`none`)."""
    return ServiceResult("some" if args.get("text") else "none")


def forget_result(context: ServiceContext, args: Mapping[str, Any]) -> ServiceResult:
    """A new task begins: the last one's answer is no longer the one to hear again."""
    return ServiceResult("ok", {RESULT_VAR: None})


def register(registry: ServiceRegistry) -> None:
    registry.add("ending.last_result", last_result, {"some", "none"})
    registry.add("ending.forget_result", forget_result, {"ok"})
