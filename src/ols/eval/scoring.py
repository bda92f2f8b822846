"""Scoring one scenario run: pure functions over what the service answered.

A run passes when every expected call was made (recall 1), no forbidden tool was asked
for, every fact is in its answer, every piece of evidence is in the tool results, nothing
that must stay absent appears anywhere, approval was asked exactly when expected, no turn
took more rounds than allowed, and nothing failed along the way. Precision (how many of
the calls made were expected ones) is reported, not required: looking around is allowed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ols.eval.scenarios import ExpectedCall, Pattern, Scenario


@dataclass
class CallRecord:
    """One tool call the model asked for, with what came of it."""

    name: str
    args: dict[str, Any]
    turn: int
    round: int
    status: str = "not_run"
    """success | error | truncated, or not_run (awaiting approval or rejected)."""
    content: str = ""


@dataclass
class ApprovalRecord:
    tool: str
    args: dict[str, Any]
    turn: int
    decision: str


@dataclass
class TurnRecord:
    question: str
    answer: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    rounds: int = 0
    references: list[str] = field(default_factory=list)
    """The titles of the documents the service gave the model (referenced_documents)."""


@dataclass
class RunRecord:
    """Everything a scenario run produced; the scorer's only input besides the scenario."""

    scenario_id: str
    turns: list[TurnRecord] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    approvals: list[ApprovalRecord] = field(default_factory=list)
    error: str | None = None
    """Set when the run could not finish (HTTP error, LLM failure, harness problem)."""
    model_inputs: list[str] | None = None
    """With the scripted LLM: the text of every request sent to the model."""
    unoffered_calls: list[str] = field(default_factory=list)
    """With the scripted LLM: tools the script called that the service had not offered the
    model in that request (tool filtering left out a tool the scenario needs)."""
    prompt_parts: list[dict[str, int]] = field(default_factory=list)
    """With the scripted LLM: estimated prompt tokens of each request, by part."""
    script_left: int | None = None
    """With the scripted LLM: steps not consumed (a run that asked the model less than the
    script expects did not go the way the scenario says)."""


@dataclass
class Score:
    scenario_id: str
    category: str
    passed: bool
    tool_recall: float
    tool_precision: float | None
    """None when the scenario expects no call (nothing to be precise about)."""
    missing_calls: list[str]
    unexpected_calls: list[str]
    forbidden_calls: list[str]
    missing_facts: list[str]
    missing_evidence: list[str]
    leaks: list[str]
    approval_ok: bool
    rounds: int
    input_tokens: int
    output_tokens: int
    seconds: float
    failures: list[str]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def score(scenario: Scenario, run: RunRecord) -> Score:
    expect = scenario.expect
    failures: list[str] = []
    if run.error:
        failures.append(f"run failed: {run.error}")
    if run.script_left:
        failures.append(f"{run.script_left} scripted model step(s) never requested")
    if run.unoffered_calls:
        failures.append(
            f"tools needed but not offered to the model: {', '.join(run.unoffered_calls)}"
        )

    recall, precision, missing, unexpected = tool_match(expect.tools, run.calls)
    if missing:
        failures.append(f"expected calls not made: {', '.join(missing)}")

    forbidden = sorted({c.name for c in run.calls if c.name in expect.forbidden_tools})
    if forbidden:
        failures.append(f"forbidden tools asked for: {', '.join(forbidden)}")

    missing_facts: list[str] = []
    for index, turn in enumerate(scenario.turns):
        answer = run.turns[index].answer if index < len(run.turns) else ""
        missing_facts += [
            f"turn {index + 1}: {p.describe()}" for p in turn.facts if not p.found_in(answer)
        ]
    final = run.turns[-1].answer if run.turns else ""
    missing_facts += [p.describe() for p in expect.facts if not p.found_in(final)]
    if missing_facts:
        failures.append(f"facts missing from the answer: {'; '.join(missing_facts)}")

    results = "\n".join(c.content for c in run.calls)
    missing_evidence = [p.describe() for p in expect.evidence if not p.found_in(results)]
    if missing_evidence:
        failures.append(f"evidence missing from the tool results: {'; '.join(missing_evidence)}")

    leaks = find_leaks(expect.absent, run)
    if leaks:
        failures.append(f"must not appear, but did: {'; '.join(leaks)}")

    approval_problem = approval_check(scenario, run)
    if approval_problem:
        failures.append(approval_problem)

    rounds = max((t.rounds for t in run.turns), default=0)
    if expect.max_rounds is not None and rounds > expect.max_rounds:
        failures.append(f"{rounds} rounds in a turn, at most {expect.max_rounds} expected")

    return Score(
        scenario_id=scenario.id,
        category=scenario.category,
        passed=not failures,
        tool_recall=recall,
        tool_precision=precision,
        missing_calls=missing,
        unexpected_calls=unexpected,
        forbidden_calls=forbidden,
        missing_facts=missing_facts,
        missing_evidence=missing_evidence,
        leaks=leaks,
        approval_ok=approval_problem is None,
        rounds=rounds,
        input_tokens=sum(t.input_tokens for t in run.turns),
        output_tokens=sum(t.output_tokens for t in run.turns),
        seconds=round(sum(t.seconds for t in run.turns), 3),
        failures=failures,
    )


