"""The service's own cost per question under load, with an LLM and tools that cost nothing.

    .venv/bin/python bench/service_load.py [--requests N] [--warmup W] [--llm-ms MS]
                                           [--out PATH]

Starts its own sandbox (`ols sandbox up`, with kubernetes-mcp-server over streamable HTTP),
a scripted LLM that answers at once (in a process of its own; `--llm-ms MS` makes it wait
MS before every answer, as a real model's think time), and `ols serve` (another process),
then, for every cell of

  endpoint      /v1/query, /v1/streaming_query (application/json events)
  tool calls    0, 1, 3 per question (one per round: the model asks for a tool call while it
                has seen fewer than k results, then answers)
  concurrency   1, 16, 64 questions in flight at once (a closed loop: each of C workers
                asks its next question as soon as the last one is answered)

sends W untimed questions, then N timed ones, as alice, and reports throughput, latency
p50/p99, time to the first `token` event (streaming), the service's peak resident memory,
its CPU time per question, and its overhead: each question's latency minus the time the
scripted LLM spent answering its model requests minus the time its tool calls took (as the
service's audit trail records them). bench/README.md says how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx2
from common import ols_source, percentile, write_results

from ols.eval.scripted_llm import (
    RecordedRequest,
    ScriptedLLM,
    Step,
    delay,
    reply,
    tool_calls,
)
from ols.eval.stack import Sandbox, start_sandbox

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "results" / "service_load.json"
USER = "alice"
NAMESPACE = "team-a"
ENDPOINTS = ("query", "streaming_query")
# Round j of a question asks for this call: distinct arguments, since the service answers a
# repeated call within a turn from the first result instead of calling the tool again.
ROUND_ARGUMENTS: tuple[dict[str, str], ...] = (
    {"namespace": NAMESPACE},
    {"namespace": NAMESPACE, "labelSelector": "app"},
    {"namespace": NAMESPACE, "labelSelector": "bench!=none"},
)
TOOL = "pods_list_in_namespace"
ANSWER = "All pods in team-a are running."
MARKER = re.compile(r"\[bench tools=(\d) id=([0-9a-f]{32})\]")
CLIENT_TIMEOUT_S = 120.0
START_TIMEOUT_S = 90.0
RSS_SAMPLE_S = 0.05
# What the service is configured with (beyond `ols serve --sandbox`); see bench/README.md.
SERVICE_CONFIG = {
    # One user asks every question; the default 60 a minute would answer 429.
    "safety": {"limits": {"requests_per_minute": 10_000_000}},
    # A failed model request should show as a failed question, not be retried and hidden.
    "llm": {"max_retries": 0},
}


# ---- the scripted LLM, in a process of its own ------------------------------------------


def _answer_from_marker(request: RecordedRequest) -> Step:
    """A tool call while the question has had fewer than k tool results, then the answer;
    k comes from the question's marker."""
    k = 0
    for message in request.messages:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            found = MARKER.search(message["content"])
            if found:
                k = int(found.group(1))
    seen = sum(1 for message in request.messages if message.get("role") == "tool")
    if seen < k:
        return tool_calls((TOOL, ROUND_ARGUMENTS[seen % len(ROUND_ARGUMENTS)]))
    return reply(ANSWER)


def serve_llm(think_seconds: float) -> int:
    """Run the scripted LLM until stdin closes. Prints its URL; on each `take` line on stdin,
    prints one JSON line {question id: [seconds answering each model request]} for the
    requests since the last `take`, and forgets them. Every answer waits `think_seconds`
    first (counted in the seconds answering it)."""

    def answer(request: RecordedRequest) -> Step:
        step = _answer_from_marker(request)
        return delay(think_seconds, step) if think_seconds > 0 else step

    llm = ScriptedLLM(responder=answer)
    llm.start()
    print(json.dumps({"url": llm.url}), flush=True)
    try:
        for line in sys.stdin:
            if line.strip() != "take":
                continue
            requests = llm.requests
            llm.reset()
            taken: dict[str, list[float]] = {}
            unanswered = 0
            for request in requests:
                found = MARKER.search(request.text())
                if request.answer_seconds is None or found is None:
                    unanswered += 1
                    continue
                taken.setdefault(found.group(2), []).append(request.answer_seconds)
            print(json.dumps({"seconds": taken, "unanswered": unanswered}), flush=True)
    finally:
        llm.stop()
    return 0


