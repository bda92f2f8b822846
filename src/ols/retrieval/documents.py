"""Documents into passages: Markdown, AsciiDoc, HTML and plain text, split by headings.

Each passage keeps its document's title, its section heading and where it came from: a
URL from the front matter (`url:`; HTML: `<link rel="canonical">`), else the configured
base URL joined with the path under the indexed directory, else that relative path.
Sections longer than `MAX_PASSAGE_CHARS` are cut at paragraph boundaries.

Front matter (Markdown and AsciiDoc) is YAML between `---` lines: `title`, `url`, `id`.
A file that cannot be read as UTF-8 text or whose front matter is broken raises
`DocumentError`; the indexer skips it with a warning.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

MAX_PASSAGE_CHARS = 2400
SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".adoc": "asciidoc",
    ".asciidoc": "asciidoc",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".text": "text",
}


class DocumentError(Exception):
    """A file that cannot be turned into passages (its reason says why)."""


@dataclass(frozen=True)
class Passage:
    doc_id: str
    doc_title: str
    doc_url: str
    section: str  # the heading the text sits under ("" for a document's opening text)
    text: str
    source: str  # the file it came from

    @property
    def title(self) -> str:
        return f"{self.doc_title} — {self.section}" if self.section else self.doc_title

    def search_text(self) -> str:
        """What the ranker sees: titles count as words of the passage too."""
        return f"{self.doc_title}\n{self.section}\n{self.text}"

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Passage:
        return cls(**data)


@dataclass(frozen=True)
class _Section:
    heading: str
    text: str


@dataclass(frozen=True)
class _Parsed:
    title: str | None
    meta: dict[str, Any]
    sections: list[_Section]


def read_passages(path: Path, root: Path, base_url: str | None = None) -> list[Passage]:
    """The passages of one file; `root` is the indexed directory it was found under."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(f"unsupported file type {path.suffix!r}")
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise DocumentError(f"cannot read it: {exc.strerror}") from exc
    if "\x00" in raw:
        raise DocumentError("binary content (NUL bytes)")
    parsed = _PARSERS[kind](raw)
    relative = path.relative_to(root).as_posix() if path != root else path.name
    meta = parsed.meta
    title = str(meta.get("title") or parsed.title or path.stem.replace("-", " ").strip())
    url = str(meta.get("url") or ((base_url or "") + relative))
    doc_id = str(meta.get("id") or path.stem)
    passages: list[Passage] = []
    for section in parsed.sections:
        for chunk in _chunks(section.text):
            passages.append(Passage(doc_id, title, url, section.heading, chunk, str(path)))
    return passages


def _chunks(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    if len(text) <= MAX_PASSAGE_CHARS:
        return [text]
    chunks: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text):
        while len(paragraph) > MAX_PASSAGE_CHARS:  # one huge paragraph: cut at a line
            cut = paragraph.rfind("\n", 0, MAX_PASSAGE_CHARS)
            cut = cut if cut > 0 else MAX_PASSAGE_CHARS
            if current:
                chunks.append(current)
                current = ""
            chunks.append(paragraph[:cut].strip())
            paragraph = paragraph[cut:].strip()
        if current and len(current) + len(paragraph) + 2 > MAX_PASSAGE_CHARS:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def _front_matter(raw: str) -> tuple[dict[str, Any], str]:
    if not raw.startswith("---"):
        return {}, raw
    match = re.match(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", raw, re.DOTALL)
    if match is None:
        raise DocumentError("front matter opened with --- is never closed")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise DocumentError("front matter is not a mapping of keys to values")
    return meta, raw[match.end() :]


def _by_headings(lines: list[str], heading: re.Pattern[str], fence: re.Pattern[str]) -> _Parsed:
    """Sections under headings matched by `heading` (group 1: the marks, 2: the text);
    lines inside fenced blocks are never headings. The first top-level heading is the
    title."""
    title: str | None = None
    sections: list[_Section] = []
    current_heading, body = "", []
    in_fence = False
    for line in lines:
        if fence.match(line):
            in_fence = not in_fence
        match = None if in_fence else heading.match(line)
        if match is None:
            body.append(line)
            continue
        sections.append(_Section(current_heading, "\n".join(body)))
        text = match.group(2).strip().strip("#").strip()
        if title is None and len(match.group(1)) == 1:
            title, current_heading = text, ""
        else:
            current_heading = text
        body = []
    sections.append(_Section(current_heading, "\n".join(body)))
    return _Parsed(title, {}, [s for s in sections if s.text.strip()])


def _markdown(raw: str) -> _Parsed:
    meta, body = _front_matter(raw)
    parsed = _by_headings(
        body.splitlines(), re.compile(r"^(#{1,6})\s+(.+)$"), re.compile(r"^\s*(```|~~~)")
    )
    return _Parsed(parsed.title, meta, parsed.sections)


def _asciidoc(raw: str) -> _Parsed:
    meta, body = _front_matter(raw)
    lines = body.splitlines()
    for line in lines:  # document attributes: `:url:` and `:id:` work like front matter
        attribute = re.match(r"^:(url|id|title):\s*(.+)$", line)
        if attribute:
            meta.setdefault(attribute.group(1), attribute.group(2).strip())
    lines = [line for line in lines if not re.match(r"^:[\w-]+:", line)]
    parsed = _by_headings(
        lines, re.compile(r"^(={1,6})\s+(.+)$"), re.compile(r"^(----|\.\.\.\.|````)\s*$")
    )
    return _Parsed(parsed.title, meta, parsed.sections)


def _text(raw: str) -> _Parsed:
    return _Parsed(None, {}, [_Section("", raw)])


class _HtmlSections(HTMLParser):
    _SKIP = frozenset({"script", "style", "nav", "header", "footer", "noscript"})
    _BLOCKS = frozenset({"p", "li", "pre", "tr", "div", "br", "dt", "dd", "section", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, Any] = {}
        self.page_title: str | None = None
        self.h1: str | None = None
        self.sections: list[_Section] = []
        self._heading = ""
        self._body: list[str] = []
        self._skipping = 0
        self._capture: str | None = None  # "title" or "h1".."h6"
        self._captured: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self._SKIP:
            self._skipping += 1
        elif tag == "link" and values.get("rel") == "canonical" and values.get("href"):
            self.meta.setdefault("url", values["href"])
        elif tag == "meta" and values.get("property") == "og:url" and values.get("content"):
            self.meta.setdefault("url", values["content"])
        elif tag == "title" or re.fullmatch(r"h[1-6]", tag):
            self._capture, self._captured = tag, []
        elif tag in self._BLOCKS:
            self._body.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag == self._capture:
            text = " ".join("".join(self._captured).split())
            self._capture = None
            if tag == "title":
                self.page_title = text
            elif tag == "h1" and self.h1 is None:
                self._close()
                self.h1, self._heading = text, ""
            else:
                self._close()
                self._heading = text
        elif tag in self._BLOCKS:
            self._body.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._capture is not None:
            self._captured.append(data)
        else:
            self._body.append(data)

    def _close(self) -> None:
        text = "\n".join(" ".join(line.split()) for line in "".join(self._body).splitlines())
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
        if text:
            self.sections.append(_Section(self._heading, text))
        self._body = []


def _html(raw: str) -> _Parsed:
    parser = _HtmlSections()
    parser.feed(raw)
    parser.close()
    parser._close()
    return _Parsed(parser.h1 or parser.page_title, parser.meta, parser.sections)


_PARSERS = {"markdown": _markdown, "asciidoc": _asciidoc, "html": _html, "text": _text}