def tool_match(
    expected: tuple[ExpectedCall, ...], calls: list[CallRecord]
) -> tuple[float, float | None, list[str], list[str]]:
    """(recall, precision, expected calls not made, calls made that no expectation names).

    Order is free. Each expected call is matched by a different call made; a call made
    counts towards precision when it matches any expected call (repeats included)."""
    unused = list(range(len(calls)))
    missing: list[str] = []
    for want in expected:
        hit = next((i for i in unused if want.matches(calls[i].name, calls[i].args)), None)
        if hit is None:
            missing.append(want.describe())
        else:
            unused.remove(hit)
    recall = 1.0 if not expected else (len(expected) - len(missing)) / len(expected)
    relevant = [c for c in calls if any(w.matches(c.name, c.args) for w in expected)]
    unexpected = [c.name for c in calls if c not in relevant]
    precision: float | None = None
    if expected:
        precision = round(len(relevant) / len(calls), 4) if calls else 0.0
    return round(recall, 4), precision, missing, unexpected


def find_leaks(absent: tuple[Pattern, ...], run: RunRecord) -> list[str]:
    """Each absent pattern found, with where: answers, tool results, the model's input."""
    places = {
        "an answer": "\n".join(t.answer for t in run.turns),
        "a tool result": "\n".join(c.content for c in run.calls),
        "the model's input": "\n".join(run.model_inputs or []),
    }
    return [
        f"{pattern.describe()} in {place}"
        for pattern in absent
        for place, text in places.items()
        if pattern.found_in(text)
    ]


def approval_check(scenario: Scenario, run: RunRecord) -> str | None:
    """None when approval was asked exactly as the scenario expects, else why not."""
    want = scenario.expect.approval
    if not want.expected:
        if run.approvals:
            asked = ", ".join(a.tool for a in run.approvals)
            return f"approval asked for ({asked}) where none was expected"
        return None
    if not run.approvals:
        return "an approval was expected but none was asked for"
    if want.tool and all(a.tool != want.tool for a in run.approvals):
        asked = ", ".join(a.tool for a in run.approvals)
        return f"approval expected for {want.tool}, asked for {asked}"
    return None


@dataclass
class Summary:
    scenarios: int
    passed: int
    pass_rate: float
    tool_recall: float
    tool_precision: float | None
    forbidden_violations: int
    leaks: int
    approvals_ok: int
    input_tokens: int
    output_tokens: int
    seconds: float
    by_category: dict[str, dict[str, float]]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def summarise(scores: list[Score]) -> Summary:
    count = len(scores)

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    categories: dict[str, list[Score]] = {}
    for item in scores:
        categories.setdefault(item.category, []).append(item)
    return Summary(
        scenarios=count,
        passed=sum(s.passed for s in scores),
        pass_rate=mean([float(s.passed) for s in scores]),
        tool_recall=mean([s.tool_recall for s in scores]),
        tool_precision=(
            mean(defined)
            if (defined := [s.tool_precision for s in scores if s.tool_precision is not None])
            else None
        ),
        forbidden_violations=sum(len(s.forbidden_calls) for s in scores),
        leaks=sum(len(s.leaks) for s in scores),
        approvals_ok=sum(s.approval_ok for s in scores),
        input_tokens=sum(s.input_tokens for s in scores),
        output_tokens=sum(s.output_tokens for s in scores),
        seconds=round(sum(s.seconds for s in scores), 3),
        by_category={
            name: {
                "scenarios": len(items),
                "passed": sum(s.passed for s in items),
                "pass_rate": mean([float(s.passed) for s in items]),
            }
            for name, items in sorted(categories.items())
        },
    )
