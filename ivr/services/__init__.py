"""Domain services the flows call by name (billing, readings, complaints, ...).

`build_registry()` is the one place that lists them; flows are checked against it at start-up.
"""

from __future__ import annotations

from ivr.engine.services import ServiceRegistry


def build_registry() -> ServiceRegistry:
    """Every service and validator available to flow files."""
    return ServiceRegistry()
