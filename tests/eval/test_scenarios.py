"""The scenario format, the built-in set, and the OpenShift Lightspeed importer."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ols.eval.scenarios import (
    BUILTIN_SCENARIOS,
    ScenarioError,
    load_ols_conversations,
    load_scenarios,
)
from ols.eval.scripted_llm import ToolCalls

REQUIRED_CATEGORIES = {
    "crash-loop",
    "image-pull",
    "oom-killed",
    "pending",
    "no-endpoints",
    "probes",
    "missing-config",
    "summary",
    "rbac",
    "secrets",
    "write",
    "follow-up",
    "openshift",
}


def test_the_builtin_set_covers_every_required_case() -> None:
    scenarios = load_scenarios([BUILTIN_SCENARIOS])
    assert len(scenarios) >= 25
    categories = Counter(s.category for s in scenarios)
    assert set(categories) >= REQUIRED_CATEGORIES
    assert all(s.script for s in scenarios), "every built-in scenario runs with --scripted"
    assert any(len(s.turns) > 1 for s in scenarios)
    assert {s.world for s in scenarios} == {"kubernetes", "openshift"}
    writes = [s for s in scenarios if s.category == "write"]
    assert all(s.expect.approval.expected for s in writes)
    assert {s.expect.approval.decision for s in writes} == {"approve", "reject"}
    rbac = [s for s in scenarios if s.category == "rbac"]
    assert any(s.user == "alice" and "team-b" in s.turns[0].question for s in rbac)
    assert all(s.expect.absent for s in rbac)


def test_question_and_follow_ups_are_shorthand_for_turns(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "- id: a\n  category: c\n  question: first?\n"
        "  follow_ups: ['second?', {question: 'third?', facts: [x]}]\n"
        "  script: [{tool_calls: [{name: pods_list, args: {}}]}, {reply: done}]\n"
    )
    (scenario,) = load_scenarios([path])
    assert [t.question for t in scenario.turns] == ["first?", "second?", "third?"]
    assert scenario.turns[2].facts[0].describe() == "x"
    first, _ = scenario.steps()
    assert isinstance(first, ToolCalls) and first.calls[0].name == "pods_list"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- id: a\n  category: c\n  question: [unclosed\n", "not valid YAML"),
        ("- id: a\n  category: c\n  question: q\n  colour: red\n", "colour: Extra inputs"),
        ("- id: a\n  category: c\n  question: q\n  world: mars\n", "unknown world 'mars'"),
        ("- id: A B\n  category: c\n  question: q\n", "(A B)"),
        ("- id: a\n  category: c\n  question: q\n  script: [{sing: x}]\n", "script step 1"),
        (
            "- id: a\n  category: c\n  question: q\n  expect: {facts: [{regex: '('}]}\n",
            "bad regular",
        ),
        ("- id: a\n  category: c\n  question: q\n- id: a\n  category: c\n  question: q\n", "twice"),
        ("- id: a\n  category: c\n", "turns: Field required"),
        ("just text\n", "expected a list of scenarios"),
    ],
)
def test_a_bad_scenario_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ScenarioError) as caught:
        load_scenarios([path])
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_path_or_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenarios([tmp_path / "nowhere"])
    with pytest.raises(ScenarioError, match=r"no \.yaml scenario files"):
        load_scenarios([tmp_path])


OLS_EVAL = """\
- conversation_group_id: crashloop_envvar
  description: api crash loop in team-a
  setup_script: scripts/setup.sh
  turns:
    - turn_id: "1"
      query: Why is the api pod in team-a crash looping?
      expected_response: The DATABASE_URL variable is missing.
      expected_keywords: [["DATABASE_URL"], ["env", "environment"]]
      expected_tool_calls:
        - - tool_name: pods_log
            arguments: {namespace: team-a, name: "api-.*"}
    - turn_id: "2"
      query: How do I fix it?
- conversation_group_id: Namespace Pod Count
  turns:
    - turn_id: "1"
      query: How many pods run in team-a?
      expected_tool_calls:
        - - - tool_name: pods_list_in_namespace
              arguments: {namespace: team-a}
        - []
"""


def test_lightspeed_evaluation_data_becomes_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "ols.yaml"
    path.write_text(OLS_EVAL)
    first, second = load_ols_conversations(path, user="bob")
    assert first.id == "crashloop_envvar"
    assert first.user == "bob" and first.category == "ols-import"
    assert [t.question for t in first.turns] == [
        "Why is the api pod in team-a crash looping?",
        "How do I fix it?",
    ]
    facts = first.turns[0].facts
    assert [f.found_in("set DATABASE_URL in the environment") for f in facts] == [True, True]
    assert not facts[1].found_in("DATABASE_URL")
    (call,) = first.expect.tools
    assert call.matches("pods_log", {"namespace": "team-a", "name": "api-5f6b8c9d47-x7kqp"})
    assert "not scored here: expected_response, setup_script" in first.description
    assert second.id == "namespace-pod-count"  # ids are made safe
    assert second.expect.tools[0].name == "pods_list_in_namespace"  # several sets: the first


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("conversation_group_id: x\n", "expected a list of conversation groups"),
        ("- conversation_group_id: x\n  turns: []\n", "no turns"),
        ("- conversation_group_id: x\n  turns: [{turn_id: '1'}]\n", "needs a `query`"),
        (
            "- turns: [{query: q, expected_tool_calls: [[{arguments: {}}]]}]\n",
            "without tool_name",
        ),
    ],
)
def test_bad_lightspeed_data_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "ols.yaml"
    path.write_text(content)
    with pytest.raises(ScenarioError, match=message):
        load_ols_conversations(path)
