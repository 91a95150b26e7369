"""The flow graph as the synthetic callers walk it: each node compiled once into a Step with its
exits and the weights callers choose them with (menu options, service outcomes), read from the
real flows so journeys can only go where the engine would.
"""

from __future__ import annotations

import bisect
import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ivr.engine.model import (
    ActionNode,
    CollectNode,
    ConfirmNode,
    FlowSet,
    HangupNode,
    MenuNode,
    Node,
    RecordNode,
    SayNode,
    SetLanguageNode,
    TransferNode,
)

Pos = tuple[str, str]

# Menu keys by node; a menu not listed picks its options evenly. Surge days use SURGE_MENU_WEIGHTS.
MENU_WEIGHTS: dict[str, dict[str, float]] = {
    "main_menu.menu": {"1": 21, "2": 8, "3": 16, "4": 7, "5": 11, "6": 5, "7": 5, "9": 3, "0": 24},
    "bill.after": {"1": 25, "2": 30, "3": 3, "4": 6, "0": 14},
    "complaint.choose_category": {"1": 35, "2": 20, "3": 25, "4": 8, "5": 12},
    "complaint.customer_menu": {"1": 50, "2": 50},
    "complaint.customer_retry": {"1": 55, "2": 45},
    "complaint.callback_menu": {"1": 82, "2": 18},
    "complaint.offer_recording": {"1": 50, "2": 50},
    "agent.offer_long": {"1": 35, "2": 8, "3": 57},
    "agent.offer_closed": {"1": 85, "2": 15},
    "agent.offer_national": {"1": 30, "2": 8, "3": 62},
    "information.choose": {"1": 45, "2": 35, "3": 14, "4": 6},
    "information.after_tariffs": {"1": 20, "2": 20, "3": 8, "4": 12},
    "information.after_notices": {"1": 20, "2": 30, "3": 10},
    "information.after_news": {"1": 20, "2": 30, "3": 6},
    "meter_reading.ask_sms": {"1": 60, "2": 40},
    "ticket_status.retry_menu": {"1": 70, "2": 30},
    "main_menu.anything_else_menu": {"1": 30, "2": 62, "0": 8},
    "main_menu.anything_else_again": {"1": 25, "2": 58, "3": 10, "0": 7},
}
SURGE_MENU_WEIGHTS: dict[str, dict[str, float]] = {
    "main_menu.menu": {"1": 6, "2": 2, "3": 52, "4": 10, "5": 4, "6": 1, "7": 4, "9": 1, "0": 28},
    "complaint.choose_category": {"1": 45, "2": 45, "3": 3, "4": 5, "5": 2},
}
# Service outcomes; the services of Walker.dynamic are decided there instead.
SERVICE_WEIGHTS: dict[str, dict[str, float]] = {
    "customers.recognise": {"none": 70, "one": 20, "two": 4, "three": 1, "remembered": 5},
    "customers.choose": {"chosen": 92, "other": 8},
    "billing.latest": {"found": 80, "not_found": 8, "prepaid": 8, "no_bill": 4},
    "billing.payment_status": {"paid": 62, "unpaid": 26, "overdue": 8, "overdue_and_unpaid": 4},
    "billing.jump_check": {"normal": 86, "jump": 14},
    "readings.check": {"plausible": 86, "lower": 6, "jump": 8},
    "readings.usage_known": {"known": 75, "unknown": 25},
    "readings.sms_offer": {"offer": 65, "skip": 35},
    "tickets.find_customer": {"found": 75, "unknown": 25},
    "tickets.default_callback": {"phone": 92, "none": 8},
    "tickets.lookup": {"complaint": 45, "request": 18, "reading": 15, "not_found": 22},
    "tickets.note": {"note": 60, "no_note": 40},
    "tokens.history": {"found": 76, "none": 7, "postpaid": 10, "unknown": 7},
    "requests.choose_kind": {"new_connection": 45, "power_change": 40, "temporary": 15},
    "requests.find_customer": {"found": 82, "unknown": 13, "at_top": 5},
    "requests.choose_power": {"ready": 60, "callback": 35, "not_above": 5},
    "requests.caller_number": {"offer": 85, "ask": 15},
    "info.tariffs": {"found": 96, "none": 4},
    "info.maintenance": {"found": 55, "none": 45},
    "info.news": {"found": 80, "none": 20},
    "info.app_link": {"queued": 70, "already": 2, "no_sms": 28, "text": 0},  # synthetic callers all call
    "ending.last_result": {"some": 70, "none": 30},
}
SAY, LANGUAGE, WAIT, RECORD, ACTION, TRANSFER, HANGUP = range(7)


# -- the graph --------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Step:
    """One node, compiled for walking: targets are the Steps they lead to, weights cumulative."""

    flow: str
    node: str
    kind: int = SAY
    next: Step | None = None
    served: bool = False
    max_visits: int = 0
    on_exceeded: Step | None = None
    waiting: str = ""  # menu, collect or confirm
    keys: tuple[str, ...] = ()
    targets: tuple[Step, ...] = ()
    cum: tuple[float, ...] = ()
    surge_cum: tuple[float, ...] = ()
    on_fail: Step | None = None
    max_no_input: int = 3
    max_invalid: int = 3
    lengths: tuple[int, int] = (1, 1)
    validator: str = ""
    service: str = ""
    results: dict[str, Step] = field(default_factory=dict)
    outcomes: tuple[str, ...] = ()
    outcome_cum: tuple[float, ...] = ()
    details: dict[str, str] = field(default_factory=dict)  # outcome -> the service event's detail
    dynamic: bool = False  # outcome decided by Walker.dynamic
    loop: bool = False  # reads a list out one item at a time until "done"
    takes_number: bool = False
    leaves: bool = False  # a menu at the start, or one that leads back there
    words: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # language -> phrases, as keys


