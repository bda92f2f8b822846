"""`ols docs index|search|eval` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ols.launch import service_config
from tests.conftest import SandboxHandle


def _ols(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ols", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_docs_index_then_search(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "restarts.md").write_text("# Restarts\n## Fix\nSet DATABASE_URL.\n")
    (docs / "broken.md").write_text("---\ntitle: [\n---\n")
    index = tmp_path / "index"
    built = _ols("docs", "index", str(docs), "--index", str(index), "--base-url", "https://x/")
    assert built.returncode == 0, built.stderr
    assert "1 read" in built.stdout and "1 skipped" in built.stdout
    assert "loads in" in built.stdout
    assert "warning: skipped" in built.stderr and "broken.md" in built.stderr
    again = _ols("docs", "index", "--index", str(index))  # the same sources as last time
    assert again.returncode == 0 and "0 read, 1 unchanged" in again.stdout
    found = _ols("docs", "search", "database url", "--index", str(index))
    assert "Restarts — Fix  (https://x/restarts.md)" in found.stdout
    missing = _ols("docs", "search", "x", "--index", str(tmp_path / "none"))
    assert missing.returncode == 2 and "ols docs index" in missing.stderr


def test_docs_eval_reports_recall_and_fails_under_the_threshold(tmp_path: Path) -> None:
    result = _ols("docs", "eval")
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("recall@1"))
    recall_at_3 = float(line.split()[3])
    assert recall_at_3 >= 0.9
    strict = _ols("docs", "eval", "--threshold", "1.01")
    assert strict.returncode == 1 and "below the threshold" in strict.stderr
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "questions:\n  - {question: 'the image cannot be pulled', expect: no-such-page}\n"
    )
    missed = _ols("docs", "eval", "--questions", str(questions))
    assert missed.returncode == 1 and "miss:" in missed.stdout


def test_a_sandbox_service_answers_from_the_shipped_runbooks(sandbox: SandboxHandle) -> None:
    config, _ = service_config(sandbox=sandbox.state_dir, sandbox_docs=True)
    assert config.retrieval.index_dir == sandbox.state_dir.resolve() / "docs-index"
    assert (config.retrieval.index_dir / "manifest.json").is_file()
    plain, _ = service_config(sandbox=sandbox.state_dir)
    assert plain.retrieval.index_dir is None


def test_every_tool_the_runbooks_name_is_in_the_real_catalogue(sandbox: SandboxHandle) -> None:
    import re

    from ols.retrieval.index import shipped_runbooks

    listed = _ols("tools", "list", "--sandbox", str(sandbox.state_dir), "--user", "alice")
    assert listed.returncode == 0, listed.stderr
    catalogue = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    named = {
        name
        for page in shipped_runbooks().glob("*.md")
        for name in re.findall(r"`([a-z]+_[a-z_]+)`", page.read_text())
        if name.split("_")[0] in {"pods", "resources", "events", "nodes", "namespaces"}
    }
    assert len(named) >= 10
    assert named <= catalogue, named - catalogue
