"""What the engine remembers about one conversation between webhooks (JSON-serialisable)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ConversationState:
    """Position in the flow, collected values and retry counters for one call or chat."""

    flow: str
    node: str
    language: str
    vars: dict[str, Any] = field(default_factory=dict)
    no_input_count: int = 0
    invalid_count: int = 0
    ended: bool = False

    def move_to(self, flow: str, node: str) -> None:
        """Enter a node; retry counters belong to the node, so they start again."""
        if (flow, node) != (self.flow, self.node):
            self.no_input_count = 0
            self.invalid_count = 0
        self.flow, self.node = flow, node

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationState:
        return cls(
            flow=data["flow"],
            node=data["node"],
            language=data["language"],
            vars=dict(data.get("vars", {})),
            no_input_count=int(data.get("no_input_count", 0)),
            invalid_count=int(data.get("invalid_count", 0)),
            ended=bool(data.get("ended", False)),
        )