Graph = dict[Pos, Step]
DYNAMIC = {
    "queue.availability", "tickets.urgency", "tickets.create_complaint", "tickets.begin_complaint",
    "tickets.status_state", "tickets.find_customer", "readings.identify", "readings.submit", "callbacks.request",
}  # fmt: skip


def cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    """Weights as cumulative fractions for `pick`; all zero falls back to even."""
    values = list(weights)
    if not sum(values):
        values = [1.0] * len(values)
    total, running, out = sum(values), 0.0, []
    for value in values:
        running += value
        out.append(running / total)
    return tuple(out)


def pick(rng: random.Random, cum: Sequence[float]) -> int:
    return min(bisect.bisect_right(cum, rng.random()), len(cum) - 1)


def _weights(table: Mapping[str, Mapping[str, float]], name: str, keys: Iterable[str]) -> tuple[float, ...]:
    """A key the table does not know (a flow edited since) still gets a little traffic."""
    own = table.get(name) or {}
    return cumulative(own.get(key, 1.0) for key in keys)


def _compile(step: Step, node: Node, resolve: Callable[[str], Step]) -> None:
    if isinstance(node, SayNode):
        step.next, step.served, step.max_visits = resolve(node.next), node.served, node.max_visits
        step.on_exceeded = resolve(node.on_exceeded) if node.max_visits else None
    elif isinstance(node, SetLanguageNode | RecordNode):
        step.kind, step.next = (LANGUAGE if isinstance(node, SetLanguageNode) else RECORD), resolve(node.next)
    elif isinstance(node, ActionNode):
        step.kind, step.service, step.takes_number = ACTION, node.service, "number" in node.args
        step.results = {outcome: resolve(target) for outcome, target in node.results.items()}
        step.outcomes = tuple(outcome for outcome in node.results if outcome != "done")
        step.outcome_cum = _weights(SERVICE_WEIGHTS, node.service, step.outcomes)
        step.details = {outcome: json.dumps({"service": node.service, "outcome": outcome}) for outcome in node.results}
        step.dynamic = node.service in DYNAMIC or node.service.startswith("tickets.category.")
        step.loop = "done" in node.results
    elif isinstance(node, TransferNode | HangupNode):
        step.kind = TRANSFER if isinstance(node, TransferNode) else HANGUP
    elif isinstance(node, MenuNode | CollectNode | ConfirmNode):
        step.kind, step.on_fail = WAIT, resolve(node.on_fail)
        step.max_no_input, step.max_invalid = node.retry.max_no_input, node.retry.max_invalid
        if isinstance(node, MenuNode):
            step.waiting, step.keys = "menu", tuple(node.options)
            step.targets = tuple(resolve(target) for target in node.options.values())
            step.cum = _weights(MENU_WEIGHTS, node.qualified, step.keys)
            surge = SURGE_MENU_WEIGHTS if node.qualified in SURGE_MENU_WEIGHTS else MENU_WEIGHTS
            step.surge_cum = _weights(surge, node.qualified, step.keys)
        elif isinstance(node, ConfirmNode):
            step.waiting, step.keys = "confirm", ("1", "2")
            step.targets, step.cum = (resolve(node.yes), resolve(node.no)), (0.88, 1.0)
        else:
            step.waiting, step.keys, step.targets, step.cum = "collect", ("",), (resolve(node.next),), (1.0,)
            step.lengths, step.validator = (node.min_length, node.max_length), node.validator or ""


def compile_graph(flows: FlowSet) -> Graph:
    """Every node of every flow as a Step, by (flow, node)."""
    graph: Graph = {(flow.name, node): Step(flow.name, node) for flow in flows.flows.values() for node in flow.nodes}
    for flow in flows.flows.values():

        def resolve(target: str, name: str = flow.name) -> Step:
            return graph[flows.resolve(name, target)]

        for node in flow.nodes.values():
            step = graph[(flow.name, node.id)]
            _compile(step, node, resolve)
            step.leaves = step.waiting == "menu" and (
                flow.name == flows.entry or any(target.flow == flows.entry for target in step.targets)
            )
            step.words = _words(step, flows)
    return graph


def _words(step: Step, flows: FlowSet) -> dict[str, tuple[tuple[str, ...], ...]]:
    """What a caller may say instead of each key of a menu or confirm node (flows/words/), per language."""
    vocabulary = flows.words
    found: dict[str, tuple[tuple[str, ...], ...]] = {}
    for language in vocabulary.choices.keys() | vocabulary.answers.keys():
        if step.waiting == "menu":
            by_key = vocabulary.choices.get(language, {}).get(f"{step.flow}.{step.node}", {})
            found[language] = tuple(tuple(by_key.get(key, ())) for key in step.keys)
        elif step.waiting == "confirm":
            answers = vocabulary.answers.get(language, {})
            found[language] = (tuple(answers.get("yes", ())), tuple(answers.get("no", ())))
    return found


# -- what a journey may refer to --------------------------------------------------------------
