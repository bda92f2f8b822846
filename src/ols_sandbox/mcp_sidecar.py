"""kubernetes-mcp-server in streamable-HTTP mode beside the sandbox API.

It runs with the configuration ols generates for HTTP mode: bearer token required, no
credentials of its own, Secrets denied, config toolset off.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

from ols.errors import OlsError
from ols.tools.kubeconfig import render_kubeconfig
from ols.tools.server_binary import find_server_binary
from ols.tools.server_config import ServerConfig

START_TIMEOUT_S = 30.0


class McpSidecarFailed(OlsError):
    """kubernetes-mcp-server did not come up."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _healthy(port: int) -> bool:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    try:
        writer.write(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        status_line = await reader.readline()
        return b" 200 " in status_line
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


class McpSidecar:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.process: asyncio.subprocess.Process | None = None
        self.log_path = state_dir / "mcp-server.log"

    async def start(self, api_url: str, ca_pem: bytes) -> str:
        """Start the server and wait until it answers; returns its MCP URL."""
        binary = find_server_binary()
        kubeconfig = self.state_dir / "kubeconfig-mcp-server"
        kubeconfig.write_text(
            render_kubeconfig(api_url, ca_pem, user="no-credentials", token=None, cluster="sandbox")
        )
        port = _free_port()
        config_path = self.state_dir / "mcp-server.toml"
        config_path.write_text(
            ServerConfig(
                "http", kubeconfig=kubeconfig, port=port, log_file="stderr", log_level=2
            ).render()
        )
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                str(binary),
                "--config",
                str(config_path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        while loop.time() < deadline:
            if self.process.returncode is not None:
                raise McpSidecarFailed(
                    f"kubernetes-mcp-server exited with status {self.process.returncode} at "
                    f"start; see {self.log_path}"
                )
            if await _healthy(port):
                return f"http://127.0.0.1:{port}/mcp"
            await asyncio.sleep(0.1)
        await self.stop()
        raise McpSidecarFailed(
            f"kubernetes-mcp-server did not answer on port {port} within {START_TIMEOUT_S:.0f}s; "
            f"see {self.log_path}"
        )

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()
