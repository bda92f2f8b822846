"""What a tool call gives back: always a `ToolResult`, never an exception.

The agent shows every result to the user and feeds it to the LLM, so failures are results
too, with a kind the caller can act on and a message a person can read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ToolErrorKind = Literal[
    "no_token",  # no user token: nothing was started or sent
    "unknown_tool",
    "invalid_arguments",  # failed the tool's input schema; nothing was sent
    "forbidden",  # the Kubernetes API refused the user (403), message kept verbatim
    "tool_error",  # the tool ran and reported an error
    "unreachable",  # the MCP server could not be reached or started
    "crashed",  # the MCP server died during the call; it is restarted on the next call
    "timeout",
    "internal",
]


@dataclass(frozen=True)
class ToolResult:
    tool: str
    arguments: Mapping[str, Any]
    status: Literal["success", "error"]
    text: str
    server: str | None = None
    structured_content: dict[str, Any] | None = None
    error: ToolErrorKind | None = None
    truncated: bool = False
    original_bytes: int = 0
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @classmethod
    def failure(
        cls,
        tool: str,
        arguments: Mapping[str, Any],
        error: ToolErrorKind,
        text: str,
        server: str | None = None,
    ) -> ToolResult:
        return cls(
            tool=tool,
            arguments=arguments,
            status="error",
            text=text,
            server=server,
            error=error,
            original_bytes=len(text.encode()),
        )


def truncate_text(text: str, max_bytes: int) -> tuple[str, bool, int]:
    """Cut `text` to at most `max_bytes` UTF-8 bytes at a line boundary, with a marker that
    states the original size. Returns (text, truncated, original size in bytes)."""
    encoded = text.encode()
    total = len(encoded)
    if total <= max_bytes:
        return text, False, total
    marker_room = 120
    head = encoded[: max(max_bytes - marker_room, 0)]
    cut = head.rfind(b"\n")
    head = head[: cut + 1] if cut > 0 else head
    shown = head.decode(errors="ignore")
    marker = (
        f"[output truncated: the tool returned {total} bytes; the first "
        f"{len(shown.encode())} are shown]"
    )
    return shown + ("" if shown.endswith("\n") or not shown else "\n") + marker, True, total


def structured_within(content: dict[str, Any] | None, max_bytes: int) -> dict[str, Any] | None:
    """Structured content if it fits the limit, else None (the text keeps the cut version)."""
    if content is None:
        return None
    try:
        size = len(json.dumps(content).encode())
    except (TypeError, ValueError):
        return None
    return content if size <= max_bytes else None
