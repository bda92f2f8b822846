"""Per-call latency of one Kubernetes tool call, by every way ols (or its reference) can make it.

    .venv/bin/python bench/tool_latency.py [--calls N] [--warmup W] [--out PATH]

Starts its own sandbox cluster in a temporary directory and lists alice's pods in team-a N
times by each method, round-robin (each round calls every method once, starting one method
later than the round before), so machine noise lands on all methods alike:

  floor          GET /api/v1/namespaces/team-a/pods, keep-alive httpx2 client, alice's token
  ols-http       ols ToolManager -> kubernetes-mcp-server over streamable HTTP, warm session
  ols-stdio      ols ToolManager -> kubernetes-mcp-server over stdio, warm, back-to-back
  ols-stdio-paced  the same over its own stdio server, 0.3 s of sleep before each call
  reference      langchain-mcp-adapters as OpenShift Lightspeed uses it (new session a call),
                 in its own venv (bench/.venv-reference), one call per round via stdin
  kubectl        `kubectl get pods -n team-a` as a subprocess per call, discovery cached

Prints a table (median, p95, ratio of the median to the floor's, Kubernetes API requests per
call from the sandbox's audit log) and writes everything, samples included, as JSON.
bench/README.md says how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import platform
import queue
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

import httpx2
from common import ols_source, percentile, tool_version, write_results

from ols.auth.token import UserToken
from ols.config import OlsConfig
from ols.tools.kubeconfig import render_kubeconfig
from ols.tools.manager import ToolManager
from ols.tools.server_binary import find_server_binary
from ols.tools.server_config import ServerConfig

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "results" / "tool_latency.json"
REFERENCE_VENV = BENCH_DIR / ".venv-reference"
REFERENCE_REQUIREMENTS = BENCH_DIR / "reference-requirements.txt"
REFERENCE_CLIENT = BENCH_DIR / "reference_client.py"
REFERENCE_TOKEN_VARIABLE = "OLS_BENCH_TOKEN"  # noqa: S105 - a variable's name, not a secret

USER = "alice"
NAMESPACE = "team-a"
LOG_POD = "web-7d9c8b6f5d-4xk2p"
MCP_PROTOCOL_VERSION = "2025-11-25"


@dataclass(frozen=True)
class Operation:
    """One question, asked every way: the tool call and its API and kubectl equivalents."""

    key: str
    what: str
    tool: str
    arguments: dict[str, Any]
    api_path: str
    api_params: dict[str, str]
    kubectl_args: tuple[str, ...]


OPERATIONS = {
    "list": Operation(
        "list",
        f"{USER} lists the pods in {NAMESPACE}",
        "pods_list_in_namespace",
        {"namespace": NAMESPACE},
        f"/api/v1/namespaces/{NAMESPACE}/pods",
        {},
        ("get", "pods", "-n", NAMESPACE),
    ),
    "log": Operation(
        "log",
        f"{USER} reads the log of {LOG_POD} in {NAMESPACE}",
        "pods_log",
        {"namespace": NAMESPACE, "name": LOG_POD},
        f"/api/v1/namespaces/{NAMESPACE}/pods/{LOG_POD}/log",
        {"tailLines": "100"},  # kubernetes-mcp-server's default tail
        ("logs", LOG_POD, "-n", NAMESPACE, "--tail", "100"),
    ),
}

SANDBOX_START_TIMEOUT_S = 90.0
STDIO_PACE_S = 0.3
# A stdio call at least this slow waited for client-go's rate limiter (5 QPS, burst 10: an
# unthrottled call takes a few ms, a throttled one ~200 ms).
THROTTLED_MS = 100.0
MAX_DRAIN_CALLS = 15

STDIO_NOTE = (
    "kubernetes-mcp-server over stdio keeps one client for its kubeconfig, with client-go's "
    "default client-side rate limit (5 requests/s, burst 10), so sustained calls are held to "
    "5 a second (~200 ms each) once the burst is used. 'ols-stdio' is that sustained "
    "back-to-back case: before each timed call it makes untimed calls back-to-back until one "
    "is throttled, then the timed call follows at once, as every call after the 10th in a "
    "tight loop does. 'ols-stdio-paced' is its own stdio server with 0.3 s of untimed sleep "
    "before each call, so the limiter never bites: that is the transport's own cost. (Over "
    "HTTP the server builds a new client, so a new limiter, for every call.)"
)


# ---- the sandbox ---------------------------------------------------------------------


@dataclass
class Sandbox:
    state_dir: Path
    info: dict[str, Any]
    process: subprocess.Popen[str]

    @property
    def token(self) -> str:
        return str(self.info["users"][USER]["token"])

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / f"kubeconfig-{USER}"

    @classmethod
    def start(cls, state_dir: Path) -> Sandbox:
        """`ols sandbox up` in the foreground, as a user runs it; returns once it is ready."""
        log = (state_dir.parent / "sandbox.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "ols", "sandbox", "up", "--state-dir", str(state_dir)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:  # keeps reading, so the pipe never fills
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + SANDBOX_START_TIMEOUT_S
        try:
            while True:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
                if line is None:
                    stderr = (state_dir.parent / "sandbox.log").read_text()[-2000:]
                    raise RuntimeError(f"ols sandbox up exited before it was ready:\n{stderr}")
                if "ready" in line:
                    break
        except queue.Empty:
            process.kill()
            process.wait()
            raise RuntimeError("ols sandbox up did not print its ready line in time") from None
        info = json.loads((state_dir / "sandbox.json").read_text())
        return cls(state_dir, info, process)

    def stop(self) -> None:
        self.process.terminate()  # SIGTERM
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class AuditTail:
    """The sandbox's audit log (one line per API request, written before the response goes
    out), read from where it was when this was made."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open(encoding="utf-8")
        self._file.seek(0, os.SEEK_END)
        self._partial = ""

    def take(self) -> list[dict[str, Any]]:
        """The requests logged since the last call."""
        data = self._partial + self._file.read()
        *complete, self._partial = data.split("\n")
        return [json.loads(line) for line in complete if line.strip()]

    def close(self) -> None:
        self._file.close()


