"""`ols ask` and `ols serve` as a user runs them, against the sandbox and the scripted LLM."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx2

from tests.conftest import SandboxHandle
from tests.support.scripted_llm import ScriptedLLM, reply, tool_calls


def test_ols_ask_streams_the_answer_and_shows_tool_calls(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.script(
        tool_calls(("pods_list_in_namespace", {"namespace": "team-b"})),
        reply("analytics-0 is Pending: not enough memory on any node."),
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ols",
            "ask",
            "why is analytics-0 pending?",
            "--sandbox",
            str(sandbox.state_dir),
            "--user",
            "bob",
            "--llm-url",
            scripted_llm.url,
            "--llm-model",
            scripted_llm.model,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "analytics-0 is Pending" in result.stdout
    assert 'pods_list_in_namespace {"namespace": "team-b"}' in result.stderr
    assert "success:" in result.stderr
    assert sandbox.token("bob") not in result.stdout + result.stderr


def test_ols_ask_without_an_llm_says_how_to_configure_one(sandbox: SandboxHandle) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLS_LLM")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ols",
            "ask",
            "hi",
            "--sandbox",
            str(sandbox.state_dir),
            "--user",
            "bob",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 1
    assert "OLS_LLM_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_ols_serve_with_only_a_sandbox_and_an_llm_url(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, tmp_path: object
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "OLS_LLM_URL": scripted_llm.url, "OLS_LLM_MODEL": scripted_llm.model}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ols",
            "serve",
            "--sandbox",
            str(sandbox.state_dir),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/liveness", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.2)
        scripted_llm.script(reply("hello alice"))
        response = httpx2.post(
            f"http://127.0.0.1:{port}/v1/query",
            json={"query": "hi"},
            timeout=60,
            headers={"Authorization": f"Bearer {sandbox.token('alice')}"},
        )
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert response.status_code == 200, response.text
    assert response.json()["response"] == "hello alice"


def _ask_in_a_terminal(sandbox: SandboxHandle, llm: ScriptedLLM, answer: str) -> tuple[int, str]:
    """Run `ols ask` with a pseudo-terminal as stdin, answering the approval prompt."""
    import pty

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ols",
            "ask",
            "scale web to 5",
            "--sandbox",
            str(sandbox.state_dir),
            "--user",
            "alice",
            "--llm-url",
            llm.url,
            "--llm-model",
            llm.model,
        ],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    os.close(terminal)
    try:
        os.write(controller, answer.encode())
        output, _ = process.communicate(timeout=120)
    finally:
        os.close(controller)
    return process.returncode, output


def test_ols_ask_asks_before_a_write_and_obeys_the_answer(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM
) -> None:
    scale = (
        "resources_scale",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "namespace": "team-a",
            "scale": 5,
        },
    )
    deployment = "/apis/apps/v1/namespaces/team-a/deployments/web"
    scripted_llm.script(tool_calls(scale), reply("Left web alone."))
    code, output = _ask_in_a_terminal(sandbox, scripted_llm, "n\n")
    assert code == 0, output
    assert "resources_scale is not read-only" in output and "Run it?" in output
    assert "declined" in scripted_llm.requests[-1].text()
    with sandbox.client("admin") as admin:
        assert admin.get(deployment).json()["spec"]["replicas"] == 3
    scripted_llm.reset()
    scripted_llm.script(tool_calls(scale), reply("Scaled."))
    code, output = _ask_in_a_terminal(sandbox, scripted_llm, "y\n")
    with sandbox.client("admin") as admin:
        replicas = admin.get(deployment).json()["spec"]["replicas"]
        admin.patch(
            deployment + "/scale",
            content='{"spec": {"replicas": 3}}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
    assert code == 0, output
    assert replicas == 5
    assert "Scaled." in output
