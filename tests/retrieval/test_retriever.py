"""Choosing passages for a question: budget, follow-ups, references, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from ols.llm.tokens import count_tokens
from ols.retrieval.index import DocsIndex, index_runbooks
from ols.retrieval.retriever import PREAMBLE, Retriever, load_retriever
from ols.retrieval.settings import RetrievalSettings


@pytest.fixture(scope="module")
def runbooks(tmp_path_factory: pytest.TempPathFactory) -> DocsIndex:
    directory = tmp_path_factory.mktemp("runbooks-index")
    index_runbooks(directory)
    return DocsIndex.load(directory)


def test_the_best_passages_within_the_budget(runbooks: DocsIndex) -> None:
    retriever = Retriever(runbooks, RetrievalSettings(top_k=3, max_tokens=4000))
    context = retriever.retrieve("my pod is in CrashLoopBackOff and keeps restarting")
    assert 1 <= len(context.passages) <= 3
    assert context.passages[0].doc_id == "crash-loop"
    assert context.referenced_documents()[0] == {
        "doc_url": "runbooks/crash-loop.md",
        "doc_title": "Container keeps restarting (CrashLoopBackOff)",
    }
    # one entry per document, however many of its passages were given
    urls = [d["doc_url"] for d in context.referenced_documents()]
    assert len(urls) == len(set(urls))
    section = context.prompt_section()
    assert section.startswith(PREAMBLE)
    assert "[1] Container keeps restarting (CrashLoopBackOff)" in section
    assert "source: runbooks/crash-loop.md" in section

    small = Retriever(runbooks, RetrievalSettings(top_k=3, max_tokens=400))
    tight = small.retrieve("my pod is in CrashLoopBackOff and keeps restarting")
    assert count_tokens(tight.prompt_section()) <= 400 + 20
    assert small.retrieve("my pod is in CrashLoopBackOff", budget_tokens=100).passages == []


def test_nothing_matching_gives_no_context(runbooks: DocsIndex) -> None:
    context = Retriever(runbooks, RetrievalSettings()).retrieve("hello there")
    assert context.passages == [] and context.prompt_section() == ""
    assert context.referenced_documents() == []


def test_a_follow_up_is_searched_with_the_conversation(runbooks: DocsIndex) -> None:
    retriever = Retriever(runbooks, RetrievalSettings(top_k=1))
    alone = retriever.retrieve("and how do I fix that?")
    follow_up = retriever.retrieve(
        "and how do I fix that?", ["the worker was killed with exit code 137, out of memory"]
    )
    assert follow_up.passages[0].doc_id == "oom-killed"
    assert alone.passages == [] or alone.passages[0].doc_id != "oom-killed"


def test_passages_are_redacted(runbooks: DocsIndex) -> None:
    retriever = Retriever(runbooks, RetrievalSettings(), redact=lambda t: t.replace("a", "@"))
    context = retriever.retrieve("pod pending insufficient memory")
    assert context.passages and all("a" not in p.text for p in context.passages)


def test_each_passage_is_redacted_once_whatever_the_questions(runbooks: DocsIndex) -> None:
    redacted: list[str] = []

    def redact(text: str) -> str:
        redacted.append(text)
        return text.replace("a", "@")

    retriever = Retriever(runbooks, RetrievalSettings(), redact=redact)
    first = retriever.retrieve("pod pending insufficient memory")
    again = retriever.retrieve("pod pending insufficient memory")
    other = retriever.retrieve("the worker was killed with exit code 137, out of memory")
    assert first == again and first.passages
    assert all("a" not in p.text for p in [*again.passages, *other.passages])
    assert len(redacted) == len(set(redacted))


def test_no_index_configured_means_no_retriever() -> None:
    assert load_retriever(RetrievalSettings()) is None


def test_a_configured_index_loads(tmp_path: Path) -> None:
    index_runbooks(tmp_path)
    retriever = load_retriever(RetrievalSettings(index_dir=tmp_path))
    assert retriever is not None and len(retriever.index.passages) > 14


class _LengthEncoder:
    """A stand-in encoder: prefers texts whose length is close to the query's."""

    def encode(self, sentences: list[str]) -> list[list[float]]:
        return [[1.0, len(s) / 1000] for s in sentences]


def test_dense_reranking_keeps_the_index_interface(runbooks: DocsIndex) -> None:
    dense = runbooks.with_dense_reranking(_LengthEncoder(), candidates=10)
    lexical = runbooks.search("pod pending insufficient memory", 10)
    reranked = dense.search("pod pending insufficient memory", 10)
    assert {p.title for p, _ in reranked} == {p.title for p, _ in lexical}
    assert dense.search("hello there", 3) == []


def test_dense_reranking_without_the_package_fails_at_start(tmp_path: Path) -> None:
    from ols.errors import ConfigurationError

    try:
        # only whether the optional package is installed (it is not a dependency, so
        # mypy cannot find it and the name is unused)
        import sentence_transformers  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("sentence-transformers is installed")
    index_runbooks(tmp_path / "index")
    settings = RetrievalSettings(index_dir=tmp_path / "index", dense_model_path=tmp_path)
    with pytest.raises(ConfigurationError, match="sentence-transformers"):
        load_retriever(settings)
