"""Domain services the flows call by name (billing, readings, complaints, ...).

Each module exposes `register(registry)`; `build_registry()` is the one place that lists them,
and flows are checked against the result at start-up.
"""

from __future__ import annotations

from ivr.engine.services import ServiceRegistry
from ivr.services import agents, billing, customers, ending, info, readings, requests, tickets, tokens, validators

MODULES = (
    validators,
    customers,
    billing,
    readings,
    tickets,
    tokens,
    requests,
    info,
    ending,
)


def build_registry(limits: agents.QueueLimits | None = None) -> ServiceRegistry:
    """Every service and validator available to flow files."""
    registry = ServiceRegistry()
    for module in MODULES:
        module.register(registry)
    agents.register(registry, limits or agents.QueueLimits())
    return registry
