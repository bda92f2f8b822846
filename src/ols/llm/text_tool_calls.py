"""Tool calls that a model wrote as text instead of using the API's `tool_calls`.

Small local models often do this. Two forms are recognised, only for tools that were offered:

- `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks (Hermes/Qwen style);
- a fenced ```json or ```tool_call block holding one such object or a list of them.

A block becomes tool calls only when every call in it names an offered tool, so JSON that the
model shows the user (a manifest, say) stays in the text. Recognised blocks are removed from
the text. `parameters` is accepted for `arguments` (Llama 3 writes it that way).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ols.llm.types import ToolCallRequest

TEXT_CALL_ID_PREFIX = "call_text_"

# A <tool_call> block may itself hold a fence; the fence is part of the block.
_TAGGED = re.compile(
    r"<tool_call>\s*(?:```(?:json|tool_call)?\s*)?(?P<body>.*?)\s*(?:```\s*)?</tool_call>",
    re.DOTALL,
)
_FENCED = re.compile(r"```(?:json|tool_call)[ \t]*\n(?P<body>.*?)\n?[ \t]*```", re.DOTALL)
_CALL_KEYS = {"name", "arguments", "parameters", "id", "type"}
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    calls: list[tuple[str, Any]]  # (name, arguments as written)


def extract_text_tool_calls(
    text: str, offered: Collection[str]
) -> tuple[str, list[ToolCallRequest]]:
    """The text without its tool-call blocks, and the calls they held (ids `call_text_<n>`).

    With no offered tools, nothing is parsed and the text comes back unchanged.
    """
    if not offered or not text:
        return text, []
    found = [
        _Found(m.start(), m.end(), calls)
        for pattern in (_TAGGED, _FENCED)
        for m in pattern.finditer(text)
        if (calls := _calls_in(m.group("body"), offered))
    ]
    found = _without_overlaps(found)
    if not found:
        return text, []
    requests: list[ToolCallRequest] = []
    pieces: list[str] = []
    position = 0
    for block in found:
        pieces.append(text[position : block.start])
        position = block.end
        for name, arguments in block.calls:
            requests.append(_request(f"{TEXT_CALL_ID_PREFIX}{len(requests) + 1}", name, arguments))
    pieces.append(text[position:])
    remaining = _BLANK_RUNS.sub("\n\n", "".join(pieces)).strip()
    return remaining, requests


def _calls_in(body: str, offered: Collection[str]) -> list[tuple[str, Any]]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    calls: list[tuple[str, Any]] = []
    for item in items:
        if not isinstance(item, dict) or item.get("name") not in offered:
            return []
        if not set(item) <= _CALL_KEYS:
            return []
        arguments = item.get("arguments", item.get("parameters", {}))
        calls.append((str(item["name"]), arguments))
    return calls


def _without_overlaps(found: list[_Found]) -> list[_Found]:
    # A fenced block inside a <tool_call> block (or the reverse) is one call, not two.
    kept: list[_Found] = []
    for block in sorted(found, key=lambda b: (b.start, -b.end)):
        if kept and block.start < kept[-1].end:
            continue
        kept.append(block)
    return kept


def _request(call_id: str, name: str, arguments: Any) -> ToolCallRequest:
    if isinstance(arguments, dict):
        return ToolCallRequest(call_id, name, arguments, json.dumps(arguments), None)
    if isinstance(arguments, str):
        # Some models write the arguments as a JSON string, as the API would.
        return ToolCallRequest.from_raw_arguments(call_id, name, arguments)
    raw = json.dumps(arguments)  # a list, a number...: from_raw_arguments says why not
    return ToolCallRequest.from_raw_arguments(call_id, name, raw)
