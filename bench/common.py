"""What the benchmarks under bench/ share: versions of the tools measured, where the ols
code came from, the nearest-rank percentile, and writing results as JSON beside Markdown."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

import ols


def tool_version(argv: list[str]) -> str:
    """The first line a tool prints for its version, or why there is none."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def ols_source() -> str:
    """Where the measured ols code came from: its path and, in a checkout, the commit."""
    where = Path(ols.__file__).resolve().parent
    described = tool_version(["git", "-C", str(where), "describe", "--always", "--dirty"])
    return f"{where} (git {described})"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def write_results(out: Path, results: dict[str, Any], table: str) -> Path:
    """`out` (JSON) and the Markdown table beside it; returns the table's path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    markdown = out.with_suffix(".md")
    markdown.write_text(table)
    return markdown
