"""After the web tests (this file runs last in the folder): none of the web sandbox's tokens,
which the browser sent with every request, is in any log, database or audit log of the
session. tests/zz_final does the same for the shared sandbox's tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SandboxHandle

SCANNED_SUFFIXES = {".log", ".jsonl", ".sqlite3", ".sqlite3-wal", ".json", ".toml"}


def test_no_web_token_is_written_anywhere(
    web_sandbox: SandboxHandle, captured_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tokens = {user: web_sandbox.token(user) for user in web_sandbox.info["users"]}
    files = [
        p
        for p in tmp_path_factory.getbasetemp().rglob("*")
        if p.is_file()
        and p.suffix in SCANNED_SUFFIXES
        and p.name != "sandbox.json"
        and not p.name.startswith("kubeconfig-")
    ]
    assert captured_logs in files
    assert any(p.name == "ols.sqlite3" and "web-service" in str(p) for p in files)
    found = [
        (str(path), user)
        for path in files
        for user, token in tokens.items()
        if token.encode() in path.read_bytes()
    ]
    assert found == []
