"""What one model turn gives back, whole or as a stream of events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToolCallRequest:
    """A tool the model asked to run.

    `arguments` is the parsed JSON object; when the model's arguments are not a JSON object,
    `arguments` is empty, `parse_error` says why, and `raw_arguments` keeps what it wrote so
    the caller can show the model its mistake.
    """

    id: str
    name: str
    arguments: dict[str, Any]
    raw_arguments: str
    parse_error: str | None = None

    @classmethod
    def from_raw_arguments(cls, call_id: str, name: str, raw_arguments: str) -> ToolCallRequest:
        """A call whose arguments arrived as a JSON string, as the API sends them. An empty
        string means no arguments."""
        if not raw_arguments.strip():
            return cls(call_id, name, {}, raw_arguments, None)
        try:
            arguments = json.loads(raw_arguments)
        except ValueError as exc:
            return cls(call_id, name, {}, raw_arguments, f"the arguments are not valid JSON: {exc}")
        if not isinstance(arguments, dict):
            shown = raw_arguments if len(raw_arguments) <= 80 else raw_arguments[:77] + "..."
            problem = f"the arguments must be a JSON object, got {shown}"
            return cls(call_id, name, {}, raw_arguments, problem)
        return cls(call_id, name, arguments, raw_arguments, None)


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class LlmTurn:
    text: str
    tool_calls: list[ToolCallRequest]
    finish_reason: str | None
    usage: Usage


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer's text, as it arrived."""

    text: str


@dataclass(frozen=True)
class TurnComplete:
    """The end of a streamed turn. `turn.text` is authoritative: tool calls the model wrote
    as text were already streamed as `TextDelta`s and are removed here."""

    turn: LlmTurn


LlmEvent = TextDelta | TurnComplete
