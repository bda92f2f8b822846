"""`ols db check` and `ols db upgrade` as an operator runs them: the URL from
$OLS_DATABASE_URL (a Secret, in a deployment), its password shown nowhere."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from ols.cli import app
from ols.storage.migrate import head
from tests.support.postgres import PostgresServer


def _db(command: str, url: str, config: Path) -> Result:
    return CliRunner().invoke(
        app, ["db", command, "--config", str(config)], env={"OLS_DATABASE_URL": url}
    )


def test_db_check_and_upgrade(postgres: PostgresServer, tmp_path: Path) -> None:
    url = postgres.create_database("cli")
    config = tmp_path / "ols.yaml"
    config.write_text("database:\n  url: sqlite:///never-used.sqlite3\n")

    check = _db("check", url, config)
    assert check.exit_code == 1
    assert "revision none" in check.stderr and "ols db upgrade" in check.stderr

    upgrade = _db("upgrade", url, config)
    assert upgrade.exit_code == 0, upgrade.output
    assert f"schema revision {head()}" in upgrade.stdout
    assert _db("check", url, config).exit_code == 0

    unreachable = _db("check", url.replace(f":{postgres.port}/", ":1/"), config)
    assert unreachable.exit_code == 1
    assert "cannot use the database" in unreachable.stderr
    for result in (check, upgrade, unreachable):
        assert postgres.password not in result.output
    assert not (tmp_path / "never-used.sqlite3").exists()
