"""Pytest fixtures for the scripted LLM and the test PostgreSQL (tests/conftest.py loads
this module as a plugin).

`scripted_llm_server` runs one server for the whole session; `scripted_llm` hands it to a
test with an empty script and no recorded requests. `postgres` starts one PostgreSQL for
the whole session, the first time a test needs it; `database_url` runs a test once on
SQLite and once on its own PostgreSQL database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer, PostgresUnavailable
from tests.support.scripted_llm import ScriptedLLM


@pytest.fixture(scope="session")
def scripted_llm_server() -> Iterator[ScriptedLLM]:
    server = ScriptedLLM()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def scripted_llm(scripted_llm_server: ScriptedLLM) -> Iterator[ScriptedLLM]:
    scripted_llm_server.reset()
    yield scripted_llm_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ols.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()
