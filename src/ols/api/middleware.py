"""What every HTTP request passes through before its route: the body-size limit and the
request metrics.

Plain ASGI middleware rather than `@app.middleware("http")`: Starlette runs each of those
in a task group of its own, with memory streams between it and the route, on every
request; these only look at the request's headers and the response's first message.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ols.api.metrics import Metrics


class BodySizeLimit:
    """413 before the route when Content-Length is over the limit (or not a number)."""

    def __init__(self, app: ASGIApp, *, limit: int, detail: dict[str, Any]) -> None:
        self.app = app
        self.limit = limit
        self.detail = detail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length")
            if length is not None and (not length.isdigit() or int(length) > self.limit):
                await JSONResponse({"detail": self.detail}, 413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RequestMetrics:
    """Counts each response by route and status, and times it to its first message (for a
    stream, its start)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()

        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The router put the matched route into the scope on the way in.
                path = getattr(scope.get("route"), "path", "unmatched")
                self.metrics.rest_calls.labels(path, str(message["status"])).inc()
                self.metrics.response_duration.labels(path).observe(time.monotonic() - started)
            await send(message)

        await self.app(scope, receive, observed)
