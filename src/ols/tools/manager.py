"""`ToolManager`: list and call MCP tools as a given user.

The one entry point the rest of ols uses for tools. Every operation takes the requesting
user's token and refuses before starting a process or sending a request when there is none:
there is no code path that runs a tool with the service's own credentials.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx2
from mcp import types
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import CONNECTION_CLOSED, INVALID_REQUEST

from ols.auth.token import UserToken
from ols.config import OlsConfig
from ols.errors import OlsError
from ols.safety.redaction import Redactor
from ols.tools.catalogue import ToolSpec, allowed, merge_servers, tool_spec
from ols.tools.results import ToolErrorKind, ToolResult, structured_within, truncate_text
from ols.tools.sessions import PooledSession, SessionClosed, SessionPool
from ols.tools.settings import McpServerSettings
from ols.tools.transports import OpenedSession, open_session, tool_result_text

log = logging.getLogger(__name__)

NO_CREDENTIALS_MESSAGE = (
    "No user token came with this request, so no tool was run: tools run only with the "
    "requesting user's own credentials. Log in (or send an Authorization: Bearer header) "
    "and ask again."
)


# Told of every call: tool name, outcome ("success" or the error kind), seconds.
CallObserver = Callable[[str, str, float], None]


class NoUserToken(OlsError):
    """An operation that needs the user's token was asked for without one."""


@dataclass
class ServerProblem:
    server: str
    message: str


@dataclass
class Catalogue:
    """The tools the user may call, by exposed name, and servers that could not be listed.

    Shared between calls while the listings are cached: read it, never change it."""

    tools: dict[str, ToolSpec]
    problems: list[ServerProblem] = field(default_factory=list)


@dataclass
class _Listing:
    specs: list[ToolSpec]
    fetched_at: float


# A server that could not be listed for a user is not asked again for this long, so one
# server being down does not add its connect timeout to every call of that user's other
# tools. Kept per user: one user's bad token must not block anyone else.
FAILED_LISTING_RETRY_SECONDS = 10.0


def _exception_text(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_exception_text(e) for e in exc.exceptions)
    return str(exc) or type(exc).__name__


FailureKind = Literal["crashed", "unreachable", "tool_error", "internal"]
_SEVERITY: tuple[FailureKind, ...] = ("internal", "crashed", "unreachable", "tool_error")


class _SessionExpired(Exception):
    """The server answered 404 for the session: it does not know it (any more)."""


def _session_expired(exc: BaseException) -> bool:
    # The MCP SDK's spelling of an HTTP 404 for a request that carried a session id.
    return (
        isinstance(exc, MCPError)
        and exc.code == INVALID_REQUEST
        and str(exc.error.message) == "Session terminated"
    )


def _failure_kind(exc: BaseException) -> FailureKind:
    """What a failed call means: the server answered with an error, the connection to it
    closed (it died), it could not be reached, or ols itself failed."""
    if isinstance(exc, BaseExceptionGroup):
        kinds = {_failure_kind(e) for e in exc.exceptions}
        return next(kind for kind in _SEVERITY if kind in kinds)
    if isinstance(exc, MCPError):
        return "crashed" if exc.code == CONNECTION_CLOSED or _session_expired(exc) else "tool_error"
    if isinstance(exc, SessionClosed):
        return "crashed"
    if isinstance(exc, OSError | EOFError | httpx2.HTTPError):
        return "unreachable"
    if type(exc).__module__.startswith("anyio"):
        return "unreachable"
    return "internal"


