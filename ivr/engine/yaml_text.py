"""Parse the YAML of flows, prompts and words with libyaml when PyYAML was built with it.

Every app (each test makes one) reads about sixty such files; PyYAML's pure-Python parser spent
most of `create_app` on them. The C parser reads the same safe subset several times faster and
gives the same values; the pure-Python one stays as the fallback. What is read and checked from
one version of a file is kept (`file_version`: its path, modification time and size), so the
next app in the same process does not parse and validate it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ivr.engine.errors import FlowDefinitionError

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


FileVersion = tuple[Path, int, int]  # path, st_mtime_ns, st_size: a rewritten file is another version


def file_version(path: Path) -> FileVersion:
    """What identifies the content of `path` without reading it: an edited file gets a new version."""
    stat = path.stat()
    return path, stat.st_mtime_ns, stat.st_size


def parse(text: str) -> Any:
    """The YAML document in `text`, as plain Python values (yaml.safe_load's rules)."""
    return yaml.load(text, Loader=SafeLoader)


def read_mapping(path: Path, what: str) -> dict[Any, Any]:
    """The YAML mapping in the file at `path`; a FlowDefinitionError naming it when it is not one."""
    try:
        raw = parse(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FlowDefinitionError(f"not valid YAML: {exc}", file=str(path)) from exc
    if not isinstance(raw, dict):
        raise FlowDefinitionError(f"a {what} file must be a mapping", file=str(path))
    return raw
