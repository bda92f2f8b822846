"""Reading and changing a test database behind the service's back, on SQLite or
PostgreSQL alike (SQL with :named parameters)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ols.storage.database import database_url


def query(url: str, statement: str, parameters: Mapping[str, Any] | None = None) -> list[Any]:
    """The rows of one statement, run in its own committed transaction."""

    async def run() -> list[Any]:
        engine = create_async_engine(database_url(url))
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), dict(parameters or {}))
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def as_json(value: Any) -> Any:
    """A JSON column's value as read with text(): a string on SQLite, decoded elsewhere."""
    return json.loads(value) if isinstance(value, str) else value
