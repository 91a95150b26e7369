"""One exception hierarchy for the engine; every error carries where it happened."""

from __future__ import annotations


class EngineError(Exception):
    """Base of every engine error, with the flow, node and input involved when known."""

    def __init__(
        self,
        message: str,
        *,
        flow: str | None = None,
        node: str | None = None,
        user_input: str | None = None,
    ) -> None:
        self.message = message
        self.flow = flow
        self.node = node
        self.user_input = user_input
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = ".".join(part for part in (self.flow, self.node) if part)
        return f"{where}: {self.message}" if where else self.message


class FlowDefinitionError(EngineError):
    """A flow or prompt file is wrong; raised at start-up so a bad file never takes calls."""

    def __init__(self, message: str, *, file: str, node: str | None = None) -> None:
        self.file = file
        super().__init__(message, node=node)

    def _describe(self) -> str:
        where = f"{self.file}: node '{self.node}'" if self.node else self.file
        return f"{where}: {self.message}"


class PromptError(EngineError):
    """A prompt cannot be rendered (missing variable, unknown key) at call time."""


class ServiceError(EngineError):
    """A service a flow called failed (database down, bug); the caller gets an apology."""
