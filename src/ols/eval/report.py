"""What an evaluation tells people: a summary table on the terminal, `report.json` for
machines, and `report.html`, one self-contained page with charts (inline SVG drawn by
matplotlib; no script, no style sheet or font from anywhere else, so it opens offline)."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ols.eval.runner import Result
from ols.eval.scoring import Summary, summarise

REPORT_VERSION = 1


def report_data(results: Sequence[Result], *, model: str, mode: str) -> dict[str, Any]:
    summary = summarise([r.score for r in results])
    return {
        "version": REPORT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": model,
        "mode": mode,
        "summary": summary.as_json(),
        "scenarios": [
            {
                "id": r.scenario.id,
                "category": r.scenario.category,
                "user": r.scenario.user,
                "world": r.scenario.world,
                "questions": [t.question for t in r.scenario.turns],
                "score": r.score.as_json(),
                "answers": [t.answer for t in r.run.turns],
                "references": [t.references for t in r.run.turns],
                "prompt_parts": r.run.prompt_parts,
                "calls": [asdict(c) | {"content": _clip(c.content)} for c in r.run.calls],
                "approvals": [asdict(a) for a in r.run.approvals],
                "error": r.run.error,
            }
            for r in results
        ],
    }


def write_reports(
    results: Sequence[Result], directory: Path, *, model: str, mode: str
) -> tuple[Path, Path]:
    """report.json and report.html in `directory` (created); returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    data = report_data(results, model=model, mode=mode)
    json_path = directory / "report.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path = directory / "report.html"
    html_path.write_text(render_html(data), encoding="utf-8")
    return json_path, html_path


