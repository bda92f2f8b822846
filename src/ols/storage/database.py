"""The database: one asyncio SQLAlchemy engine for every store, chosen by its URL.

`sqlite:///PATH` (the default, through aiosqlite) for one process: one connection, so the
process's transactions take turns and never meet SQLite's "database is locked".
`postgresql+asyncpg://...` where several replicas share state. Stores write their queries
as ordinary synchronous SQLAlchemy functions of a `Session`, and `Database.run` runs each
in one transaction on the event loop (`AsyncSession.run_sync`), so the same store code
serves both databases and never blocks the loop.

A URL's password never leaves this module: `str(database)` and every error show `***`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from ols.errors import ConfigurationError, DatabaseUnavailable

T = TypeVar("T")

# The URL's scheme -> the async driver ols runs it with.
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
_EXAMPLES = "sqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST:5432/DATABASE"


def database_url(text: str) -> URL:
    """The URL ols connects with: `sqlite://` and `postgresql://` get their async driver;
    other drivers are refused (the message never shows the password)."""
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise ConfigurationError(
            f"the database URL is not a URL SQLAlchemy understands; use {_EXAMPLES}"
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise ConfigurationError(
            f"the database URL {redacted(url)} names the driver {url.drivername!r}, which ols "
            f"does not run; use {_EXAMPLES}"
        )
    return url.set(drivername=driver)


def redacted(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    # SQLite keeps no time zone; every time stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Database:
    def __init__(self, url: str) -> None:
        self.url = database_url(url)
        sqlite = self.url.get_backend_name() == "sqlite"
        in_memory = self.url.database in (None, "", ":memory:")  # a static pool already
        pool: dict[str, Any] = (
            {"pool_size": 1, "max_overflow": 0} if sqlite and not in_memory else {}
        )
        # A ping before every transaction finds a PostgreSQL connection the server dropped;
        # SQLite's one connection is a file handle that cannot go stale, so it skips the
        # ping (a round trip to aiosqlite's thread per transaction).
        self.engine: AsyncEngine = create_async_engine(self.url, pool_pre_ping=not sqlite, **pool)
        if sqlite:

            @event.listens_for(self.engine.sync_engine, "connect")
            def _pragma(dbapi_connection: Any, _: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=5000")
                cursor.close()

        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __str__(self) -> str:
        return redacted(self.url)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction (committed when it returns, rolled back if it
        raises)."""
        async with self._sessions.begin() as session:
            return await session.run_sync(work)

    async def prepare(self, *, migrate: bool) -> str:
        """Bring the schema to this version's head (`migrate`), or check that it is there;
        the revision it is at. DatabaseUnavailable, with the password hidden, otherwise."""
        from ols.storage import migrate as migrations

        try:
            if migrate:
                return (await migrations.upgrade(self.engine)).current
            current = await migrations.current(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            raise DatabaseUnavailable(
                f"cannot use the database {self}: {self.hide_password(exc)}; check "
                "database.url (or $OLS_DATABASE_URL) and that the server accepts connections"
            ) from None
        if current != migrations.head():
            raise DatabaseUnavailable(
                f"the database {self} is at schema revision {current or 'none'}, this version "
                f"needs {migrations.head()}; run `ols db upgrade` with the same configuration "
                "(or set database.migrate_on_start: true)"
            )
        return current

    def hide_password(self, error: BaseException) -> str:
        text = f"{type(error).__name__}: {error}"
        password = self.url.password
        return text.replace(str(password), "***") if password else text

    async def close(self) -> None:
        await self.engine.dispose()
