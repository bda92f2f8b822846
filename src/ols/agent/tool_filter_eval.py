"""How well tool filtering chooses: labelled questions -> the tools that must be offered.

The questions file is YAML: `questions: [{question, tools, earlier?, held_out?}]`; each
entry of `tools` is a tool name or a list of names any one of which will do. A question is
recalled when every entry is offered. `eval/tool-questions.yaml` (package data) is the
built-in set; `ols tools filter-eval` prints the report against a live catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ols.agent.loop import openai_tools
from ols.agent.tool_filter import ToolFilter
from ols.errors import ConfigurationError
from ols.tools.catalogue import ToolSpec

DEFAULT_QUESTIONS = Path(__file__).parent / "eval" / "tool-questions.yaml"


class ToolQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    tools: tuple[str | tuple[str, ...], ...]
    earlier: tuple[str, ...] = ()
    held_out: bool = False

    def missed(self, offered: set[str]) -> list[str]:
        """The entries of `tools` that `offered` does not satisfy."""
        needs = [(need,) if isinstance(need, str) else need for need in self.tools]
        return [" or ".join(need) for need in needs if offered.isdisjoint(need)]


class _QuestionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questions: list[ToolQuestion]


def load_tool_questions(path: Path = DEFAULT_QUESTIONS) -> list[ToolQuestion]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _QuestionsFile.model_validate(data).questions
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"tool questions {path}: {exc}") from exc


def schema_tokens(specs: Sequence[ToolSpec]) -> int:
    """Estimated tokens of these tools' schemas as the model is sent them (four characters
    a token of their JSON, the estimate bench/prompt_footprint.py uses)."""
    if not specs:
        return 0
    return (len(json.dumps(openai_tools(specs), ensure_ascii=False)) + 3) // 4


@dataclass
class SelectionScore:
    questions: int = 0
    recalled: int = 0
    offered_tokens: list[int] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.recalled / self.questions if self.questions else 0.0

    @property
    def mean_tokens(self) -> float:
        return sum(self.offered_tokens) / len(self.offered_tokens) if self.offered_tokens else 0.0


@dataclass
class SelectionReport:
    all: SelectionScore
    tuned: SelectionScore
    held_out: SelectionScore
    catalogue_tokens: int
    misses: list[tuple[ToolQuestion, list[str], list[str]]]  # question, missed, offered

    def as_dict(self) -> dict[str, Any]:
        def score(s: SelectionScore) -> dict[str, Any]:
            return {"questions": s.questions, "recall": s.recall, "mean_tokens": s.mean_tokens}

        return {
            "all": score(self.all),
            "tuned": score(self.tuned),
            "held_out": score(self.held_out),
            "catalogue_tokens": self.catalogue_tokens,
            "misses": [
                {"question": q.question, "missed": missed, "offered": offered}
                for q, missed, offered in self.misses
            ],
        }


def evaluate_tool_filter(
    tool_filter: ToolFilter, catalogue: Mapping[str, ToolSpec], questions: Sequence[ToolQuestion]
) -> SelectionReport:
    """Recall (every needed tool offered) and mean offered schema tokens over `questions`.

    A question naming a tool the catalogue lacks counts as missed: the set and the
    catalogue disagree, which should be seen, not hidden."""
    report = SelectionReport(
        SelectionScore(),
        SelectionScore(),
        SelectionScore(),
        schema_tokens(list(catalogue.values())),
        [],
    )
    for question in questions:
        names = tool_filter.select(catalogue, [*question.earlier, question.question])
        offered = sorted(catalogue) if names is None else names
        tokens = schema_tokens([catalogue[name] for name in offered])
        missed = question.missed(set(offered))
        for score in (report.all, report.held_out if question.held_out else report.tuned):
            score.questions += 1
            score.recalled += not missed
            score.offered_tokens.append(tokens)
        if missed:
            report.misses.append((question, missed, offered))
    return report