def print_summary(results: Sequence[Result], console: Console) -> Summary:
    table = Table(title="ols eval", show_lines=False)
    for column in (
        "scenario",
        "category",
        "pass",
        "recall",
        "precision",
        "rounds",
        "tokens in/out",
        "s",
    ):
        table.add_column(
            column, justify="right" if column in {"recall", "precision", "rounds", "s"} else "left"
        )
    for r in results:
        s = r.score
        table.add_row(
            s.scenario_id,
            s.category,
            "[green]pass[/]" if s.passed else "[red]FAIL[/]",
            f"{s.tool_recall:.2f}",
            _ratio(s.tool_precision),
            str(s.rounds),
            f"{s.input_tokens}/{s.output_tokens}",
            f"{s.seconds:.2f}",
        )
    console.print(table)
    for r in results:
        for failure in r.score.failures:
            console.print(
                Text.assemble((r.score.scenario_id, "red"), f": {failure}"), soft_wrap=True
            )
    summary = summarise([r.score for r in results])
    console.print(
        f"{summary.passed}/{summary.scenarios} passed ({summary.pass_rate:.0%}); "
        f"tool recall {summary.tool_recall:.2f}, precision {_ratio(summary.tool_precision)}; "
        f"forbidden calls {summary.forbidden_violations}; leaks {summary.leaks}; "
        f"approvals as expected {summary.approvals_ok}/{summary.scenarios}; "
        f"tokens {summary.input_tokens} in / {summary.output_tokens} out; {summary.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    return summary


# --- HTML --------------------------------------------------------------------------------

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
       color: #1d2430; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; font-size: 1.2rem; }
.meta { color: #5b6472; } .cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid #d5d9e0; border-radius: 6px; padding: .6rem .9rem; min-width: 9rem; }
.card b { display: block; font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border-bottom: 1px solid #e3e6eb; padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #17733a; font-weight: 600; } .fail { color: #b3261e; font-weight: 600; }
.charts svg { max-width: 100%; height: auto; }
details { margin: .2rem 0; } pre { white-space: pre-wrap; background: #f5f6f8; padding: .5rem; }
@media (prefers-color-scheme: dark) {
  body { color: #e4e7ec; background: #15181d; } .card, th, td { border-color: #343a44; }
  pre { background: #1f232a; } .meta { color: #a0a8b5; } .charts svg { background: #fff; }
}
"""


def render_html(data: dict[str, Any]) -> str:
    """The one-page report; every value from a run is escaped."""
    summary = data["summary"]
    scenarios = data["scenarios"]
    e = html.escape
    cards = [
        ("passed", f"{summary['passed']}/{summary['scenarios']}"),
        ("pass rate", f"{summary['pass_rate']:.0%}"),
        ("tool recall", f"{summary['tool_recall']:.2f}"),
        ("tool precision", _ratio(summary["tool_precision"])),
        ("forbidden calls", str(summary["forbidden_violations"])),
        ("leaks", str(summary["leaks"])),
        ("tokens in / out", f"{summary['input_tokens']} / {summary['output_tokens']}"),
        ("total time", f"{summary['seconds']:.1f} s"),
    ]
    rows = []
    for item in scenarios:
        s = item["score"]
        verdict = (
            '<span class="pass">pass</span>' if s["passed"] else '<span class="fail">FAIL</span>'
        )
        failures = "".join(f"<li>{e(f)}</li>" for f in s["failures"])
        answer = e(item["answers"][-1] if item["answers"] else "")
        calls = "".join(
            f"<li><code>{e(c['name'])}</code> {e(json.dumps(c['args'], ensure_ascii=False))}"
            f" &rarr; {e(c['status'])}</li>"
            for c in item["calls"]
        )
        detail = (
            f"<details><summary>{e(item['questions'][0])}</summary>"
            f"{'<ul>' + failures + '</ul>' if failures else ''}"
            f"<p>Tool calls:</p><ul>{calls or '<li>none</li>'}</ul>"
            f"<p>Answer:</p><pre>{answer}</pre></details>"
        )
        rows.append(
            f"<tr><td>{e(item['id'])}</td><td>{e(item['category'])}</td><td>{e(item['user'])}</td>"
            f"<td>{verdict}</td><td class=num>{s['tool_recall']:.2f}</td>"
            f"<td class=num>{_ratio(s['tool_precision'])}</td><td class=num>{s['rounds']}</td>"
            f"<td class=num>{s['input_tokens']}/{s['output_tokens']}</td>"
            f"<td class=num>{s['seconds']:.2f}</td><td>{detail}</td></tr>"
        )
    charts = "".join(f"<figure>{svg}</figure>" for svg in _charts(data))
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>ols eval: {e(data['model'])}</title><style>{_CSS}</style></head><body>"
        f"<h1>ols eval</h1><p class=meta>model {e(data['model'])} ({e(data['mode'])}), "
        f"{e(data['created'])}, {summary['scenarios']} scenarios</p>"
        '<div class="cards">'
        + "".join(f'<div class="card">{e(k)}<b>{e(v)}</b></div>' for k, v in cards)
        + "</div>"
        f'<h2>Charts</h2><div class="charts">{charts}</div>'
        "<h2>Scenarios</h2><table><thead><tr><th>scenario</th><th>category</th><th>user</th>"
        "<th>result</th><th>recall</th><th>precision</th><th>rounds</th><th>tokens in/out</th>"
        "<th>s</th><th>question, calls, answer</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>\n"
    )


def _charts(data: dict[str, Any]) -> list[str]:
    """Pass rate by category; tokens per scenario; latency per scenario (SVG strings)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9})
    categories = data["summary"]["by_category"]
    scenarios = data["scenarios"]
    ids = [s["id"] for s in scenarios]
    svgs: list[str] = []

    fig, ax = plt.subplots(figsize=(8, 0.35 * len(categories) + 1.2))
    names = list(categories)
    rates = [categories[n]["pass_rate"] * 100 for n in names]
    ax.barh(names, rates, color=["#2e8b57" if r == 100 else "#c0392b" for r in rates])
    ax.set_xlim(0, 100)
    ax.set_xlabel("pass rate (%)")
    ax.set_title("Pass rate by category")
    ax.invert_yaxis()
    for y, n in enumerate(names):
        ax.text(
            1,
            y,
            f"{categories[n]['passed']}/{categories[n]['scenarios']}",
            va="center",
            color="white",
        )
    svgs.append(_svg(fig))

    height = 0.25 * len(ids) + 1.2
    fig, ax = plt.subplots(figsize=(8, height))
    inputs = [s["score"]["input_tokens"] for s in scenarios]
    outputs = [s["score"]["output_tokens"] for s in scenarios]
    ax.barh(ids, inputs, color="#4a6fa5", label="input")
    ax.barh(ids, outputs, left=inputs, color="#e0a030", label="output")
    ax.set_xlabel("tokens")
    ax.set_title("Tokens per scenario")
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    svgs.append(_svg(fig))

    fig, ax = plt.subplots(figsize=(8, height))
    seconds = [s["score"]["seconds"] for s in scenarios]
    colours = ["#2e8b57" if s["score"]["passed"] else "#c0392b" for s in scenarios]
    ax.barh(ids, seconds, color=colours)
    ax.set_xlabel("seconds (all turns, approvals included)")
    ax.set_title("Latency per scenario (green: passed)")
    ax.invert_yaxis()
    svgs.append(_svg(fig))
    return svgs


def _svg(fig: Any) -> str:
    from matplotlib import pyplot as plt

    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _clip(text: str, limit: int = 4000) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text)} characters in all)"
