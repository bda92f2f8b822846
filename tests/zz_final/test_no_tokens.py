"""After everything else ran: no sandbox user's token in any log, database or audit log the
session produced, the test PostgreSQL's databases and log included, and the PostgreSQL
password in none of them. (Runs last: pytest collects `zz_final` after the other folders.)

Kubeconfigs and `sandbox.json` hold tokens by design (the sandbox hands them to its users;
the tool layer's stdio kubeconfigs are removed with their processes) and are not scanned.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SandboxHandle
from tests.support.postgres import PostgresServer

SCANNED_SUFFIXES = {".log", ".jsonl", ".sqlite3", ".sqlite3-wal", ".json", ".toml"}
BY_DESIGN = {"sandbox.json"}


def test_no_token_is_written_anywhere(
    sandbox: SandboxHandle,
    captured_logs: Path,
    tmp_path_factory: pytest.TempPathFactory,
    postgres: PostgresServer,
) -> None:
    tokens = {user: sandbox.token(user) for user in sandbox.info["users"]}
    tokens["the PostgreSQL password"] = postgres.password
    base = tmp_path_factory.getbasetemp()
    files = [
        p
        for p in base.rglob("*")
        if p.is_file()
        and p.suffix in SCANNED_SUFFIXES
        and p.name not in BY_DESIGN
        and not p.name.startswith("kubeconfig-")
    ]
    assert captured_logs in files
    assert any(p.suffix == ".sqlite3" for p in files), "no database was scanned"
    assert any(p.name == "audit.jsonl" for p in files), "no audit log was scanned"
    found = []
    for path in files:
        content = path.read_bytes()
        found += [(str(path), user) for user, token in tokens.items() if token.encode() in content]
    in_postgres = postgres.contents()
    found += [("postgres", user) for user, token in tokens.items() if token in in_postgres]
    assert found == []
