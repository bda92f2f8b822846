"""A small MCP server written with the SDK, served over SSE, for the tool-layer tests.

`python -m tests.tools.sse_server PORT` serves `/sse`. It records the Authorization header
of every request, so a test can check that the user's token arrived.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import BaseModel

server = MCPServer("sse-test")
seen_authorization: list[str] = []


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def echo(text: str) -> str:
    """Return the text."""
    return text


@server.tool()
def last_authorization() -> str:
    """The Authorization header of the latest request (no annotations: needs approval)."""
    return seen_authorization[-1] if seen_authorization else ""


@server.tool()
async def grow(ctx: Context) -> str:
    """Add a tool named `grown` and tell clients the tool list changed."""
    if "grown" not in {t.name for t in await server.list_tools()}:
        server.add_tool(lambda: "I grew", name="grown", description="Added at run time.")
    await ctx.session.send_tool_list_changed()
    return "grown"


class Confirmation(BaseModel):
    confirm: bool


@server.tool()
async def confirm_then_act(ctx: Context) -> str:
    """Ask the client to confirm through elicitation; report what it answered."""
    answer = await ctx.elicit("Really do it?", Confirmation)
    return answer.action


def app() -> Any:
    inner = server.sse_app()

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            seen_authorization.append(headers.get(b"authorization", b"").decode())
        await inner(scope, receive, send)

    return recording


if __name__ == "__main__":
    uvicorn.run(app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
