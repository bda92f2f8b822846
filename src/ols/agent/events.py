"""What the loop reports while it runs, in the order it happens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolCallRecord:
    id: str
    name: str
    args: dict[str, Any]
    round: int
    server_name: str | None = None
    tool_meta: dict[str, Any] = field(default_factory=dict)

    def as_api(self) -> dict[str, Any]:
        """The reference's `tool_calls` item."""
        return {
            "id": self.id,
            "name": self.name,
            "args": self.args,
            "type": "tool_call",
            "round": self.round,
            "server_name": self.server_name,
            "tool_meta": self.tool_meta,
        }


@dataclass(frozen=True)
class ToolResultRecord:
    id: str
    name: str
    status: str  # success | error | truncated
    content: str
    round: int
    server_name: str | None = None
    error: str | None = None  # the ToolResult error kind, or the loop's own reason
    structured_content: dict[str, Any] | None = None
    duration_ms: float = 0.0

    def as_api(self) -> dict[str, Any]:
        """The reference's `tool_results` item."""
        item: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "content": self.content,
            "type": "tool_result",
            "round": self.round,
            "server_name": self.server_name,
        }
        if self.error:
            item["error"] = self.error
        if self.structured_content is not None:
            item["structured_content"] = self.structured_content
        return item


@dataclass(frozen=True)
class TokenEvent:
    text: str


@dataclass(frozen=True)
class ToolCallEvent:
    call: ToolCallRecord


@dataclass(frozen=True)
class ToolResultEvent:
    result: ToolResultRecord


@dataclass(frozen=True)
class TurnEnd:
    answer: str
    tool_calls: list[ToolCallRecord]
    tool_results: list[ToolResultRecord]
    input_tokens: int
    output_tokens: int
    truncated: bool  # history was cut to fit the context window
    rounds: int
    # `{doc_url, doc_title}` of the documentation passages given to the model
    referenced_documents: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PendingCall:
    """A call that waits for the user's approval."""

    call: ToolCallRecord
    description: str
    annotations: dict[str, Any]

    def as_api(self, approval_id: str) -> dict[str, Any]:
        """The reference's `approval_required` fields."""
        return {
            "approval_id": approval_id,
            "tool_name": self.call.name,
            "tool_description": self.description,
            "tool_args": self.call.args,
            "tool_annotation": self.annotations,
            "call_id": self.call.id,
            "server_name": self.call.server_name,
        }


@dataclass(frozen=True)
class ApprovalRequired:
    pending: PendingCall


@dataclass(frozen=True)
class TurnSuspended:
    """The turn stopped for approvals; `state` (a `TurnState`) continues it."""

    state: Any


AgentEvent = (
    TokenEvent | ToolCallEvent | ToolResultEvent | ApprovalRequired | TurnSuspended | TurnEnd
)
