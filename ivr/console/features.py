"""The console's feature modules, imported once so their routes and menu entries exist."""

from __future__ import annotations

import importlib

FEATURES: tuple[str, ...] = ("work", "readings", "calls", "customers", "live", "admin", "stats")


def load() -> None:
    for name in FEATURES:
        importlib.import_module(f"ivr.console.{name}")
