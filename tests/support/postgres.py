"""A throwaway PostgreSQL server for the tests: initdb in a private temporary directory,
listening on a free loopback port, with a password-protected superuser (so URLs carry a
password, as in production). Run as an unprivileged user when the tests run as root, since
postgres refuses to run as root.

`make test` installs PostgreSQL from Debian's packages when it is missing; a PostgreSQL
that cannot start fails the tests that need it with the reason (nothing is skipped).
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

SUPERUSER = "ols"
HELP = (
    "the PostgreSQL tests need PostgreSQL's server binaries (initdb, pg_ctl): `make test` "
    "installs Debian's postgresql package when they are missing; or set OLS_TEST_PG_BIN to "
    "the directory that holds them"
)


class PostgresUnavailable(RuntimeError):
    pass


def server_binaries() -> Path:
    """The directory with initdb and pg_ctl: $OLS_TEST_PG_BIN, Debian's newest
    /usr/lib/postgresql/N/bin, or PATH."""
    configured = os.environ.get("OLS_TEST_PG_BIN")
    candidates = [configured] if configured else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )[::-1]
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    for directory in candidates:
        if (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    raise PostgresUnavailable(f"no PostgreSQL server binaries found; {HELP}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    root: Path
    port: int
    password: str
    bin_dir: Path
    _run_as: tuple[int, int] | None
    _databases: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str, *, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "ols") -> str:
        """A new empty database; its URL."""
        name = f"{prefix}_{secrets.token_hex(4)}"
        self.execute("postgres", f'CREATE DATABASE "{name}"')
        self._databases.append(name)
        return self.url(name)

    def execute(self, database: str, statement: str) -> None:
        async def run() -> None:
            connection = await asyncpg.connect(
                host="127.0.0.1",
                port=self.port,
                user=SUPERUSER,
                password=self.password,
                database=database,
            )
            try:
                await connection.execute(statement)
            finally:
                await connection.close()

        asyncio.run(run())

    def contents(self) -> str:
        """Every row of every table of every database made here, as text, and the server
        log: what a scan for leaked secrets reads."""

        async def dump(database: str) -> list[str]:
            connection = await asyncpg.connect(
                host="127.0.0.1",
                port=self.port,
                user=SUPERUSER,
                password=self.password,
                database=database,
            )
            try:
                tables = await connection.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
                rows: list[str] = []
                for table in tables:
                    statement = f'SELECT t::text FROM "{table["tablename"]}" t'  # noqa: S608  # a name from pg_tables
                    rows += [r[0] for r in await connection.fetch(statement)]
                return rows
            finally:
                await connection.close()

        texts = [line for name in self._databases for line in asyncio.run(dump(name))]
        log = self.root / "server.log"
        return "\n".join([*texts, log.read_text() if log.exists() else ""])

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        ids = self._run_as
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
            user=ids[0] if ids else None,
            group=ids[1] if ids else None,
            cwd=self.root,
        )

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = server_binaries()
        run_as: tuple[int, int] | None = None
        if os.geteuid() == 0:
            name = "postgres"
            try:
                account = pwd.getpwnam(name)
            except KeyError:
                account = pwd.getpwnam("nobody")
            run_as = (account.pw_uid, account.pw_gid)
        root = Path(tempfile.mkdtemp(prefix="ols-test-pg-"))
        if run_as:
            os.chown(root, *run_as)
        server = cls(root, _free_port(), secrets.token_urlsafe(16), bin_dir, run_as)
        password_file = root / "password"
        password_file.write_text(server.password + "\n")
        if run_as:
            os.chown(password_file, *run_as)
        try:
            server._pg(
                "initdb",
                "--pgdata",
                str(server.data_dir),
                "--username",
                SUPERUSER,
                "--pwfile",
                str(password_file),
                "--auth-host",
                "scram-sha-256",
                "--auth-local",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--no-sync",
            )
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={server.port} "
                f"-c unix_socket_directories={root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            server._pg(
                "pg_ctl",
                "start",
                "--pgdata",
                str(server.data_dir),
                "--log",
                str(root / "server.log"),
                "--options",
                options,
                "--wait",
                "--timeout",
                "60",
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            log = root / "server.log"
            detail = getattr(exc, "stderr", "") or ""
            if log.exists():
                detail += "\n" + log.read_text()[-2000:]
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(f"PostgreSQL did not start ({exc}):\n{detail}") from exc
        finally:
            password_file.unlink(missing_ok=True)
        return server

    def stop(self) -> None:
        self._pg("pg_ctl", "stop", "--pgdata", str(self.data_dir), "--mode", "fast", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