class ToolManager:
    """Owns the MCP sessions, the tool catalogue and tool execution."""

    def __init__(
        self,
        config: OlsConfig,
        *,
        runtime_dir: Path | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.config = config
        self._observer = observer
        # Every result passes through redaction, whoever called: the API, the CLI, the loop.
        self.redactor = Redactor(config.safety.redaction)
        self.servers: dict[str, McpServerSettings] = {s.name: s for s in config.mcp_servers}
        self._runtime_dir = runtime_dir
        self._listings: dict[str, _Listing] = {}
        self._merged: tuple[tuple[tuple[str, int], ...], Catalogue] | None = None
        self._failed_listings: dict[tuple[str, str], tuple[float, Exception]] = {}
        self._listing_locks: dict[str, asyncio.Lock] = {}
        self.pool = SessionPool(
            self._open,
            max_per_server=config.tools.max_sessions_per_server,
            idle_seconds=config.tools.session_idle_seconds,
        )

    async def __aenter__(self) -> ToolManager:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.pool.close_all()

    # ---- sessions -----------------------------------------------------------------

    def _open(self, server: str, token: UserToken) -> AbstractAsyncContextManager[OpenedSession]:
        settings = self.servers[server]

        async def on_message(message: Any) -> None:
            if isinstance(message, types.ToolListChangedNotification):
                self._listings.pop(server, None)

        return open_session(
            settings,
            self.config.cluster,
            token,
            message_handler=on_message,
            runtime_dir=self._runtime_dir,
        )

    # ---- catalogue ----------------------------------------------------------------

    async def catalogue(self, token: UserToken | None) -> Catalogue:
        """The tools of every configured server, listed with the user's token."""
        if token is None:
            raise NoUserToken(NO_CREDENTIALS_MESSAGE)
        fresh = self._fresh_listings()
        if fresh is not None:  # every call but the first after expiry: no tasks, no locks
            return self._merged_catalogue(fresh)
        listings: list[tuple[str, list[ToolSpec]]] = []
        problems: list[ServerProblem] = []
        results = await asyncio.gather(
            *(self._server_tools(name, token) for name in self.servers), return_exceptions=True
        )
        for name, result in zip(self.servers, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                problems.append(ServerProblem(name, self._failure_message(name, result)))
            else:
                listings.append((name, result))
        if problems:
            return Catalogue(merge_servers(listings), problems)
        return self._merged_catalogue(listings)

    def _fresh_listings(self) -> list[tuple[str, list[ToolSpec]]] | None:
        """Every server's cached listing, or None when one is missing or expired."""
        ttl = self.config.tools.catalogue_ttl_seconds
        now = time.monotonic()
        listings = []
        for name in self.servers:
            cached = self._listings.get(name)
            if cached is None or now - cached.fetched_at >= ttl:
                return None
            listings.append((name, cached.specs))
        return listings

    def _merged_catalogue(self, listings: list[tuple[str, list[ToolSpec]]]) -> Catalogue:
        # The listings are the cached lists until they expire: merge them once, not per call.
        key = tuple((name, id(specs)) for name, specs in listings)
        if self._merged is None or self._merged[0] != key:
            self._merged = (key, Catalogue(merge_servers(listings), []))
        return self._merged[1]

    async def _server_tools(self, server: str, token: UserToken) -> list[ToolSpec]:
        ttl = self.config.tools.catalogue_ttl_seconds
        lock = self._listing_locks.setdefault(server, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            cached = self._listings.get(server)
            if cached is not None and now - cached.fetched_at < ttl:
                return cached.specs
            failure_key = (server, token.fingerprint)
            failed = self._failed_listings.get(failure_key)
            if failed is not None and now - failed[0] < FAILED_LISTING_RETRY_SECONDS:
                raise failed[1]
            try:
                tools = await self._list_with_session(server, token)
            except Exception as exc:
                self._failed_listings[failure_key] = (time.monotonic(), exc)
                raise
            self._failed_listings.pop(failure_key, None)
            settings = self.servers[server]
            specs = [tool_spec(server, t) for t in tools if allowed(settings, t.name)]
            self._listings[server] = _Listing(specs, time.monotonic())
            return specs

    async def _list_with_session(self, server: str, token: UserToken) -> list[Any]:
        async with self.pool.lease(server, token) as session:
            try:
                return await self._list_all(session, self.servers[server].connect_timeout)
            except Exception as exc:
                if _failure_kind(exc) in ("crashed", "unreachable"):
                    await self.pool.discard(session)
                raise

    @staticmethod
    async def _list_all(session: PooledSession, timeout: float) -> list[Any]:
        tools: list[Any] = []
        cursor: str | None = None
        async with asyncio.timeout(timeout):
            while True:
                page = await session.client.list_tools(cursor=cursor)
                tools.extend(page.tools)
                cursor = page.next_cursor
                if not cursor:
                    return tools

    # ---- execution ----------------------------------------------------------------

    async def call_tool(
        self, token: UserToken | None, name: str, arguments: Mapping[str, Any] | None
    ) -> ToolResult:
        """Run one tool as the owner of `token`. Never raises: failures are results."""
        args: Mapping[str, Any] = arguments if arguments is not None else {}
        started = time.monotonic()
        if token is None:
            result = ToolResult.failure(name, args, "no_token", NO_CREDENTIALS_MESSAGE)
        else:
            try:
                result = await self._call(token, name, args)
            except Exception as exc:  # the caller always gets a result, never a traceback
                log.exception("tool %s failed unexpectedly", name)
                result = ToolResult.failure(
                    name,
                    args,
                    "internal",
                    f"The tool call failed inside ols: {_exception_text(exc)}",
                )
        if self._observer is not None:
            self._observer(name, result.error or "success", time.monotonic() - started)
        return result

    async def _call(self, token: UserToken, name: str, args: Mapping[str, Any]) -> ToolResult:
        if not isinstance(args, Mapping):
            return ToolResult.failure(
                name, {}, "invalid_arguments", "Tool arguments must be a JSON object."
            )
        catalogue = await self.catalogue(token)
        spec = catalogue.tools.get(name)
        if spec is None:
            known = ", ".join(sorted(catalogue.tools)) or "none"
            unlisted = "".join(f" ({p.server}: {p.message})" for p in catalogue.problems)
            return ToolResult.failure(
                name,
                args,
                "unknown_tool",
                f"There is no tool named {name!r}. Tools: {known}." + unlisted,
            )
        problems = spec.argument_problems(args)
        if problems:
            return ToolResult.failure(
                name,
                args,
                "invalid_arguments",
                f"The arguments do not fit the input schema of {name}: " + "; ".join(problems),
                server=spec.server,
            )
        try:
            return await self._run(token, spec, args, retry_expired=True)
        except _SessionExpired:
            # The server no longer knows the session (an HTTP-mode server that restarted,
            # or a replica of it that never opened it). It never saw the call, so the call
            # runs once more, on a new session.
            log.info("MCP session with %s expired; calling %s on a new one", spec.server, name)
            return await self._run(token, spec, args, retry_expired=False)

    async def _run(
        self, token: UserToken, spec: ToolSpec, args: Mapping[str, Any], *, retry_expired: bool
    ) -> ToolResult:
        settings = self.servers[spec.server]
        async with AsyncExitStack() as stack:
            try:
                session = await stack.enter_async_context(self.pool.lease(spec.server, token))
            except Exception as exc:
                return ToolResult.failure(
                    spec.name,
                    args,
                    "unreachable",
                    self._failure_message(spec.server, exc),
                    spec.server,
                )
            try:
                async with asyncio.timeout(settings.timeout):
                    result = await session.client.call_tool(spec.remote_name, dict(args))
            except TimeoutError:
                return ToolResult.failure(
                    spec.name,
                    args,
                    "timeout",
                    f"{spec.name} did not answer within {settings.timeout:g} seconds.",
                    spec.server,
                )
            except Exception as exc:
                if retry_expired and _session_expired(exc):
                    await self.pool.discard(session)
                    raise _SessionExpired from exc
                kind = _failure_kind(exc)
                if kind == "internal":
                    raise
                if kind == "tool_error":
                    return ToolResult.failure(
                        spec.name,
                        args,
                        "tool_error",
                        f"{spec.server} refused the call: {_exception_text(exc)}",
                        spec.server,
                    )
                # The session is unusable: forget it so the next call opens a fresh one
                # (for stdio, a new server process).
                await self.pool.discard(session)
                message = (
                    f"The MCP server {spec.server!r} stopped during the call "
                    f"({_exception_text(exc)}); it will be started again on the next call."
                    if kind == "crashed"
                    else self._failure_message(spec.server, exc)
                )
                return ToolResult.failure(spec.name, args, kind, message, spec.server)
        return self._result(spec, args, result)

    def _result(self, spec: ToolSpec, args: Mapping[str, Any], result: Any) -> ToolResult:
        limit = self.config.tools.max_result_bytes
        # Redact before cutting, so a secret straddling the cut cannot leak half of itself.
        redacted = self.redactor.text(tool_result_text(result.content)).text
        text, truncated, size = truncate_text(redacted, limit)
        structured, _ = self.redactor.structured(result.structured_content)
        error: ToolErrorKind | None = None
        if result.is_error:
            error = "forbidden" if " is forbidden: " in text else "tool_error"
        return ToolResult(
            tool=spec.name,
            arguments=args,
            status="error" if result.is_error else "success",
            text=text,
            server=spec.server,
            structured_content=structured_within(structured, limit),
            error=error,
            truncated=truncated,
            original_bytes=size,
        )

    def _failure_message(self, server: str, exc: BaseException) -> str:
        settings = self.servers[server]
        where = settings.url or settings.command or "kubernetes-mcp-server (stdio)"
        if isinstance(exc, OlsError):
            return str(exc)
        return f"The MCP server {server!r} ({where}) could not be reached: {_exception_text(exc)}"
