"""What the engine remembers about one conversation between webhooks (JSON-serialisable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ConversationState:
    """Position in the flow, collected values and retry counters for one call or chat.

    `medium` is how prompts reach the customer: "voice" (spoken) or "text" (read).
    """

    flow: str
    node: str
    language: str
    medium: str = "voice"
    vars: dict[str, Any] = field(default_factory=dict)
    no_input_count: int = 0
    invalid_count: int = 0
    speech_misses: int = 0  # at the current node (speech not understood), reset on moving on
    speech_misses_call: int = 0
    visits: dict[str, int] = field(default_factory=dict)
    ended: bool = False

    def move_to(self, flow: str, node: str) -> None:
        """Enter a node; retry counters belong to the node, visit counts to one entry of a flow."""
        if (flow, node) != (self.flow, self.node):
            self.no_input_count = 0
            self.invalid_count = 0
            self.speech_misses = 0
        if flow != self.flow:
            self.visits = {key: n for key, n in self.visits.items() if not key.startswith(f"{flow}.")}
        self.flow, self.node = flow, node

    def visit(self) -> int:
        """Count one more visit to the current node and return the count."""
        key = f"{self.flow}.{self.node}"
        self.visits[key] = self.visits.get(key, 0) + 1
        return self.visits[key]

    def to_dict(self) -> dict[str, Any]:
        """A copy as plain JSON values (written by hand: `dataclasses.asdict` costs ~10x as much)."""
        return {
            "flow": self.flow,
            "node": self.node,
            "language": self.language,
            "medium": self.medium,
            "vars": {name: _copied(value) for name, value in self.vars.items()},
            "no_input_count": self.no_input_count,
            "invalid_count": self.invalid_count,
            "speech_misses": self.speech_misses,
            "speech_misses_call": self.speech_misses_call,
            "visits": dict(self.visits),
            "ended": self.ended,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationState:
        return cls(
            flow=data["flow"],
            node=data["node"],
            language=data["language"],
            medium=str(data.get("medium", "voice")),
            vars=dict(data.get("vars", {})),
            no_input_count=int(data.get("no_input_count", 0)),
            invalid_count=int(data.get("invalid_count", 0)),
            speech_misses=int(data.get("speech_misses", 0)),
            speech_misses_call=int(data.get("speech_misses_call", 0)),
            visits={str(k): int(v) for k, v in data.get("visits", {}).items()},
            ended=bool(data.get("ended", False)),
        )


def _copied(value: Any) -> Any:
    """A JSON value copied as deep as it goes (lists and objects), so a copy never shares what may change."""
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    return value
