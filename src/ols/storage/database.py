"""The database: one SQLAlchemy engine and declarative base for every store.

SQLite by default (a file; WAL so readers do not block the writer); PostgreSQL
(`postgresql+psycopg://...`) where several replicas share state. Stores use synchronous
SQLAlchemy in a worker thread, so the event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

T = TypeVar("T")


class Base(DeclarativeBase):
    pass


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    # SQLite keeps no time zone; every time stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Database:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":

            @event.listens_for(self.engine, "connect")
            def _pragma(dbapi_connection: Any, _: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=5000")
                cursor.close()

        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_tables(self, *models: type[Base]) -> None:
        """Create a store's tables if they do not exist yet."""
        Base.metadata.create_all(self.engine, tables=[m.__table__ for m in models])  # type: ignore[misc]  # Table, typed as FromClause

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction, in a worker thread."""

        def in_thread() -> T:
            with self._sessions.begin() as session:
                return work(session)

        return await asyncio.to_thread(in_thread)

    def close(self) -> None:
        self.engine.dispose()
