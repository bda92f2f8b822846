"""The one configuration loader: a YAML file into typed settings for every part."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ols.agent.settings import AgentSettings
from ols.approvals.policy import ApprovalSettings
from ols.auth.settings import AuthSettings
from ols.errors import ConfigurationError
from ols.llm.settings import LlmSettings
from ols.retrieval.settings import RetrievalSettings
from ols.safety.settings import SafetySettings
from ols.storage.settings import DatabaseSettings
from ols.tools.settings import ClusterSettings, McpServerSettings, ToolsSettings


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class OlsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mcp_servers: list[McpServerSettings] = Field(default_factory=list)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    tools: ToolsSettings = Field(default_factory=ToolsSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)

    @model_validator(mode="after")
    def _unique_servers(self) -> OlsConfig:
        names = [s.name for s in self.mcp_servers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"mcp_servers: names must be unique; repeated: {duplicates}")
        return self


def load_config(path: Path) -> OlsConfig:
    """Read and validate a configuration file; every problem is a ConfigurationError that
    names the file and the setting."""
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigurationError(f"cannot read the configuration {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path} is not valid YAML: {exc}") from exc
    try:
        return OlsConfig.model_validate(raw or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"{path}: {problems}") from exc
