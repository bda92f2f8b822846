"""An HTTP-mode kubernetes-mcp-server that restarts (a pod replaced in a deployment) no
longer knows ols's sessions: the next call opens a new session and runs, once."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from pathlib import Path

from ols.config import OlsConfig
from ols.tools.kubeconfig import render_kubeconfig
from ols.tools.manager import ToolManager
from ols.tools.results import ToolResult
from ols.tools.server_config import ServerConfig
from tests.conftest import SandboxHandle
from tests.tools.conftest import token


def _start(binary: Path, config: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(binary), "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("kubernetes-mcp-server did not start") from None
            time.sleep(0.05)


def test_a_restarted_http_server_gets_a_new_session_and_the_call_runs(
    sandbox: SandboxHandle, mcp_binary: Path, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        render_kubeconfig(
            sandbox.api_url, Path(sandbox.ca_file).read_bytes(), user="nobody", token=None
        )
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server_config = tmp_path / "config.toml"
    server_config.write_text(ServerConfig("http", kubeconfig=kubeconfig, port=port).render())
    config = OlsConfig.model_validate(
        {
            "mcp_servers": [
                {
                    "name": "kubernetes",
                    "transport": "streamable_http",
                    "url": f"http://127.0.0.1:{port}/mcp",
                    "headers": {"Authorization": "kubernetes"},
                }
            ]
        }
    )
    alice = token(sandbox, "alice")
    arguments = {"namespace": "team-a"}
    process = _start(mcp_binary, server_config, port)

    async def main() -> tuple[ToolResult, ToolResult, ToolResult]:
        nonlocal process
        async with ToolManager(config) as manager:
            before = await manager.call_tool(alice, "pods_list_in_namespace", arguments)
            process.kill()
            process.wait()
            process = _start(mcp_binary, server_config, port)
            after = await manager.call_tool(alice, "pods_list_in_namespace", arguments)
            again = await manager.call_tool(alice, "pods_list_in_namespace", arguments)
            return before, after, again

    try:
        audited = len(sandbox.audit())
        results = asyncio.run(main())
    finally:
        process.kill()
        process.wait()
    for result in results:
        assert result.ok, result.text
        assert "api-" in result.text
    pod_lists = [
        e
        for e in sandbox.audit()[audited:]
        if e.get("resource") == "pods" and e.get("verb") == "list"
    ]
    assert len(pod_lists) == 3  # one per call: the expired session's call was not lost
    assert {e["user"] for e in pod_lists} == {"alice"}
