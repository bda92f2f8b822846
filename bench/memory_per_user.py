"""Resident memory per active user, with kubernetes-mcp-server over stdio and over HTTP.

    .venv/bin/python bench/memory_per_user.py [--users 1,10,50] [--out PATH]

For each mode and each user count N, in a fresh sandbox (`ols sandbox up` with a fixture
of N extra users who may list pods in team-a) and a fresh Python process that holds one
ols ToolManager:

  stdio   every user's first tool call starts their own kubernetes-mcp-server process
          (with a kubeconfig holding their token); the memory is those processes plus
          what the Python process grew by
  http    every user has one MCP session to the sandbox's one shared kubernetes-mcp-server
          (streamable HTTP, their token on every request); the memory is what that server
          grew by plus what the Python process grew by

After one untimed warm-up call as alice (its session closed again, so one-time costs
are not counted as a user's), N users each make one tool call (so every session is open and
warm), then the process
waits a second and reads resident memory (VmRSS, and PSS from /proc/<pid>/smaps_rollup,
which shares the pages of one binary out among the processes that map it). Reports MiB
per user and totals. bench/README.md says how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import tool_version, write_results

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "results" / "memory_per_user.json"
NAMESPACE = "team-a"
TOOL = "pods_list_in_namespace"
GROUP = "ols-bench"
WARM_USER = "alice"
SETTLE_S = 1.0
MODES = ("stdio", "http")


def user_name(n: int) -> str:
    return f"bench-user-{n:03d}"


def fixture(users: int) -> str:
    """N users in one group with the `view` ClusterRole in team-a."""
    docs = [
        "apiVersion: sandbox.ols.dev/v1\nkind: User\n"
        f"metadata: {{name: {user_name(n)}}}\nspec: {{groups: [{GROUP}]}}\n"
        for n in range(users)
    ]
    docs.append(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
        f"metadata: {{name: {GROUP}-view, namespace: {NAMESPACE}}}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n"
        f"subjects: [{{kind: Group, name: {GROUP}, apiGroup: rbac.authorization.k8s.io}}]\n"
    )
    return "---\n".join(docs)


# ---- /proc ------------------------------------------------------------------------------


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and PSS of one process, in KiB (0 if it is gone)."""
    values = {"rss": 0, "pss": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                values["rss"] = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                values["pss"] = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return values


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def command_line(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
    except OSError:
        return ""


def servers_of(pid: int) -> list[int]:
    return [c for c in children(pid) if "kubernetes-mcp-server" in command_line(c)]


def total_kib(pids: list[int]) -> dict[str, int]:
    total = {"rss": 0, "pss": 0}
    for pid in pids:
        for key, value in memory_kib(pid).items():
            total[key] += value
    return total


# ---- one measurement, in a process of its own -------------------------------------------


async def measure(mode: str, state_dir: Path, users: int, shared_server: int | None) -> dict:
    from ols.auth.token import UserToken
    from ols.config import OlsConfig
    from ols.tools.manager import ToolManager

    info = json.loads((state_dir / "sandbox.json").read_text())
    server: dict[str, Any] = {"name": "kubernetes", "transport": "stdio"}
    if mode == "http":
        server.update(
            transport="streamable_http",
            url=info["mcp_url"],
            headers={"Authorization": "kubernetes"},
        )
    config = OlsConfig.model_validate(
        {
            "mcp_servers": [server],
            "cluster": {"api_url": info["api_url"], "ca_file": info["ca_file"]},
            # The pool's default cap (32 sessions a server) would close the least recently
            # used session of 50; every user must stay active here.
            "tools": {"max_sessions_per_server": max(users, 32)},
        }
    )
    tokens = [UserToken(info["users"][user_name(n)]["token"]) for n in range(users)]
    # One call as another user first, its session closed again: what the first call costs
    # once (lazy imports, caches, the shared server's first allocations) is not a user's.
    warm = ToolManager(config)
    warm_result = await warm.call_tool(
        UserToken(info["users"][WARM_USER]["token"]), TOOL, {"namespace": NAMESPACE}
    )
    await warm.close()
    if not warm_result.ok:
        raise RuntimeError(f"the warm-up call failed: {warm_result.text[:300]}")
    manager = ToolManager(config)
    gc.collect()
    await asyncio.sleep(SETTLE_S)
    python_before = memory_kib(os.getpid())
    # stdio: the user's own servers are all new; http: what the shared server grows by.
    shared = [shared_server] if mode == "http" and shared_server else []
    server_before = total_kib(shared)
    failures = []
    started = time.monotonic()
    for token in tokens:
        result = await manager.call_tool(token, TOOL, {"namespace": NAMESPACE})
        if not result.ok:
            failures.append(f"{result.error}: {result.text[:200]}")
    open_seconds = time.monotonic() - started
    gc.collect()
    await asyncio.sleep(SETTLE_S)
    python_after = memory_kib(os.getpid())
    own_servers = servers_of(os.getpid())
    server_after = total_kib(own_servers) if mode == "stdio" else total_kib(shared)
    sessions = len(manager.pool.sessions())
    await manager.close()
    return {
        "mode": mode,
        "users": users,
        "sessions_open": sessions,
        "server_processes": len(own_servers) if mode == "stdio" else 1,
        "failed_calls": len(failures),
        "failures": failures[:3],
        "seconds_to_open_all": round(open_seconds, 2),
        "python_before_kib": python_before,
        "python_after_kib": python_after,
        "servers_before_kib": server_before,
        "servers_after_kib": server_after,
    }


def measure_main(mode: str, state_dir: Path, users: int, shared_server: int) -> int:
    result = asyncio.run(measure(mode, state_dir, users, shared_server or None))
    print(json.dumps(result), flush=True)
    return 0


# ---- the run ----------------------------------------------------------------------------


def mib(kib: float) -> float:
    return round(kib / 1024, 2)


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    users = raw["users"]
    row: dict[str, Any] = {"mode": raw["mode"], "users": users}
    for key in ("rss", "pss"):
        python = raw["python_after_kib"][key] - raw["python_before_kib"][key]
        servers = raw["servers_after_kib"][key] - raw["servers_before_kib"][key]
        row[f"python_delta_{key}_mib"] = mib(python)
        row[f"servers_{key}_mib"] = mib(servers)
        row[f"total_{key}_mib"] = mib(python + servers)
        row[f"per_user_{key}_mib"] = mib((python + servers) / users)
    row["shared_server_rss_before_mib"] = (
        mib(raw["servers_before_kib"]["rss"]) if raw["mode"] == "http" else None
    )
    row.update(
        sessions_open=raw["sessions_open"],
        server_processes=raw["server_processes"],
        failed_calls=raw["failed_calls"],
        failures=raw["failures"],
        seconds_to_open_all=raw["seconds_to_open_all"],
        raw=raw,
    )
    return row


def run_one(mode: str, users: int, workdir: Path) -> dict[str, Any]:
    from ols.eval.stack import start_sandbox

    cell = workdir / f"{mode}-{users}"
    cell.mkdir()
    fixtures = cell / "users.yaml"
    fixtures.write_text(fixture(users))
    sandbox = start_sandbox(cell / "state", "--fixtures", str(fixtures))
    try:
        shared = servers_of(sandbox.process.pid)
        done = subprocess.run(
            [
                *(sys.executable, __file__, "--measure", mode),
                *("--state-dir", str(cell / "state"), "--users", str(users)),
                *("--shared-server", str(shared[0] if shared else 0)),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        sandbox.stop()
    if done.returncode != 0:
        raise RuntimeError(f"measuring {mode} with {users} users failed:\n{done.stderr[-2000:]}")
    return summarise(json.loads(done.stdout.strip().splitlines()[-1]))


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Memory per active user, {results['finished_at']}",
        "",
        "Each user made one tool call, so each holds a warm session; MiB. RSS counts a "
        "binary's shared pages once per process; PSS shares them out.",
        "",
        "| mode | users | per user RSS | per user PSS | total RSS | total PSS | "
        "servers RSS | Python delta RSS | server processes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["rows"]:
        lines.append(
            f"| {row['mode']} | {row['users']} | {row['per_user_rss_mib']:.1f} | "
            f"{row['per_user_pss_mib']:.1f} | {row['total_rss_mib']:.1f} | "
            f"{row['total_pss_mib']:.1f} | {row['servers_rss_mib']:.1f} | "
            f"{row['python_delta_rss_mib']:.1f} | {row['server_processes']} |"
        )
    for mode in MODES:
        rows = sorted((r for r in results["rows"] if r["mode"] == mode), key=lambda r: r["users"])
        for low, high in itertools.pairwise(rows):
            extra = (high["total_rss_mib"] - low["total_rss_mib"]) / (high["users"] - low["users"])
            lines.append(
                f"\n{mode}: each user from {low['users']} to {high['users']} added "
                f"{extra:.1f} MiB RSS."
            )
    http = [r for r in results["rows"] if r["mode"] == "http"]
    if http:
        lines += [
            "",
            "HTTP mode: the shared kubernetes-mcp-server's RSS before the sessions opened was "
            + ", ".join(f"{r['shared_server_rss_before_mib']:.1f}" for r in http)
            + " MiB (one fresh sandbox per row); the table counts only what it grew by.",
        ]
    return "\n".join(lines) + "\n"


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=_ints, default=[1, 10, 50])
    parser.add_argument("--mode", action="append", choices=MODES, help="default: both")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results")
    parser.add_argument("--measure", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--shared-server", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure_main(args.measure, args.state_dir, args.users[0], args.shared_server)
    if any(n < 1 or n > 200 for n in args.users):
        parser.error("--users: 1 to 200")

    rows = []
    with tempfile.TemporaryDirectory(prefix="ols-bench-memory-") as tmp:
        for mode in args.mode or MODES:
            for users in args.users:
                row = run_one(mode, users, Path(tmp))
                rows.append(row)
                print(
                    f"{mode:<6} {users:>3} users: {row['per_user_rss_mib']:6.1f} MiB/user RSS, "
                    f"{row['per_user_pss_mib']:6.1f} PSS; total {row['total_rss_mib']:7.1f} "
                    f"RSS (servers {row['servers_rss_mib']:.1f}, Python "
                    f"{row['python_delta_rss_mib']:.1f})"
                    + (f"  FAILED CALLS {row['failed_calls']}" if row["failed_calls"] else ""),
                    flush=True,
                )
    from ols.tools.server_binary import find_server_binary

    results = {
        "benchmark": "memory_per_user",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_call_per_user": f"{TOOL} {{namespace: {NAMESPACE}}}",
        "settle_seconds": SETTLE_S,
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "kubernetes_mcp_server": tool_version([str(find_server_binary()), "--version"]),
        },
        "rows": rows,
    }
    table = markdown(results)
    print()
    print(table)
    print(f"results: {args.out} and {write_results(args.out, results, table)}")
    return 1 if any(row["failed_calls"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
