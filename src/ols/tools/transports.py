"""Opening an MCP client session to one server for one user.

The transport is a detail of configuration: `open_session` returns an entered `mcp.Client`
whatever the transport, carrying the user's token the only way that server can receive it:
- streamable HTTP and SSE: `Authorization: Bearer <token>` (any header configured with the
  value `kubernetes`) on every request of the session;
- stdio: a kubeconfig with that token, mode 0600 inside a private 0700 directory, removed
  when the process ends; the process gets no other identity to fall back to (HOME points
  into the private directory, the service's KUBECONFIG and in-cluster variables are not
  passed on).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import os
import shutil
import ssl
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client, types
from mcp.client.session import MessageHandlerFnT
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from ols.auth.token import UserToken
from ols.errors import ConfigurationError
from ols.tools.kubeconfig import render_kubeconfig
from ols.tools.server_binary import find_server_binary
from ols.tools.server_config import ServerConfig
from ols.tools.settings import (
    FILE_PREFIX,
    USER_TOKEN_PLACEHOLDER,
    ClusterSettings,
    McpServerSettings,
)

# Variables a stdio server must not inherit: each would give it an identity of its own.
_IDENTITY_VARIABLES = ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")
# How long a POST's event stream may take to end after the SDK closed it (normally at once).
_DRAIN_SECONDS = 2.0


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context (the default trust store) for every user's HTTP session: building
    one per client costs ~50 ms of CPU and ~0.75 MiB per session. It holds no credential
    (the user's token travels in a header), so sharing it shares nothing of a user's."""
    return httpx2.create_ssl_context()


class _ReadToEndOnClose(httpx2.AsyncByteStream):
    """A response body that, closed before its end, reads the rest first (for at most
    `_DRAIN_SECONDS`), so that its connection goes back to the pool."""

    def __init__(self, stream: httpx2.AsyncByteStream) -> None:
        self._stream = stream
        self._chunks: AsyncIterator[bytes] | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._chunks is None:
            self._chunks = aiter(self._stream)
        async for chunk in self._chunks:
            yield chunk

    @property
    def elapsed(self) -> datetime.timedelta | None:  # what httpx2's Response.elapsed reads
        return getattr(self._stream, "elapsed", None)

    async def aclose(self) -> None:
        try:
            if self._chunks is None:
                self._chunks = aiter(self._stream)
            async with asyncio.timeout(_DRAIN_SECONDS):
                async for _ in self._chunks:
                    pass
        except (TimeoutError, httpx2.HTTPError):
            pass  # a server that keeps sending or stalls only costs the connection
        finally:
            await self._stream.aclose()


async def _read_event_streams_to_end(response: httpx2.Response) -> None:
    """The SDK closes a POST's event stream as soon as it holds the JSON-RPC response,
    before the server's end of the stream, and a response closed before its end closes its
    connection: every tool call opened a new connection (over https, a TLS handshake each).
    Reading to the end lets one keep-alive connection carry the session's calls. The SDK
    delivers the response before it closes the stream, so the caller does not wait. Not the
    session's long-lived GET stream, which never ends."""
    content_type = response.headers.get("content-type", "")
    if (
        response.request.method == "POST"
        and content_type.startswith("text/event-stream")
        and isinstance(response.stream, httpx2.AsyncByteStream)
    ):
        response.stream = _ReadToEndOnClose(response.stream)


@dataclass
class OpenedSession:
    client: Client
    workdir: Path | None = None  # stdio: the private directory (kubeconfig, config)


def resolve_headers(server: McpServerSettings, token: UserToken) -> dict[str, str]:
    """The headers for one user's session: the placeholder becomes the user's bearer token,
    `file:<path>` values are read from the file, other values are literal."""
    headers = {}
    for name, value in server.headers.items():
        if value == USER_TOKEN_PLACEHOLDER:
            headers[name] = f"Bearer {token.reveal()}"
        elif value.startswith(FILE_PREFIX):
            path = Path(value[len(FILE_PREFIX) :]).expanduser()
            try:
                headers[name] = path.read_text().strip()
            except OSError as exc:
                raise ConfigurationError(
                    f"server {server.name!r}: header {name} reads {path}, which cannot be "
                    f"read ({exc.strerror})"
                ) from exc
        else:
            headers[name] = value
    return headers


