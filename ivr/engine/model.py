"""The shapes the engine works with: flow nodes in, turns out. Plain data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# -- flow definitions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Retry:
    """How many failed tries a waiting node allows before giving up, and what it says."""

    max_no_input: int = 3
    max_invalid: int = 3
    no_input_prompt: str = "common.no_input"
    invalid_prompt: str = "common.invalid_choice"


@dataclass(frozen=True)
class Node:
    """Fields every node has. `prompt` lists prompt keys spoken in order."""

    id: str
    flow: str
    prompt: tuple[str, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.flow}.{self.id}"


@dataclass(frozen=True)
class SayNode(Node):
    """Speak and move on; `max_visits` bounds loops such as "unknown id, try again"."""

    next: str = ""
    max_visits: int = 0
    on_exceeded: str = ""
    served: bool = False  # reaching this node means the caller got what they came for
    result: bool = False  # what it says is the answer: spoken where no key cuts it off, kept to hear again


@dataclass(frozen=True)
class SetLanguageNode(Node):
    language: str = "toggle"
    next: str = ""


@dataclass(frozen=True)
class WaitingNode(Node):
    """A node that waits for the caller's keys and retries on silence or bad input."""

    retry: Retry = field(default_factory=Retry)
    on_fail: str = ""
    speech: bool = True  # a voice caller may say the answer as well as press it
    speech_prompt: tuple[str, ...] = ()  # said before `prompt` where speech is heard ("say what you need")


@dataclass(frozen=True)
class MenuNode(WaitingNode):
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectNode(WaitingNode):
    into: str = ""
    min_length: int = 1
    max_length: int = 20
    finish_on_key: str = "#"
    validator: str | None = None
    next: str = ""


@dataclass(frozen=True)
class ConfirmNode(WaitingNode):
    yes: str = ""
    no: str = ""


@dataclass(frozen=True)
class RecordNode(Node):
    """Record a short voice message; silence skips to `next` without one.

    Over text the customer types the message instead; it is kept in `text_into`.
    """

    into: str = ""
    text_into: str = ""
    max_seconds: int = 60
    next: str = ""


@dataclass(frozen=True)
class ActionNode(Node):
    service: str = ""
    args: dict[str, str] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransferNode(Node):
    to: str = "agent"
    priority: str = "routine"  # "urgent": the caller waits in the tier agents take first


@dataclass(frozen=True)
class HangupNode(Node):
    pass


@dataclass(frozen=True)
class Flow:
    name: str
    start: str
    nodes: dict[str, Node]
    source: str
    label: Mapping[str, str] = field(default_factory=dict)  # what people read, per language ("1 · Tagihan")

    def title(self, language: str) -> str:
        """The flow's label in `language`, else in Indonesian, else its name."""
        return self.label.get(language) or self.label.get("id") or self.name


Phrase = tuple[str, ...]  # a word or phrase in normal form, split into words


@dataclass(frozen=True)
class Vocabulary:
    """The words that mean each choice (flows/words/), as authored per language and as lookup tables.

    `choices`: language -> "flow.node" -> key -> phrases, and `answers`: language -> yes/no ->
    phrases, are what the files say (and what a speech recogniser is given as hints);
    `tables` ("flow.node" -> phrase -> key) and `yes_no` (phrase -> "1" or "2") hold every
    language at once, for matching, as do `fillers` and `negations` (from common.yaml).
    """

    choices: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]] = field(default_factory=dict)
    answers: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    tables: Mapping[str, Mapping[Phrase, str]] = field(default_factory=dict)
    yes_no: Mapping[Phrase, str] = field(default_factory=dict)
    fillers: frozenset[Phrase] = frozenset()
    negations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FlowSet:
    """Every loaded flow; `entry` is where a new call begins; `words` what callers may say instead of keys."""

    flows: dict[str, Flow]
    entry: str
    words: Vocabulary = field(default_factory=Vocabulary)
    farewell: str | None = None  # "@flow.node" of the polite goodbye a texting customer reaches by typing "end"

    def titles(self, language: str) -> dict[str, str]:
        """Every flow's label in `language`, in the order people read them (by label: "0 ·", "1 ·", ...)."""
        return dict(sorted(((name, flow.title(language)) for name, flow in self.flows.items()), key=lambda t: t[1]))

    def resolve(self, current_flow: str, target: str) -> tuple[str, str]:
        """Turn a target ("node", "@flow" or "@flow.node") into (flow, node)."""
        if target.startswith("@"):
            flow_name, _, node_id = target[1:].partition(".")
            return flow_name, node_id or self.flows[flow_name].start
        return current_flow, target

    def node(self, flow: str, node_id: str) -> Node:
        return self.flows[flow].nodes[node_id]


# -- one turn of a conversation ---------------------------------------------------------------


@dataclass(frozen=True)
class Utterance:
    """Something the caller hears (voice) or reads (text)."""

    key: str
    text: str
    language: str
    audio_url: str | None = None
    result: bool = False  # the answer itself (a reference, a status): voice speaks it outside the <Gather>


@dataclass(frozen=True)
class Wait:
    """The turn ends waiting for keys; adapters map this to <Gather> or a text reply."""

    kind: str
    max_length: int
    finish_on_key: str | None
    max_seconds: int = 0
    speech: bool = False  # the answer may be spoken (voice only); `hints` are the phrases worth listening for
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transfer:
    target: str
    priority: str = "routine"


@dataclass(frozen=True)
class Hangup:
    pass


Ending = Wait | Transfer | Hangup


@dataclass(frozen=True)
class Event:
    """A timeline entry for the call record: node reached, input, timeout, transfer, ..."""

    kind: str
    flow: str | None
    node: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    utterances: list[Utterance]
    ending: Ending
    events: list[Event]


@dataclass(frozen=True)
class Keys:
    """The caller pressed keys (possibly an empty or garbage string)."""

    digits: str


@dataclass(frozen=True)
class Text:
    """The customer typed a message (SMS, WhatsApp): read leniently, as a person writes."""

    body: str


@dataclass(frozen=True)
class NoInput:
    """The caller said nothing before the timeout."""


@dataclass(frozen=True)
class Recording:
    """The caller left a voice message, stored by the channel at `url`."""

    url: str
    seconds: int = 0


@dataclass(frozen=True)
class Speech:
    """The caller spoke: the recogniser's transcript and how sure it was (0..1; None when it did not say)."""

    transcript: str
    confidence: float | None = None


@dataclass(frozen=True)
class SpeechPolicy:
    """When speech is heard, and how much misunderstanding a caller is put through before keys only.

    Below `min_confidence` a transcript is not acted on: the caller is asked again. After
    `misses_per_node` misses at one node that node asks by keys only; after `misses_per_call`
    misses in a call, every node does (a noisy street does not get quieter).
    """

    enabled: bool = True
    min_confidence: float = 0.5
    misses_per_node: int = 2
    misses_per_call: int = 4


UserInput = Keys | Text | NoInput | Recording | Speech
