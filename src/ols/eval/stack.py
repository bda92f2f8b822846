"""The parts an evaluation runs against, started and stopped by the harness: a sandbox
cluster with its kubernetes-mcp-server (one per world, `ols sandbox up` in a subprocess, so
ols never imports the sandbox), optionally the scripted LLM, and the service itself on a
loopback port (uvicorn in a thread), configured as `ols serve --sandbox` configures it."""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from ols.api.app import create_app
from ols.errors import OlsError
from ols.launch import service_config

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


class StackError(OlsError):
    """A part of the evaluation stack did not start."""


@dataclass
class Sandbox:
    state_dir: Path
    info: dict[str, Any]
    process: subprocess.Popen[str]

    def token(self, user: str) -> str:
        users = self.info.get("users") or {}
        if user not in users:
            known = ", ".join(sorted(users))
            raise StackError(f"the sandbox has no user {user!r} (users: {known})")
        return str(users[user]["token"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_sandbox(state_dir: Path, *extra: str) -> Sandbox:
    """Run `ols sandbox up --state-dir DIR [extra...]` and wait for its `ready` line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ols", "sandbox", "up", "--state-dir", str(state_dir), *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=START_TIMEOUT_S)
            if line is None:
                stderr = process.stderr.read() if process.stderr else ""
                raise StackError(f"ols sandbox up exited before it was ready:\n{stderr}")
            if "ready" in line:
                break
    except queue.Empty:
        process.kill()
        process.wait()
        raise StackError(f"ols sandbox up was not ready within {START_TIMEOUT_S:.0f} s") from None
    info = json.loads((state_dir / "sandbox.json").read_text())
    return Sandbox(state_dir, info, process)


@dataclass
class Service:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(STOP_TIMEOUT_S)


def start_service(
    sandbox: Sandbox,
    database: Path,
    llm: dict[str, Any],
    *,
    docs: bool = True,
    tool_filter: bool = True,
) -> Service:
    """The service as `ols serve --sandbox` runs it, with `llm` settings, on a free port;
    with `docs`, answers are grounded in the shipped runbooks as there.

    The per-user request rate limit is lifted: an evaluation asks many questions as one
    user in a short time, and the limit is not what it measures."""
    config, service_token = service_config(sandbox=sandbox.state_dir, sandbox_docs=docs)
    safety = config.safety.model_copy(
        update={
            "limits": config.safety.limits.model_copy(update={"requests_per_minute": 1_000_000})
        }
    )
    config = config.model_copy(
        update={
            "database": config.database.model_copy(update={"url": f"sqlite:///{database}"}),
            "llm": type(config.llm).model_validate({**config.llm.model_dump(), **llm}),
            "safety": safety,
            "agent": config.agent.model_copy(
                update={
                    "tool_filter": config.agent.tool_filter.model_copy(
                        update={"enabled": tool_filter}
                    )
                }
            ),
        }
    )
    app = create_app(config, service_token=service_token)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="ols-eval-service", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise StackError("the ols service did not start")
        time.sleep(0.02)
    return Service(f"http://127.0.0.1:{port}", server, thread)
