"""The interpreter: given where a conversation is and what the caller did, produce the next turn.

Channel-agnostic: no Flask, no Twilio. Adapters turn `Turn`s into TwiML or text replies and
persist the events; services reach the database through the context the adapter passes in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ivr.engine import text_input
from ivr.engine.errors import EngineError, ServiceError
from ivr.engine.listening import Listening
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
    Speech,
    SpeechPolicy,
    Text,
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
RESULT_VAR = "last_result"  # the text of the last answer a caller was given (`result: true` nodes), to hear again
RESULT_SEPARATOR = {"voice": " ", "text": "\n"}
MAX_LOGGED_INPUT = 64
MAX_TYPED_MESSAGE = 500  # a typed description (text channels) is kept up to this many characters
SPEECH_UNCLEAR = "common.speech_unclear"  # a spoken answer not understood: say it again, or press
SPEECH_USE_KEYS = "common.speech_use_keys"  # not understood again: keys only from here
ENGINE_PROMPTS = (SPEECH_UNCLEAR, SPEECH_USE_KEYS)  # prompts the engine says of its own accord


class _TurnBuilder:
    """Collects what one turn says and records, so node handlers stay small."""

    def __init__(self, engine: Engine, state: ConversationState) -> None:
        self.engine = engine
        self.state = state
        self.utterances: list[Utterance] = []
        self.events: list[Event] = []
        self.result: list[str] = []  # the answer given in this turn, if any

    def say(self, keys: tuple[str, ...] | list[str], *, result: bool = False) -> None:
        variables = {**self.engine.constants, **self.state.vars}
        for key in keys:
            said = self.engine.prompts.render(key, self.state.language, variables, self.state.medium)
            self.utterances.append(replace(said, result=True) if result else said)
            if result:
                self.result.append(said.text.strip())
        if result:  # the results of one turn are one answer; a later turn's answer replaces it
            self.state.vars[RESULT_VAR] = RESULT_SEPARATOR.get(self.state.medium, " ").join(filter(None, self.result))

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
        speech: SpeechPolicy | None = None,
    ) -> None:
        self.flows = flows
        self.prompts = prompts
        self.services = services
        self.constants = dict(constants or {})
        self.max_steps = max_steps
        self.listening = Listening(speech or SpeechPolicy(), flows.words)

    def new_state(
        self,
        language: str,
        variables: Mapping[str, Any] | None = None,
        medium: str = "voice",
        flow: str | None = None,
    ) -> ConversationState:
        """A conversation positioned at the start node of `flow` (by default the entry flow)."""
        name = flow or self.flows.entry
        if name not in self.flows.flows:
            raise EngineError(f"no flow '{name}' to start a conversation in", flow=name)
        start = self.flows.flows[name]
        return ConversationState(
            flow=start.name, node=start.start, language=language, medium=medium, vars=dict(variables or {})
        )

    def restart(self, state: ConversationState, context: Any = None) -> Turn:
        """Back to the very beginning (a texting customer typed "menu"); what was collected stays.

        The last answer does not: a new task begins, and "hear it again" would repeat an old one.
        """
        turn = _TurnBuilder(self, state)
        turn.record("restart")
        state.vars.pop(RESULT_VAR, None)
        entry = self.flows.flows[self.flows.entry]
        state.ended = False
        state.move_to(entry.name, entry.start)
        return turn.finish(self._run(turn, context))

    def end(self, state: ConversationState, context: Any = None) -> Turn:
        """The customer asked to stop (a texting customer typed "end"): the polite goodbye, then nothing more."""
        turn = _TurnBuilder(self, state)
        turn.record("end")
        if self.flows.farewell is None:
            state.ended = True
            return turn.finish(Hangup())
        state.ended = False
        self._go(state, self.flows.farewell)
        return turn.finish(self._run(turn, context))

    def waiting_node(self, state: ConversationState) -> WaitingNode | None:
        """The node waiting for the customer's answer, if the conversation is at one."""
        flow = self.flows.flows.get(state.flow)
        node = flow.nodes.get(state.node) if flow else None
        return node if isinstance(node, WaitingNode) else None

    def accepts(self, state: ConversationState, user_input: UserInput) -> bool:
        """Whether the input is a valid answer where the conversation waits (nothing changes)."""
        node = self.waiting_node(state)
        if node is None or not isinstance(user_input, Keys | Text):
            return False  # what text channels ask: speech never arrives there
        scratch = _TurnBuilder(self, ConversationState.from_dict(state.to_dict()))
        target, _ = self._target_for(node, self._keys(node, user_input, state.language), scratch)
        return target is not None

    def call(self, state: ConversationState, service: str, args: Mapping[str, Any], context: Any = None) -> Turn:
        """Run one service outside the flow (a photo arriving over text) and say its outcome's prompt.

        The service's outcome names a prompt (`<service>.<outcome>` with the dots of the service
        name kept, e.g. readings.attach_photo -> prompt `readings.attach_photo.attached`).
        """
        turn = _TurnBuilder(self, state)
        outcome = self._invoke(service, args, turn, context)
        turn.say([f"{service}.{outcome}"])
        return turn.finish(self._wait_for(node, state) if (node := self.waiting_node(state)) else Hangup())

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
            return turn.finish(self._ask(node, turn))
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
                return self._ask(node, turn)
            if isinstance(node, RecordNode):
                turn.say(node.prompt)
                return Wait(kind="record", max_length=0, finish_on_key="#", max_seconds=node.max_seconds)
            if isinstance(node, TransferNode):
                turn.say(node.prompt)
                urgent = {"priority": node.priority} if node.priority != "routine" else {}
                turn.record("transfer", to=node.to, **urgent)
                return Transfer(target=node.to, priority=node.priority)
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
            turn.say(node.prompt, result=node.result)
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
        args = {name: turn.state.vars.get(var) for name, var in node.args.items()}
        outcome = self._invoke(node.service, args, turn, context)
        if outcome not in node.results:
            raise ServiceError(
                f"service '{node.service}' returned undeclared outcome '{outcome}'", flow=node.flow, node=node.id
            )
        return node.results[outcome]

    def _invoke(self, service: str, args: Mapping[str, Any], turn: _TurnBuilder, context: Any) -> str:
        """Run a service, keep the values it returns, and log its outcome."""
        where = {"flow": turn.state.flow, "node": turn.state.node}
        spec = self.services.get(service)
        if spec is None:
            raise ServiceError(f"unknown service '{service}'", **where)
        try:
            result = spec.function(context, args)
        except EngineError:
            raise
        except Exception as exc:
            raise ServiceError(f"service '{service}' failed: {exc!r}", **where) from exc
        if result.outcome not in spec.outcomes:
            raise ServiceError(f"service '{service}' returned unregistered outcome '{result.outcome}'", **where)
        turn.state.vars.update(result.vars)
        turn.record("service", service=service, outcome=result.outcome)
        return result.outcome

    def _take_recording(self, node: RecordNode, user_input: UserInput, turn: _TurnBuilder) -> str:
        """Keep the recording's address if there is one; silence simply goes on without it.

        Over text the customer types their message instead, kept (bounded) in `text_into`.
        """
        if isinstance(user_input, Text) and node.text_into and user_input.body.strip():
            turn.state.vars[node.text_into] = user_input.body.strip()[:MAX_TYPED_MESSAGE]
            turn.record("typed_message", length=len(turn.state.vars[node.text_into]))
        elif isinstance(user_input, Recording) and user_input.url:
            turn.state.vars[node.into] = user_input.url
            turn.record("recording", url=user_input.url, seconds=user_input.seconds)
        else:
            turn.state.vars.pop(node.into, None)
            turn.record("no_recording")
        return node.next

    def _ask(self, node: WaitingNode, turn: _TurnBuilder) -> Wait:
        """Say the node's question (told first that it may be spoken, where it may) and wait for the answer."""
        if self.listening.hears(node, turn.state):
            turn.say(node.speech_prompt)
        turn.say(node.prompt)
        return self._wait_for(node, turn.state)

    def _wait_for(self, node: WaitingNode, state: ConversationState) -> Wait:
        speech = self.listening.hears(node, state)
        hints = self.listening.hints(node, state.language) if speech else ()
        if isinstance(node, CollectNode):
            finish = node.finish_on_key or None
            return Wait(kind="collect", max_length=node.max_length, finish_on_key=finish, speech=speech, hints=hints)
        kind = "menu" if isinstance(node, MenuNode) else "confirm"
        return Wait(kind=kind, max_length=1, finish_on_key=None, speech=speech, hints=hints)

    def _keys(self, node: WaitingNode, user_input: Keys | Text, language: str) -> str:
        if isinstance(user_input, Text):
            return text_input.as_keys(node, user_input.body, self.flows.words, language)
        return user_input.digits.strip()

    def _interpret(self, node: WaitingNode, user_input: UserInput, turn: _TurnBuilder) -> str | None:
        """Return the target the input leads to, or None to ask again on the same node."""
        how: dict[str, Any]
        if isinstance(user_input, Speech):
            heard = self._hear(node, user_input, turn)
            if heard is None:
                return None  # not understood: asked again (by keys, after too many misses)
            digits, how = heard
        elif isinstance(user_input, Keys | Text):
            digits = self._keys(node, user_input, turn.state.language)
            how = {"mode": "text" if isinstance(user_input, Text) else "keys"}
        else:
            digits, how = "", {}
        if isinstance(user_input, Text) and digits == "":
            turn.record("repeat")  # an empty message (or a photo alone): show the question again
            return None
        if digits == "":
            return self._fail(node, turn, "no_input")
        logged = digits[:MAX_LOGGED_INPUT]
        if digits == REPEAT_KEY:
            turn.record("repeat", **how)
            return None
        target, reason = self._target_for(node, digits, turn)
        if target is None:
            return self._fail(node, turn, "invalid_input", digits=logged, reason=reason, **how)
        turn.record("input", digits=logged, **how)
        return target

    def _hear(self, node: WaitingNode, speech: Speech, turn: _TurnBuilder) -> tuple[str, dict[str, Any]] | None:
        """The keys a spoken answer stands for, with how it was heard; None when it was not understood.

        A miss is never guessed at: the caller hears an apology and the question again (by keys
        only once the node or the call has had too many).
        """
        heard = self.listening.read(node, speech, turn.state.language)
        if heard.keys is not None:
            return heard.keys, heard.detail
        keys_only = self.listening.missed(node, turn.state)
        attempt = turn.state.speech_misses
        turn.record("speech_missed", reason=heard.miss, attempt=attempt, keys_only=keys_only, **heard.detail)
        turn.say([SPEECH_USE_KEYS if keys_only else SPEECH_UNCLEAR])
        return None

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
