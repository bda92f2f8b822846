"""Where the command line's tools run and as whom: a config file, a sandbox state directory,
a kubeconfig, or a raw token, turned into an `OlsConfig` and a `UserToken`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ols.auth.token import UserToken
from ols.config import OlsConfig, load_config
from ols.errors import ConfigurationError
from ols.launch import sandbox_info
from ols.tools.settings import USER_TOKEN_PLACEHOLDER


@dataclass(frozen=True)
class ToolTarget:
    config: OlsConfig
    token: UserToken | None
    described_as: str  # "alice on the sandbox", for messages


@dataclass(frozen=True)
class KubeconfigIdentity:
    api_url: str
    certificate_authority_data: str | None
    ca_file: Path | None
    token: UserToken


def read_kubeconfig(path: Path) -> KubeconfigIdentity:
    """Server, CA and bearer token of the kubeconfig's current context."""
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read the kubeconfig {path}: {exc}") from exc

    def named(section: str, name: str) -> dict[str, Any]:
        for entry in doc.get(section) or []:
            if isinstance(entry, dict) and entry.get("name") == name:
                return dict(entry.get(section[:-1]) or {})
        raise ConfigurationError(f"{path}: no {section[:-1]} named {name!r}")

    current = doc.get("current-context")
    if not current:
        raise ConfigurationError(
            f"{path} has no current-context; pick one with `kubectl config use-context`"
        )
    context = named("contexts", current)
    cluster = named("clusters", context.get("cluster", ""))
    user = named("users", context.get("user", ""))
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = Path(user["tokenFile"]).expanduser().read_text().strip()
    if not token:
        raise ConfigurationError(
            f"{path}: the user of context {current!r} has no bearer token; ols runs tools with "
            "the user's token (client certificates and exec plugins are not supported), e.g. "
            "`oc whoami -t`"
        )
    ca_file = cluster.get("certificate-authority")
    return KubeconfigIdentity(
        api_url=str(cluster.get("server", "")),
        certificate_authority_data=cluster.get("certificate-authority-data"),
        ca_file=Path(ca_file).expanduser() if ca_file else None,
        token=UserToken(token),
    )


def resolve_target(
    *,
    config: Path | None = None,
    sandbox: Path | None = None,
    user: str | None = None,
    kubeconfig: Path | None = None,
    token: str | None = None,
) -> ToolTarget:
    """Combine the command line's options. Servers come from --config, else the sandbox's
    MCP server, else a stdio kubernetes-mcp-server against the kubeconfig's cluster; the
    identity from --user (sandbox), --kubeconfig or --token."""
    if user and not sandbox:
        raise ConfigurationError("--user names a sandbox user: give --sandbox DIR too")
    if sum(bool(x) for x in (user, kubeconfig, token)) > 1:
        raise ConfigurationError("give one of --user, --kubeconfig or --token")

    base: dict[str, Any] = {}
    described = "the configured servers"
    identity: UserToken | None = UserToken.optional(token)
    if config is not None:
        base = load_config(config).model_dump(mode="json", exclude_none=True)
    if sandbox is not None:
        info = _sandbox_info(sandbox)
        if config is None:
            base["mcp_servers"] = [
                {
                    "name": "kubernetes",
                    "transport": "streamable_http",
                    "url": info["mcp_url"],
                    "headers": {"Authorization": USER_TOKEN_PLACEHOLDER},
                }
            ]
        base.setdefault("cluster", {"api_url": info["api_url"], "ca_file": info["ca_file"]})
        if user:
            users = info.get("users") or {}
            if user not in users:
                raise ConfigurationError(
                    f"the sandbox in {sandbox} has no user {user!r}; it has {sorted(users)}"
                )
            identity = UserToken(users[user]["token"])
            described = f"{user} on the sandbox"
    if kubeconfig is not None:
        found = read_kubeconfig(kubeconfig)
        identity = found.token
        described = f"the user of {kubeconfig}"
        cluster: dict[str, Any] = {"api_url": found.api_url}
        if found.certificate_authority_data:
            cluster["certificate_authority_data"] = found.certificate_authority_data
        elif found.ca_file:
            cluster["ca_file"] = str(found.ca_file)
        base["cluster"] = cluster
        if not base.get("mcp_servers"):
            base["mcp_servers"] = [{"name": "kubernetes", "transport": "stdio"}]
    if not base.get("mcp_servers"):
        raise ConfigurationError(
            "no MCP server to use: give --config FILE, --sandbox DIR or --kubeconfig FILE"
        )
    try:
        resolved = OlsConfig.model_validate(base)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
    return ToolTarget(resolved, identity, described)


def _sandbox_info(state_dir: Path) -> dict[str, Any]:
    info = sandbox_info(state_dir)
    if "mcp_url" not in info:
        raise ConfigurationError(
            f"the sandbox in {state_dir} runs without its MCP server "
            "(--no-mcp); restart it without that flag"
        )
    return info
