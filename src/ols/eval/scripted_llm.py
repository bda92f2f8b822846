"""An OpenAI-compatible chat-completions server that answers from a script, for tests.

It is the only stand-in for the LLM the project allows. The service under test talks to it
exactly as it talks to a real provider (the `openai` SDK with `base_url=llm.url`), and every
chat-completions request is recorded so a test can assert what the service sent to the model.

    llm.script(tool_calls(("pods_list", {"namespace": "demo"})), reply("Two pods."))
    ...  # drive the service
    assert llm.requests[0].tool_names == ["pods_list"]
    assert "pod-a" in llm.requests[1].text()

Each request consumes the next step, in order; the request's `stream` flag decides whether the
step is framed as one `chat.completion` or as server-sent `chat.completion.chunk` events.

Notes for test authors:

- The SDK retries 408, 409, 429, 5xx and connection errors (`max_retries`, 2 by default); every
  attempt consumes a step. Build the client with `max_retries=0`, script one step per attempt,
  or pass `headers={"x-should-retry": "false"}` to `http_error`.
- The answer to an exhausted script carries `x-should-retry: false`, so it fails at once.
- Tool-call ids are `call_<n>`, unique for the server's lifetime (not reset by `reset()`);
  `RecordedRequest.answer_tool_call_ids` says which ids answered a request.
- Concurrent requests take steps in arrival order, so a script cannot say which request gets
  which step. For load, give a `responder` instead: a function from the recorded request to
  its step, asked whenever the script is empty (for instance: a tool call while the request
  carries fewer than k tool results, then a reply).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

__all__ = [
    "EXHAUSTED_MESSAGE",
    "RecordedRequest",
    "Responder",
    "ScriptedLLM",
    "Step",
    "ToolCalls",
    "cut_stream",
    "delay",
    "garbage",
    "http_error",
    "raw_tool_arguments",
    "reply",
    "tool_calls",
]

EXHAUSTED_MESSAGE = "the scripted LLM has no step left for this request"
_CLOSE_EXTENSION = "scripted_llm.close_connection"
_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0
_STREAM_PIECES = 3


# --- steps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCall:
    """One tool call of an answer; `arguments` is the string the model sends, verbatim."""

    name: str
    arguments: str


@dataclass(frozen=True)
class Reply:
    text: str
    input_tokens: int = 10
    output_tokens: int | None = None


@dataclass(frozen=True)
class ToolCalls:
    calls: tuple[ToolCall, ...]
    text: str = ""
    input_tokens: int = 10
    output_tokens: int | None = None


@dataclass(frozen=True)
class HttpError:
    status: int
    message: str
    type: str
    code: str | None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Garbage:
    pass


@dataclass(frozen=True)
class CutStream:
    text: str
    graceful: bool = False


@dataclass(frozen=True)
class Delay:
    seconds: float
    then: Step


Step = Reply | ToolCalls | HttpError | Garbage | CutStream | Delay


def reply(text: str, *, input_tokens: int = 10, output_tokens: int | None = None) -> Step:
    """An assistant message with `text`, finish_reason "stop".

    `output_tokens` defaults to an estimate from the text (about four characters a token).
    """
    return Reply(text, input_tokens, output_tokens)


def tool_calls(
    *calls: tuple[str, dict[str, Any]],
    text: str = "",
    input_tokens: int = 10,
    output_tokens: int | None = None,
) -> Step:
    """One assistant message asking for one or more tool calls, finish_reason "tool_calls".

    Each call is `(tool name, arguments)`; arguments are JSON-encoded as OpenAI sends them.
    """
    if not calls:
        raise ValueError("tool_calls() needs at least one (name, arguments) pair")
    encoded = tuple(
        ToolCall(name, json.dumps(arguments, separators=(",", ":"), ensure_ascii=False))
        for name, arguments in calls
    )
    return ToolCalls(encoded, text, input_tokens, output_tokens)


def raw_tool_arguments(name: str, arguments: str) -> Step:
    """A tool call whose arguments string is sent verbatim (for instance invalid JSON)."""
    return ToolCalls((ToolCall(name, arguments),))


_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout", None),
    429: ("requests", "rate_limit_exceeded"),
}


def http_error(
    status: int,
    message: str = "scripted error",
    *,
    error_type: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Step:
    """An error response with OpenAI's body `{"error": {"message", "type", "param", "code"}}`.

    `error_type` and `code` default to what OpenAI sends for the status (for instance 429 gives
    `requests` / `rate_limit_exceeded`, 5xx gives `server_error`). `headers` are added to
    the response (`retry-after`, `x-should-retry`, ...).
    """
    default_type, default_code = _ERROR_KINDS.get(
        status, ("server_error", None) if status >= 500 else ("invalid_request_error", None)
    )
    return HttpError(
        status,
        message,
        error_type if error_type is not None else default_type,
        code if code is not None else default_code,
        tuple((headers or {}).items()),
    )


def garbage() -> Step:
    """HTTP 200 whose body is not JSON; when streaming, an SSE data line that is not JSON."""
    return Garbage()


def cut_stream(text: str, *, graceful: bool = False) -> Step:
    """A broken answer.

    Streaming: the role chunk and `text` as content deltas, then the connection is closed
    with no finish_reason and no `[DONE]` (the client sees an incomplete chunked body).
    With `graceful=True` the HTTP response ends properly instead, still without a
    finish_reason or `[DONE]` (a truncating proxy). Non-streaming: the connection is closed
    before any response is sent.
    """
    return CutStream(text, graceful)


def delay(seconds: float, then: Step) -> Step:
    """Wait `seconds`, then answer as `then`; if the client gives up first, answer nothing."""
    return Delay(seconds, then)


# --- recorded requests -------------------------------------------------------------------


@dataclass
class RecordedRequest:
    body: dict[str, Any]
    headers: dict[str, str]
    raw: bytes = b""
    step: Step | None = None
    """The step that answered the request; None when the script was empty or the body bad."""
    answer_tool_call_ids: list[str] = field(default_factory=list)
    """The ids of the tool calls in the answer, in order."""
    answer_seconds: float | None = None
    """How long the server took from the request's arrival to the answer's last byte (None
    until the answer is complete)."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages = self.body.get("messages")
        return messages if isinstance(messages, list) else []

    def prompt_parts(self) -> dict[str, int]:
        """Estimated tokens (four characters a token) of what was sent, by part: the system
        message, the tool schemas, earlier messages (history, tool calls and results) and
        the last user message."""
        messages = self.messages
        last_user = max(
            (i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"),
            default=-1,
        )
        parts = {"system": 0, "tools": 0, "history": 0, "question": 0}
        for index, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            size = _estimate_tokens(json.dumps(message, ensure_ascii=False))
            part = "system" if role == "system" else "question" if index == last_user else "history"
            parts[part] += size
        tools = self.body.get("tools")
        if tools:
            parts["tools"] = _estimate_tokens(json.dumps(tools, ensure_ascii=False))
        return parts

    def unoffered_calls(self) -> list[str]:
        """Tools the scripted answer called that this request did not offer."""
        step = self.step
        while isinstance(step, Delay):
            step = step.then
        if not isinstance(step, ToolCalls):
            return []
        offered = set(self.tool_names)
        return [call.name for call in step.calls if call.name not in offered]

    @property
    def tool_names(self) -> list[str]:
        names: list[str] = []
        for tool in self.body.get("tools") or []:
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                names.append(function["name"])
        return names

    def text(self) -> str:
        """All message contents (strings and text parts), one per line."""
        parts: list[str] = []
        for message in self.messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):
                for part in content:
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        parts.append(part["text"])
        return "\n".join(parts)


