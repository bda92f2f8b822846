"""The chat-completions wire format: what servers send, read leniently, into `LlmTurn`s.

We validate responses ourselves instead of using the SDK's response types: the SDK builds
those without validation (a missing field is None, a wrong type passes through, a non-JSON
body comes back as a string), and local servers differ in what they leave out. These models
require only what a turn needs and ignore everything else.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Collection
from typing import Any

from pydantic import BaseModel, ValidationError

from ols.llm.text_tool_calls import extract_text_tool_calls
from ols.llm.tokens import count_tokens
from ols.llm.types import LlmTurn, ToolCallRequest, Usage


class WireError(ValueError):
    """The server's answer is not a chat completion; the message says what was wrong."""


class _Function(BaseModel):
    name: str | None = None
    # A JSON string per the API; some servers (older Ollama) send the object itself.
    arguments: str | dict[str, Any] | None = None


class _ToolCall(BaseModel):
    index: int | None = None  # streaming only
    id: str | None = None
    function: _Function | None = None


class _Message(BaseModel):
    content: str | list[Any] | None = None
    tool_calls: list[_ToolCall] | None = None


class _Choice(BaseModel):
    message: _Message
    finish_reason: str | None = None


class _Usage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _Completion(BaseModel):
    choices: list[_Choice]
    usage: _Usage | None = None


class _Delta(BaseModel):
    content: str | None = None
    tool_calls: list[_ToolCall] | None = None


class _ChunkChoice(BaseModel):
    delta: _Delta | None = None
    finish_reason: str | None = None


class Chunk(BaseModel):
    """One streamed `chat.completion.chunk`. The last one may carry only usage."""

    choices: list[_ChunkChoice] = []
    usage: _Usage | None = None


def parse_completion(body: str, *, offered_tools: Collection[str], input_estimate: int) -> LlmTurn:
    """A non-streamed response body as a turn; WireError when it is not a chat completion."""
    data = _json_object(body)
    try:
        completion = _Completion.model_validate(data)
    except ValidationError as exc:
        raise WireError(f"unexpected JSON: {_first_problem(exc)}") from None
    if not completion.choices:
        raise WireError("the response has no choices")
    choice = completion.choices[0]
    calls = [
        _request_from_wire(position, call)
        for position, call in enumerate(choice.message.tool_calls or [])
    ]
    return build_turn(
        _content_text(choice.message.content),
        calls,
        choice.finish_reason,
        completion.usage,
        offered_tools=offered_tools,
        input_estimate=input_estimate,
    )


def parse_chunk(data: str) -> Chunk:
    """One SSE `data:` payload as a chunk; WireError when it is not one."""
    payload = _json_object(data)
    error = payload.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        raise WireError(f"the server reported an error in the stream: {message}")
    try:
        return Chunk.model_validate(payload)
    except ValidationError as exc:
        raise WireError(f"unexpected chunk: {_first_problem(exc)}") from None


class TurnAssembler:
    """Collects streamed chunks into one turn: text in order, and tool calls reassembled by
    their index (parallel calls arrive interleaved, each call's arguments in pieces)."""

    def __init__(self) -> None:
        self._text: list[str] = []
        self._calls: dict[int, _PartialCall] = {}
        self._last_index: int | None = None
        self.finish_reason: str | None = None
        self._usage: _Usage | None = None

    def add(self, chunk: Chunk) -> str:
        """Take in a chunk; returns the text it added (may be empty)."""
        if chunk.usage is not None:
            self._usage = chunk.usage
        added: list[str] = []
        for choice in chunk.choices[:1]:
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
            if choice.delta is None:
                continue
            if choice.delta.content:
                added.append(choice.delta.content)
            for call in choice.delta.tool_calls or []:
                self._add_call(call)
        self._text.extend(added)
        return "".join(added)

    def _add_call(self, delta: _ToolCall) -> None:
        index = delta.index
        if index is None:
            # Servers that omit the index send each call whole, or a new id for a new call.
            new_call = self._last_index is None or (
                delta.id is not None and delta.id != self._calls[self._last_index].id
            )
            index = len(self._calls) if new_call else self._last_index
        assert index is not None
        partial = self._calls.setdefault(index, _PartialCall())
        self._last_index = index
        if delta.id and not partial.id:
            partial.id = delta.id
        if delta.function is not None:
            partial.name += delta.function.name or ""
            arguments = delta.function.arguments
            if isinstance(arguments, dict):
                partial.arguments += json.dumps(arguments)
            elif arguments:
                partial.arguments += arguments

    def turn(self, *, offered_tools: Collection[str], input_estimate: int) -> LlmTurn:
        calls = [
            ToolCallRequest.from_raw_arguments(
                partial.id or _generated_id(position), partial.name, partial.arguments
            )
            for position, (_, partial) in enumerate(sorted(self._calls.items()))
        ]
        return build_turn(
            "".join(self._text),
            calls,
            self.finish_reason,
            self._usage,
            offered_tools=offered_tools,
            input_estimate=input_estimate,
        )


class _PartialCall:
    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.arguments = ""


def build_turn(
    text: str,
    calls: list[ToolCallRequest],
    finish_reason: str | None,
    usage: _Usage | None,
    *,
    offered_tools: Collection[str],
    input_estimate: int,
) -> LlmTurn:
    """The turn, with tool calls written as text recovered when the API gave none, and usage
    estimated when the server reported none."""
    if offered_tools and not calls:
        text, calls = extract_text_tool_calls(text, offered_tools)
    input_tokens = usage.prompt_tokens if usage and usage.prompt_tokens is not None else None
    output_tokens = (
        usage.completion_tokens if usage and usage.completion_tokens is not None else None
    )
    if input_tokens is None:
        input_tokens = input_estimate
    if output_tokens is None:
        output_tokens = count_tokens(text) + sum(
            count_tokens(call.name) + count_tokens(call.raw_arguments) for call in calls
        )
    return LlmTurn(text, calls, finish_reason, Usage(input_tokens, output_tokens))


def _request_from_wire(position: int, call: _ToolCall) -> ToolCallRequest:
    function = call.function or _Function()
    arguments = function.arguments
    raw = json.dumps(arguments) if isinstance(arguments, dict) else (arguments or "")
    return ToolCallRequest.from_raw_arguments(
        call.id or _generated_id(position), function.name or "", raw
    )


def _generated_id(position: int) -> str:
    # Some local servers send tool calls without ids; the tool result must still name one.
    return f"call_{position + 1}"


def _content_text(content: str | list[Any] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        raise WireError(f"not JSON: {_excerpt(text)}") from None
    if not isinstance(data, dict):
        raise WireError(f"not a JSON object: {_excerpt(text)}")
    return data


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    return f"{where}: {error['msg']}"


def _excerpt(text: str, limit: int = 200) -> str:
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")


async def sse_payloads(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The `data` of each server-sent event, `[DONE]` included. An event that the stream
    cut off before its closing blank line is dropped, as the SSE spec says."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
        elif line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
        # Other fields (event:, id:, retry:) and comments (":") carry nothing we use.