# ---- the methods ---------------------------------------------------------------------


class Unavailable(Exception):
    """A method that cannot be measured on this machine; the run goes on without it."""


@dataclass
class Sample:
    ms: float
    ok: bool
    text: str
    error: str | None = None


class Method:
    """One way of making the call; subclasses define `call`."""

    key: str
    label: str
    diagnostic = False  # not one of the compared methods: printed below the line
    transport: str | None = None  # "http" or "stdio": compared with that transport's MCP floor

    async def start(self) -> None:
        """Set up once, before the warm-up."""

    async def prepare(self) -> None:
        """Untimed work right before each timed call."""

    async def call(self) -> Sample:
        """One timed call."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Tear down once."""

    def extra(self) -> dict[str, Any]:
        """Method-specific facts for the JSON results."""
        return {}


class Floor(Method):
    key = "floor"
    label = "floor: direct API GET, httpx2 keep-alive"

    def __init__(self, api_url: str, ca_file: str, token: str, op: Operation) -> None:
        self.op = op
        self.client = httpx2.Client(
            base_url=api_url,
            verify=ssl.create_default_context(cafile=ca_file),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    async def call(self) -> Sample:
        started = time.perf_counter()
        response = self.client.get(self.op.api_path, params=self.op.api_params)
        ms = (time.perf_counter() - started) * 1000
        ok = response.status_code == 200
        return Sample(ms, ok, response.text, None if ok else f"HTTP {response.status_code}")

    async def stop(self) -> None:
        self.client.close()


class OlsTools(Method):
    """The ols tool layer: one ToolManager for the whole run, so sessions stay warm."""

    def __init__(self, key: str, label: str, config: OlsConfig, token: str, op: Operation) -> None:
        self.key = key
        self.label = label
        self.op = op
        self.transport = "http" if config.mcp_servers[0].transport != "stdio" else "stdio"
        self.manager = ToolManager(config)
        self.token = UserToken(token)

    async def _call(self) -> Sample:
        started = time.perf_counter()
        result = await self.manager.call_tool(self.token, self.op.tool, dict(self.op.arguments))
        ms = (time.perf_counter() - started) * 1000
        error = None if result.ok else f"{result.error}: {result.text[:300]}"
        return Sample(ms, result.ok, result.text, error)

    async def call(self) -> Sample:
        return await self._call()

    async def stop(self) -> None:
        await self.manager.close()


class OlsStdioBackToBack(OlsTools):
    """Before each timed call, untimed calls back-to-back until one is throttled."""

    def __init__(self, key: str, label: str, config: OlsConfig, token: str, op: Operation) -> None:
        super().__init__(key, label, config, token, op)
        self.drain_calls = 0
        self.prepares = 0
        self.never_throttled = 0

    async def prepare(self) -> None:
        self.prepares += 1
        for _ in range(MAX_DRAIN_CALLS):
            self.drain_calls += 1
            if (await self._call()).ms >= THROTTLED_MS:
                return
        self.never_throttled += 1

    def extra(self) -> dict[str, Any]:
        return {
            "untimed_drain_calls": self.drain_calls,
            "timed_calls_not_preceded_by_a_throttled_call": self.never_throttled,
        }


class OlsStdioPaced(OlsTools):
    async def prepare(self) -> None:
        await asyncio.sleep(STDIO_PACE_S)

    def extra(self) -> dict[str, Any]:
        return {"untimed_sleep_before_each_call_s": STDIO_PACE_S}


class Reference(Method):
    """bench/reference_client.py in its own venv, asked for one call at a time on stdin; the
    latency is the one it measures around `tool.ainvoke`."""

    key = "reference"
    label = "reference: langchain-mcp-adapters, session per call"
    transport = "http"

    def __init__(
        self, python: Path, mcp_url: str, token: str, total: int, log: Path, op: Operation
    ) -> None:
        self.op = op
        self.python = python
        self.mcp_url = mcp_url
        self.token = token
        self.total = total
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.ready: dict[str, Any] = {}

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env[REFERENCE_TOKEN_VARIABLE] = self.token
        with self.log.open("w") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                str(self.python),
                str(REFERENCE_CLIENT),
                "--url",
                self.mcp_url,
                "--count",
                str(self.total),
                "--tool",
                self.op.tool,
                "--arguments",
                json.dumps(self.op.arguments),
                "--stepwise",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                env=env,
            )
        self.ready = await self._read(60)
        if self.ready.get("event") != "ready":
            raise Unavailable(f"the reference client did not start: {self.ready}")

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        except TimeoutError:
            raise Unavailable(f"the reference client said nothing for {timeout:g} s") from None
        if not line:
            tail = self.log.read_text()[-600:].strip() if self.log.exists() else ""
            raise Unavailable(f"the reference client exited: {tail or 'no output'}")
        try:
            message: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            raise Unavailable(f"the reference client printed {line[:200]!r}") from None
        return message

    async def call(self) -> Sample:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(b"1\n")
        await self.process.stdin.drain()
        message = await self._read(120)
        if message.get("event") != "call":
            raise Unavailable(f"the reference client answered {message}")
        return Sample(
            float(message["ms"]), bool(message["ok"]), str(message["text"]), message["error"]
        )

    async def stop(self) -> None:
        if self.process is None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def extra(self) -> dict[str, Any]:
        return {
            "get_tools_ms_once": self.ready.get("get_tools_ms"),
            "versions": self.ready.get("versions", {}),
            "interleaving": "one call per round, asked for on stdin; timed inside the client",
        }