Responder = Callable[[RecordedRequest], Step]
"""Chooses the step for a request the script has no step for."""


# --- the server --------------------------------------------------------------------------


class _ClosableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, letting the app drop the connection (ASGI has no way to)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            extensions = dict(scope.get("extensions") or {})
            extensions[_CLOSE_EXTENSION] = self.transport.close
            scope["extensions"] = extensions
            await inner(scope, receive, send)

        self.app = app


class ScriptedLLM:
    model: str = "scripted-model"

    def __init__(
        self, *, count_prompt_tokens: bool = False, responder: Responder | None = None
    ) -> None:
        """`count_prompt_tokens`: report each request's prompt tokens as estimated from its
        body (about four characters a token, tools and messages included) instead of the
        step's `input_tokens` (what `ols eval --scripted` reports).

        `responder`: asked for the step of every request that finds the script empty (the
        script still comes first); without one, such a request gets an error."""
        self.count_prompt_tokens = count_prompt_tokens
        self.responder = responder
        self._lock = threading.Lock()
        self._steps: deque[Step] = deque()
        self._requests: list[RecordedRequest] = []
        self._tool_call_count = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._stopping = threading.Event()

    # lifecycle

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the scripted LLM is already running")
        self._stopping.clear()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            self._app,
            http=_ClosableH11Protocol,
            interface="asgi3",
            proxy_headers=False,
            ws="none",
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="scripted-llm", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(_STOP_TIMEOUT_S)
                sock.close()
                raise RuntimeError("the scripted LLM did not start")
            time.sleep(0.01)
        self._server, self._thread, self._port = server, thread, sock.getsockname()[1]

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = self._port = None
        if server is not None and thread is not None:
            self._stopping.set()  # pending delays drop their connections
            server.should_exit = True
            thread.join(_STOP_TIMEOUT_S)

    def __enter__(self) -> ScriptedLLM:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the scripted LLM is not running")
        return f"http://127.0.0.1:{self._port}/v1"

    # script and records

    def script(self, *steps: Step) -> None:
        with self._lock:
            self._steps.extend(steps)

    def reset(self) -> None:
        with self._lock:
            self._steps.clear()
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def remaining(self) -> int:
        with self._lock:
            return len(self._steps)

    def _take(self, record: RecordedRequest) -> Step | None:
        """Record the request and consume the next step (or ask the responder), giving its
        tool calls their ids."""
        with self._lock:
            self._requests.append(record)
            step = self._steps.popleft() if self._steps else None
        if step is None and self.responder is not None:
            step = self.responder(record)
        if step is None:
            return None
        with self._lock:
            record.step = step
            inner = step
            while isinstance(inner, Delay):
                inner = inner.then
            if isinstance(inner, ToolCalls):
                for _ in inner.calls:
                    self._tool_call_count += 1
                    record.answer_tool_call_ids.append(f"call_{self._tool_call_count}")
            return step

    # ASGI

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"].rstrip("/")
        if method == "POST" and path == "/v1/chat/completions":
            await self._chat(scope, receive, send)
        elif method == "GET" and path == "/v1/models":
            models = {
                "object": "list",
                "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "tests"}],
            }
            await _send_json(send, 200, models)
        else:
            message = f"Unknown request URL: {method} {scope['path']}."
            await _send_json(send, 404, _error_body(message, "invalid_request_error", None))

    async def _chat(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = time.perf_counter()
        raw = await _read_body(receive)
        headers: dict[str, str] = {}
        for key, value in scope["headers"]:
            name = key.decode("latin-1").lower()
            text = value.decode("latin-1")
            headers[name] = f"{headers[name]}, {text}" if name in headers else text
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._take_bad(RecordedRequest(body={}, headers=headers, raw=raw))
            error = _error_body(
                "We could not parse the JSON body of your request.", "invalid_request_error", None
            )
            await _send_json(send, 400, error)
            return
        record = RecordedRequest(body=body, headers=headers, raw=raw)
        step = self._take(record)
        if step is None:
            error = _error_body(EXHAUSTED_MESSAGE, "server_error", "scripted_llm_exhausted")
            await _send_json(send, 500, error, [("x-should-retry", "false")])
            return
        stream_options = body.get("stream_options")
        answer = _Answer(
            model=body["model"] if isinstance(body.get("model"), str) else self.model,
            stream=body.get("stream") is True,
            include_usage=isinstance(stream_options, dict)
            and stream_options.get("include_usage") is True,
            tool_call_ids=list(record.answer_tool_call_ids),
            prompt_tokens=_estimate_tokens(raw.decode("utf-8", "replace"))
            if self.count_prompt_tokens
            else None,
            close=scope["extensions"][_CLOSE_EXTENSION],
            stopping=self._stopping,
            receive=receive,
            send=send,
        )
        await answer.run(step)
        record.answer_seconds = time.perf_counter() - arrived

    def _take_bad(self, record: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(record)


@dataclass
class _Answer:
    model: str
    stream: bool
    include_usage: bool
    tool_call_ids: list[str]
    close: Callable[[], None]
    stopping: threading.Event
    receive: Receive
    send: Send
    prompt_tokens: int | None = None
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4().hex[:24]}")
    created: int = field(default_factory=lambda: int(time.time()))

    async def run(self, step: Step) -> None:
        while isinstance(step, Delay):
            if not await self._wait(step.seconds):
                return  # the client went away, or the server is stopping
            step = step.then
        if isinstance(step, HttpError):
            error = _error_body(step.message, step.type, step.code)
            await _send_json(self.send, step.status, error, list(step.headers))
        elif isinstance(step, Garbage):
            if self.stream:
                await self._start_events()
                await self._event_line("this is not JSON {")
                await self._event_line("[DONE]")
                await self._body(b"", more=False)
            else:
                await _send_bytes(self.send, 200, b"this is not JSON {", "application/json")
        elif isinstance(step, CutStream):
            if self.stream:
                await self._start_events()
                await self._event(
                    self._chunk({"role": "assistant", "content": "", "refusal": None})
                )
                for piece in _pieces(step.text):
                    await self._event(self._chunk({"content": piece}))
                if step.graceful:
                    await self._body(b"", more=False)
                    return
            await self._drop_connection()
        elif self.stream:
            await self._stream(step)
        else:
            await _send_json(self.send, 200, self._completion(step))

    # non-streaming

    def _completion(self, step: Reply | ToolCalls) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": step.text, "refusal": None}
        if isinstance(step, ToolCalls):
            message["content"] = step.text or None
            message["tool_calls"] = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                for call_id, call in zip(self.tool_call_ids, step.calls, strict=True)
            ]
            finish_reason = "tool_calls"
        else:
            finish_reason = "stop"
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
            ],
            "usage": _usage(step, self.prompt_tokens),
        }

    # streaming

    async def _stream(self, step: Reply | ToolCalls) -> None:
        await self._start_events()
        calls = step.calls if isinstance(step, ToolCalls) else ()
        first_content = "" if step.text or not calls else None
        await self._event(
            self._chunk({"role": "assistant", "content": first_content, "refusal": None})
        )
        for piece in _pieces(step.text):
            await self._event(self._chunk({"content": piece}))
        for index, (call_id, call) in enumerate(zip(self.tool_call_ids, calls, strict=True)):
            opening = {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            await self._event(self._chunk({"tool_calls": [opening]}))
            for piece in _pieces(call.arguments):
                delta = {"index": index, "function": {"arguments": piece}}
                await self._event(self._chunk({"tool_calls": [delta]}))
        finish_reason = "tool_calls" if calls else "stop"
        await self._event(self._chunk({}, finish_reason))
        if self.include_usage:
            await self._event(
                {**self._chunk({}), "choices": [], "usage": _usage(step, self.prompt_tokens)}
            )
        await self._event_line("[DONE]")
        await self._body(b"", more=False)

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        chunk: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }
        if self.include_usage:
            chunk["usage"] = None
        return chunk

    async def _start_events(self) -> None:
        headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache"),
            (b"x-request-id", f"req_{uuid.uuid4().hex}".encode()),
        ]
        await self.send({"type": "http.response.start", "status": 200, "headers": headers})

    async def _event(self, data: dict[str, Any]) -> None:
        await self._event_line(json.dumps(data, separators=(",", ":"), ensure_ascii=False))

    async def _event_line(self, data: str) -> None:
        await self._body(f"data: {data}\n\n".encode())

    async def _body(self, data: bytes, *, more: bool = True) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    # connection handling

    async def _wait(self, seconds: float) -> bool:
        """Sleep; False if the client disconnected or the server began to stop first."""
        deadline = time.monotonic() + seconds
        disconnected = asyncio.ensure_future(self._until_disconnect())
        try:
            while (left := deadline - time.monotonic()) > 0:
                await asyncio.wait({disconnected}, timeout=min(left, 0.05))
                if disconnected.done():
                    return False
                if self.stopping.is_set():
                    self.close()  # then wait for the server to notice, as in _drop_connection
                    await asyncio.wait({disconnected}, timeout=5)
                    return False
            return True
        finally:
            disconnected.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await disconnected

    async def _until_disconnect(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass

    async def _drop_connection(self) -> None:
        """Close the TCP connection now (whatever was sent is flushed first)."""
        self.close()
        # Wait until the server has noticed, so it does not answer with a 500 of its own.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._until_disconnect(), timeout=5)


# --- helpers -----------------------------------------------------------------------------


def _estimate_tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4)


def _usage(step: Reply | ToolCalls, prompt_tokens: int | None = None) -> dict[str, int]:
    if step.output_tokens is not None:
        output = step.output_tokens
    elif isinstance(step, ToolCalls):
        output = _estimate_tokens(step.text + "".join(c.name + c.arguments for c in step.calls))
    else:
        output = _estimate_tokens(step.text)
    prompt = step.input_tokens if prompt_tokens is None else prompt_tokens
    return {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output}


def _pieces(text: str) -> list[str]:
    """Split text into a few consecutive non-empty pieces, as a model streams tokens."""
    if not text:
        return []
    size = -(-len(text) // _STREAM_PIECES)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _error_body(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return bytes(body)


async def _send_json(
    send: Send, status: int, data: object, headers: list[tuple[str, str]] | None = None
) -> None:
    body = json.dumps(data, ensure_ascii=False).encode()
    await _send_bytes(send, status, body, "application/json", headers)


async def _send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: list[tuple[str, str]] | None = None,
) -> None:
    raw_headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", f"req_{uuid.uuid4().hex}".encode()),
    ]
    raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers or []]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