def _private_dir(root: Path | None) -> Path:
    path = Path(tempfile.mkdtemp(prefix="ols-mcp-", dir=root))
    path.chmod(0o700)
    return path


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _stdio_parameters(
    server: McpServerSettings, cluster: ClusterSettings, token: UserToken, workdir: Path
) -> StdioServerParameters:
    ca_pem = cluster.ca_pem()
    if not cluster.api_url or ca_pem is None:
        raise ConfigurationError(
            f"server {server.name!r} runs over stdio, so ols writes each user a kubeconfig: "
            "set cluster.api_url and cluster.ca_file (or certificate_authority_data)"
        )
    kubeconfig = workdir / "kubeconfig"
    _write_private(
        kubeconfig,
        render_kubeconfig(cluster.api_url, ca_pem, user="ols-user", token=token.reveal()),
    )
    if server.command:
        command = server.command
        args = [arg.replace("{kubeconfig}", str(kubeconfig)) for arg in server.args]
    else:
        config = workdir / "mcp-server.toml"
        _write_private(config, ServerConfig("stdio", kubeconfig=kubeconfig).render())
        command = str(find_server_binary())
        args = ["--config", str(config), *server.args]
    env = {k: v for k, v in server.env.items() if k not in _IDENTITY_VARIABLES}
    env.update(KUBECONFIG=str(kubeconfig), HOME=str(workdir))
    return StdioServerParameters(command=command, args=args, env=env, cwd=str(workdir))


@asynccontextmanager
async def open_session(
    server: McpServerSettings,
    cluster: ClusterSettings,
    token: UserToken,
    *,
    message_handler: MessageHandlerFnT | None = None,
    runtime_dir: Path | None = None,
) -> AsyncIterator[OpenedSession]:
    """An initialized MCP session to `server` acting as the owner of `token`."""
    async with contextlib.AsyncExitStack() as stack:
        workdir: Path | None = None
        transport: Any
        if server.transport == "stdio":
            workdir = _private_dir(runtime_dir)
            stack.callback(shutil.rmtree, workdir, True)
            params = _stdio_parameters(server, cluster, token, workdir)
            errlog = stack.enter_context((workdir / "server.log").open("w"))
            transport = stdio_client(params, errlog=errlog)
        else:
            assert server.url is not None
            headers = resolve_headers(server, token)
            timeout = httpx2.Timeout(server.connect_timeout, read=server.timeout + 5)
            if server.transport == "sse":
                transport = sse_client(
                    server.url,
                    headers=headers,
                    timeout=server.connect_timeout,
                    sse_read_timeout=max(server.timeout + 5, 300.0),
                )
            else:
                http = await stack.enter_async_context(
                    httpx2.AsyncClient(
                        headers=headers,
                        timeout=timeout,
                        verify=tls_context(),
                        event_hooks={"response": [_read_event_streams_to_end]},
                    )
                )
                transport = streamable_http_client(server.url, http_client=http)
        client = Client(
            transport,
            mode="legacy",
            cache=None,
            message_handler=message_handler,
            elicitation_callback=decline_elicitation,
        )
        await stack.enter_async_context(client)
        yield OpenedSession(client=client, workdir=workdir)


async def decline_elicitation(context: Any, params: Any) -> types.ElicitResult:
    """A server asking to confirm mid-call is declined: ols asks its user before a call
    that is not read-only is sent, and never lets a server's question stand in for that."""
    return types.ElicitResult(action="decline")


def tool_result_text(content: list[Any]) -> str:
    """The text of a tool result's content blocks (non-text blocks are named, not dropped)."""
    parts = []
    for block in content:
        text = getattr(block, "text", None)
        parts.append(text if isinstance(text, str) else f"[{getattr(block, 'type', 'content')}]")
    return "\n".join(parts)
