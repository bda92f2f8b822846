"""Tool-layer fixtures: ols configurations for the shared sandbox, over each transport."""

from __future__ import annotations

from typing import Any

import pytest

from ols.auth.token import UserToken
from ols.config import OlsConfig
from tests.conftest import SandboxHandle

TRANSPORTS = ["streamable_http", "stdio"]


def tool_config(sandbox: SandboxHandle, transport: str, **tools: Any) -> OlsConfig:
    server: dict[str, Any] = {"name": "kubernetes", "transport": transport}
    if transport == "streamable_http":
        server.update(url=sandbox.mcp_url, headers={"Authorization": "kubernetes"})
    return OlsConfig.model_validate(
        {
            "mcp_servers": [server],
            "cluster": {"api_url": sandbox.api_url, "ca_file": sandbox.ca_file},
            "tools": tools,
        }
    )


def token(sandbox: SandboxHandle, user: str) -> UserToken:
    return UserToken(sandbox.token(user))


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)