class ApiReplay(Floor):
    """Diagnostic: the GET requests one ols-http call makes of the API (as the audit log
    shows them: discovery, then the list), replayed in order on a keep-alive client."""

    key = "api-replay"
    diagnostic = True

    def __init__(
        self, api_url: str, ca_file: str, token: str, paths: list[str], op: Operation
    ) -> None:
        super().__init__(api_url, ca_file, token, op)
        self.paths = paths
        self.label = f"diagnostic: ols-http's {len(paths)} API GETs replayed"

    async def call(self) -> Sample:
        started = time.perf_counter()
        responses = [self.client.get(path) for path in self.paths]
        ms = (time.perf_counter() - started) * 1000
        bad = [f"{r.url.path}: HTTP {r.status_code}" for r in responses if r.status_code != 200]
        return Sample(ms, not bad, responses[-1].text, "; ".join(bad) or None)

    def extra(self) -> dict[str, Any]:
        return {"paths": self.paths, "note": "the POST (SelfSubjectAccessReview) is left out"}


class Kubectl(Method):
    key = "kubectl"

    def __init__(self, kubectl: str, kubeconfig: Path, cache_dir: Path, op: Operation) -> None:
        self.label = f"kubectl {' '.join(op.kubectl_args[:2])}, subprocess per call"
        self.argv = [kubectl, *op.kubectl_args, "--kubeconfig", str(kubeconfig)]
        self.env = {**os.environ, "KUBECACHEDIR": str(cache_dir)}
        self.env.pop("KUBECONFIG", None)

    async def call(self) -> Sample:
        started = time.perf_counter()
        done = subprocess.run(
            self.argv, capture_output=True, text=True, env=self.env, timeout=60, check=False
        )
        ms = (time.perf_counter() - started) * 1000
        ok = done.returncode == 0
        return Sample(ms, ok, done.stdout, None if ok else done.stderr.strip()[:300])

    def extra(self) -> dict[str, Any]:
        return {"discovery_cache": "KUBECACHEDIR in a temporary directory, warmed up"}


