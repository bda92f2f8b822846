"""`ols eval` as a user runs it: it starts its own sandbox, MCP server and service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ols.eval.scenarios import BUILTIN_SCENARIOS, load_scenarios
from tests.support.scripted_llm import ScriptedLLM, reply, tool_calls


def ols_eval(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLS_LLM_")}
    return subprocess.run(
        [sys.executable, "-m", "ols", "eval", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in {"src", "href"}]


def test_scripted_evaluation_of_the_whole_set_passes_and_writes_reports(tmp_path: Path) -> None:
    report = tmp_path / "report"
    result = ols_eval("--scripted", "--report", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    count = len(load_scenarios([BUILTIN_SCENARIOS]))
    assert f"[1/{count}] crashloop-api" in result.stderr  # progress while it runs
    assert f"{count}/{count} passed (100%)" in result.stdout

    data = json.loads((report / "report.json").read_text())
    summary = data["summary"]
    assert (summary["scenarios"], summary["passed"]) == (count, count)
    assert summary["tool_recall"] == 1.0
    assert summary["forbidden_violations"] == 0 and summary["leaks"] == 0
    assert summary["input_tokens"] > 1000 * count  # the prompt, tool schemas included
    crash = next(s for s in data["scenarios"] if s["id"] == "crashloop-api")
    assert any("crash" in title.lower() for title in crash["references"][0])  # the runbook
    write = next(s for s in data["scenarios"] if s["id"] == "write-scale-web-approved")
    assert write["approvals"][0]["decision"] == "approve"
    assert write["calls"][0]["status"] == "success"
    assert "replicas: 5" in write["calls"][0]["content"]
    rejected = next(s for s in data["scenarios"] if s["id"] == "write-scale-api-rejected")
    assert rejected["calls"][0]["status"] == "error"  # what the model was told
    assert "declined" in rejected["calls"][0]["content"]

    page = _Page()
    page.feed((report / "report.html").read_text())
    assert page.tags.count("svg") == 3  # pass rate by category, tokens, latency
    assert not [link for link in page.links if "//" in link], "the report loads nothing"


OLS_DATA = """\
- conversation_group_id: api_crash
  turns:
    - turn_id: "1"
      query: Why is the api pod in team-a crash looping?
      expected_response: DATABASE_URL is missing
      expected_keywords: [["DATABASE_URL"]]
      expected_tool_calls:
        - - tool_name: pods_log
            arguments: {namespace: team-a, name: "api-.*"}
- conversation_group_id: analytics_pending
  turns:
    - turn_id: "1"
      query: Why is analytics-0 pending?
      expected_keywords: [["Insufficient memory"]]
"""


def test_lightspeed_data_runs_against_a_model_and_a_failure_exits_1(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    data = tmp_path / "ols.yaml"
    data.write_text(OLS_DATA)
    scripted_llm.script(
        tool_calls(("pods_log", {"namespace": "team-a", "name": "api-5f6b8c9d47-x7kqp"})),
        reply("DATABASE_URL is not set, so the database connection is refused.", input_tokens=321),
        reply("I could not find out.", input_tokens=5),
    )
    report = tmp_path / "report"
    result = ols_eval(
        "--format", "ols", str(data), "--user", "alice", "--report", str(report),
        "--llm-url", scripted_llm.url, "--llm-model", scripted_llm.model,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1/2 passed" in result.stdout
    assert "analytics_pending: facts missing from the answer: turn 1: Insufficient memory" in (
        result.stdout
    )
    scenarios = {s["id"]: s for s in json.loads((report / "report.json").read_text())["scenarios"]}
    assert scenarios["api_crash"]["score"]["passed"]
    assert scenarios["api_crash"]["score"]["input_tokens"] == 331  # as the model reported them
    assert scenarios["api_crash"]["calls"][0]["content"].count("DATABASE_URL") >= 1
    assert not scenarios["analytics_pending"]["score"]["passed"]
    assert scripted_llm.remaining() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --scripted, or a model with --llm-url and --llm-model"),
        (("--format", "ols"), "--format ols takes evaluation YAML files"),
        (("--scripted", "--only", "no-such-scenario"), "no scenario has the id or category"),
        (("--scripted", "--scenarios", "/nonexistent"), "no such file or directory"),
        (("extra.yaml", "--scripted"), "scenario files go in --scenarios"),
    ],
)
def test_bad_invocations_are_clear_errors(args: tuple[str, ...], message: str) -> None:
    result = ols_eval(*args, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr


def test_scripted_mode_needs_a_script_in_every_scenario(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("- id: a\n  category: c\n  question: q\n")
    result = ols_eval("--scripted", "--scenarios", str(tmp_path), timeout=60)
    assert result.returncode == 2
    assert "none in: a" in result.stderr
