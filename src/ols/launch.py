"""Building a full configuration from the command line and the environment: a config file,
a sandbox state directory, OLS_LLM_URL / OLS_LLM_MODEL / OLS_LLM_API_KEY and
OLS_DATABASE_URL."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ols.auth.token import UserToken
from ols.config import OlsConfig, load_config
from ols.errors import ConfigurationError
from ols.tools.settings import USER_TOKEN_PLACEHOLDER

SANDBOX_SERVICE_USER = "lightspeed"
SANDBOX_DOCS_INDEX = "docs-index"


def sandbox_docs_index(state_dir: Path) -> Path:
    """The documentation index of a sandbox state directory, brought up to date from what
    it was built from (the shipped runbooks when new; only changed files are read again,
    milliseconds when nothing changed)."""
    from ols.retrieval.index import update_index

    index_dir = state_dir.resolve() / SANDBOX_DOCS_INDEX
    update_index(index_dir)
    return index_dir


def llm_overrides(llm_url: str | None, llm_model: str | None) -> dict[str, Any]:
    """LLM settings from flags, else the environment."""
    values: dict[str, Any] = {}
    url = llm_url or os.environ.get("OLS_LLM_URL")
    model = llm_model or os.environ.get("OLS_LLM_MODEL")
    key = os.environ.get("OLS_LLM_API_KEY")
    if url:
        values["url"] = url
    if model:
        values["model"] = model
    if key:
        values["api_key"] = key
    return values


def sandbox_info(state_dir: Path) -> dict[str, Any]:
    path = state_dir / "sandbox.json"
    try:
        info: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"no running sandbox in {state_dir} ({path} unreadable); start one with "
            f"`ols sandbox up --state-dir {state_dir}` or `make run`"
        ) from exc
    return info


def service_config(
    *,
    config: Path | None = None,
    sandbox: Path | None = None,
    llm_url: str | None = None,
    llm_model: str | None = None,
    port: int | None = None,
    docs_index: Path | None = None,
    sandbox_docs: bool = False,
) -> tuple[OlsConfig, UserToken | None]:
    """The service's configuration, and (with --sandbox) the service account token it
    reviews callers' tokens with. `docs_index` sets retrieval.index_dir; with
    `sandbox_docs`, a sandbox without one configured answers from the shipped runbooks."""
    base: dict[str, Any] = (
        load_config(config).model_dump(mode="json", exclude_none=True) if config else {}
    )
    service_token: UserToken | None = None
    if sandbox is not None:
        info = sandbox_info(sandbox)
        if "mcp_url" not in info:
            raise ConfigurationError(f"the sandbox in {sandbox} runs without its MCP server")
        if not base.get("mcp_servers"):
            base["mcp_servers"] = [
                {
                    "name": "kubernetes",
                    "transport": "streamable_http",
                    "url": info["mcp_url"],
                    "headers": {"Authorization": USER_TOKEN_PLACEHOLDER},
                }
            ]
        base["cluster"] = {"api_url": info["api_url"], "ca_file": info["ca_file"]}
        base.setdefault("auth", {"module": "k8s"})
        base.setdefault("database", {"url": f"sqlite:///{sandbox.resolve() / 'ols.sqlite3'}"})
        users = info.get("users") or {}
        if SANDBOX_SERVICE_USER in users:
            service_token = UserToken(users[SANDBOX_SERVICE_USER]["token"])
    retrieval = dict(base.get("retrieval", {}))
    if docs_index is not None:
        retrieval["index_dir"] = str(docs_index)
    elif sandbox is not None and sandbox_docs and not retrieval.get("index_dir"):
        retrieval["index_dir"] = str(sandbox_docs_index(sandbox))
    if retrieval:
        base["retrieval"] = retrieval
    database_url = os.environ.get("OLS_DATABASE_URL")
    if database_url:  # from a Secret in a deployment: the password stays out of the file
        base["database"] = {**base.get("database", {}), "url": database_url}
    llm = {**base.get("llm", {}), **llm_overrides(llm_url, llm_model)}
    if llm:
        base["llm"] = llm
    if port is not None:
        base["service"] = {**base.get("service", {}), "port": port}
    try:
        return OlsConfig.model_validate(base), service_token
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