def _jsonrpc(id_: int | None, method: str, params: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
    if id_ is not None:
        message["id"] = id_
    return message


INITIALIZE_PARAMS = {
    "protocolVersion": MCP_PROTOCOL_VERSION,
    "capabilities": {},
    "clientInfo": {"name": "ols-bench-bare", "version": "0"},
}


def _call_result(message: dict[str, Any]) -> Sample:
    """A `tools/call` response as a sample (ms filled in by the caller)."""
    if "error" in message:
        return Sample(0.0, False, "", f"JSON-RPC error {message['error']}")
    result = message.get("result") or {}
    text = "\n".join(
        str(block.get("text", ""))
        for block in result.get("content") or []
        if isinstance(block, dict)
    )
    failed = bool(result.get("isError"))
    return Sample(0.0, not failed, text, text[:300] if failed else None)


class BareMcpHttp(Method):
    """The MCP floor over HTTP: JSON-RPC POSTs with no MCP library, on one initialized
    session and one keep-alive connection (what any client must at least do)."""

    key = "mcp-http-bare"
    label = "MCP floor: raw JSON-RPC over HTTP, one session"
    transport = "http"

    def __init__(self, url: str, token: str, op: Operation) -> None:
        self.url = url
        self.op = op
        self.next_id = 0
        self.client = httpx2.Client(
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json, text/event-stream",
                "Content-Type": "application/json",
            },
            timeout=60,
        )

    def _post(self, message: dict[str, Any]) -> tuple[httpx2.Response, dict[str, Any] | None]:
        response = self.client.post(self.url, content=json.dumps(message))
        if response.status_code == 202 or not response.content:
            return response, None
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            for line in response.text.splitlines():
                if line.startswith("data:"):
                    data: dict[str, Any] = json.loads(line[5:])
                    if "id" in data:
                        return response, data
            return response, None
        return response, response.json()

    async def start(self) -> None:
        self.next_id += 1
        response, _ = self._post(_jsonrpc(self.next_id, "initialize", INITIALIZE_PARAMS))
        session = response.headers.get("mcp-session-id")
        if response.status_code != 200 or not session:
            raise Unavailable(f"initialize answered HTTP {response.status_code}")
        self.client.headers["Mcp-Session-Id"] = session
        self.client.headers["Mcp-Protocol-Version"] = MCP_PROTOCOL_VERSION
        self._post(_jsonrpc(None, "notifications/initialized", {}))

    async def call(self) -> Sample:
        self.next_id += 1
        message = _jsonrpc(
            self.next_id, "tools/call", {"name": self.op.tool, "arguments": self.op.arguments}
        )
        started = time.perf_counter()
        response, data = self._post(message)
        ms = (time.perf_counter() - started) * 1000
        if data is None:
            return Sample(ms, False, "", f"HTTP {response.status_code}, no JSON-RPC response")
        sample = _call_result(data)
        sample.ms = ms
        return sample

    async def stop(self) -> None:
        self.client.close()


