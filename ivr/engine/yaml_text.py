"""Parse the YAML of flows, prompts and words with libyaml when PyYAML was built with it.

Every app (each test makes one) reads about sixty such files; PyYAML's pure-Python parser spent
most of `create_app` on them. The C parser reads the same safe subset several times faster and
gives the same values; the pure-Python one stays as the fallback.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> Any:
    """The YAML document in `text`, as plain Python values (yaml.safe_load's rules)."""
    return yaml.load(text, Loader=SafeLoader)
