"""Which flows a call entered and completed, kept on its row as sorted comma-separated names."""

from __future__ import annotations

from collections.abc import Iterable

MAX_CHARS = 255  # the columns' width


def flow_names(joined: str | None) -> list[str]:
    return [name for name in (joined or "").split(",") if name]


def join_flows(existing: str | None, more: Iterable[str | None]) -> str:
    """The sorted, comma-separated union of flow names (kept within the column's 255 chars)."""
    names = set(flow_names(existing)) | {name for name in more if name}
    return ",".join(sorted(names))[:MAX_CHARS]