class _StdioServer:
    """kubernetes-mcp-server over stdio, spoken to in raw JSON-RPC lines; started as ols
    starts it (ols's generated configuration, a kubeconfig with the user's token)."""

    def __init__(
        self, binary: Path, workdir: Path, api_url: str, ca_pem: bytes, token: str
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        kubeconfig = workdir / "kubeconfig"
        kubeconfig.write_text(render_kubeconfig(api_url, ca_pem, user="bench", token=token))
        kubeconfig.chmod(0o600)
        config = workdir / "mcp-server.toml"
        config.write_text(ServerConfig("stdio", kubeconfig=kubeconfig).render())
        self.argv = [str(binary), "--config", str(config)]
        self.env = {"PATH": os.environ.get("PATH", ""), "HOME": str(workdir)}
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.next_id = 0

    def open(self) -> None:
        with (self.workdir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=self.env
            )
        self.request("initialize", INITIALIZE_PARAMS)
        self.notify("notifications/initialized")

    def notify(self, method: str) -> None:
        self._write(_jsonrpc(None, method, {}))

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        self._write(_jsonrpc(self.next_id, method, params))
        assert self.process is not None and self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise Unavailable("kubernetes-mcp-server (stdio) exited")
            message: dict[str, Any] = json.loads(line)
            if message.get("id") == self.next_id:
                return message

    def _write(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process is None:
            return
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class BareMcpStdioPaced(Method):
    """The MCP floor over stdio: raw JSON-RPC lines to one warm server, paced like
    ols-stdio-paced so client-go's rate limiter never bites."""

    key = "mcp-stdio-bare"
    label = f"MCP floor: raw JSON-RPC over stdio, warm, paced {STDIO_PACE_S:g} s"
    transport = "stdio"

    def __init__(self, server: _StdioServer, op: Operation) -> None:
        self.server = server
        self.op = op

    async def start(self) -> None:
        self.server.open()

    async def prepare(self) -> None:
        await asyncio.sleep(STDIO_PACE_S)

    async def call(self) -> Sample:
        started = time.perf_counter()
        message = self.server.request(
            "tools/call", {"name": self.op.tool, "arguments": self.op.arguments}
        )
        ms = (time.perf_counter() - started) * 1000
        sample = _call_result(message)
        sample.ms = ms
        return sample

    async def stop(self) -> None:
        self.server.close()


class StdioProcessPerCall(Method):
    """A new kubernetes-mcp-server process for every call (start, initialize, call, exit):
    what a client that keeps no session pays over stdio."""

    key = "stdio-process-per-call"
    label = "stdio, new server process per call"
    transport = "stdio"

    def __init__(self, server: _StdioServer, op: Operation) -> None:
        self.server = server
        self.op = op

    async def call(self) -> Sample:
        started = time.perf_counter()
        try:
            self.server.open()
            message = self.server.request(
                "tools/call", {"name": self.op.tool, "arguments": self.op.arguments}
            )
        finally:
            self.server.close()
        ms = (time.perf_counter() - started) * 1000
        sample = _call_result(message)
        sample.ms = ms
        return sample


# ---- the reference venv --------------------------------------------------------------


def _failure_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or ["no output"])[-1][:300]


def ensure_reference_venv(python: str) -> tuple[Path | None, str | None]:
    """bench/.venv-reference with the pinned requirements: (its python, None), or (None, why
    it could not be had). Rebuilt when the requirements file changes."""
    venv_python = REFERENCE_VENV / "bin" / "python"
    stamp = REFERENCE_VENV / ".requirements.sha256"
    digest = hashlib.sha256(REFERENCE_REQUIREMENTS.read_bytes()).hexdigest()
    if venv_python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return venv_python, None
    print(f"building {REFERENCE_VENV} (pinned, from PyPI) ...")
    shutil.rmtree(REFERENCE_VENV, ignore_errors=True)
    steps = [
        [python, "-m", "venv", str(REFERENCE_VENV)],
        [str(venv_python), "-m", "pip", "install", "--quiet", "-r", str(REFERENCE_REQUIREMENTS)],
    ]
    for argv in steps:
        what = " ".join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv[:4]))
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
        except FileNotFoundError:
            return None, f"{argv[0]} not found"
        except subprocess.TimeoutExpired:
            return None, f"`{what}` took longer than 15 minutes"
        if done.returncode != 0:
            return None, f"`{what}` failed: {_failure_line(done.stderr + done.stdout)}"
    stamp.write_text(digest + "\n")
    return venv_python, None


# ---- measuring -----------------------------------------------------------------------


@dataclass
class Record:
    method: Method
    samples_ms: list[float] = field(default_factory=list)
    api_requests: list[int] = field(default_factory=list)
    example_paths: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unavailable: str | None = None


