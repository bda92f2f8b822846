"""Documentation index: build, re-index and load times, and search latency.

    .venv/bin/python bench/docs_index.py [--copies N] [--queries Q]

Indexes the shipped runbooks, then a larger corpus made of N copies of them (each copy in
its own folder, so N x 14 files), and for each reports: a cold build, a re-index with
nothing changed, a re-index with one file changed, loading the index (what a service start
pays), and the median time of one search. Nothing is sent anywhere; it writes only under a
temporary directory.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from ols.retrieval.evaluation import default_questions, load_questions
from ols.retrieval.index import DocsIndex, build_index, shipped_runbooks


def _measure(corpus: Path, index_dir: Path, questions: list[str]) -> dict[str, float]:
    cold = build_index([corpus], index_dir)
    warm = build_index([corpus], index_dir)
    one = next(corpus.rglob("*.md"))
    one.write_text(one.read_text() + "\nOne more line.\n")
    changed = build_index([corpus], index_dir)
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        index = DocsIndex.load(index_dir)
        loads.append(time.perf_counter() - started)
    searches = []
    for question in questions:
        started = time.perf_counter()
        index.search(question, 9)
        searches.append(time.perf_counter() - started)
    return {
        "files": cold.files_read,
        "passages": cold.passages,
        "build_ms": cold.seconds * 1000,
        "reindex_unchanged_ms": warm.seconds * 1000,
        "reindex_one_changed_ms": changed.seconds * 1000,
        "files_read_on_change": changed.files_read,
        "load_ms": statistics.median(loads) * 1000,
        "search_ms": statistics.median(searches) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    args = parser.parse_args()
    questions = [q.question for q in load_questions(default_questions())]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        small = root / "runbooks"
        shutil.copytree(shipped_runbooks(), small)
        large = root / "large"
        for n in range(args.copies):
            shutil.copytree(shipped_runbooks(), large / f"copy-{n:04d}")
        rows = {
            "shipped runbooks": _measure(small, root / "index-small", questions),
            f"{args.copies} copies": _measure(large, root / "index-large", questions),
        }
    keys = list(next(iter(rows.values())))
    print(f"{'corpus':<18}" + "".join(f"{k:>24}" for k in keys))
    for name, row in rows.items():
        print(f"{name:<18}" + "".join(f"{row[k]:>24.1f}" for k in keys))


if __name__ == "__main__":
    main()
