"""The on-disk index: passages and their sources as JSON beside the BM25 files.

    DIR/manifest.json   format, base URL, the indexed paths, and per file its mtime, size,
                        sha256 and which passages it gave
    DIR/passages.json   every passage (title, section, URL, text, source file)
    DIR/bm25/           the bm25s index over the passages' search text

`build_index` re-reads only files whose size or mtime changed (and whose content hash
differs); files that are gone drop out. The BM25 part is rebuilt from all passages each
time, which takes milliseconds for thousands of passages. Files that cannot be read are
skipped with a warning and tried again next time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ols.errors import ConfigurationError
from ols.retrieval.documents import SUFFIXES, DocumentError, Passage, read_passages
from ols.retrieval.ranking import Bm25Ranker, DenseReranker, Encoder, Ranker

log = logging.getLogger(__name__)
FORMAT = 1
MANIFEST = "manifest.json"
PASSAGES = "passages.json"
BM25_DIR = "bm25"


# The shipped runbooks' URLs: their path in the ols source tree, under the package.
RUNBOOKS_BASE_URL = "runbooks/"


def shipped_runbooks() -> Path:
    """The runbooks that come with ols (the default corpus)."""
    return Path(__file__).parent / "runbooks"


def default_base_url(paths: Sequence[Path]) -> str | None:
    """`RUNBOOKS_BASE_URL` when only the shipped runbooks are indexed."""
    shipped = shipped_runbooks().resolve()
    return RUNBOOKS_BASE_URL if [p.resolve() for p in paths] == [shipped] else None


def index_runbooks(index_dir: Path) -> IndexReport:
    """Create or update an index of the shipped runbooks alone."""
    return build_index([shipped_runbooks()], index_dir, base_url=RUNBOOKS_BASE_URL)


def update_index(
    index_dir: Path, paths: Sequence[Path] = (), base_url: str | None = None
) -> IndexReport:
    """`build_index` with defaults: no paths means what the index was built from last
    time (its base URL too), and for a new index ols's own runbooks."""
    last_sources, last_base_url = previous_build(index_dir)
    sources = list(paths or last_sources or [shipped_runbooks()])
    prefix = base_url or (last_base_url if not paths else None) or default_base_url(sources)
    return build_index(sources, index_dir, base_url=prefix)


@dataclass
class IndexReport:
    files_read: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    passages: int = 0
    documents: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.passages} passages from {self.documents} documents; files: "
            f"{self.files_read} read, {self.files_unchanged} unchanged, "
            f"{self.files_removed} removed, {len(self.skipped)} skipped; "
            f"{self.seconds * 1000:.0f} ms"
        )


def _discover(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """(file, the root it was found under), in a stable order."""
    found: list[tuple[Path, Path]] = []
    for given in paths:
        path = given.resolve()
        if path.is_file():
            found.append((path, path.parent))
        elif path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            found.extend((p, path) for p in files)
        else:
            raise ConfigurationError(f"cannot index {given}: no such file or directory")
    return found


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_json(path: Path, value: Any) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(value, ensure_ascii=False))
    os.replace(temporary, path)


def previous_build(index_dir: Path) -> tuple[list[Path], str | None]:
    """The paths and base URL the index in `index_dir` was last built with ([] if none)."""
    manifest = _read_json(index_dir / MANIFEST)
    if not isinstance(manifest, dict):
        return [], None
    return [Path(p) for p in manifest.get("sources", [])], manifest.get("base_url")