async def measure(
    methods: list[Method], warmup: int, calls: int, audit: AuditTail, expected: list[str]
) -> list[Record]:
    records = [Record(m) for m in methods]
    started = time.monotonic()
    for round_ in range(warmup + calls):
        timed = round_ >= warmup
        shift = round_ % len(records)
        for record in records[shift:] + records[:shift]:
            if record.unavailable:
                continue
            method = record.method
            try:
                await method.prepare()
                audit.take()
                sample = await method.call()
            except Unavailable as exc:
                record.unavailable = str(exc)
                continue
            # alice's only: the HTTP server's own credential-less polls are not the call's
            requests = [r for r in audit.take() if r.get("user") == USER]
            missing = [n for n in expected if n not in sample.text]
            if sample.ok and missing:
                sample.ok, sample.error = False, f"missing from the output: {missing}"
            if not timed:
                continue
            if not sample.ok:
                record.errors.append(sample.error or "failed")
                continue
            record.samples_ms.append(sample.ms)
            record.api_requests.append(len(requests))
            if not record.example_paths:
                record.example_paths = [f"{r['method']} {r['path']}" for r in requests]
        done = round_ + 1
        if done % 25 == 0 or done == warmup:
            phase = "warm-up" if done <= warmup else f"{done - warmup}/{calls}"
            print(f"  round {done}/{warmup + calls} ({phase}), {time.monotonic() - started:.0f} s")
    return records


def _median(records: list[Record], key: str) -> float:
    record = next((r for r in records if r.method.key == key and r.samples_ms), None)
    return statistics.median(record.samples_ms) if record else math.nan


MCP_FLOORS = {"http": "mcp-http-bare", "stdio": "mcp-stdio-bare"}


def summarise(records: list[Record]) -> list[dict[str, Any]]:
    floor_median = _median(records, "floor")
    rows = []
    for record in records:
        method = record.method
        row: dict[str, Any] = {
            "key": method.key,
            "label": method.label,
            "diagnostic": method.diagnostic,
            "transport": method.transport,
            "available": record.unavailable is None or bool(record.samples_ms),
            "unavailable_reason": record.unavailable,
            "calls_ok": len(record.samples_ms),
            "calls_failed": len(record.errors),
            "errors": sorted(Counter(record.errors).items(), key=lambda kv: -kv[1])[:5],
        }
        if record.samples_ms:
            values = record.samples_ms
            median = statistics.median(values)
            mcp_floor = (
                _median(records, MCP_FLOORS[method.transport]) if method.transport else math.nan
            )
            row.update(
                median_ms=round(median, 3),
                p95_ms=round(percentile(values, 95), 3),
                min_ms=round(min(values), 3),
                max_ms=round(max(values), 3),
                mean_ms=round(statistics.fmean(values), 3),
                ratio_to_floor=round(median / floor_median, 2),
                ratio_to_mcp_floor=None if math.isnan(mcp_floor) else round(median / mcp_floor, 2),
                api_requests_per_call_median=statistics.median(record.api_requests),
                api_requests_per_call_counts=dict(Counter(record.api_requests)),
                api_requests_example=record.example_paths,
                samples_ms=[round(v, 3) for v in values],
            )
        row.update(method.extra())
        rows.append(row)
    return rows


TARGETS = [
    # (what, numerator, denominator, bound, "max" | "min")
    (
        "ols over HTTP within 1.3x of the bare MCP call over HTTP",
        "ols-http",
        "mcp-http-bare",
        1.3,
        "max",
    ),
    (
        "ols over stdio within 1.3x of the bare MCP call over stdio",
        "ols-stdio-paced",
        "mcp-stdio-bare",
        1.3,
        "max",
    ),
    (
        "langchain-mcp-adapters at least 3x slower than ols over HTTP",
        "reference",
        "ols-http",
        3.0,
        "min",
    ),
    (
        "a process per call at least 10x slower than ols over stdio",
        "stdio-process-per-call",
        "ols-stdio-paced",
        10.0,
        "min",
    ),
]


