"""How flows call domain code: named services that return an outcome to branch on.

The engine knows services only by name and declared outcomes; the adapter passes an opaque
context (database session, call facts) through to them, so the engine stays free of I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ServiceResult:
    """The outcome a flow branches on, and values the flow may speak or pass on."""

    outcome: str
    vars: Mapping[str, Any] = field(default_factory=dict)


ServiceFunction = Callable[[Any, Mapping[str, Any]], ServiceResult]
Validator = Callable[[str], bool]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    function: ServiceFunction
    outcomes: frozenset[str]


class ServiceRegistry:
    """Services and input validators that flow files may name."""

    def __init__(self) -> None:
        self._services: dict[str, ServiceSpec] = {}
        self._validators: dict[str, Validator] = {}

    def add(self, name: str, function: ServiceFunction, outcomes: set[str]) -> None:
        """Register `function(context, args)` under `name` with the outcomes it may return."""
        if name in self._services:
            raise ValueError(f"service '{name}' registered twice")
        self._services[name] = ServiceSpec(name, function, frozenset(outcomes))

    def add_validator(self, name: str, function: Validator) -> None:
        if name in self._validators:
            raise ValueError(f"validator '{name}' registered twice")
        self._validators[name] = function

    def service(self, name: str, outcomes: set[str]) -> Callable[[ServiceFunction], ServiceFunction]:
        """Decorator form of `add`."""

        def register(function: ServiceFunction) -> ServiceFunction:
            self.add(name, function, outcomes)
            return function

        return register

    def validator(self, name: str) -> Callable[[Validator], Validator]:
        def register(function: Validator) -> Validator:
            self.add_validator(name, function)
            return function

        return register

    def get(self, name: str) -> ServiceSpec | None:
        return self._services.get(name)

    def get_validator(self, name: str) -> Validator | None:
        return self._validators.get(name)

    def merged(self, other: ServiceRegistry) -> ServiceRegistry:
        """A registry holding both; used to add test or channel-specific services."""
        combined = ServiceRegistry()
        for source in (self, other):
            combined._services.update(source._services)
            combined._validators.update(source._validators)
        return combined
