"""The kubernetes-mcp-server configuration and the binary lookup."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from ols.errors import ServerBinaryMissing
from ols.tools import server_binary
from ols.tools.server_binary import find_server_binary
from ols.tools.server_config import ServerConfig


def test_http_config_requires_tokens_and_closes_the_leaks(tmp_path: Path) -> None:
    text = ServerConfig("http", kubeconfig=tmp_path / "kc", port=9999).render()
    config = tomllib.loads(text)
    assert config["toolsets"] == ["core"]
    assert config["require_oauth"] is True
    assert config["skip_jwt_verification"] is True
    assert config["bind_address"] == "127.0.0.1"
    assert config["port"] == "9999"
    assert config["confirmation_fallback"] == "deny"
    assert config["list_output"] == "table"
    assert config["kubeconfig"] == str(tmp_path / "kc")
    assert {"group": "", "version": "v1", "kind": "Secret"} in config["denied_resources"]


def test_stdio_config_has_no_http_keys() -> None:
    config = tomllib.loads(ServerConfig("stdio").render())
    assert "port" not in config
    assert "require_oauth" not in config
    assert config["toolsets"] == ["core"]
    assert config["denied_resources"][0]["kind"] == "Secret"


def test_paths_with_quotes_stay_valid_toml(tmp_path: Path) -> None:
    odd = tmp_path / 'we"ird\\dir' / "kc"
    assert tomllib.loads(ServerConfig("stdio", kubeconfig=odd).render())["kubeconfig"] == str(odd)


def test_binary_from_env_must_be_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(server_binary.ENV_VAR, str(tmp_path / "nope"))
    with pytest.raises(ServerBinaryMissing, match="make tools"):
        find_server_binary()
    fake = tmp_path / "kubernetes-mcp-server"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv(server_binary.ENV_VAR, str(fake))
    assert find_server_binary() == fake
    assert find_server_binary(configured=str(fake)) == fake


def test_missing_binary_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(server_binary.ENV_VAR, raising=False)
    monkeypatch.setattr(server_binary, "DEFAULT_LOCATION", tmp_path / "missing")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServerBinaryMissing) as caught:
        find_server_binary()
    assert "make tools" in str(caught.value)
    assert server_binary.ENV_VAR in str(caught.value)


def test_the_installed_binary_is_the_pinned_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(server_binary.ENV_VAR, raising=False)
    found = find_server_binary()
    assert os.access(found, os.X_OK)
    assert found == server_binary.DEFAULT_LOCATION
