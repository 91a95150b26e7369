"""Speech at a waiting node: whether the caller may speak there, what to listen for, what was said.

The engine asks this module three things and keeps the turn (prompts, events) itself:
`hears` (speech on for the deployment and the node, and not misheard too often), `hints` (the
node's phrases, computed once per node and language), and `read` (the keys a transcript stands
for, or the reason it is a miss: below the confidence threshold, or naming no single choice or
number; never a guess). `missed` counts a miss and says whether the node now takes keys only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivr.engine import text_input, words
from ivr.engine.model import CollectNode, Speech, SpeechPolicy, Vocabulary, WaitingNode
from ivr.engine.state import ConversationState

MAX_LOGGED_TRANSCRIPT = 200
NUMBER_HINT = "$OOV_CLASS_DIGIT_SEQUENCE"  # a recogniser class token: expect a digit sequence
LOW_CONFIDENCE, NOT_UNDERSTOOD = "low_confidence", "not_understood"


@dataclass(frozen=True)
class Heard:
    """A spoken answer as read: its keys ("" when nothing was said), or the reason it is a miss."""

    keys: str | None
    detail: dict[str, Any]  # what an input event records: mode, transcript (masked at a number), confidence
    miss: str | None = None


class Listening:
    """The speech policy applied to one flow set's words."""

    def __init__(self, policy: SpeechPolicy, vocabulary: Vocabulary) -> None:
        self.policy = policy
        self.vocabulary = vocabulary
        self._hints: dict[tuple[str, str], tuple[str, ...]] = {}

    def hears(self, node: WaitingNode, state: ConversationState) -> bool:
        """Whether a voice caller may speak here: on for the deployment and the node, and not misheard too often."""
        policy = self.policy
        return (
            policy.enabled
            and node.speech
            and state.medium == "voice"
            and state.speech_misses < policy.misses_per_node
            and state.speech_misses_call < policy.misses_per_call
        )

    def hints(self, node: WaitingNode, language: str) -> tuple[str, ...]:
        """The phrases a recogniser should listen for at `node` (the node's words; a digit sequence for numbers)."""
        key = (node.qualified, language)
        hints = self._hints.get(key)
        if hints is None:
            phrases = [p for p in words.hints(self.vocabulary, node, language) if len(p) > 1]  # "y", "t": typed only
            if isinstance(node, CollectNode) and node.max_length > 1:
                phrases.append(NUMBER_HINT)
            hints = self._hints[key] = tuple(phrases)
        return hints

    def read(self, node: WaitingNode, speech: Speech, language: str) -> Heard:
        """The keys `speech` stands for at `node`, or why it is a miss."""
        said = speech.transcript.strip()
        shown = words.masked(said) if isinstance(node, CollectNode) else said
        detail = {"mode": "speech", "transcript": shown[:MAX_LOGGED_TRANSCRIPT], "confidence": speech.confidence}
        if not said:
            return Heard("", detail)
        if speech.confidence is not None and speech.confidence < self.policy.min_confidence:
            return Heard(None, detail, LOW_CONFIDENCE)
        keys = text_input.as_keys(node, said, self.vocabulary, language)
        if keys and not any(c.isalpha() for c in keys):
            return Heard(keys, detail)
        return Heard(None, detail, NOT_UNDERSTOOD)

    def missed(self, node: WaitingNode, state: ConversationState) -> bool:
        """Count a miss at the node and in the call; True when the node now takes keys only."""
        state.speech_misses += 1
        state.speech_misses_call += 1
        return not self.hears(node, state)
