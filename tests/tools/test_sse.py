"""An MCP server of our own (written with the SDK) over SSE: the same layer lists and calls
its tools, and the user's token reaches it in the Authorization header."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from ols.auth.token import UserToken
from ols.config import OlsConfig
from ols.tools.catalogue import ToolSpec
from ols.tools.manager import ToolManager
from ols.tools.results import ToolResult


@pytest.fixture(scope="module")
def sse_url() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "tests.tools.sse_server", str(port)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("the SSE test server did not start")
    yield f"http://127.0.0.1:{port}/sse"
    process.terminate()
    process.wait(timeout=10)


def _config(url: str) -> OlsConfig:
    return OlsConfig.model_validate(
        {
            "mcp_servers": [
                {
                    "name": "tiny",
                    "transport": "sse",
                    "url": url,
                    "headers": {"Authorization": "kubernetes", "X-Team": "sre"},
                }
            ]
        }
    )


def test_sse_server_lists_and_calls_tools_with_the_users_token(sse_url: str) -> None:
    async def main() -> tuple[dict[str, ToolSpec], ToolResult, ToolResult]:
        async with ToolManager(_config(sse_url)) as manager:
            user = UserToken("sse-user-token")
            catalogue = await manager.catalogue(user)
            echoed = await manager.call_tool(user, "echo", {"text": "hello"})
            seen = await manager.call_tool(user, "last_authorization", {})
            return catalogue.tools, echoed, seen

    tools, echoed, seen = asyncio.run(main())
    assert {"echo", "last_authorization", "grow"} <= set(tools)
    assert tools["echo"].read_only
    # No annotations at all: counts as not read-only.
    assert tools["last_authorization"].annotations.read_only is None
    assert tools["last_authorization"].needs_approval
    assert echoed.ok and echoed.text == "hello"
    assert seen.ok and seen.text == "Bearer sse-user-token"


def test_sse_arguments_are_checked_against_the_schema(sse_url: str) -> None:
    async def main() -> ToolResult:
        async with ToolManager(_config(sse_url)) as manager:
            return await manager.call_tool(UserToken("t"), "echo", {"text": 5})

    result = asyncio.run(main())
    assert result.error == "invalid_arguments"
    assert '5 is not of type "string"' in result.text


def test_list_changed_refreshes_the_catalogue_before_it_expires(sse_url: str) -> None:
    async def main() -> tuple[set[str], set[str], ToolResult]:
        async with ToolManager(_config(sse_url)) as manager:
            user = UserToken("t")
            before = set((await manager.catalogue(user)).tools)
            assert (await manager.call_tool(user, "grow", {})).ok
            after: set[str] = set()
            for _ in range(50):  # the notification arrives on the SSE stream shortly after
                after = set((await manager.catalogue(user)).tools)
                if "grown" in after:
                    break
                await asyncio.sleep(0.1)
            return before, after, await manager.call_tool(user, "grown", {})

    before, after, grown = asyncio.run(main())
    assert "grown" not in before
    assert "grown" in after
    assert grown.ok and grown.text == "I grew"


def test_a_server_asking_for_confirmation_is_declined(sse_url: str) -> None:
    async def main() -> ToolResult:
        async with ToolManager(_config(sse_url)) as manager:
            return await manager.call_tool(UserToken("t"), "confirm_then_act", {})

    result = asyncio.run(main())
    assert result.ok, result.text
    assert result.text == "decline"
