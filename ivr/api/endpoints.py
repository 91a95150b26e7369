"""The API's resource modules, imported once so their routes exist."""

from __future__ import annotations

import importlib

RESOURCES: tuple[str, ...] = ("calls", "work", "admin", "stats")


def load() -> None:
    for name in RESOURCES:
        importlib.import_module(f"ivr.api.{name}")
