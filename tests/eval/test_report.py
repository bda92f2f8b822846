"""The HTML report escapes everything a run produced."""

from __future__ import annotations

from ols.eval.report import render_html, report_data
from ols.eval.runner import Result
from ols.eval.scenarios import Scenario
from ols.eval.scoring import CallRecord, RunRecord, TurnRecord, score


def test_model_text_and_tool_output_are_escaped_in_the_page() -> None:
    scenario = Scenario.model_validate(
        {"id": "x", "category": "<b>cat</b>", "question": "<img src=x onerror=alert(1)>?"}
    )
    run = RunRecord(
        "x",
        turns=[TurnRecord("q", answer="<script>alert('answer')</script>")],
        calls=[CallRecord("pods_log", {"name": "<i>"}, 0, 1, "success", "<script>log</script>")],
    )
    data = report_data([Result(scenario, run, score(scenario, run))], model="<m>", mode="model")
    page = render_html(data)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;answer&#x27;)&lt;/script&gt;" in page
    assert "<img" not in page and "<b>cat" not in page
    assert "Content-Security-Policy" in page
