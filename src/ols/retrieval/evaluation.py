"""Retrieval quality: labelled questions -> the document that should come back.

The questions file is YAML: `questions: [{question, expect}]`, `expect` being a document id
(front matter `id`, else the file name without its extension). A document is ranked by its
best passage; recall@k is the share of questions whose document is among the first k.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ols.errors import ConfigurationError
from ols.retrieval.index import DocsIndex


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    expect: str


@dataclass
class EvalResult:
    total: int = 0
    ranks: list[int | None] = field(default_factory=list)  # 1-based rank of the expected doc
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)  # not in the top 3

    def recall_at(self, k: int) -> float:
        if not self.total:
            return 0.0
        return sum(1 for r in self.ranks if r is not None and r <= k) / self.total


def default_questions() -> Path:
    return Path(__file__).parent / "eval" / "runbook-questions.yaml"


def load_questions(path: Path) -> list[LabelledQuestion]:
    try:
        raw = yaml.safe_load(path.read_text())
        items = raw["questions"]
        questions = [LabelledQuestion(str(q["question"]), str(q["expect"])) for q in items]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigurationError(
            f"{path}: expected YAML `questions: [{{question, expect}}]` ({exc})"
        ) from exc
    return questions


def ranked_documents(index: DocsIndex, question: str, k: int) -> list[str]:
    """Document ids in the order of their best passage, at most k."""
    ids: list[str] = []
    for passage, _ in index.search(question, max(k * 10, 30)):
        if passage.doc_id not in ids:
            ids.append(passage.doc_id)
        if len(ids) == k:
            break
    return ids


def evaluate(index: DocsIndex, questions: list[LabelledQuestion]) -> EvalResult:
    result = EvalResult(total=len(questions))
    for item in questions:
        found = ranked_documents(index, item.question, 10)
        rank = found.index(item.expect) + 1 if item.expect in found else None
        result.ranks.append(rank)
        if rank is None or rank > 3:
            result.misses.append((item.question, item.expect, found[:3]))
    return result
