"""Schema migrations: Alembic, with its scripts shipped inside the package
(`ols/storage/migrations/`), so an installed ols can migrate its own database.

`ols serve` upgrades to the newest revision at start (unless `database.migrate_on_start`
is false) and `ols db upgrade` does it on demand. On PostgreSQL the whole upgrade runs in
one transaction holding an advisory lock, so replicas that start together take turns: the
first migrates, the others then find the schema current. A SQLite database made before
migrations existed (by `create_all`) is upgraded in place: the first revision creates only
the tables it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed 64-bit number, the same in every replica: "ols-mig" in ASCII.
ADVISORY_LOCK_KEY = 0x6F6C732D6D6967


@dataclass(frozen=True)
class Upgrade:
    before: str | None  # None: an empty database (or one from before migrations)
    current: str


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our scripts; `env.py` runs on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> Upgrade:
    if connection.dialect.name == "postgresql":
        # Held until this transaction commits: a second replica waits here, then reads
        # the revision the first one committed.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    before = _current(connection)
    command.upgrade(alembic_config(connection), "head")
    return Upgrade(before, head())


async def upgrade(engine: AsyncEngine) -> Upgrade:
    """Bring the schema to the newest revision, in one transaction."""
    async with engine.begin() as connection:
        return await connection.run_sync(_upgrade)


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None: not migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current)
