"""`ols tools list` and `ols tools call`, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SandboxHandle


def _ols(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ols", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        input=stdin,
    )


def test_tools_list_shows_annotations_and_approval(sandbox: SandboxHandle) -> None:
    result = _ols("tools", "list", "--sandbox", str(sandbox.state_dir), "--user", "bob")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    assert rows["pods_list"][1:] == ["kubernetes", "y", "n", "n", "y", "-"]
    assert rows["resources_delete"][-1] == "needed"
    assert "configuration_view" not in rows


def test_tools_filter_eval_reports_recall_and_tokens(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    target = ["--sandbox", str(sandbox.state_dir), "--user", "alice"]
    result = _ols("tools", "filter-eval", *target, "--output", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["all"]["recall"] == report["held_out"]["recall"] == 1.0
    assert report["all"]["mean_tokens"] < 0.4 * report["catalogue_tokens"]
    text = _ols("tools", "filter-eval", *target)
    assert "held out" in text.stdout and "recall 1.000" in text.stdout
    hard = tmp_path / "hard.yaml"
    hard.write_text('questions: [{question: "which namespaces exist?", tools: [pods_exec]}]\n')
    missed = _ols("tools", "filter-eval", *target, "--questions", str(hard))
    assert missed.returncode == 1
    assert "miss: 'which namespaces exist?': needs ['pods_exec']" in missed.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions: [{question: 1}]\n")
    assert _ols("tools", "filter-eval", *target, "--questions", str(bad)).returncode == 2


def test_tools_call_prints_the_result_as_the_user(sandbox: SandboxHandle) -> None:
    ok = _ols(
        "tools",
        "call",
        "pods_list_in_namespace",
        "--args",
        '{"namespace": "team-b"}',
        "--sandbox",
        str(sandbox.state_dir),
        "--user",
        "bob",
    )
    assert ok.returncode == 0, ok.stderr
    assert "analytics-0" in ok.stdout
    refused = _ols(
        "tools",
        "call",
        "pods_list_in_namespace",
        "--args",
        '{"namespace": "team-a"}',
        "--sandbox",
        str(sandbox.state_dir),
        "--user",
        "bob",
    )
    assert refused.returncode == 1
    assert 'User "bob" cannot list resource "pods"' in refused.stderr


def test_tools_call_over_stdio_from_a_kubeconfig(sandbox: SandboxHandle) -> None:
    result = _ols(
        "tools",
        "call",
        "pods_get",
        "--args",
        '{"name": "analytics-0", "namespace": "team-b"}',
        "--output",
        "json",
        "--kubeconfig",
        str(sandbox.kubeconfig("bob")),
    )
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["status"] == "success"
    assert "analytics-0" in parsed["text"]
    assert sandbox.token("bob") not in result.stdout


def test_write_tools_need_approval(sandbox: SandboxHandle) -> None:
    args = json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "namespace": "team-a",
            "scale": 3,
        }
    )
    common = ["--sandbox", str(sandbox.state_dir), "--user", "alice"]
    before = len(sandbox.audit())
    refused = _ols("tools", "call", "resources_scale", "--args", args, *common, stdin="y\n")
    assert refused.returncode == 1
    assert "not read-only" in refused.stderr
    assert not [e for e in sandbox.audit()[before:] if e.get("subresource") == "scale"]
    approved = _ols("tools", "call", "resources_scale", "--args", args, *common, "--approve")
    assert approved.returncode == 0, approved.stderr
    assert [e for e in sandbox.audit()[before:] if e.get("subresource") == "scale"]


def test_tools_call_bad_input_is_a_clear_error(sandbox: SandboxHandle) -> None:
    not_json = _ols(
        "tools",
        "call",
        "pods_list",
        "--args",
        "{nope",
        "--sandbox",
        str(sandbox.state_dir),
        "--user",
        "bob",
    )
    assert not_json.returncode == 2
    assert "--args is not valid JSON" in not_json.stderr
    nobody = _ols(
        "tools", "call", "pods_list", "--sandbox", str(sandbox.state_dir), "--user", "mallory"
    )
    assert nobody.returncode == 2
    assert "has no user 'mallory'" in nobody.stderr
    no_token = _ols("tools", "list", "--sandbox", str(sandbox.state_dir))
    assert no_token.returncode == 1
    assert "No user token" in no_token.stderr
    nothing = _ols("tools", "list", "--token", "abc")
    assert nothing.returncode == 2
    assert "no MCP server to use" in nothing.stderr
    for result in (not_json, nobody, no_token, nothing):
        assert "Traceback" not in result.stderr
