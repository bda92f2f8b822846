"""`Ranker`: the best matches for a query among short texts, as `(position, score)` pairs.

The interface is deliberately small so any part can rank its own texts with it: passages of
documentation here, and MCP tools (name + description) per question for tool filtering:

    ranker = Bm25Ranker([f"{t.name} {t.description}" for t in tools])
    best = [tools[i] for i, _ in ranker.rank(question, k=10)]

- `Bm25Ranker`: lexical BM25 (bm25s) over texts split by a `Tokenizer` (`tokenize`, the
  documentation one, by default); can be saved and loaded.
- `DenseReranker`: re-orders another ranker's candidates by cosine similarity of embeddings
  from an `Encoder` (a sentence-transformers model on disk, `load_sentence_transformer`,
  or anything with the same `encode`). Nothing is ever downloaded.

Scores are comparable only within one ranker and one query; callers use the order.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import bm25s
import numpy as np

from ols.errors import ConfigurationError

_WORD = re.compile(r"[A-Za-z0-9]+(?:[_.\-/][A-Za-z0-9]+)*")
_SEPARATORS = re.compile(r"[_.\-/]")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN) | {"pod", "pods", "my", "me", "why", "how"}


def _stem(word: str) -> str:
    """A light English stemmer (plural, -ing, -ed, final e): enough to match "crashing",
    "crashes" and "crash", or "scheduled" and "schedule", without a stemming library."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if not word.endswith(suffix) or len(word) - len(suffix) < 3:
            continue
        if suffix == "es" and not word[:-2].endswith(("s", "x", "z", "ch", "sh")):
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            return word
        word = word[: -len(suffix)] + keep
        break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


class Tokenizer:
    """Lower-cased, stemmed words without `stopwords`. Identifiers also give their parts:
    `pods_list_in_namespace` adds list, namespace; with `split_camel_case` (the default)
    `CrashLoopBackOff` also adds crash, loop, back, off and `OOMKilled` oom, kill."""

    def __init__(
        self, stopwords: frozenset[str] = _STOPWORDS, *, split_camel_case: bool = True
    ) -> None:
        self.stopwords = stopwords
        self.split_camel_case = split_camel_case
        # Words repeat a lot across a corpus; caching makes tokenizing about ten times faster.
        self._word_tokens = functools.lru_cache(maxsize=65_536)(self._split)

    def __call__(self, text: str) -> list[str]:
        tokens: list[str] = []
        for match in _WORD.finditer(text):
            tokens.extend(self._word_tokens(match.group()))
        return tokens

    def _split(self, word: str) -> tuple[str, ...]:
        whole = word.lower()
        pieces = _SEPARATORS.split(word)
        if self.split_camel_case:
            pieces = [piece for part in pieces for piece in _CAMEL.findall(part)]
        parts = [piece.lower() for piece in pieces]
        tokens: list[str] = []
        if whole not in self.stopwords:
            # identifiers with separators (tool names, labels) are kept whole, unstemmed
            tokens.append(whole if _SEPARATORS.search(whole) else _stem(whole))
        if len(parts) > 1:
            tokens.extend(_stem(p) for p in parts if len(p) > 1 and p not in self.stopwords)
        return tuple(tokens)


tokenize = Tokenizer()
"""The tokenizer of documentation retrieval (and the default of `Bm25Ranker`)."""


class Ranker(Protocol):
    """The best `k` texts for `query`: `(position in the ranker's texts, score)`, best
    first; texts that do not match at all are left out, so fewer than `k` may come back."""

    def rank(self, query: str, k: int) -> list[tuple[int, float]]: ...


class Bm25Ranker:
    """BM25 over texts fixed at construction (or loaded from `save`)."""

    def __init__(
        self,
        texts: Sequence[str],
        tokenizer: Callable[[str], list[str]] = tokenize,
        *,
        length_weight: float = 0.75,
    ) -> None:
        """`length_weight` is BM25's b: how much a long text's matches are discounted."""
        self._model = bm25s.BM25(b=length_weight)
        self._size = len(texts)
        self._tokenize = tokenizer
        if texts:
            # An empty text would make bm25s drop the document; a placeholder keeps positions.
            corpus = [tokenizer(t) or [""] for t in texts]
            self._model.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return self._size

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._size:
            self._model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> Bm25Ranker:
        """A ranker saved with `save` over `size` texts (made with the default tokenizer)."""
        ranker = cls([])
        ranker._size = size
        if size:
            ranker._model = bm25s.BM25.load(str(directory), mmap=False, show_progress=False)
        return ranker

    def rank(self, query: str, k: int) -> list[tuple[int, float]]:
        tokens = self._tokenize(query)
        if not self._size or not tokens or k <= 0:
            return []
        ids = self._model.get_tokens_ids(tokens)
        if not ids:
            return []
        scores = np.asarray(self._model.get_scores(ids), dtype=float)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]


class Encoder(Protocol):
    """Turns texts into embedding vectors (one row per text), like sentence-transformers'
    `SentenceTransformer.encode`."""

    def encode(self, sentences: list[str]) -> Any: ...


def _normalised(vectors: Any) -> np.ndarray[Any, Any]:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    normalised: np.ndarray[Any, Any] = array / np.where(norms == 0, 1, norms)
    return normalised


class DenseReranker:
    """Re-orders the `candidates` best of `first` by cosine similarity of embeddings.

    The texts are encoded once, at construction; each query costs one encoding."""

    def __init__(
        self, first: Ranker, texts: Sequence[str], encoder: Encoder, candidates: int = 20
    ) -> None:
        self._first = first
        self._encoder = encoder
        self._candidates = candidates
        self._vectors = _normalised(encoder.encode(list(texts))) if texts else None

    def rank(self, query: str, k: int) -> list[tuple[int, float]]:
        found = self._first.rank(query, max(k, self._candidates))
        if not found or self._vectors is None or k <= 0:
            return []
        query_vector = _normalised(self._encoder.encode([query]))[0]
        scored = [(i, float(self._vectors[i] @ query_vector)) for i, _ in found]
        scored.sort(key=lambda item: -item[1])
        return scored[:k]


def load_sentence_transformer(path: Path) -> Encoder:
    """A sentence-transformers model from a local directory, never from a hub."""
    if not path.is_dir():
        raise ConfigurationError(
            f"retrieval.dense_model_path {path} is not a directory: point it to a "
            "sentence-transformers model saved on disk (nothing is downloaded)"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        # optional, not a dependency of ols (nor installed for mypy): hence the ignore
        from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ConfigurationError(
            "dense re-ranking (retrieval.dense_model_path) needs the sentence-transformers "
            "package, which ols does not install: `pip install sentence-transformers` into "
            "ols's environment, or remove retrieval.dense_model_path"
        ) from exc
    model: Encoder = SentenceTransformer(str(path), local_files_only=True)
    return model
