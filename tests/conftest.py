"""Shared fixtures: one sandbox cluster (with its kubernetes-mcp-server) for the whole run.

The sandbox is started exactly as a user starts it, with `ols sandbox up`, and tests read
its state directory: kubeconfigs, tokens, the MCP URL and the audit log.
"""

from __future__ import annotations

import json
import logging
import os
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from ols.eval import stack
from ols.tools.server_binary import find_server_binary

pytest_plugins = ["tests.support.fixtures"]


@dataclass
class SandboxHandle:
    state_dir: Path
    info: dict[str, Any]
    process: subprocess.Popen[str]

    @property
    def api_url(self) -> str:
        return str(self.info["api_url"])

    @property
    def ca_file(self) -> str:
        return str(self.info["ca_file"])

    @property
    def mcp_url(self) -> str:
        return str(self.info["mcp_url"])

    def token(self, user: str) -> str:
        return str(self.info["users"][user]["token"])

    def kubeconfig(self, user: str) -> Path:
        return self.state_dir / f"kubeconfig-{user}"

    def kubectl(self, user: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["kubectl", "--kubeconfig", str(self.kubeconfig(user)), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "KUBECACHEDIR": str(self.state_dir / f"kubecache-{user}")},
        )

    def client(self, user: str | None = None, token: str | None = None) -> httpx2.Client:
        """An HTTP client for the sandbox API as `user` (or with a raw `token`, or none)."""
        secret = token if token is not None else (self.token(user) if user else None)
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return httpx2.Client(
            base_url=self.api_url,
            verify=ssl.create_default_context(cafile=self.ca_file),
            headers=headers,
            timeout=30,
        )

    def audit(self) -> list[dict[str, Any]]:
        lines = (self.state_dir / "audit.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def start_sandbox(state_dir: Path, *extra: str) -> SandboxHandle:
    """Run `ols sandbox up` and wait for its `ready` line (as `ols eval` does)."""
    started = stack.start_sandbox(state_dir, *extra)
    return SandboxHandle(started.state_dir, started.info, started.process)


def stop_sandbox(handle: SandboxHandle) -> None:
    handle.process.terminate()
    try:
        handle.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        handle.process.kill()
        handle.process.wait()


@pytest.fixture(scope="session", autouse=True)
def captured_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every log record of the test session, at DEBUG, in one file: the final token scan
    reads it (tests/zz_final)."""
    path = tmp_path_factory.getbasetemp() / "ols-test.log"
    handler = logging.FileHandler(path)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(previous)
    handler.close()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(tmp_path_factory.mktemp("sandbox") / "state")
    yield handle
    stop_sandbox(handle)


@pytest.fixture(scope="session")
def mcp_binary() -> Path:
    return find_server_binary()
