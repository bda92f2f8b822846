"""Reading documents into passages: split by headings, titles and sources kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from ols.retrieval.documents import MAX_PASSAGE_CHARS, DocumentError, read_passages


def _write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_markdown_sections_keep_the_document_title_and_source(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "guides/restarts.md",
        "---\nid: restarts\ntitle: Restarting containers\n---\n"
        "Opening words.\n\n# Ignored H1\n\n## Symptoms\nIt restarts.\n\n"
        "```sh\n# not a heading\nkubectl get pods\n```\n\n## Fixes\nSet the variable.\n"
        "### Empty\n",
    )
    passages = read_passages(path, tmp_path, "https://docs.example.com/")
    assert [(p.section, p.text.splitlines()[0]) for p in passages] == [
        ("", "Opening words."),
        ("Symptoms", "It restarts."),
        ("Fixes", "Set the variable."),
    ]
    assert "# not a heading" in passages[1].text
    assert {p.doc_title for p in passages} == {"Restarting containers"}
    assert {p.doc_id for p in passages} == {"restarts"}
    assert {p.doc_url for p in passages} == {"https://docs.example.com/guides/restarts.md"}
    assert passages[1].title == "Restarting containers — Symptoms"
    assert passages[1].source == str(path)


def test_front_matter_url_wins_and_without_base_url_the_path_is_the_url(tmp_path: Path) -> None:
    with_url = _write(tmp_path, "a.md", "---\nurl: https://wiki.example.com/a\n---\n# A\ntext\n")
    without = _write(tmp_path, "sub/b.md", "# Title from H1\n\nbody\n")
    assert read_passages(with_url, tmp_path, "https://ignored/")[0].doc_url == (
        "https://wiki.example.com/a"
    )
    b = read_passages(without, tmp_path)[0]
    assert (b.doc_url, b.doc_title, b.doc_id) == ("sub/b.md", "Title from H1", "b")


def test_asciidoc_html_and_text(tmp_path: Path) -> None:
    adoc = _write(
        tmp_path,
        "nodes.adoc",
        "= Node troubleshooting\n:url: https://docs.example.com/nodes\n\n== Not ready\n"
        "Check the kubelet.\n\n----\n== inside a listing\n----\n\n== Pressure\nFree disk.\n",
    )
    html = _write(
        tmp_path,
        "page.html",
        "<html><head><title>Page</title>"
        '<link rel="canonical" href="https://docs.example.com/page"><style>x{}</style></head>'
        "<body><nav>menu</nav><h1>Storage</h1><p>Intro &amp; more.</p>"
        "<h2>Claims</h2><p>A claim binds.</p><ul><li>one</li><li>two</li></ul>"
        "<script>alert(1)</script></body></html>",
    )
    text = _write(tmp_path, "notes.txt", "plain notes\n\nsecond paragraph\n")
    a = read_passages(adoc, tmp_path)
    assert [p.section for p in a] == ["Not ready", "Pressure"]
    assert "== inside a listing" in a[0].text
    assert {(p.doc_title, p.doc_url) for p in a} == {
        ("Node troubleshooting", "https://docs.example.com/nodes")
    }
    h = read_passages(html, tmp_path)
    assert [(p.section, p.text) for p in h] == [
        ("", "Intro & more."),
        ("Claims", "A claim binds.\n\none\n\ntwo"),
    ]
    assert {(p.doc_title, p.doc_url) for p in h} == {("Storage", "https://docs.example.com/page")}
    t = read_passages(text, tmp_path)
    assert [(p.doc_title, p.section, p.doc_url) for p in t] == [("notes", "", "notes.txt")]


def test_long_sections_are_cut_at_paragraphs(tmp_path: Path) -> None:
    paragraph = ("word " * 100).strip()
    path = _write(tmp_path, "long.md", "# Long\n## Part\n" + "\n\n".join([paragraph] * 20))
    passages = read_passages(path, tmp_path)
    assert len(passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)
    assert all(p.section == "Part" and p.doc_title == "Long" for p in passages)
    assert sum(p.text.count("word") for p in passages) == 2000


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad-yaml.md", "---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
        ("open.md", "---\ntitle: x\nbody without an end\n", "never closed"),
        ("list.md", "---\n- a\n- b\n---\nbody\n", "not a mapping"),
        ("latin1.md", b"# caf\xe9\n", "not UTF-8"),
        ("binary.txt", "a\x00b", "binary"),
    ],
)
def test_malformed_files_raise_document_error(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(DocumentError, match=reason):
        read_passages(path, tmp_path)
