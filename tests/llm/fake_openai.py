"""A tiny OpenAI-compatible chat-completions server for the LLM client tests.

It runs uvicorn in a thread on 127.0.0.1, answers each request with the next scripted
`Reply`, and records what it was sent. Private to tests/llm.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

MODEL = "test-model"


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    # Streaming: SSE events (dicts are sent as JSON) sent one by one, then [DONE] if `done`.
    events: list[dict[str, Any] | str] | None = None
    done: bool = True
    abort: bool = False  # drop the connection after the events, mid-body
    linger: float = 0.0  # seconds to keep the body open after [DONE]


@dataclass
class Received:
    body: dict[str, Any]
    headers: dict[str, str]
    peer: tuple[str, int] | None = None  # the client's address: one per TCP connection


def json_reply(data: object, status: int = 200, **kwargs: Any) -> Reply:
    return Reply(status=status, body=json.dumps(data), **kwargs)


def completion(
    text: str | None = "",
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str = "stop",
    usage: dict[str, int] | None = None,
) -> Reply:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    data: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
    }
    if usage is not None:
        data["usage"] = usage
    return json_reply(data)


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def chunk(
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if content is not None:
        delta["content"] = content
    if tool_calls is not None:
        delta["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def usage_chunk(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def stream(
    *events: dict[str, Any] | str, done: bool = True, abort: bool = False, linger: float = 0.0
) -> Reply:
    return Reply(events=list(events), done=done, abort=abort, linger=linger)


class FakeOpenAI:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.received: list[Received] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        self.replies.clear()
        self.received.clear()
        self.replies.extend(replies)

    async def _chat(self, request: Request) -> Response:
        peer = (request.client.host, request.client.port) if request.client else None
        self.received.append(Received(await request.json(), dict(request.headers), peer))
        reply = self.replies.popleft() if self.replies else Reply(500, '"no scripted reply"')
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.events is None:
            return Response(
                reply.body, reply.status, headers=reply.headers, media_type=reply.content_type
            )
        return StreamingResponse(
            _sse(reply), reply.status, headers=reply.headers, media_type="text/event-stream"
        )

    def start(self) -> None:
        app = Starlette(routes=[Route("/v1/chat/completions", self._chat, methods=["POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="critical",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake OpenAI server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


class _Dropped(Exception):
    """Raised inside a streamed body so that uvicorn drops the connection mid-body."""


async def _sse(reply: Reply) -> AsyncIterator[str]:
    for event in reply.events or []:
        data = event if isinstance(event, str) else json.dumps(event)
        yield f"data: {data}\n\n"
        await asyncio.sleep(0.005)  # separate TCP writes, so the client sees real chunks
    if reply.abort:
        raise _Dropped
    if reply.done:
        yield "data: [DONE]\n\n"
    if reply.linger:
        await asyncio.sleep(reply.linger)


def running_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    server.start()
    try:
        yield server
    finally:
        server.stop()
