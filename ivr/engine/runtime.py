"""The interpreter: given where a conversation is and what the caller did, produce the next turn.

Channel-agnostic: no Flask, no Twilio. Adapters turn `Turn`s into TwiML or text replies and
persist the events; services reach the database through the context the adapter passes in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ivr.engine.errors import EngineError, ServiceError
from ivr.engine.model import (
    ActionNode,
    CollectNode,
    ConfirmNode,
    Ending,
    Event,
    FlowSet,
    Hangup,
    HangupNode,
    Keys,
    MenuNode,
    Node,
    Recording,
    RecordNode,
    SayNode,
    SetLanguageNode,
    Transfer,
    TransferNode,
    Turn,
    UserInput,
    Utterance,
    Wait,
    WaitingNode,
)
from ivr.engine.prompts import PromptCatalog
from ivr.engine.services import ServiceRegistry
from ivr.engine.state import ConversationState

REPEAT_KEY = "*"
MAX_LOGGED_INPUT = 64


class _TurnBuilder:
    """Collects what one turn says and records, so node handlers stay small."""

    def __init__(self, engine: Engine, state: ConversationState) -> None:
        self.engine = engine
        self.state = state
        self.utterances: list[Utterance] = []
        self.events: list[Event] = []

    def say(self, keys: tuple[str, ...] | list[str]) -> None:
        variables = {**self.engine.constants, **self.state.vars}
        for key in keys:
            self.utterances.append(self.engine.prompts.render(key, self.state.language, variables))

    def record(self, kind: str, **detail: Any) -> None:
        self.events.append(Event(kind=kind, flow=self.state.flow, node=self.state.node, detail=detail))

    def finish(self, ending: Ending) -> Turn:
        return Turn(utterances=self.utterances, ending=ending, events=self.events)


class Engine:
    """Runs flows: speaks prompts, interprets keys, calls services, counts retries."""

    def __init__(
        self,
        flows: FlowSet,
        prompts: PromptCatalog,
        services: ServiceRegistry,
        constants: Mapping[str, Any] | None = None,
        max_steps: int = 50,
    ) -> None:
        self.flows = flows
        self.prompts = prompts
        self.services = services
        self.constants = dict(constants or {})
        self.max_steps = max_steps

    def new_state(self, language: str, variables: Mapping[str, Any] | None = None) -> ConversationState:
        """A conversation positioned at the entry flow's start node."""
        entry = self.flows.flows[self.flows.entry]
        return ConversationState(flow=entry.name, node=entry.start, language=language, vars=dict(variables or {}))

    def start(self, state: ConversationState, context: Any = None) -> Turn:
        """Run from the current node until the flow needs the caller (or ends)."""
        turn = _TurnBuilder(self, state)
        return turn.finish(self._run(turn, context))

    def handle(self, state: ConversationState, user_input: UserInput, context: Any = None) -> Turn:
        """Apply the caller's keys (or silence) to the node that was waiting for them."""
        turn = _TurnBuilder(self, state)
        if state.ended:
            return turn.finish(Hangup())
        node = self._current(turn)
        if isinstance(node, RecordNode):
            self._go(state, self._take_recording(node, user_input, turn))
            return turn.finish(self._run(turn, context))
        if not isinstance(node, WaitingNode):
            return turn.finish(self._run(turn, context))
        target = self._interpret(node, user_input, turn)
        if target is None:
            turn.say(node.prompt)
            return turn.finish(self._wait_for(node))
        self._go(state, target)
        return turn.finish(self._run(turn, context))

    # -- internals --------------------------------------------------------------------------

    def _current(self, turn: _TurnBuilder) -> Node:
        state = self.flows.flows.get(turn.state.flow)
        if state is None or turn.state.node not in state.nodes:
            lost = f"{turn.state.flow}.{turn.state.node}"
            entry = self.flows.flows[self.flows.entry]
            turn.state.move_to(entry.name, entry.start)
            turn.record("state_reset", lost_node=lost)
        return self.flows.node(turn.state.flow, turn.state.node)

    def _go(self, state: ConversationState, target: str) -> None:
        state.move_to(*self.flows.resolve(state.flow, target))

    def _run(self, turn: _TurnBuilder, context: Any) -> Ending:
        state = turn.state
        for _ in range(self.max_steps):
            node = self._current(turn)
            turn.record("node")
            if isinstance(node, WaitingNode):
                turn.say(node.prompt)
                return self._wait_for(node)
            if isinstance(node, RecordNode):
                turn.say(node.prompt)
                return Wait(kind="record", max_length=0, finish_on_key="#", max_seconds=node.max_seconds)
            if isinstance(node, TransferNode):
                turn.say(node.prompt)
                turn.record("transfer", to=node.to)
                return Transfer(target=node.to)
            if isinstance(node, HangupNode):
                turn.say(node.prompt)
                turn.record("hangup")
                state.ended = True
                return Hangup()
            self._go(state, self._step(node, turn, context))
        raise EngineError("too many steps without waiting for the caller", flow=state.flow, node=state.node)

    def _step(self, node: Node, turn: _TurnBuilder, context: Any) -> str:
        """Run a node that needs no input and return where the flow goes next."""
        if isinstance(node, SayNode):
            if node.max_visits and turn.state.visit() > node.max_visits:
                turn.record("visits_exceeded", limit=node.max_visits)
                return node.on_exceeded
            turn.say(node.prompt)
            if node.served:
                turn.record("served")
            return node.next
        if isinstance(node, SetLanguageNode):
            before = turn.state.language
            turn.state.language = self._new_language(before, node.language)
            turn.record("language", before=before, after=turn.state.language)
            turn.say(node.prompt)
            return node.next
        if isinstance(node, ActionNode):
            turn.say(node.prompt)
            return self._call_service(node, turn, context)
        raise EngineError(f"node kind {type(node).__name__} cannot run here", flow=node.flow, node=node.id)

    def _new_language(self, current: str, wanted: str) -> str:
        if wanted != "toggle":
            return wanted
        languages = self.prompts.languages
        return languages[(languages.index(current) + 1) % len(languages)]

    def _call_service(self, node: ActionNode, turn: _TurnBuilder, context: Any) -> str:
        spec = self.services.get(node.service)
        if spec is None:
            raise ServiceError(f"unknown service '{node.service}'", flow=node.flow, node=node.id)
        args = {name: turn.state.vars.get(var) for name, var in node.args.items()}
        try:
            result = spec.function(context, args)
        except EngineError:
            raise
        except Exception as exc:
            raise ServiceError(f"service '{node.service}' failed: {exc!r}", flow=node.flow, node=node.id) from exc
        if result.outcome not in node.results:
            raise ServiceError(
                f"service '{node.service}' returned undeclared outcome '{result.outcome}'",
                flow=node.flow,
                node=node.id,
            )
        turn.state.vars.update(result.vars)
        turn.record("service", service=node.service, outcome=result.outcome)
        return node.results[result.outcome]

    def _take_recording(self, node: RecordNode, user_input: UserInput, turn: _TurnBuilder) -> str:
        """Keep the recording's address if there is one; silence simply goes on without it."""
        if isinstance(user_input, Recording) and user_input.url:
            turn.state.vars[node.into] = user_input.url
            turn.record("recording", url=user_input.url, seconds=user_input.seconds)
        else:
            turn.state.vars.pop(node.into, None)
            turn.record("no_recording")
        return node.next

    def _wait_for(self, node: WaitingNode) -> Wait:
        if isinstance(node, CollectNode):
            return Wait(kind="collect", max_length=node.max_length, finish_on_key=node.finish_on_key or None)
        return Wait(kind="menu" if isinstance(node, MenuNode) else "confirm", max_length=1, finish_on_key=None)

    def _interpret(self, node: WaitingNode, user_input: UserInput, turn: _TurnBuilder) -> str | None:
        """Return the target the input leads to, or None to ask again on the same node."""
        digits = user_input.digits.strip() if isinstance(user_input, Keys) else ""
        if not isinstance(user_input, Keys) or digits == "":
            return self._fail(node, turn, "no_input")
        logged = digits[:MAX_LOGGED_INPUT]
        if digits == REPEAT_KEY:
            turn.record("repeat")
            return None
        target, reason = self._target_for(node, digits, turn)
        if target is None:
            return self._fail(node, turn, "invalid_input", digits=logged, reason=reason)
        turn.record("input", digits=logged)
        return target

    def _target_for(self, node: WaitingNode, digits: str, turn: _TurnBuilder) -> tuple[str | None, str]:
        if isinstance(node, MenuNode):
            return node.options.get(digits), "not_an_option"
        if isinstance(node, ConfirmNode):
            return {"1": node.yes, "2": node.no}.get(digits), "not_an_option"
        assert isinstance(node, CollectNode)
        value = digits.removesuffix("#") if node.finish_on_key else digits
        if not (value.isascii() and value.isdigit()):
            return None, "not_digits"
        if len(value) < node.min_length:
            return None, "too_short"
        if len(value) > node.max_length:
            return None, "too_long"
        validator = self.services.get_validator(node.validator) if node.validator else None
        if validator is not None and not validator(value):
            return None, "rejected"
        turn.state.vars[node.into] = value
        return node.next, ""

    def _fail(self, node: WaitingNode, turn: _TurnBuilder, kind: str, **detail: Any) -> str | None:
        state = turn.state
        if kind == "no_input":
            state.no_input_count += 1
            count, limit, prompt = state.no_input_count, node.retry.max_no_input, node.retry.no_input_prompt
        else:
            state.invalid_count += 1
            count, limit, prompt = state.invalid_count, node.retry.max_invalid, node.retry.invalid_prompt
        turn.record(kind, attempt=count, **detail)
        if count >= limit:
            turn.record("retries_exhausted", after=kind)
            return node.on_fail
        turn.say([prompt])
        return None
