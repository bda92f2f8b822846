"""The real kubernetes-mcp-server against the sandbox, over stdio and streamable HTTP.

Over HTTP the sandbox's own server runs with the configuration ols generates (token
required, no credentials of its own); over stdio each user gets a server process started
with that user's kubeconfig.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from ols.tools.server_config import ServerConfig
from tests.conftest import SandboxHandle

T = TypeVar("T")
TRANSPORTS = ["http", "stdio"]


def _client(sandbox: SandboxHandle, binary: Path, transport: str, user: str) -> Client:
    if transport == "http":
        http = httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {sandbox.token(user)}"}, timeout=30
        )
        return Client(streamable_http_client(sandbox.mcp_url, http_client=http))
    config = sandbox.state_dir / f"mcp-stdio-{user}.toml"
    config.write_text(ServerConfig("stdio", kubeconfig=sandbox.kubeconfig(user)).render())
    return Client(StdioServerParameters(command=str(binary), args=["--config", str(config)]))


def _run(
    sandbox: SandboxHandle,
    binary: Path,
    transport: str,
    user: str,
    body: Callable[[Client], Awaitable[T]],
) -> T:
    async def main() -> T:
        async with _client(sandbox, binary, transport, user) as client:
            return await body(client)

    return asyncio.run(main())


def _call(
    sandbox: SandboxHandle,
    binary: Path,
    transport: str,
    user: str,
    tool: str,
    args: dict[str, Any],
) -> tuple[bool, str]:
    async def body(client: Client) -> tuple[bool, str]:
        result = await client.call_tool(tool, args)
        text = "\n".join(getattr(c, "text", "") for c in result.content)
        return bool(result.is_error), text

    return _run(sandbox, binary, transport, user, body)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_tools_list_has_core_tools_without_config_toolset(
    sandbox: SandboxHandle, mcp_binary: Path, transport: str
) -> None:
    async def body(client: Client) -> dict[str, Any]:
        return {t.name: t for t in (await client.list_tools()).tools}

    tools = _run(sandbox, mcp_binary, transport, "alice", body)
    assert {
        "pods_list_in_namespace",
        "pods_log",
        "events_list",
        "resources_get",
        "resources_create_or_update",
    } <= set(tools)
    assert "configuration_view" not in tools
    assert tools["pods_list_in_namespace"].annotations.read_only_hint is True
    assert tools["resources_delete"].annotations.destructive_hint is True


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_alice_lists_team_a_pods_as_a_table(
    sandbox: SandboxHandle, mcp_binary: Path, transport: str
) -> None:
    error, text = _call(
        sandbox, mcp_binary, transport, "alice", "pods_list_in_namespace", {"namespace": "team-a"}
    )
    assert not error, text
    assert "NAMESPACE" in text
    assert "CrashLoopBackOff" in text
    assert "web-" in text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_alice_is_refused_team_b_with_the_kubernetes_message(
    sandbox: SandboxHandle, mcp_binary: Path, transport: str
) -> None:
    error, text = _call(
        sandbox, mcp_binary, transport, "alice", "pods_list_in_namespace", {"namespace": "team-b"}
    )
    assert error
    assert (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the '
        'namespace "team-b"'
    ) in text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pods_log_reads_previous_logs(
    sandbox: SandboxHandle, mcp_binary: Path, transport: str
) -> None:
    with sandbox.client("alice") as api:
        pods = api.get("/api/v1/namespaces/team-a/pods", params={"labelSelector": "app=api"})
    name = pods.json()["items"][0]["metadata"]["name"]
    error, text = _call(
        sandbox,
        mcp_binary,
        transport,
        "alice",
        "pods_log",
        {"name": name, "namespace": "team-a", "previous": True},
    )
    assert not error, text
    assert "DATABASE_URL" in text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_bob_reads_team_b_events_but_not_team_a(
    sandbox: SandboxHandle, mcp_binary: Path, transport: str
) -> None:
    error, text = _call(
        sandbox, mcp_binary, transport, "bob", "events_list", {"namespace": "team-b"}
    )
    assert not error, text
    assert "FailedScheduling" in text
    error, text = _call(
        sandbox, mcp_binary, transport, "bob", "events_list", {"namespace": "team-a"}
    )
    assert error
    assert 'User "bob" cannot list resource "events"' in text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_resources_get_and_denied_secrets(
    sandbox: SandboxHandle, mcp_binary: Path, transport: str
) -> None:
    error, text = _call(
        sandbox,
        mcp_binary,
        transport,
        "alice",
        "resources_get",
        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "team-a"},
    )
    assert not error, text
    assert "name: web" in text
    for user in ("alice", "admin"):
        error, text = _call(
            sandbox,
            mcp_binary,
            transport,
            user,
            "resources_get",
            {"apiVersion": "v1", "kind": "Secret", "name": "db-credentials", "namespace": "team-a"},
        )
        assert error
        assert "resource not allowed" in text
        assert "ols-sandbox-DB-PASSWORD" not in text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_resources_create_or_update_per_user(
    sandbox: SandboxHandle, mcp_binary: Path, transport: str
) -> None:
    name = f"mcp-made-{transport}"
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "team-a"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
            },
        },
    }
    args = {"resource": json.dumps(deployment)}
    error, text = _call(sandbox, mcp_binary, transport, "alice", "resources_create_or_update", args)
    assert not error, text
    with sandbox.client("admin") as api:
        made = api.get(f"/apis/apps/v1/namespaces/team-a/deployments/{name}")
        assert made.status_code == 200
        api.delete(f"/apis/apps/v1/namespaces/team-a/deployments/{name}")
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "team-a"},
        "data": {"a": "b"},
    }
    error, text = _call(
        sandbox,
        mcp_binary,
        transport,
        "alice",
        "resources_create_or_update",
        {"resource": json.dumps(configmap)},
    )
    assert error
    assert 'User "alice" cannot patch resource "configmaps"' in text
    bob_deployment = {**deployment, "metadata": {"name": name, "namespace": "team-b"}}
    error, text = _call(
        sandbox,
        mcp_binary,
        transport,
        "bob",
        "resources_create_or_update",
        {"resource": json.dumps(bob_deployment)},
    )
    assert error
    assert "forbidden" in text


def test_http_server_refuses_requests_without_a_token(sandbox: SandboxHandle) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"},
        },
    }
    headers = {"Accept": "application/json, text/event-stream"}
    response = httpx2.post(sandbox.mcp_url, json=initialize, headers=headers, timeout=10)
    assert response.status_code == 401
    assert "missing_token" in response.headers.get("www-authenticate", "")


def test_http_calls_reach_the_api_as_the_calling_user(
    sandbox: SandboxHandle, mcp_binary: Path
) -> None:
    already = len(sandbox.audit())
    error, _ = _call(
        sandbox,
        mcp_binary,
        "http",
        "bob",
        "pods_get",
        {"name": "analytics-0", "namespace": "team-b"},
    )
    assert not error
    during = sandbox.audit()[already:]
    gets = [e for e in during if e.get("name") == "analytics-0" and e.get("resource") == "pods"]
    assert gets
    assert {e["user"] for e in gets} == {"bob"}
    # The server has no identity of its own: nothing it sent ran as anyone but bob.
    assert {e["user"] for e in during if e["user"] is not None} == {"bob"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_top_tools_read_the_metrics_api(
    sandbox: SandboxHandle, mcp_binary: Path, transport: str
) -> None:
    error, text = _call(
        sandbox, mcp_binary, transport, "alice", "pods_top", {"namespace": "team-a"}
    )
    assert not error, text
    assert "worker-" in text
    assert "Mi" in text
    error, text = _call(sandbox, mcp_binary, transport, "admin", "nodes_top", {})
    assert not error, text
    assert "sandbox-node-1" in text
    assert "%" in text
