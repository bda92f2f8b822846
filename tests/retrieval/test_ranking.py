"""The generic ranker: BM25 over short texts, optional dense re-ranking."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ols.errors import ConfigurationError
from ols.retrieval.ranking import (
    Bm25Ranker,
    DenseReranker,
    Tokenizer,
    load_sentence_transformer,
    tokenize,
)

TOOLS = [
    "pods_list_in_namespace List all the Kubernetes pods in the specified namespace",
    "pods_log Get the logs of a Kubernetes Pod, including a previous container",
    "events_list List all the Kubernetes events in the cluster",
    "resources_scale Scale a Deployment or StatefulSet to a number of replicas",
    "nodes_top List the resource consumption (CPU and memory) of Nodes",
]


def test_tokenize_splits_identifiers_stems_and_drops_stopwords() -> None:
    tokens = tokenize("Why is my pod in CrashLoopBackOff? pods_log says OOMKilled; restarting")
    assert {"crashloopbackoff", "crash", "loop", "back", "off", "pods_log", "log"} <= set(tokens)
    assert {"oomkill", "oom", "kill", "restart"} <= set(tokens)
    assert not {"why", "is", "my", "in"} & set(tokens)
    assert tokenize("crashes") == tokenize("crashing") == tokenize("crash")
    assert tokenize("images") == tokenize("image")
    assert tokenize("scheduled") == tokenize("schedule")


def test_a_tokenizer_can_keep_camel_case_whole_and_choose_its_stopwords() -> None:
    words = Tokenizer(frozenset({"show"}), split_camel_case=False)
    assert words("show apiVersion pods_log") == ["apiversion", "pods_log", "pod", "log"]
    ranker = Bm25Ranker(["by apiVersion and kind", "the api server's log"], tokenizer=words)
    assert [i for i, _ in ranker.rank("the api pod", 2)] == [1]
    assert [i for i, _ in Bm25Ranker(["by apiVersion and kind"]).rank("api", 1)] == [0]


def test_bm25_ranks_tool_descriptions_for_a_question(tmp_path: Path) -> None:
    ranker = Bm25Ranker(TOOLS)
    best = ranker.rank("show me the logs of the crashed container", 2)
    assert best[0][0] == 1
    assert all(score > 0 for _, score in best)
    assert [i for i, _ in ranker.rank("scale my deployment to 3 replicas", 1)] == [3]
    assert ranker.rank("zzz unknown words", 3) == []
    assert ranker.rank("", 3) == []
    assert Bm25Ranker([]).rank("logs", 3) == []
    ranker.save(tmp_path / "bm25")
    again = Bm25Ranker.load(tmp_path / "bm25", len(TOOLS))
    assert again.rank("memory of nodes", 5) == ranker.rank("memory of nodes", 5)
    assert len(again) == len(TOOLS)


def test_a_text_without_words_keeps_the_positions() -> None:
    ranker = Bm25Ranker(["...", "the logs of a pod"])
    assert [i for i, _ in ranker.rank("logs", 2)] == [1]


class _KeywordEncoder:
    """A stand-in for a sentence-transformers model: one dimension per concept."""

    CONCEPTS = ("memory", "log", "scale")

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, sentences: list[str]) -> np.ndarray:
        self.calls.append(sentences)
        return np.array(
            [[len(re.findall(c, s.lower())) for c in self.CONCEPTS] for s in sentences],
            dtype=np.float32,
        )


def test_dense_reranking_reorders_the_lexical_candidates() -> None:
    encoder = _KeywordEncoder()
    texts = [
        "nodes list nodes list, and their memory",
        "nodes list with memory memory memory",
    ]
    lexical = Bm25Ranker(texts)
    assert lexical.rank("nodes list memory", 2)[0][0] == 0
    dense = DenseReranker(lexical, texts, encoder, candidates=5)
    ranked = dense.rank("memory", 2)
    assert [i for i, _ in ranked] == [1, 0]
    assert len(encoder.calls) == 2  # the texts once, then the query
    assert dense.rank("unrelated", 2) == []


def test_a_sentence_transformer_must_be_on_disk_and_installed(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a directory"):
        load_sentence_transformer(tmp_path / "missing")
    try:
        # only whether the optional package is installed (it is not a dependency, so
        # mypy cannot find it and the name is unused)
        import sentence_transformers  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigurationError, match="sentence-transformers"):
            load_sentence_transformer(tmp_path)
