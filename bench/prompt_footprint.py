"""The prompt-token bill: what is sent to the model per question, and whether tool filtering
costs answers.

    .venv/bin/python bench/prompt_footprint.py [--out bench/results/prompt_footprint.json]

Runs `ols eval --scripted` (the whole built-in set, through the real service, sandbox and
kubernetes-mcp-server) four times: tool filtering on and off, each with and without the
runbooks in the context. The scripted LLM records every request, so each request's prompt
is measured by part (system message, tool schemas, earlier messages, the question) in
estimated tokens (four characters a token, the same estimate for every variant), next to
the evaluation's pass rate and tool-call recall. It also lists what kubernetes-mcp-server
would offer with every toolset switched on (the "all tools" row: schemas only; ols never
runs those toolsets, so they have no pass rate). bench/README.md says how to read it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import write_results

from ols.eval.runner import Evaluation, Result
from ols.eval.scenarios import BUILTIN_SCENARIOS, load_scenarios
from ols.eval.scoring import summarise
from ols.eval.stack import start_sandbox
from ols.tools.kubeconfig import render_kubeconfig
from ols.tools.server_binary import find_server_binary

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "results" / "prompt_footprint.json"
ALL_TOOLSETS = ["core", "config", "helm", "kcp", "kiali", "kubevirt", "netobserv", "tekton"]
PARTS = ("system", "tools", "history", "question")


def estimate(text: str) -> int:
    return max(1, (len(text) + 3) // 4)


def all_toolsets_schemas(workdir: Path) -> dict[str, Any]:
    """tools/list from kubernetes-mcp-server with every toolset on, as OpenAI tool schemas."""
    sandbox = start_sandbox(workdir / "sandbox", "--no-mcp")
    try:
        info = sandbox.info
        kubeconfig = workdir / "kubeconfig"
        ca = Path(info["ca_file"]).read_bytes()
        token = sandbox.token("admin")
        kubeconfig.write_text(render_kubeconfig(info["api_url"], ca, user="admin", token=token))
        kubeconfig.chmod(0o600)
        config = workdir / "all.toml"
        config.write_text(
            f"toolsets = {json.dumps(ALL_TOOLSETS)}\nkubeconfig = {json.dumps(str(kubeconfig))}\n"
        )
        messages = [
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "ols-bench", "version": "0"},
                },
            },
            {"jsonrpc": "2.0", "method": "notifications/initialized", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
        ]
        process = subprocess.Popen(
            [str(find_server_binary()), "--config", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={"HOME": str(workdir), "PATH": "/usr/bin:/bin"},
        )
        assert process.stdin is not None and process.stdout is not None
        listing: dict[str, Any] | None = None
        try:
            for message in messages:
                process.stdin.write(json.dumps(message) + "\n")
                process.stdin.flush()
            for line in process.stdout:  # the server answers in order; stdin stays open
                answer = json.loads(line)
                if answer.get("id") == 2:
                    listing = answer
                    break
        finally:
            process.stdin.close()
            process.wait(timeout=30)
    finally:
        sandbox.stop()
    if listing is None or "result" not in listing:
        return {"available": False, "why": f"tools/list answered {listing}"}
    tools = listing["result"]["tools"]
    schemas = [
        {
            "type": "function",
            "function": {
                "name": t["name"],
                "description": t.get("description", ""),
                "parameters": t.get("inputSchema", {}),
            },
        }
        for t in tools
    ]
    return {
        "available": True,
        "toolsets": ALL_TOOLSETS,
        "tools": len(tools),
        "tool_tokens": estimate(json.dumps(schemas, ensure_ascii=False)),
    }


def variant(name: str, results: list[Result]) -> dict[str, Any]:
    summary = summarise([r.score for r in results])
    requests = [p for r in results for p in r.run.prompt_parts]
    turns = sum(len(r.run.turns) for r in results)
    totals = {part: sum(p[part] for p in requests) for part in PARTS}
    everything = sum(totals.values())
    return {
        "variant": name,
        "scenarios": summary.scenarios,
        "passed": summary.passed,
        "pass_rate": summary.pass_rate,
        "tool_recall": summary.tool_recall,
        "requests": len(requests),
        "questions": turns,
        "per_request": {part: round(totals[part] / len(requests)) for part in PARTS},
        "per_request_total": round(everything / len(requests)),
        "per_question_total": round(everything / turns),
        "failures": [f"{r.scenario.id}: {f}" for r in results for f in r.score.failures],
    }


def markdown(data: dict[str, Any]) -> str:
    lines = [
        f"# Prompt footprint, {data['finished_at']}",
        "",
        "`ols eval --scripted` over the built-in set; estimated tokens (4 characters a token) "
        "of what the service sent the model, mean per request and per question.",
        "",
        "| variant | system | tool schemas | history | question | per request | per question "
        "| pass rate | tool recall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in data["variants"]:
        p = row["per_request"]
        lines.append(
            f"| {row['variant']} | {p['system']} | {p['tools']} | {p['history']} | "
            f"{p['question']} | {row['per_request_total']} | {row['per_question_total']} | "
            f"{row['passed']}/{row['scenarios']} | {row['tool_recall']:.2f} |"
        )
    everything = data["all_toolsets"]
    if everything.get("available"):
        lines += [
            "",
            f"All toolsets ({', '.join(everything['toolsets'])}): {everything['tools']} tools, "
            f"{everything['tool_tokens']} tokens of tool schemas on every request "
            "(not run: ols keeps only the core toolset).",
        ]
    lines += [
        "",
        "| saving from tool filtering | tool schemas | whole request |",
        "|---|---:|---:|",
    ]
    for docs in ("with runbooks", "without runbooks"):
        on = next(v for v in data["variants"] if v["variant"] == f"filtered, {docs}")
        off = next(v for v in data["variants"] if v["variant"] == f"default catalogue, {docs}")
        tools = 1 - on["per_request"]["tools"] / off["per_request"]["tools"]
        whole = 1 - on["per_request_total"] / off["per_request_total"]
        lines.append(f"| {docs} | {tools:.0%} | {whole:.0%} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results")
    args = parser.parse_args()
    scenarios = load_scenarios([BUILTIN_SCENARIOS])
    variants = []
    with tempfile.TemporaryDirectory(prefix="ols-footprint-") as tmp:
        work = Path(tmp)
        print("listing every toolset of kubernetes-mcp-server ...")
        everything = all_toolsets_schemas(work / "all")
        for docs in (True, False):
            for tool_filter in (False, True):
                name = (
                    f"{'filtered' if tool_filter else 'default catalogue'}, "
                    f"{'with' if docs else 'without'} runbooks"
                )
                print(f"ols eval --scripted: {name} ...")
                results = Evaluation(
                    scenarios,
                    scripted=True,
                    docs=docs,
                    tool_filter=tool_filter,
                    work_dir=work / name.replace(" ", "-").replace(",", ""),
                ).run()
                variants.append(variant(name, results))
    data = {
        "benchmark": "prompt_footprint",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "estimate": "4 characters a token",
        "all_toolsets": everything,
        "variants": variants,
    }
    table = write_results(args.out, data, markdown(data))
    print()
    print(table.read_text())
    print(f"results: {args.out} and {table}")
    return 0 if all(v["passed"] == v["scenarios"] for v in variants) else 1


if __name__ == "__main__":
    sys.exit(main())