def build_index(
    paths: Sequence[Path], index_dir: Path, *, base_url: str | None = None
) -> IndexReport:
    """Create or update the index in `index_dir` from files and directories."""
    started = time.monotonic()
    report = IndexReport()
    index_dir.mkdir(parents=True, exist_ok=True)
    manifest = _read_json(index_dir / MANIFEST)
    old_passages = _read_json(index_dir / PASSAGES)
    previous: dict[str, Any] = {}
    if (
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and manifest.get("base_url") == base_url
        and isinstance(old_passages, list)
    ):
        previous = manifest.get("files", {})
    files: dict[str, Any] = {}
    passages: list[Passage] = []
    for path, root in _discover(paths):
        key = str(path)
        if key in files:
            continue
        stat = path.stat()
        old = previous.get(key)
        kept: list[Passage] | None = None
        digest = ""
        if old and old["mtime_ns"] == stat.st_mtime_ns and old["size"] == stat.st_size:
            digest = old["sha256"]
            kept = _slice(old_passages, old)
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if old and old["sha256"] == digest:
                kept = _slice(old_passages, old)
        if kept is not None:
            report.files_unchanged += 1
        else:
            try:
                kept = read_passages(path, root, base_url)
            except DocumentError as exc:
                log.warning("skipped %s: %s", path, exc)
                report.skipped.append((key, str(exc)))
                continue
            report.files_read += 1
        files[key] = {
            "mtime_ns": stat.st_mtime_ns,
            "size": stat.st_size,
            "sha256": digest,
            "first": len(passages),
            "count": len(kept),
        }
        passages.extend(kept)
    report.files_removed = len(set(previous) - set(files))
    unchanged = report.files_read == 0 and list(files) == list(previous)
    if not (unchanged and (index_dir / BM25_DIR).is_dir()):
        _save(index_dir, passages)
    _write_json(
        index_dir / MANIFEST,
        {
            "format": FORMAT,
            "base_url": base_url,
            "sources": [str(p.resolve()) for p in paths],
            "files": files,
        },
    )
    report.passages = len(passages)
    report.documents = len({p.doc_url for p in passages})
    report.seconds = time.monotonic() - started
    return report


def _slice(old_passages: Any, entry: dict[str, Any]) -> list[Passage]:
    first, count = entry["first"], entry["count"]
    return [Passage.from_json(p) for p in old_passages[first : first + count]]


def _save(index_dir: Path, passages: list[Passage]) -> None:
    ranker = Bm25Ranker([p.search_text() for p in passages])
    fresh = index_dir / f"{BM25_DIR}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    ranker.save(fresh)
    target = index_dir / BM25_DIR
    shutil.rmtree(target, ignore_errors=True)
    os.replace(fresh, target)
    _write_json(index_dir / PASSAGES, [p.to_json() for p in passages])


class DocsIndex:
    """Passages and a ranker over them; `search` gives the best passages for a query."""

    def __init__(self, passages: Sequence[Passage], ranker: Ranker) -> None:
        self.passages = list(passages)
        self.ranker = ranker
        self.load_seconds = 0.0

    @classmethod
    def load(cls, index_dir: Path) -> DocsIndex:
        started = time.monotonic()
        raw = _read_json(index_dir / PASSAGES)
        if not isinstance(raw, list) or not (index_dir / MANIFEST).is_file():
            raise ConfigurationError(
                f"no documentation index in {index_dir}: build one with "
                f"`ols docs index PATH... --index {index_dir}` (no PATH: ols's own runbooks)"
            )
        passages = [Passage.from_json(p) for p in raw]
        index = cls(passages, Bm25Ranker.load(index_dir / BM25_DIR, len(passages)))
        index.load_seconds = time.monotonic() - started
        return index

    def with_dense_reranking(self, encoder: Encoder, candidates: int = 20) -> DocsIndex:
        """The same passages, the BM25 candidates re-ordered by `encoder`'s embeddings."""
        reranker = DenseReranker(
            self.ranker, [p.search_text() for p in self.passages], encoder, candidates
        )
        index = DocsIndex(self.passages, reranker)
        index.load_seconds = self.load_seconds
        return index

    @property
    def documents(self) -> int:
        return len({p.doc_url for p in self.passages})

    def search(self, query: str, k: int) -> list[tuple[Passage, float]]:
        return [(self.passages[i], score) for i, score in self.ranker.rank(query, k)]
