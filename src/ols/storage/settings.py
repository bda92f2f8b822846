"""The `database` settings: which database, and whether ols migrates it at start."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from ols.errors import ConfigurationError
from ols.storage.database import database_url


class DatabaseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # sqlite:///PATH for one process; postgresql+asyncpg://USER:PASSWORD@HOST:5432/DB where
    # several replicas share state. $OLS_DATABASE_URL wins (a Secret, in a deployment).
    url: str = "sqlite:///ols.sqlite3"
    # Upgrade the schema at start (under a PostgreSQL advisory lock, so replicas starting
    # together do not race). false: only check it is current; `ols db upgrade` migrates.
    migrate_on_start: bool = True

    @field_validator("url")
    @classmethod
    def _supported(cls, url: str) -> str:
        try:
            database_url(url)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
        return url