class LlmProcess:
    def __init__(self, log: Path, think_ms: float) -> None:
        with log.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--serve-llm", str(think_ms / 1000)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self.url = str(json.loads(self._line())["url"])

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the scripted LLM process exited")
        return line

    def take(self) -> tuple[dict[str, list[float]], int]:
        """Seconds the LLM spent on each question's model requests since the last take."""
        assert self.process.stdin is not None
        self.process.stdin.write("take\n")
        self.process.stdin.flush()
        data = json.loads(self._line())
        return data["seconds"], int(data["unanswered"])

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---- the service, in a process of its own -----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    """`ols serve --sandbox DIR --config FILE --llm-url ... --port N`."""

    def __init__(self, sandbox: Sandbox, llm_url: str, workdir: Path) -> None:
        self.database = workdir / "ols.sqlite3"
        config = {**SERVICE_CONFIG, "database": {"url": f"sqlite:///{self.database}"}}
        config_file = workdir / "ols.yaml"
        config_file.write_text(json.dumps(config))  # JSON is YAML
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "service.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "ols", "serve"),
                    *("--sandbox", str(sandbox.state_dir), "--config", str(config_file)),
                    *("--llm-url", llm_url, "--llm-model", ScriptedLLM.model),
                    *("--port", str(self.port)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"ols serve exited:\n{self.log.read_text()[-2000:]}")
            try:
                if httpx2.get(f"{self.url}/readiness", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("ols serve did not become ready in time")
            time.sleep(0.1)

    def status(self, field_name: str) -> int:
        """A `VmRSS`/`VmHWM` line of /proc/<pid>/status, in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        """User + system CPU time the service process has used (all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tool_metric(self) -> tuple[float, int]:
        """The sum and count of ols_tool_call_duration_seconds over all tools and outcomes."""
        text = httpx2.get(f"{self.url}/metrics", timeout=10).text
        total, count = 0.0, 0
        for line in text.splitlines():
            if line.startswith("ols_tool_call_duration_seconds_sum"):
                total += float(line.rsplit(" ", 1)[1])
            elif line.startswith("ols_tool_call_duration_seconds_count"):
                count += int(float(line.rsplit(" ", 1)[1]))
        return total, count

    def tool_ms_by_conversation(self, conversations: set[str]) -> dict[str, float]:
        """Each conversation's tool-call time (ms, summed over its calls) from the audit trail."""
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)
        try:
            rows = connection.execute(
                "SELECT conversation_id, duration_ms, outcome FROM tool_call_audit"
            ).fetchall()
        finally:
            connection.close()
        spent: dict[str, float] = {}
        for conversation_id, duration_ms, _outcome in rows:
            if conversation_id in conversations:
                spent[conversation_id] = spent.get(conversation_id, 0.0) + float(duration_ms)
        return spent

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class RssSampler:
    """The service's largest VmRSS while a cell runs, sampled every 50 ms."""

    def __init__(self, service: ServiceProcess) -> None:
        self.service = service
        self.peak_kib = service.status("VmRSS")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(RSS_SAMPLE_S):
            self.peak_kib = max(self.peak_kib, self.service.status("VmRSS"))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(5)
        return max(self.peak_kib, self.service.status("VmRSS"))


# ---- the load ---------------------------------------------------------------------------


@dataclass
class Question:
    id: str
    ms: float = 0.0
    ttft_ms: float | None = None
    conversation_id: str | None = None
    error: str | None = None


@dataclass
class Cell:
    endpoint: str
    tools: int
    concurrency: int
    questions: list[Question] = field(default_factory=list)
    wall_s: float = 0.0


def _check_answer(tools: int, tool_results: list[dict[str, Any]], answer: str) -> str | None:
    if len(tool_results) != tools:
        return f"{len(tool_results)} tool results, expected {tools}"
    failed = [r for r in tool_results if r.get("status") != "success"]
    if failed:
        return f"tool call failed: {str(failed[0].get('content'))[:200]}"
    if answer.strip() != ANSWER:
        return f"unexpected answer {answer[:100]!r}"
    return None


async def ask(client: httpx2.AsyncClient, endpoint: str, tools: int) -> Question:
    question = Question(uuid.uuid4().hex)
    body = {
        "query": f"Are my pods in team-a healthy? [bench tools={tools} id={question.id}]",
        "media_type": "application/json",
    }
    started = time.perf_counter()
    try:
        if endpoint == "query":
            response = await client.post("/v1/query", json=body)
            question.ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                question.error = f"HTTP {response.status_code}: {response.text[:200]}"
                return question
            data = response.json()
            question.conversation_id = data["conversation_id"]
            question.error = _check_answer(tools, data["tool_results"], data["response"])
            return question
        results: list[dict[str, Any]] = []
        tokens: list[str] = []
        ended = False
        async with client.stream("POST", "/v1/streaming_query", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                question.error = f"HTTP {response.status_code}: {response.text[:200]}"
                return question
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                kind, data = event["event"], event["data"]
                if kind == "token":
                    if question.ttft_ms is None:
                        question.ttft_ms = (time.perf_counter() - started) * 1000
                    tokens.append(data["token"])
                elif kind == "start":
                    question.conversation_id = data["conversation_id"]
                elif kind == "tool_result":
                    results.append(data)
                elif kind == "error":
                    question.error = f"error event: {data}"
                elif kind == "end":
                    ended = True
        question.ms = (time.perf_counter() - started) * 1000
        if question.error is None:
            question.error = (
                _check_answer(tools, results, "".join(tokens)) if ended else "no end event"
            )
    except httpx2.HTTPError as exc:
        question.ms = (time.perf_counter() - started) * 1000
        question.error = f"{type(exc).__name__}: {exc}"
    return question


async def run_load(
    client: httpx2.AsyncClient, endpoint: str, tools: int, concurrency: int, total: int
) -> tuple[list[Question], float]:
    """`total` questions from `concurrency` workers in a closed loop; the wall time."""
    left = total
    done: list[Question] = []

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            done.append(await ask(client, endpoint, tools))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, time.perf_counter() - started


async def measure_cell(
    service: ServiceProcess,
    llm: LlmProcess,
    endpoint: str,
    tools: int,
    concurrency: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    token = args.token
    async with httpx2.AsyncClient(
        base_url=service.url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=CLIENT_TIMEOUT_S,
        limits=limits,
    ) as client:
        await run_load(client, endpoint, tools, concurrency, max(args.warmup, concurrency))
        llm.take()  # forget the warm-up's model requests
        tool_sum_before, tool_count_before = service.tool_metric()
        cpu_before = service.cpu_seconds()
        sampler = RssSampler(service)
        questions, wall = await run_load(client, endpoint, tools, concurrency, args.requests)
        peak_kib = sampler.stop()
        cpu = service.cpu_seconds() - cpu_before
        tool_sum_after, tool_count_after = service.tool_metric()
    llm_seconds, unanswered = llm.take()
    ok = [q for q in questions if q.error is None]
    tool_ms = service.tool_ms_by_conversation({q.conversation_id for q in ok if q.conversation_id})
    overhead: list[float] = []
    llm_ms: list[float] = []
    tool_per_q: list[float] = []
    for q in ok:
        spent_llm = sum(llm_seconds.get(q.id, [])) * 1000
        spent_tools = tool_ms.get(q.conversation_id or "", 0.0)
        llm_ms.append(spent_llm)
        tool_per_q.append(spent_tools)
        overhead.append(q.ms - spent_llm - spent_tools)
    latencies = [q.ms for q in ok]
    ttfts = [q.ttft_ms for q in ok if q.ttft_ms is not None]
    errors: dict[str, int] = {}
    for q in questions:
        if q.error is not None:
            errors[q.error] = errors.get(q.error, 0) + 1
    metric_calls = tool_count_after - tool_count_before
    row: dict[str, Any] = {
        "endpoint": f"/v1/{endpoint}",
        "tool_calls": tools,
        "concurrency": concurrency,
        "questions": len(questions),
        "ok": len(ok),
        "failed": len(questions) - len(ok),
        "errors": sorted(errors.items(), key=lambda kv: -kv[1])[:5],
        "wall_s": round(wall, 3),
        "throughput_per_s": round(len(ok) / wall, 2) if wall else None,
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "service_cpu_ms_per_question": round(cpu * 1000 / max(len(questions), 1), 2),
        "service_cpu_utilisation": round(cpu / wall, 2) if wall else None,
        "tool_calls_in_metrics": metric_calls,
        "tool_ms_per_call_from_metrics": round(
            (tool_sum_after - tool_sum_before) * 1000 / metric_calls, 2
        )
        if metric_calls
        else None,
        "llm_requests_unmatched": unanswered,
    }
    if ok:
        row.update(
            latency_p50_ms=round(percentile(latencies, 50), 2),
            latency_p99_ms=round(percentile(latencies, 99), 2),
            latency_mean_ms=round(statistics.fmean(latencies), 2),
            ttft_p50_ms=round(percentile(ttfts, 50), 2) if ttfts else None,
            ttft_p99_ms=round(percentile(ttfts, 99), 2) if ttfts else None,
            llm_ms_per_question_mean=round(statistics.fmean(llm_ms), 3),
            tool_ms_per_question_p50=round(percentile(tool_per_q, 50), 2),
            tool_ms_per_question_mean=round(statistics.fmean(tool_per_q), 2),
            overhead_p50_ms=round(percentile(overhead, 50), 2),
            overhead_p99_ms=round(percentile(overhead, 99), 2),
            samples_ms=[round(v, 2) for v in latencies],
            overhead_samples_ms=[round(v, 2) for v in overhead],
        )
    return row


# ---- the run and its report -------------------------------------------------------------


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


async def measure_all(
    service: ServiceProcess, llm: LlmProcess, args: argparse.Namespace
) -> list[dict[str, Any]]:
    rows = []
    for concurrency in args.concurrency:
        for endpoint in args.endpoint:
            for tools in args.tools:
                row = await measure_cell(service, llm, endpoint, tools, concurrency, args)
                rows.append(row)
                print(
                    f"{row['endpoint']:<21} tools={tools} c={concurrency:<3} "
                    f"{row.get('throughput_per_s', 0):>7.1f}/s  "
                    f"p50 {row.get('latency_p50_ms', float('nan')):>7.1f} ms  "
                    f"p99 {row.get('latency_p99_ms', float('nan')):>7.1f} ms  "
                    f"overhead p50 {row.get('overhead_p50_ms', float('nan')):>6.1f} ms  "
                    f"cpu {row['service_cpu_ms_per_question']:>5.1f} ms/q  "
                    f"rss {row['peak_rss_mib']:>6.1f} MiB"
                    + (f"  FAILED {row['failed']}: {row['errors'][0][0]}" if row["failed"] else ""),
                    flush=True,
                )
    return rows


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    print("starting the sandbox, the scripted LLM and ols serve ...", flush=True)
    sandbox = start_sandbox(workdir / "state")
    llm: LlmProcess | None = None
    service: ServiceProcess | None = None
    try:
        args.token = sandbox.token(USER)
        llm = LlmProcess(workdir / "llm.log", args.llm_ms)
        service = ServiceProcess(sandbox, llm.url, workdir)
        rss_start = service.status("VmRSS")
        rows = asyncio.run(measure_all(service, llm, args))
        hwm = service.status("VmHWM")
    finally:
        if service is not None:
            service.stop()
        if llm is not None:
            llm.stop()
        sandbox.stop()
    return {
        "benchmark": "service_load",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "questions_per_cell": args.requests,
        "llm_ms_per_answer": args.llm_ms,
        "warmup_per_cell": f"max({args.warmup}, concurrency), untimed",
        "user": USER,
        "tool": TOOL,
        "round_arguments": ROUND_ARGUMENTS,
        "service_config": SERVICE_CONFIG,
        "percentile": "nearest rank",
        "overhead": "per question: latency at the client - the scripted LLM's time answering "
        "the question's model requests (request arrival to last byte, in the LLM process) - "
        "the question's tool-call time from the service's audit trail (the agent loop's "
        "timing of each call through the tool layer)",
        "service_rss_mib_after_start": round(rss_start / 1024, 1),
        "service_vmhwm_mib_at_end": round(hwm / 1024, 1),
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_end": load_average(),
            "ols_source": ols_source(),
            "httpx2": version("httpx2"),
            "mcp": version("mcp"),
        },
        "notes": [
            "The load generator, the scripted LLM, the service, kubernetes-mcp-server and the "
            "sandbox API share the machine's cores.",
        ],
        "cells": rows,
    }


def markdown(results: dict[str, Any]) -> str:
    think = results["llm_ms_per_answer"]
    llm = (
        f"a scripted LLM that waits {think:g} ms per answer"
        if think
        else "zero-latency scripted LLM"
    )
    lines = [
        f"# Service load, {results['finished_at']}",
        "",
        f"{results['questions_per_cell']} questions per cell after a warm-up; {llm}; "
        f"each tool call is {results['tool']} as {results['user']}; ms; "
        f"load average at the end {results['environment']['load_average_at_end']}.",
        "",
        "| endpoint | tools | conc. | req/s | p50 | p99 | TTFT p50 | tool ms/q | "
        "overhead p50 | overhead p99 | CPU ms/q | peak RSS MiB | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["cells"]:
        if "latency_p50_ms" not in row:
            lines.append(
                f"| {row['endpoint']} | {row['tool_calls']} | {row['concurrency']} | "
                f"| | | | | | | | | {row['failed']} |"
            )
            continue
        ttft = "" if row["ttft_p50_ms"] is None else f"{row['ttft_p50_ms']:.1f}"
        lines.append(
            f"| {row['endpoint']} | {row['tool_calls']} | {row['concurrency']} | "
            f"{row['throughput_per_s']:.1f} | {row['latency_p50_ms']:.1f} | "
            f"{row['latency_p99_ms']:.1f} | {ttft} | {row['tool_ms_per_question_mean']:.1f} | "
            f"{row['overhead_p50_ms']:.1f} | {row['overhead_p99_ms']:.1f} | "
            f"{row['service_cpu_ms_per_question']:.1f} | {row['peak_rss_mib']:.0f} | "
            f"{row['failed']} |"
        )
    target = [r for r in results["cells"] if r["concurrency"] == 16 and "overhead_p50_ms" in r]
    if target:
        worst = max(r["overhead_p50_ms"] for r in target)
        met = "met" if worst < 10 else "**not met**"
        lines += [
            "",
            f"Target: service overhead under 10 ms p50 at concurrency 16: {met} "
            f"(largest cell: {worst:.1f} ms).",
        ]
    return "\n".join(lines) + "\n"


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main() -> int:
    if sys.argv[1:2] == ["--serve-llm"]:
        return serve_llm(float(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed questions per cell")
    parser.add_argument("--warmup", type=int, default=30, help="untimed questions per cell")
    parser.add_argument("--concurrency", type=_ints, default=[1, 16, 64])
    parser.add_argument("--tools", type=_ints, default=[0, 1, 3])
    parser.add_argument(
        "--llm-ms",
        type=float,
        default=0.0,
        help="the scripted LLM waits this long before every answer (default 0: at once)",
    )
    parser.add_argument(
        "--endpoint",
        action="append",
        choices=ENDPOINTS,
        help="repeatable; default: both",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results")
    args = parser.parse_args()
    args.endpoint = args.endpoint or list(ENDPOINTS)
    if args.requests < 1 or any(c < 1 for c in args.concurrency):
        parser.error("--requests and every concurrency must be at least 1")
    # Up to 4 model requests per question must fit the client's timeout with room to spare.
    if not 0 <= args.llm_ms <= 10_000:
        parser.error("--llm-ms: 0 to 10000")
    if any(not 0 <= k <= len(ROUND_ARGUMENTS) for k in args.tools):
        parser.error(f"tool calls per question: 0 to {len(ROUND_ARGUMENTS)}")

    with tempfile.TemporaryDirectory(prefix="ols-bench-load-") as tmp:
        results = run(args, Path(tmp))
    table = markdown(results)
    print()
    print(table)
    print(f"results: {args.out} and {write_results(args.out, results, table)}")
    return 1 if any(row["failed"] for row in results["cells"]) else 0


if __name__ == "__main__":
    sys.exit(main())
