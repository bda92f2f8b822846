"""Migrations: they build exactly the schema the tables declare, on SQLite and PostgreSQL;
they upgrade a database that `create_all` made before migrations; replicas starting
together migrate once; a database URL's password shows nowhere."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from ols.config import load_config
from ols.errors import ConfigurationError, DatabaseUnavailable
from ols.safety.log_scrubbing import install_log_scrubbing
from ols.storage import migrate
from ols.storage.conversations import ConversationStore
from ols.storage.database import Database, database_url
from ols.storage.tables import Base
from tests.support.database import query
from tests.support.postgres import PostgresServer

LEGACY_SCHEMA = Path(__file__).with_name("legacy_schema.sql")


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _upgrade_and_compare(url: str) -> tuple[str, list[Any], float]:
    database = Database(url)
    try:
        started = time.perf_counter()
        revision = await database.prepare(migrate=True)
        took = time.perf_counter() - started
        async with database.engine.connect() as connection:
            return revision, await connection.run_sync(_differences), took
    finally:
        await database.close()


def test_migrations_build_the_schema_the_tables_declare(database_url: str) -> None:
    revision, differences, _ = asyncio.run(_upgrade_and_compare(database_url))
    assert revision == migrate.head()
    assert differences == []


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    def down_and_up(connection: Connection) -> None:
        command.downgrade(migrate.alembic_config(connection), "base")
        assert MigrationContext.configure(connection).get_current_revision() is None
        command.upgrade(migrate.alembic_config(connection), "head")

    async def body() -> list[Any]:
        database = Database(database_url)
        try:
            await database.prepare(migrate=True)
            async with database.engine.begin() as connection:
                await connection.run_sync(down_and_up)
            async with database.engine.connect() as connection:
                return await connection.run_sync(_differences)
        finally:
            await database.close()

    assert asyncio.run(body()) == []


def test_a_database_from_before_migrations_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "ols.sqlite3"
    legacy = sqlite3.connect(path)
    legacy.executescript(LEGACY_SCHEMA.read_text())
    legacy.execute(
        "INSERT INTO conversations VALUES ('c1', 'alice', 'old', '2026-01-01 00:00:00', "
        "'2026-01-01 00:00:00')"
    )
    legacy.execute(
        "INSERT INTO turns (conversation_id, position, query, response, tool_calls, "
        "tool_results, created_at) VALUES ('c1', 0, 'q', 'a', '[]', '[]', '2026-01-01 00:00:00')"
    )
    legacy.commit()
    legacy.close()
    url = f"sqlite:///{path}"

    revision, differences, _ = asyncio.run(_upgrade_and_compare(url))
    assert revision == migrate.head() and differences == []

    async def history() -> list[tuple[str, str]]:
        database = Database(url)
        try:
            turns = await ConversationStore(database).history("alice", "c1")
            return [(t.query, t.response) for t in turns]
        finally:
            await database.close()

    assert asyncio.run(history()) == [("q", "a")]


def test_replicas_starting_together_migrate_once(postgres: PostgresServer) -> None:
    url = postgres.create_database()

    async def body() -> list[str]:
        replicas = [Database(url) for _ in range(4)]
        try:
            return list(await asyncio.gather(*(r.prepare(migrate=True) for r in replicas)))
        finally:
            for replica in replicas:
                await replica.close()

    assert asyncio.run(body()) == [migrate.head()] * 4
    assert query(url, "SELECT version_num FROM alembic_version") == [(migrate.head(),)]


def test_without_migrate_on_start_an_old_schema_is_refused(database_url: str) -> None:
    async def body() -> None:
        database = Database(database_url)
        try:
            await database.prepare(migrate=False)
        finally:
            await database.close()

    with pytest.raises(DatabaseUnavailable, match="ols db upgrade"):
        asyncio.run(body())


def test_a_password_in_the_url_shows_nowhere(
    postgres: PostgresServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cret-Pa55word"
    wrong = postgres.url("postgres").replace(postgres.password, secret)
    database = Database(wrong)
    assert secret not in str(database) and "***" in str(database)

    async def body() -> None:
        try:
            await database.prepare(migrate=True)
        finally:
            await database.close()

    with pytest.raises(DatabaseUnavailable) as refused:
        asyncio.run(body())
    assert secret not in str(refused.value) and "***" in str(refused.value)
    assert refused.value.__suppress_context__

    with pytest.raises(ConfigurationError) as unsupported:
        database_url(f"mysql://ols:{secret}@db/ols")
    assert secret not in str(unsupported.value) and "not run" in str(unsupported.value)

    config = tmp_path / "ols.yaml"
    config.write_text(f"database:\n  url: oracle://ols:{secret}@db/ols\n")
    with pytest.raises(ConfigurationError) as refused_config:
        load_config(config)
    assert "database.url" in str(refused_config.value)
    assert secret not in str(refused_config.value)

    install_log_scrubbing()  # a library that logs the URL anyway
    logging.getLogger("sqlalchemy.engine").warning("connecting to %s", wrong)
    assert wrong.split("@")[1] in caplog.text
    assert secret not in caplog.text
