"""The words callers may say or type instead of keys, loaded from flows/ as the app loads them."""

from __future__ import annotations

from functools import cache

from ivr.config import PROJECT_ROOT
from ivr.engine.loader import load_flows
from ivr.engine.model import FlowSet, Vocabulary
from ivr.engine.prompts import load_prompts
from ivr.services import build_registry

FLOWS_DIR = PROJECT_ROOT / "flows"


@cache
def flow_set() -> FlowSet:
    return load_flows(FLOWS_DIR, load_prompts(FLOWS_DIR / "prompts"), build_registry())


def vocabulary() -> Vocabulary:
    return flow_set().words
