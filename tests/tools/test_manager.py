"""The tool layer against the real kubernetes-mcp-server and the sandbox, over stdio and
streamable HTTP: every call runs as the user who asked, and every failure is a result."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
import pytest

from ols.tools import transports
from ols.tools.manager import ToolManager
from ols.tools.results import ToolResult
from tests.conftest import SandboxHandle
from tests.tools.conftest import token, tool_config


def _call(
    sandbox: SandboxHandle,
    transport: str,
    user: str | None,
    tool: str,
    args: dict[str, Any],
    **tools: Any,
) -> ToolResult:
    async def main() -> ToolResult:
        async with ToolManager(tool_config(sandbox, transport, **tools)) as manager:
            return await manager.call_tool(token(sandbox, user) if user else None, tool, args)

    return asyncio.run(main())


def test_alice_lists_team_a_pods(sandbox: SandboxHandle, transport: str) -> None:
    result = _call(sandbox, transport, "alice", "pods_list_in_namespace", {"namespace": "team-a"})
    assert result.ok, result.text
    assert result.server == "kubernetes"
    assert "web-7d9c8b6f5d" in result.text
    assert "team-b" not in result.text


def test_alice_is_refused_team_b_with_the_kubernetes_message(
    sandbox: SandboxHandle, transport: str
) -> None:
    result = _call(sandbox, transport, "alice", "pods_list_in_namespace", {"namespace": "team-b"})
    assert not result.ok
    assert result.error == "forbidden"
    assert (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the '
        'namespace "team-b"'
    ) in result.text


def test_nobody_reads_secrets(sandbox: SandboxHandle, transport: str) -> None:
    before = len(sandbox.audit())
    for user in ("alice", "admin"):
        result = _call(
            sandbox,
            transport,
            user,
            "resources_get",
            {"apiVersion": "v1", "kind": "Secret", "namespace": "team-a", "name": "db-credentials"},
        )
        assert not result.ok
        assert "resource not allowed" in result.text
        assert "ols-sandbox-DB-PASSWORD" not in result.text
    secret_requests = [e for e in sandbox.audit()[before:] if e.get("resource") == "secrets"]
    assert secret_requests == []  # refused inside the MCP server: nothing reached the API


def test_bob_sees_team_b_only(sandbox: SandboxHandle, transport: str) -> None:
    own = _call(sandbox, transport, "bob", "pods_list_in_namespace", {"namespace": "team-b"})
    other = _call(sandbox, transport, "bob", "pods_list_in_namespace", {"namespace": "team-a"})
    assert own.ok and "analytics-0" in own.text
    assert other.error == "forbidden"


def test_no_token_is_refused_before_anything_starts(sandbox: SandboxHandle, transport: str) -> None:
    before = len(sandbox.audit())

    async def main() -> tuple[ToolResult, int]:
        async with ToolManager(tool_config(sandbox, transport)) as manager:
            result = await manager.call_tool(
                None, "pods_list_in_namespace", {"namespace": "team-a"}
            )
            return result, len(manager.pool.sessions())

    result, sessions = asyncio.run(main())
    assert result.error == "no_token"
    assert "no tool was run" in result.text
    assert sessions == 0
    assert sandbox.audit()[before:] == []


def test_200_concurrent_calls_each_run_as_their_user(
    sandbox: SandboxHandle, transport: str
) -> None:
    plan = {"alice": "team-a", "bob": "team-b", "admin": "default"}
    users = [user for _ in range(67) for user in plan][:200]
    before = len(sandbox.audit())

    async def main() -> list[tuple[str, ToolResult]]:
        async with ToolManager(tool_config(sandbox, transport)) as manager:
            calls = [
                manager.call_tool(
                    token(sandbox, u), "pods_list_in_namespace", {"namespace": plan[u]}
                )
                for u in users
            ]
            results = await asyncio.gather(*calls)
            assert len(manager.pool.sessions()) == 3  # one session per user, reused
            return list(zip(users, results, strict=True))

    for user, result in asyncio.run(main()):
        assert result.ok, (user, result.text)
        namespaces = {line.split()[0] for line in result.text.splitlines()[1:] if line.strip()}
        assert namespaces <= {plan[user]}, (user, namespaces)
    lists = [
        e
        for e in sandbox.audit()[before:]
        if e.get("resource") == "pods" and e.get("verb") == "list"
    ]
    by_namespace: dict[str, set[str]] = {}
    for entry in lists:
        by_namespace.setdefault(entry["namespace"], set()).add(entry["user"])
    assert by_namespace == {ns: {user} for user, ns in plan.items()}
    assert Counter(e["namespace"] for e in lists) == Counter(plan[u] for u in users)


def test_bad_arguments_never_reach_the_server(sandbox: SandboxHandle, transport: str) -> None:
    before = len(sandbox.audit())
    missing = _call(sandbox, transport, "alice", "pods_list_in_namespace", {})
    wrong_type = _call(
        sandbox,
        transport,
        "alice",
        "pods_log",
        {"name": "x", "namespace": "team-a", "tail": "many"},
    )
    unknown = _call(sandbox, transport, "alice", "pods_dance", {})
    # json.loads turns a model's "\ud800" escape into a string no JSON encoder takes.
    surrogate = _call(
        sandbox, transport, "alice", "pods_list_in_namespace", {"namespace": "\ud800"}
    )
    assert surrogate.error == "invalid_arguments"
    assert "not valid JSON data" in surrogate.text
    assert missing.error == "invalid_arguments"
    assert '"namespace" is a required property' in missing.text
    assert wrong_type.error == "invalid_arguments"
    assert "tail" in wrong_type.text
    assert unknown.error == "unknown_tool"
    assert "pods_list_in_namespace" in unknown.text
    assert [e for e in sandbox.audit()[before:] if e.get("resource") == "pods"] == []


def test_an_http_session_carries_its_calls_on_one_connection(
    sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kubernetes-mcp-server answers each POST with an event stream, which the SDK closed
    # before its end: every call then opened a new connection (over https, a handshake).
    connections: list[object] = []  # kept, so that no id is reused
    read_to_end = transports._read_event_streams_to_end

    async def recording(response: httpx2.Response) -> None:
        if response.request.method == "POST":
            connections.append(response.extensions["network_stream"])
        await read_to_end(response)

    monkeypatch.setattr(transports, "_read_event_streams_to_end", recording)

    async def main() -> list[ToolResult]:
        async with ToolManager(tool_config(sandbox, "streamable_http")) as manager:
            alice = token(sandbox, "alice")
            return [
                await manager.call_tool(alice, "pods_list_in_namespace", {"namespace": "team-a"})
                for _ in range(10)
            ]

    results = asyncio.run(main())
    assert all(r.ok for r in results)
    assert len(connections) >= 12  # initialize, the listing, ten calls
    # One connection at best; a call sent while the previous one's stream is still being
    # read to its end (in the SDK's task, after the caller has its result) takes another.
    assert len({id(c) for c in connections}) <= 4


def test_large_results_are_cut_at_a_line_with_the_original_size(
    sandbox: SandboxHandle, transport: str
) -> None:
    result = _call(sandbox, transport, "admin", "events_list", {}, max_result_bytes=2048)
    assert result.ok
    assert result.truncated
    assert result.original_bytes > 2048
    assert len(result.text.encode()) <= 2048
    assert f"the tool returned {result.original_bytes} bytes" in result.text
    body, _ = result.text.rsplit("[output truncated", 1)
    assert body.endswith("\n")  # cut at a line boundary, not inside a line


def test_allow_and_deny_lists(sandbox: SandboxHandle) -> None:
    config = tool_config(sandbox, "streamable_http")
    server = config.mcp_servers[0].model_copy(
        update={
            "denied_tools": ["pods_delete"],
            "allowed_tools": ["pods_delete", "pods_get", "pods_log"],
        }
    )
    config = config.model_copy(update={"mcp_servers": [server]})

    async def main() -> tuple[set[str], ToolResult]:
        async with ToolManager(config) as manager:
            catalogue = await manager.catalogue(token(sandbox, "alice"))
            denied = await manager.call_tool(
                token(sandbox, "alice"), "pods_delete", {"name": "x", "namespace": "team-a"}
            )
            return set(catalogue.tools), denied

    names, denied = asyncio.run(main())
    assert names == {"pods_get", "pods_log"}
    assert denied.error == "unknown_tool"


def test_clashing_names_are_prefixed_with_the_server(sandbox: SandboxHandle) -> None:
    base = tool_config(sandbox, "streamable_http")
    first = base.mcp_servers[0].model_copy(update={"name": "east"})
    second = base.mcp_servers[0].model_copy(update={"name": "west"})
    config = base.model_copy(update={"mcp_servers": [first, second]})

    async def main() -> tuple[set[str], ToolResult]:
        async with ToolManager(config) as manager:
            catalogue = await manager.catalogue(token(sandbox, "bob"))
            result = await manager.call_tool(
                token(sandbox, "bob"),
                "west__pods_get",
                {"name": "analytics-0", "namespace": "team-b"},
            )
            return set(catalogue.tools), result

    names, result = asyncio.run(main())
    assert "east__pods_get" in names and "west__pods_get" in names
    assert "pods_get" not in names
    assert result.ok and result.server == "west"


def test_annotations_decide_approval(sandbox: SandboxHandle) -> None:
    async def main() -> dict[str, Any]:
        async with ToolManager(tool_config(sandbox, "streamable_http")) as manager:
            return (await manager.catalogue(token(sandbox, "alice"))).tools

    tools = asyncio.run(main())
    assert not tools["pods_list"].needs_approval
    assert tools["resources_delete"].needs_approval
    assert tools["resources_delete"].annotations.destructive is True
    # pods_run is not marked destructive, yet it changes the cluster: approval all the same.
    assert tools["pods_run"].annotations.destructive is False
    assert tools["pods_run"].needs_approval


def test_unreachable_server_is_a_result(sandbox: SandboxHandle) -> None:
    config = tool_config(sandbox, "streamable_http")
    dead = config.mcp_servers[0].model_copy(
        update={"url": "http://127.0.0.1:9/mcp", "connect_timeout": 3}
    )
    config = config.model_copy(update={"mcp_servers": [dead]})

    async def main() -> tuple[Any, ToolResult]:
        async with ToolManager(config) as manager:
            catalogue = await manager.catalogue(token(sandbox, "alice"))
            return catalogue, await manager.call_tool(token(sandbox, "alice"), "pods_list", {})

    catalogue, result = asyncio.run(main())
    assert catalogue.tools == {}
    assert catalogue.problems[0].server == "kubernetes"
    assert "could not be reached" in catalogue.problems[0].message
    assert result.error == "unknown_tool"
    assert "could not be reached" in result.text


def _server_pid(workdir: Path) -> int:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(workdir).encode() in cmdline:
            return int(entry.name)
    raise AssertionError(f"no process started from {workdir}")


def test_killed_stdio_server_fails_that_call_and_the_next_one_works(
    sandbox: SandboxHandle,
) -> None:
    async def main() -> tuple[ToolResult, ToolResult, bool]:
        async with ToolManager(tool_config(sandbox, "stdio")) as manager:
            alice = token(sandbox, "alice")
            warm = await manager.call_tool(
                alice, "pods_get", {"name": "web-7d9c8b6f5d-4xk2p", "namespace": "team-a"}
            )
            assert warm.ok, warm.text
            (session,) = manager.pool.sessions()
            assert session.workdir is not None
            pid = _server_pid(session.workdir)
            os.kill(pid, signal.SIGSTOP)  # freeze it so the next call is surely in flight
            call = asyncio.create_task(
                manager.call_tool(alice, "pods_list_in_namespace", {"namespace": "team-a"})
            )
            await asyncio.sleep(0.5)
            assert not call.done()
            os.kill(pid, signal.SIGKILL)
            crashed = await call
            again = await manager.call_tool(
                alice, "pods_list_in_namespace", {"namespace": "team-a"}
            )
            return crashed, again, session.workdir.exists()

    crashed, again, workdir_left = asyncio.run(main())
    assert crashed.error == "crashed"
    assert "started again" in crashed.text
    assert again.ok, again.text
    assert not workdir_left


def test_a_call_that_takes_too_long_times_out(sandbox: SandboxHandle) -> None:
    config = tool_config(sandbox, "stdio")
    slow = config.mcp_servers[0].model_copy(update={"timeout": 1})
    config = config.model_copy(update={"mcp_servers": [slow]})

    async def main() -> tuple[ToolResult, ToolResult]:
        async with ToolManager(config) as manager:
            alice = token(sandbox, "alice")
            assert (
                await manager.call_tool(alice, "pods_list_in_namespace", {"namespace": "team-a"})
            ).ok
            (session,) = manager.pool.sessions()
            assert session.workdir is not None
            pid = _server_pid(session.workdir)
            os.kill(pid, signal.SIGSTOP)
            try:
                late = await manager.call_tool(
                    alice, "pods_list_in_namespace", {"namespace": "team-a"}
                )
            finally:
                os.kill(pid, signal.SIGCONT)
            after = await manager.call_tool(
                alice, "pods_list_in_namespace", {"namespace": "team-a"}
            )
            return late, after

    late, after = asyncio.run(main())
    assert late.error == "timeout"
    assert "within 1 seconds" in late.text
    assert after.ok


def test_stdio_pool_max_idle_and_private_kubeconfigs(sandbox: SandboxHandle) -> None:
    config = tool_config(sandbox, "stdio", max_sessions_per_server=2, session_idle_seconds=1)

    async def main() -> tuple[list[int], list[Path], int]:
        counts = []
        workdirs: list[Path] = []
        async with ToolManager(config) as manager:
            for user, ns in (("alice", "team-a"), ("bob", "team-b"), ("admin", "default")):
                result = await manager.call_tool(
                    token(sandbox, user), "pods_list_in_namespace", {"namespace": ns}
                )
                assert result.ok, result.text
                sessions = manager.pool.sessions()
                counts.append(len(sessions))
                for session in sessions:
                    assert session.workdir is not None
                    kubeconfig = session.workdir / "kubeconfig"
                    assert kubeconfig.stat().st_mode & 0o777 == 0o600
                    assert session.workdir.stat().st_mode & 0o777 == 0o700
                    text = kubeconfig.read_text()
                    assert any(sandbox.token(u) in text for u in ("alice", "bob", "admin"))
                    workdirs.append(session.workdir)
            await asyncio.sleep(2.5)  # past the idle timeout: the reaper closes them
            left = len(manager.pool.sessions())
        return counts, workdirs, left

    counts, workdirs, left = asyncio.run(main())
    assert counts == [1, 2, 2]
    assert left == 0
    assert workdirs and not any(w.exists() for w in workdirs)


def test_results_keep_structured_content(sandbox: SandboxHandle, transport: str) -> None:
    result = _call(
        sandbox,
        transport,
        "alice",
        "resources_get",
        {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "team-a", "name": "web"},
    )
    assert result.ok, result.text
    assert "name: web" in result.text
    assert result.structured_content is not None
    assert "web" in str(result.structured_content)


def test_a_call_over_http_discovers_with_two_requests(sandbox: SandboxHandle) -> None:
    """kubernetes-mcp-server builds a client per token-bearing HTTP request and runs
    discovery again each time; with aggregated discovery that is /api and /apis, not one
    request per group version."""
    _call(sandbox, "streamable_http", "alice", "pods_list_in_namespace", {"namespace": "team-a"})
    before = len(sandbox.audit())
    result = _call(
        sandbox, "streamable_http", "alice", "pods_list_in_namespace", {"namespace": "team-a"}
    )
    assert result.ok, result.text
    requests = [(e["method"], e["path"]) for e in sandbox.audit()[before:] if e["user"] == "alice"]
    discovery = [
        path
        for method, path in requests
        if method == "GET" and "/namespaces/" not in path  # all but the list itself
    ]
    assert discovery == ["/api", "/apis"], requests
    assert ("GET", "/api/v1/namespaces/team-a/pods") in requests
