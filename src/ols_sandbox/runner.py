"""`ols sandbox up`: build the world, serve the API over HTTPS, start kubernetes-mcp-server
beside it, write the state directory, and run until interrupted.

State directory contents (the contract other parts and external checks rely on):
- `kubeconfig-<user>` for every fixture user (server URL, the sandbox CA, that user's token);
- `sandbox.json`: `api_url`, `ca_file`, `users: {name: {token, username}}`, `invalid_token`,
  `mcp_url` (when the MCP server runs), `audit_log`, `flavour`;
- `ca.crt`, `audit.jsonl` (one line per API request), `mcp-server.toml`, `mcp-server.log`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trustme
import uvicorn

from ols.errors import OlsError
from ols.tools.kubeconfig import render_kubeconfig
from ols_sandbox.catalog import Catalog, Flavour
from ols_sandbox.fixtures import BOOTSTRAP_DIR, WORLD_DIR, FixtureError, Fixtures, load_fixtures
from ols_sandbox.mcp_sidecar import McpSidecar
from ols_sandbox.rbac import AUTHENTICATED, UserInfo
from ols_sandbox.server import AuditLog, Identities, SandboxApi
from ols_sandbox.store import Store


@dataclass(frozen=True)
class SandboxOptions:
    state_dir: Path
    port: int = 0
    flavour: Flavour = "openshift"
    fixtures: Sequence[Path] = ()
    default_world: bool = True
    start_mcp: bool = True


@dataclass
class Sandbox:
    """A built, not yet serving, sandbox: its store, identities and TLS material."""

    catalog: Catalog
    store: Store
    fixtures: Fixtures
    tokens: dict[str, str]  # user handle -> token
    identities: Identities
    invalid_token: str
    ca: trustme.CA = field(default_factory=trustme.CA)


def build_sandbox(options: SandboxOptions) -> Sandbox:
    """Load the fixtures into a fresh store. Raises FixtureError on a bad world."""
    paths = [BOOTSTRAP_DIR]
    if options.default_world:
        paths.append(WORLD_DIR)
    paths.extend(options.fixtures)
    fixtures = load_fixtures(paths, now=datetime.now(UTC))
    catalog = Catalog(options.flavour)
    store = Store()
    for obj in fixtures.objects:
        t = catalog.for_kind(obj["apiVersion"], obj["kind"])
        if t is None or t.virtual:
            raise FixtureError(
                f"{obj['kind']} {obj['metadata']['name']!r} ({obj['apiVersion']}) is not a kind "
                f"the sandbox stores in the {options.flavour} flavour; see docs/sandbox.md for "
                "the served kinds"
            )
        metadata = dict(obj["metadata"])
        metadata.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, _object_url(obj))))
        if "spec" in obj:
            metadata.setdefault("generation", 1)
        if t.namespaced:
            metadata.setdefault("namespace", "default")
        else:
            metadata.pop("namespace", None)
        store.put(t, {**obj, "metadata": metadata})
    tokens: dict[str, str] = {}
    by_token: dict[str, UserInfo] = {}
    for user in fixtures.users:
        token = user.token or f"sandbox-{secrets.token_urlsafe(24)}"
        tokens[user.name] = token
        groups = tuple(dict.fromkeys((*user.groups, AUTHENTICATED)))
        by_token[token] = UserInfo(user.username, user.uid, groups)
    return Sandbox(
        catalog=catalog,
        store=store,
        fixtures=fixtures,
        tokens=tokens,
        identities=Identities(by_token),
        invalid_token=f"sandbox-{secrets.token_urlsafe(24)}",
    )


def _object_url(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    return (
        f"ols-sandbox:{obj['apiVersion']}/{obj['kind']}/{meta.get('namespace', '')}/{meta['name']}"
    )


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: `run_sandbox` owns SIGINT and SIGTERM so that
    the MCP server is always stopped too."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _write_private(path: Path, text: str | bytes) -> None:
    """Write a file only its owner can read, atomically (readers never see half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode() if isinstance(text, str) else text)
    tmp.replace(path)


async def run_sandbox(options: SandboxOptions, sandbox: Sandbox) -> None:
    state = options.state_dir
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    ca_pem = sandbox.ca.cert_pem.bytes()
    _write_private(state / "ca.crt", ca_pem)
    server_cert = sandbox.ca.issue_cert("127.0.0.1", "localhost")
    _write_private(state / "server.crt", b"".join(b.bytes() for b in server_cert.cert_chain_pems))
    _write_private(state / "server.key", server_cert.private_key_pem.bytes())

    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it Nagle's algorithm adds ~40 ms to every response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", options.port))
    port = sock.getsockname()[1]
    api_url = f"https://127.0.0.1:{port}"

    audit = AuditLog(state / "audit.jsonl")
    app = SandboxApi(sandbox.catalog, sandbox.store, sandbox.fixtures, sandbox.identities, audit)
    config = uvicorn.Config(
        app,
        ssl_certfile=str(state / "server.crt"),
        ssl_keyfile=str(state / "server.key"),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    sidecar: McpSidecar | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the sandbox API server stopped during start-up")
            await asyncio.sleep(0.02)
        for name, token in sandbox.tokens.items():
            _write_private(
                state / f"kubeconfig-{name}",
                render_kubeconfig(api_url, ca_pem, user=name, token=token, cluster="sandbox"),
            )
        info: dict[str, Any] = {
            "api_url": api_url,
            "ca_file": str(state / "ca.crt"),
            "flavour": options.flavour,
            "users": {
                user.name: {
                    "token": sandbox.tokens[user.name],
                    "username": user.username,
                    "kubeconfig": str(state / f"kubeconfig-{user.name}"),
                }
                for user in sandbox.fixtures.users
            },
            "invalid_token": sandbox.invalid_token,
            "audit_log": str(audit.path),
        }
        if options.start_mcp:
            sidecar = McpSidecar(state)
            info["mcp_url"] = await sidecar.start(api_url, ca_pem)
        _write_private(state / "sandbox.json", json.dumps(info, indent=2) + "\n")
        mcp_note = f", mcp {info['mcp_url']}" if "mcp_url" in info else ""
        print(f"ols sandbox ready: api {api_url}{mcp_note}, state {state}", flush=True)
        stop_task = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        stop_task.cancel()
    finally:
        if sidecar is not None:
            await sidecar.stop()
        server.should_exit = True
        with contextlib.suppress(Exception):
            await serving
        audit.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def up(options: SandboxOptions) -> int:
    """Run the sandbox in the foreground; the exit status for the command line."""
    try:
        sandbox = build_sandbox(options)
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(run_sandbox(options, sandbox))
    except OlsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
