"""The ols service on a real port (uvicorn in a thread), against a sandbox, the real
kubernetes-mcp-server and the scripted LLM: shared by the API and web tests."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import uvicorn

from ols.api.app import create_app
from ols.launch import service_config
from tests.conftest import SandboxHandle
from tests.support.scripted_llm import ScriptedLLM


@dataclass
class ServiceHandle:
    url: str
    sandbox: SandboxHandle
    server: uvicorn.Server

    def client(self, user: str | None = None, token: str | None = None) -> httpx2.Client:
        secret = token if token is not None else (self.sandbox.token(user) if user else None)
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return httpx2.Client(base_url=self.url, headers=headers, timeout=60)


def llm_settings(llm: ScriptedLLM, **extra: Any) -> dict[str, Any]:
    """The `llm` settings that point a service at the scripted LLM."""
    return {"url": llm.url, "model": llm.model, **extra}


def start_service(sandbox: SandboxHandle, database: Path | str, **overrides: Any) -> ServiceHandle:
    """`database`: a SQLite file, or a database URL."""
    config, service_token = service_config(sandbox=sandbox.state_dir)
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    update: dict[str, Any] = {"database": config.database.model_copy(update={"url": url})}
    for section, values in overrides.items():
        current = getattr(config, section)
        update[section] = type(current).model_validate({**current.model_dump(), **values})
    config = config.model_copy(update=update)
    app = create_app(config, service_token=service_token)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the ols service did not start")
        time.sleep(0.02)
    return ServiceHandle(f"http://127.0.0.1:{port}", sandbox, server)


def stop_service(handle: ServiceHandle) -> None:
    handle.server.should_exit = True