def check_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    medians = {r["key"]: r["median_ms"] for r in rows if "median_ms" in r}
    checks = []
    for what, top, bottom, bound, kind in TARGETS:
        if top not in medians or bottom not in medians:
            checks.append({"target": what, "ratio": None, "met": None})
            continue
        ratio = round(medians[top] / medians[bottom], 2)
        met = ratio <= bound if kind == "max" else ratio >= bound
        checks.append({"target": what, "ratio": ratio, "met": met})
    return checks


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["label"]) for r in rows) + 2
    header = (
        f"{'method':<{width}}{'median ms':>10}{'p95 ms':>10}{'x API':>7}{'x MCP':>7}{'API req':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if row.get("diagnostic") and "median_ms" in row:
            print("-" * len(header))
        if "median_ms" not in row:
            reason = row["unavailable_reason"] or "every call failed"
            print(f"{row['key']}: unavailable ({reason})")
            continue
        print(
            f"{row['label']:<{width}}{row['median_ms']:>10.1f}{row['p95_ms']:>10.1f}"
            f"{row['ratio_to_floor']:>7.1f}{_ratio(row['ratio_to_mcp_floor']):>7}"
            f"{row['api_requests_per_call_median']:>9g}"
        )
    for row in rows:
        if row["calls_failed"]:
            print(f"{row['key']}: {row['calls_failed']} failed calls, e.g. {row['errors'][0][0]}")
        if row["unavailable_reason"] and "median_ms" in row:
            print(f"{row['key']}: stopped part-way ({row['unavailable_reason']})")


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Tool-call latency, {results['finished_at']}",
        "",
        f"{results['calls_per_method']} calls per method after {results['warmup_rounds']} "
        "warm-up rounds, round-robin; ms; x API = median / the direct API GET's median; "
        "x MCP = median / the bare JSON-RPC call's median on the same transport.",
    ]
    for op in results["operations"].values():
        lines += [
            "",
            f"## {op['what']}",
            "",
            "| method | median ms | p95 ms | x API | x MCP | API req |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in op["methods"]:
            if "median_ms" not in row:
                lines.append(f"| {row['key']} | unavailable: {row['unavailable_reason']} | | | | |")
                continue
            lines.append(
                f"| {row['label']} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | "
                f"{row['ratio_to_floor']:.1f} | {_ratio(row['ratio_to_mcp_floor'])} | "
                f"{row['api_requests_per_call_median']:g} |"
            )
        lines += ["", "| target | ratio | met |", "|---|---:|---|"]
        for check in op["targets"]:
            met = {True: "yes", False: "**no**", None: "not measured"}[check["met"]]
            lines.append(f"| {check['target']} | {_ratio(check['ratio'])} | {met} |")
    return "\n".join(lines) + "\n"


def tool_config(transport: str, sandbox: Sandbox) -> OlsConfig:
    server: dict[str, Any] = {"name": "kubernetes", "transport": transport}
    if transport == "streamable_http":
        server.update(url=sandbox.info["mcp_url"], headers={"Authorization": "kubernetes"})
    cluster = {"api_url": sandbox.info["api_url"], "ca_file": sandbox.info["ca_file"]}
    return OlsConfig.model_validate({"mcp_servers": [server], "cluster": cluster})


async def measure_operation(
    op: Operation,
    args: argparse.Namespace,
    sandbox: Sandbox,
    workdir: Path,
    reference_python: Path | None,
    reference_reason: str | None,
) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    info = sandbox.info
    token = sandbox.token
    floor = Floor(info["api_url"], info["ca_file"], token, op)
    first = floor.client.get(op.api_path, params=op.api_params)
    first.raise_for_status()
    if op.key == "list":
        expected = [item["metadata"]["name"] for item in first.json()["items"]]
    else:
        expected = [line for line in first.text.splitlines() if line.strip()][-1:]
    if not expected:
        raise RuntimeError(f"nothing to measure: {op.what} gives an empty answer")
    binary = find_server_binary()
    ca_pem = Path(info["ca_file"]).read_bytes()

    def stdio_server(name: str) -> _StdioServer:
        return _StdioServer(binary, workdir / name, info["api_url"], ca_pem, token)

    stdio = tool_config("stdio", sandbox)
    methods: list[Method] = [
        floor,
        BareMcpHttp(info["mcp_url"], token, op),
        OlsTools(
            "ols-http",
            "ols tool layer, streamable HTTP, warm",
            tool_config("streamable_http", sandbox),
            token,
            op,
        ),
        BareMcpStdioPaced(stdio_server("bare-stdio"), op),
        OlsStdioPaced(
            "ols-stdio-paced",
            f"ols tool layer, stdio, warm, paced {STDIO_PACE_S:g} s",
            stdio,
            token,
            op,
        ),
        OlsStdioBackToBack(
            "ols-stdio", "ols tool layer, stdio, warm, back-to-back", stdio, token, op
        ),
        StdioProcessPerCall(stdio_server("process-per-call"), op),
    ]
    unavailable: dict[str, str] = {}
    if reference_python is not None:
        methods.append(
            Reference(
                reference_python,
                info["mcp_url"],
                token,
                args.warmup + args.calls,
                workdir / "reference.log",
                op,
            )
        )
    else:
        unavailable["reference"] = reference_reason or "unknown"
    kubectl = shutil.which("kubectl")
    if kubectl:
        methods.append(Kubectl(kubectl, sandbox.kubeconfig, workdir / "kubecache", op))
    else:
        unavailable["kubectl"] = "kubectl is not on PATH"

    started: list[Method] = []
    for method in list(methods):
        try:
            await method.start()
            started.append(method)
        except Unavailable as exc:
            unavailable[method.key] = str(exc)
            await method.stop()
            methods.remove(method)
    audit = AuditTail(Path(info["audit_log"]))
    http = next((m for m in methods if m.key == "ols-http"), None)
    if http is not None:  # which API requests one ols-http call makes, for the replay
        audit.take()
        await http.call()
        gets = [r["path"] for r in audit.take() if r["method"] == "GET"]
        if gets and gets[-1] == op.api_path:
            methods.append(ApiReplay(info["api_url"], info["ca_file"], token, gets, op))
    print(
        f"{op.what}: measuring {', '.join(m.key for m in methods)}: {args.warmup} warm-up "
        f"rounds, then {args.calls} rounds (round-robin)"
    )
    try:
        records = await measure(methods, args.warmup, args.calls, audit, expected)
    finally:
        audit.close()
        for method in started:
            await method.stop()

    rows = summarise(records)
    for key, reason in unavailable.items():
        rows.append(
            {
                "key": key,
                "label": key,
                "available": False,
                "unavailable_reason": reason,
                "calls_ok": 0,
                "calls_failed": 0,
                "errors": [],
                "diagnostic": False,
                "transport": None,
            }
        )
    rows.sort(key=lambda row: bool(row["diagnostic"]))  # the diagnostic row last
    return {
        "what": op.what,
        "tool": op.tool,
        "arguments": op.arguments,
        "methods": rows,
        "targets": check_targets(rows),
    }


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    reference_python: Path | None = None
    reference_reason: str | None = "skipped (--no-reference)"
    if not args.no_reference:
        reference_python, reference_reason = ensure_reference_venv(args.reference_python)

    print("starting the sandbox ...")
    sandbox = Sandbox.start(workdir / "state")
    operations: dict[str, Any] = {}
    try:
        for key in args.operation:
            operations[key] = await measure_operation(
                OPERATIONS[key], args, sandbox, workdir / key, reference_python, reference_reason
            )
    finally:
        sandbox.stop()
    kubectl = shutil.which("kubectl") or "kubectl"
    return {
        "benchmark": "tool_latency",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "calls_per_method": args.calls,
        "warmup_rounds": args.warmup,
        "order": "round-robin: every round calls each method once, starting one later each "
        "round; the reference client is asked for one call per round on stdin",
        "percentile": "nearest rank",
        "api_requests": f"Kubernetes API requests by {USER} per call, from the sandbox's audit log",
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "kubernetes_mcp_server": tool_version([str(find_server_binary()), "--version"]),
            "kubectl": tool_version([kubectl, "version", "--client"]),
            "ols_source": ols_source(),
            "mcp": version("mcp"),
            "httpx2": version("httpx2"),
        },
        "notes": [STDIO_NOTE],
        "operations": operations,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="timed calls per method")
    parser.add_argument("--warmup", type=int, default=10, help="untimed rounds first")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results")
    parser.add_argument(
        "--operation",
        action="append",
        choices=sorted(OPERATIONS),
        help="what to measure (repeatable; default: list and log)",
    )
    parser.add_argument(
        "--reference-python",
        default="python3",
        help="the interpreter that builds bench/.venv-reference (default: python3)",
    )
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the langchain-mcp-adapters client"
    )
    args = parser.parse_args()
    if args.calls < 1 or args.warmup < 1:
        parser.error("--calls and --warmup must be at least 1")
    args.operation = args.operation or ["list", "log"]

    with tempfile.TemporaryDirectory(prefix="ols-bench-") as tmp:
        results = asyncio.run(run(args, Path(tmp)))

    for op in results["operations"].values():
        print()
        print(f"{op['what']}; {args.calls} calls each, medians and p95 in ms")
        print_table(op["methods"])
        for check in op["targets"]:
            met = {True: "met", False: "NOT met", None: "not measured"}[check["met"]]
            print(f"  target: {check['target']}: {_ratio(check['ratio'])} ({met})")
    print()
    print("Note: " + STDIO_NOTE)
    print(f"\nresults: {args.out} and {write_results(args.out, results, markdown(results))}")
    failed = any(
        row["calls_failed"]
        for op in results["operations"].values()
        for row in op["methods"]
        if row["key"] != "reference"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
