"""The reference client for bench/tool_latency.py: langchain-mcp-adapters as OpenShift
Lightspeed uses it.

Runs in its own venv (bench/.venv-reference: langchain-mcp-adapters 0.3.2 needs mcp<2, the
project has mcp 2.x), never in the project's. What it does, as the reference does:

    client = MultiServerMCPClient({"k8s": {"transport": "streamable_http", "url": URL,
                                           "headers": {"Authorization": "Bearer <token>"}}})
    tools = await client.get_tools()           # once
    await tool.ainvoke(ARGUMENTS)              # per call: a new MCP session each time

Usage: OLS_BENCH_TOKEN=<token> python reference_client.py --url URL --count N [--stepwise]
           [--tool NAME] [--arguments JSON]

The token comes only from the environment variable OLS_BENCH_TOKEN, never the command line.
Output, one JSON object a line on stdout:
    {"event": "ready", "tools": n, "get_tools_ms": ms, "versions": {...}}
    {"event": "call", "i": i, "ms": ms, "ok": true, "text": "...", "error": null}
With --stepwise it runs nothing until it reads a line with a number k on stdin, then makes k
calls and prints k lines, and so on until it has made N calls or stdin closes; without it, it
makes its N calls straight away.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from importlib.metadata import version
from typing import Any

from langchain_mcp_adapters.client import MultiServerMCPClient

TOKEN_VARIABLE = "OLS_BENCH_TOKEN"  # noqa: S105 - the name of a variable, not a secret


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def content_text(content: Any) -> str:
    """The text of what `ainvoke` returned: a string or a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                parts.append(str(block.get("text", "")))
            else:
                parts.append(str(getattr(block, "text", block)))
        return "\n".join(parts)
    return str(content)


async def run(
    url: str, token: str, count: int, tool_name: str, arguments: dict[str, Any], stepwise: bool
) -> int:
    client = MultiServerMCPClient(
        {
            "k8s": {
                "transport": "streamable_http",
                "url": url,
                "headers": {"Authorization": f"Bearer {token}"},
            }
        }
    )
    started = time.perf_counter()
    tools = await client.get_tools()
    get_tools_ms = (time.perf_counter() - started) * 1000
    tool = next((t for t in tools if t.name == tool_name), None)
    if tool is None:
        emit({"event": "error", "error": f"{tool_name} is not among the {len(tools)} tools"})
        return 1
    emit(
        {
            "event": "ready",
            "tools": len(tools),
            "get_tools_ms": get_tools_ms,
            "versions": {
                name: version(name)
                for name in ("langchain-mcp-adapters", "mcp", "langchain-core", "httpx")
            },
        }
    )
    made = 0
    while made < count:
        if stepwise:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line.strip():
                break
            batch = min(int(line), count - made)
        else:
            batch = count - made
        for _ in range(batch):
            error: str | None = None
            text = ""
            started = time.perf_counter()
            try:
                result = await tool.ainvoke(arguments)
            except Exception as exc:  # a failed call is a result: the caller counts it
                elapsed = time.perf_counter() - started
                error = f"{type(exc).__name__}: {exc}"
            else:
                elapsed = time.perf_counter() - started
                text = content_text(result)
            emit(
                {
                    "event": "call",
                    "i": made,
                    "ms": elapsed * 1000,
                    "ok": error is None,
                    "text": text,
                    "error": error,
                }
            )
            made += 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the MCP endpoint (streamable HTTP)")
    parser.add_argument("--count", type=int, required=True, help="how many calls in all")
    parser.add_argument("--tool", default="pods_list_in_namespace")
    parser.add_argument("--arguments", default='{"namespace": "team-a"}', help="a JSON object")
    parser.add_argument(
        "--stepwise", action="store_true", help="make calls only when asked on stdin"
    )
    args = parser.parse_args()
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        emit({"event": "error", "error": f"set {TOKEN_VARIABLE} to the user's token"})
        return 2
    arguments = json.loads(args.arguments)
    return asyncio.run(run(args.url, token, args.count, args.tool, arguments, args.stepwise))


if __name__ == "__main__":
    sys.exit(main())
