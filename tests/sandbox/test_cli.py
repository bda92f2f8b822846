"""`ols sandbox up` as a user runs it: a world of one's own, the kubernetes flavour, a fixed
port, and clear errors for a broken fixture file."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import start_sandbox, stop_sandbox

INCIDENT = """
apiVersion: sandbox.ols.dev/v1
kind: User
metadata: {name: carol}
spec: {groups: [sre]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: sre-view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: sre, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: v1
kind: Pod
metadata: {name: cart-0, namespace: shop, creationTimestamp: now-2h, labels: {app: cart}}
spec:
  containers: [{name: cart, image: shop/cart:1.0}]
status:
  phase: Running
  containerStatuses:
  - name: cart
    ready: false
    restartCount: 3
    image: shop/cart:1.0
    imageID: ""
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 40s}}
    lastState: {terminated: {exitCode: 2, reason: Error, finishedAt: now-1m}}
sandbox:
  logs: {cart: "starting\\n"}
  previousLogs: {cart: "panic: redis address missing\\n"}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_own_world_only_in_the_kubernetes_flavour(tmp_path: Path) -> None:
    world = tmp_path / "incident.yaml"
    world.write_text(INCIDENT)
    port = _free_port()
    handle = start_sandbox(
        tmp_path / "state",
        "--no-default-world",
        "--fixtures",
        str(world),
        "--flavour",
        "kubernetes",
        "--port",
        str(port),
    )
    try:
        info = json.loads((tmp_path / "state" / "sandbox.json").read_text())
        assert info["api_url"] == f"https://127.0.0.1:{port}"
        assert set(info["users"]) == {"carol"}
        assert info["mcp_url"].startswith("http://127.0.0.1:")
        assert (tmp_path / "state" / "kubeconfig-carol").stat().st_mode & 0o077 == 0
        pods = handle.kubectl("carol", "get", "pods", "-n", "shop")
        assert pods.returncode == 0, pods.stderr
        assert "CrashLoopBackOff" in pods.stdout
        logs = handle.kubectl("carol", "logs", "cart-0", "-n", "shop", "--previous")
        assert logs.stdout == "panic: redis address missing\n"
        assert handle.kubectl("carol", "get", "pods", "-n", "team-a").returncode == 1
        projects = handle.kubectl("carol", "get", "projects")
        assert projects.returncode == 1
        assert "doesn't have a resource type" in projects.stderr
    finally:
        stop_sandbox(handle)


def test_own_world_beside_the_default_one(tmp_path: Path) -> None:
    world = tmp_path / "incident.yaml"
    world.write_text(INCIDENT)
    handle = start_sandbox(tmp_path / "state", "--fixtures", str(world), "--no-mcp")
    try:
        assert {"admin", "alice", "bob", "carol"} <= set(handle.info["users"])
        assert "mcp_url" not in handle.info
        everywhere = handle.kubectl("admin", "get", "pods", "-A", "-o", "name")
        assert "pod/cart-0" in everywhere.stdout.split()
        assert "pod/analytics-0" in everywhere.stdout.split()
    finally:
        stop_sandbox(handle)


def _up_with_fixture(tmp_path: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    """`ols sandbox up` with one fixture file of ours; it is expected to refuse to start."""
    fixture = tmp_path / name
    fixture.write_text(text)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ols",
            "sandbox",
            "up",
            "--state-dir",
            str(tmp_path / "s"),
            "--fixtures",
            str(fixture),
            "--no-mcp",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_broken_fixture_is_a_clear_error(tmp_path: Path) -> None:
    result = _up_with_fixture(
        tmp_path, "broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {namespace: x}\n"
    )
    assert result.returncode == 2
    assert "broken.yaml" in result.stderr
    assert "metadata.name" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_kind_in_a_fixture_is_a_clear_error(tmp_path: Path) -> None:
    result = _up_with_fixture(
        tmp_path, "odd.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    )
    assert result.returncode == 2
    assert "Widget" in result.stderr
    assert "docs/sandbox.md" in result.stderr


def test_mcp_server_config_command_prints_the_toml() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ols", "mcp-server", "config", "--mode", "http", "--port", "7777"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert 'port = "7777"' in result.stdout
    assert "require_oauth = true" in result.stdout


def test_product_cli_does_not_load_the_sandbox() -> None:
    code = "import sys, ols.cli; print(any(m.startswith('ols_sandbox') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
