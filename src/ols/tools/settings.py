"""Configuration of the tool layer: which MCP servers, how to reach them, how the user's
token travels to each, and the limits on listing and calling tools."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# A header whose configured value is this word carries `Bearer <user token>` (the OpenShift
# Lightspeed convention).
USER_TOKEN_PLACEHOLDER = "kubernetes"  # noqa: S105 - a placeholder word, not a secret
FILE_PREFIX = "file:"

Transport = Literal["stdio", "streamable_http", "sse"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class McpServerSettings(_Strict):
    """One MCP server. Every server receives the requesting user's token: over HTTP in a
    header whose value is `kubernetes`, over stdio as a per-user kubeconfig."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    transport: Transport = "streamable_http"
    # stdio: the command to run (default: the pinned kubernetes-mcp-server with the
    # configuration ols generates). `{kubeconfig}` in args becomes the user's kubeconfig;
    # $KUBECONFIG is set to it as well.
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    # streamable_http and sse
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    # seconds: one tool call, and connecting a session
    timeout: float = Field(default=60.0, gt=0)
    connect_timeout: float = Field(default=15.0, gt=0)
    allowed_tools: list[str] = Field(default_factory=list)
    denied_tools: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_transport(self) -> McpServerSettings:
        if self.transport == "stdio":
            if self.url or self.headers:
                raise ValueError(
                    f"server {self.name!r}: stdio servers take command/args/env, not url/headers"
                )
        else:
            if not self.url:
                raise ValueError(f"server {self.name!r}: {self.transport} needs a url")
            if self.command or self.args or self.env:
                raise ValueError(
                    f"server {self.name!r}: {self.transport} servers take "
                    "url/headers, not command/args/env"
                )
            if USER_TOKEN_PLACEHOLDER not in self.headers.values():
                raise ValueError(
                    f"server {self.name!r}: no header carries the user's token; add "
                    f'headers: {{Authorization: "{USER_TOKEN_PLACEHOLDER}"}} so that tools '
                    "run with the requesting user's permissions"
                )
        return self


class ClusterSettings(_Strict):
    """The Kubernetes API that stdio servers reach with each user's kubeconfig."""

    api_url: str | None = None
    ca_file: Path | None = None
    certificate_authority_data: str | None = None  # base64 PEM, as in a kubeconfig

    def ca_pem(self) -> bytes | None:
        if self.certificate_authority_data:
            return base64.b64decode(self.certificate_authority_data)
        if self.ca_file:
            return self.ca_file.read_bytes()
        return None


class ToolsSettings(_Strict):
    catalogue_ttl_seconds: float = Field(default=300.0, gt=0)
    max_result_bytes: int = Field(default=64 * 1024, ge=1024)
    max_sessions_per_server: int = Field(default=32, ge=1)
    session_idle_seconds: float = Field(default=300.0, gt=0)
