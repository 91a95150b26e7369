"""Load flow files, check them against the schema and each other, and fail loudly.

Every error names the file and the node, so a bad flow stops start-up with a message an
author can act on instead of a caller hearing silence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ivr.engine import yaml_text
from ivr.engine.errors import FlowDefinitionError
from ivr.engine.model import (
    ActionNode,
    CollectNode,
    ConfirmNode,
    Flow,
    FlowSet,
    HangupNode,
    MenuNode,
    Node,
    RecordNode,
    Retry,
    SayNode,
    SetLanguageNode,
    TransferNode,
    WaitingNode,
)
from ivr.engine.prompts import PromptCatalog
from ivr.engine.services import ServiceRegistry
from ivr.engine.vocabulary import load_words

SCHEMA_PATH = Path(__file__).with_name("flow.schema.json")
NODE_KINDS = ("say", "set_language", "menu", "collect", "confirm", "record", "action", "transfer", "hangup")
ENTRY_FLOW = "main_menu"
WORDS_DIR = "words"  # flows/words/<lang>/: what callers may say or type instead of keys
FAREWELL_NODE = "goodbye"  # the entry flow's polite ending (a hangup node), where "end" typed in a text leads


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _check_schema(instance: Any, schema: dict[str, Any], file: str, node: str | None) -> None:
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        path = "/".join(str(part) for part in error.absolute_path)
        where = f" at '{path}'" if path else ""
        if node is None and len(error.absolute_path) >= 2 and error.absolute_path[0] == "nodes":
            node = str(error.absolute_path[1])
        raise FlowDefinitionError(f"{error.message}{where}", file=file, node=node)


def _retry(defaults: Mapping[str, Any], own: Mapping[str, Any]) -> tuple[Retry, str]:
    merged = {**defaults, **own}
    on_fail = merged.pop("on_fail", "")
    return Retry(**merged), on_fail


def _build_node(flow: str, node_id: str, raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> Node:
    fields = {k: v for k, v in raw.items() if k not in ("kind", "retry")}
    fields["prompt"] = tuple(raw.get("prompt", ()))
    common: dict[str, Any] = {"id": node_id, "flow": flow}
    kind = raw["kind"]
    if kind in ("menu", "collect", "confirm"):
        retry, on_fail = _retry(defaults, raw.get("retry", {}))
        common |= {"retry": retry, "on_fail": on_fail}
    if "speech_prompt" in raw:
        fields["speech_prompt"] = tuple(raw["speech_prompt"])
    if kind == "menu":
        fields["options"] = {str(k): v for k, v in raw["options"].items()}
    builders: dict[str, type[Node]] = {
        "say": SayNode,
        "set_language": SetLanguageNode,
        "menu": MenuNode,
        "collect": CollectNode,
        "confirm": ConfirmNode,
        "record": RecordNode,
        "action": ActionNode,
        "transfer": TransferNode,
        "hangup": HangupNode,
    }
    return builders[kind](**common, **fields)


def _read_flow(path: Path) -> Flow:
    return _flow_of(*yaml_text.file_version(path))


@lru_cache(maxsize=512)
def _flow_of(path: Path, _mtime_ns: int, _size: int) -> Flow:
    """One version of a flow file, read and checked against the schema (a fault is raised, not kept)."""
    file = str(path)
    raw = yaml_text.read_mapping(path, "flow")
    schema = _schema()
    _check_schema(raw, {k: v for k, v in schema.items() if k != "$id"}, file, None)
    if raw["flow"] != path.stem:
        raise FlowDefinitionError(f"flow name '{raw['flow']}' must match the file name", file=file)
    defaults = raw.get("defaults", {})
    nodes: dict[str, Node] = {}
    for node_id, node_raw in raw["nodes"].items():
        kind = node_raw["kind"]
        if kind == "confirm":
            # YAML 1.1 reads bare `yes:` / `no:` keys as booleans; an author means the words.
            node_raw = {
                ({True: "yes", False: "no"}.get(k, k) if isinstance(k, bool) else k): v for k, v in node_raw.items()
            }
        if kind not in NODE_KINDS:
            raise FlowDefinitionError(
                f"unknown node kind '{kind}' (known: {', '.join(NODE_KINDS)})", file=file, node=node_id
            )
        _check_schema(node_raw, {"$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"}, file, node_id)
        nodes[node_id] = _build_node(raw["flow"], node_id, node_raw, defaults)
    if raw["start"] not in nodes:
        raise FlowDefinitionError(f"start node '{raw['start']}' does not exist", file=file)
    return Flow(name=raw["flow"], start=raw["start"], nodes=nodes, source=file, label=raw.get("label", {}))


def targets(node: Node) -> Iterator[tuple[str, str]]:
    """Every (label, target) a node can lead to; used for reference and reachability checks."""
    if isinstance(node, (SayNode, SetLanguageNode, CollectNode, RecordNode)):
        yield "next", node.next
    if isinstance(node, SayNode) and node.max_visits:
        yield "on_exceeded", node.on_exceeded
    if isinstance(node, MenuNode):
        yield from ((f"option '{key}'", target) for key, target in node.options.items())
    if isinstance(node, ConfirmNode):
        yield "yes", node.yes
        yield "no", node.no
    if isinstance(node, ActionNode):
        yield from ((f"result '{name}'", target) for name, target in node.results.items())
    if isinstance(node, WaitingNode):
        yield "on_fail", node.on_fail


def _check_references(flow: Flow, flows: Mapping[str, Flow]) -> None:
    for node in flow.nodes.values():
        for label, target in targets(node):
            if not target:
                raise FlowDefinitionError(
                    f"{label} is not set (set it on the node or in the flow's defaults)",
                    file=flow.source,
                    node=node.id,
                )
            if target.startswith("@"):
                other, _, other_node = target[1:].partition(".")
                if other not in flows or (other_node and other_node not in flows[other].nodes):
                    raise FlowDefinitionError(f"{label} points to unknown '{target}'", file=flow.source, node=node.id)
            elif target not in flow.nodes:
                raise FlowDefinitionError(f"{label} points to unknown node '{target}'", file=flow.source, node=node.id)


def _entries(flow: Flow, flows: Mapping[str, Flow]) -> set[str]:
    """Where a caller may enter `flow`: its start, and every node another flow names (`@main_menu.goodbye`)."""
    entries = {flow.start}
    for other in flows.values():
        for node in other.nodes.values():
            for _, target in targets(node):
                name, _, node_id = target[1:].partition(".") if target.startswith("@") else ("", "", "")
                if name == flow.name and node_id:
                    entries.add(node_id)
    return entries


def _check_reachable(flow: Flow, entries: set[str]) -> None:
    seen, todo = set(entries), list(entries)
    while todo:
        for _, target in targets(flow.nodes[todo.pop()]):
            if not target.startswith("@") and target not in seen:
                seen.add(target)
                todo.append(target)
    for node_id in flow.nodes.keys() - seen:
        message = f"unreachable from start node '{flow.start}' or any node other flows lead to"
        raise FlowDefinitionError(message, file=flow.source, node=node_id)


def _check_prompts_and_services(flow: Flow, prompts: PromptCatalog, registry: ServiceRegistry) -> None:
    for node in flow.nodes.values():
        keys = list(node.prompt)
        if isinstance(node, SayNode) and node.result and not keys:
            message = "a result node must say something (prompt is empty)"
            raise FlowDefinitionError(message, file=flow.source, node=node.id)
        if isinstance(node, WaitingNode):
            keys += [node.retry.no_input_prompt, node.retry.invalid_prompt, *node.speech_prompt]
        for key in keys:
            if not prompts.has(key):
                raise FlowDefinitionError(
                    f"prompt '{key}' is missing in a language ({', '.join(prompts.languages)})",
                    file=flow.source,
                    node=node.id,
                )
        if isinstance(node, CollectNode):
            if node.min_length > node.max_length:
                raise FlowDefinitionError("min_length is above max_length", file=flow.source, node=node.id)
            if node.validator and registry.get_validator(node.validator) is None:
                raise FlowDefinitionError(f"unknown validator '{node.validator}'", file=flow.source, node=node.id)
        if isinstance(node, ActionNode):
            spec = registry.get(node.service)
            if spec is None:
                raise FlowDefinitionError(f"unknown service '{node.service}'", file=flow.source, node=node.id)
            missing = spec.outcomes - node.results.keys()
            extra = node.results.keys() - spec.outcomes
            if missing or extra:
                raise FlowDefinitionError(
                    f"results must cover exactly the outcomes of '{node.service}': "
                    f"missing {sorted(missing)}, unknown {sorted(extra)}",
                    file=flow.source,
                    node=node.id,
                )


def load_flows(directory: Path, prompts: PromptCatalog, registry: ServiceRegistry, entry: str = ENTRY_FLOW) -> FlowSet:
    """Load every `*.yaml` flow in `directory`, and its words, and check the whole set; raise on the first fault."""
    flows: dict[str, Flow] = {}
    for path in sorted(directory.glob("*.yaml")):
        flow = _read_flow(path)
        flows[flow.name] = flow
    if entry not in flows:
        raise FlowDefinitionError(f"entry flow '{entry}' not found", file=str(directory))
    for flow in flows.values():
        _check_references(flow, flows)
        _check_prompts_and_services(flow, prompts, registry)
        _check_reachable(flow, _entries(flow, flows))
    return FlowSet(
        flows=flows,
        entry=entry,
        words=load_words(directory / WORDS_DIR, flows),
        farewell=_farewell(flows[entry]),
    )


def _farewell(entry: Flow) -> str | None:
    """The entry flow's goodbye, when it has one and it is a hangup."""
    node = entry.nodes.get(FAREWELL_NODE)
    return f"@{entry.name}.{node.id}" if isinstance(node, HangupNode) else None
