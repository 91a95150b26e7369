"""The console's menu: each feature module adds its entry; the layout shows what a role may open."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.auth.roles import Principal


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: str
    roles: tuple[str, ...]
    order: int


_ENTRIES: dict[str, Entry] = {}


def add(endpoint: str, label: str, roles: tuple[str, ...], order: int = 50) -> None:
    _ENTRIES[endpoint] = Entry(endpoint, label, roles, order)


def entries_for(user: Principal | None) -> list[Entry]:
    if user is None:
        return []
    return sorted((e for e in _ENTRIES.values() if user.role in e.roles), key=lambda e: (e.order, e.label))
