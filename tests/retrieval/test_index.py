"""Building, updating and loading the index; the shipped runbooks."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from ols.errors import ConfigurationError
from ols.retrieval.index import (
    DocsIndex,
    build_index,
    index_runbooks,
    previous_build,
    shipped_runbooks,
)

# kubernetes-mcp-server 0.0.67's core toolset (docs/tools.md)
KNOWN_TOOLS = {
    "events_list",
    "namespaces_list",
    "projects_list",
    "nodes_log",
    "nodes_stats_summary",
    "nodes_top",
    "pods_list",
    "pods_list_in_namespace",
    "pods_get",
    "pods_log",
    "pods_top",
    "pods_exec",
    "pods_run",
    "pods_delete",
    "resources_list",
    "resources_get",
    "resources_create_or_update",
    "resources_delete",
    "resources_scale",
}
WRITE_TOOLS = {"resources_create_or_update", "resources_scale", "resources_delete", "pods_delete"}


def _corpus(root: Path) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# Alpha\n## Restarts\nThe container restarts.\n")
    (root / "docs" / "b.md").write_text("# Beta\n## Storage\nThe claim stays pending.\n")
    (root / "docs" / "ignored.png").write_bytes(b"\x89PNG")
    return root / "docs"


def test_build_search_and_load(tmp_path: Path) -> None:
    docs = _corpus(tmp_path)
    report = build_index([docs], tmp_path / "index", base_url="https://d.example/")
    assert (report.files_read, report.passages, report.documents) == (2, 2, 2)
    index = DocsIndex.load(tmp_path / "index")
    (passage, _), *_ = index.search("why does my container keep restarting", 3)
    assert (passage.doc_title, passage.section) == ("Alpha", "Restarts")
    assert passage.doc_url == "https://d.example/a.md"
    assert previous_build(tmp_path / "index") == ([docs.resolve()], "https://d.example/")


def test_reindexing_reads_only_changed_files(tmp_path: Path) -> None:
    docs = _corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index([docs], index_dir)
    unchanged = build_index([docs], index_dir)
    assert (unchanged.files_read, unchanged.files_unchanged) == (0, 2)

    (docs / "a.md").write_text("# Alpha\n## Restarts\nThe container is OOMKilled.\n")
    changed = build_index([docs], index_dir)
    assert (changed.files_read, changed.files_unchanged) == (1, 1)
    assert DocsIndex.load(index_dir).search("oomkilled", 1)[0][0].doc_title == "Alpha"
    assert DocsIndex.load(index_dir).search("restarts", 3)[0][0].doc_title == "Alpha"

    # a new mtime with the same content: the hash says nothing changed
    stat = (docs / "b.md").stat()
    os.utime(docs / "b.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
    touched = build_index([docs], index_dir)
    assert (touched.files_read, touched.files_unchanged) == (0, 2)

    (docs / "c.md").write_text("# Gamma\nNew page about quotas.\n")
    (docs / "a.md").unlink()
    moved = build_index([docs], index_dir)
    assert (moved.files_read, moved.files_unchanged, moved.files_removed) == (1, 1, 1)
    titles = {p.doc_title for p in DocsIndex.load(index_dir).passages}
    assert titles == {"Beta", "Gamma"}

    # another base URL changes every URL: everything is read again
    rebased = build_index([docs], index_dir, base_url="https://other/")
    assert rebased.files_read == 2


def test_a_malformed_file_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    docs = _corpus(tmp_path)
    (docs / "broken.md").write_text("---\ntitle: [oops\n---\n# Broken\n")
    (docs / "latin1.txt").write_bytes(b"caf\xe9")
    with caplog.at_level(logging.WARNING, logger="ols.retrieval.index"):
        report = build_index([docs], tmp_path / "index")
    assert report.files_read == 2
    assert sorted(Path(p).name for p, _ in report.skipped) == ["broken.md", "latin1.txt"]
    assert "skipped" in caplog.text and "broken.md" in caplog.text
    assert len(DocsIndex.load(tmp_path / "index").passages) == 2
    # still skipped, and still reported, next time
    assert len(build_index([docs], tmp_path / "index").skipped) == 2


def test_missing_index_or_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ols docs index"):
        DocsIndex.load(tmp_path / "nothing")
    with pytest.raises(ConfigurationError, match="no such file"):
        build_index([tmp_path / "missing"], tmp_path / "index")


def test_an_empty_corpus_gives_an_empty_index(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = build_index([tmp_path / "empty"], tmp_path / "index")
    assert report.passages == 0
    assert DocsIndex.load(tmp_path / "index").search("anything", 3) == []


def test_shipped_runbooks_follow_the_template(tmp_path: Path) -> None:
    report = index_runbooks(tmp_path / "index")
    assert report.skipped == []
    index = DocsIndex.load(tmp_path / "index")
    by_doc: dict[str, set[str]] = {}
    for passage in index.passages:
        by_doc.setdefault(passage.doc_id, set()).add(passage.section)
        assert passage.doc_url == f"runbooks/{passage.doc_id}.md"
    assert len(by_doc) >= 14
    for doc_id, sections in by_doc.items():
        assert {
            "Symptoms",
            "Confirm with read-only tool calls",
            "Likely causes",
            "Fixes",
        } <= sections, doc_id
    for page in shipped_runbooks().glob("*.md"):
        text = page.read_text()
        named = set(re.findall(r"`([a-z]+_[a-z_]+)`", text))
        tools = {n for n in named if n.split("_")[0] in {"pods", "resources", "events", "nodes"}}
        assert tools <= KNOWN_TOOLS, (page.name, tools - KNOWN_TOOLS)
        fixes = text.split("## Fixes", 1)[1]
        assert set(re.findall(r"`([a-z]+_[a-z_]+)`", fixes)) & WRITE_TOOLS, page.name
        confirm = text.split("## Confirm", 1)[1].split("## Likely causes", 1)[0]
        assert not set(re.findall(r"`([a-z]+_[a-z_]+)`", confirm)) & WRITE_TOOLS, page.name
