"""markdown.js in the browser: what it renders, and that no input makes it produce anything
but a few plain elements with safe attributes."""

from __future__ import annotations

import random
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.service import ServiceHandle
from tests.web.conftest import NewPage

RENDER = """async (inputs) => {
  const { renderMarkdown } = await import("/web/markdown.js");
  return inputs.map((text) => {
    const box = document.createElement("div");
    box.append(renderMarkdown(text));
    const elements = [...box.querySelectorAll("*")];
    return {
      html: box.innerHTML,
      text: box.textContent,
      tags: [...new Set(elements.map((e) => e.localName))],
      attributes: [...new Set(elements.flatMap((e) => e.getAttributeNames()))],
      hrefs: elements.filter((e) => e.hasAttribute("href")).map((e) => e.getAttribute("href")),
    };
  });
}"""
ALLOWED_TAGS = {
    "p", "h3", "h4", "h5", "h6", "pre", "code", "ul", "ol", "li", "blockquote", "hr", "table",
    "thead", "tbody", "tr", "th", "td", "div", "strong", "em", "a", "span", "br",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"href", "rel", "target", "start", "scope", "class", "data-language"}
HOSTILE = [
    "<script>window.olsInjected = 1</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](//evil.example/)",
    "![i](https://evil.example/i.png)",
    "http://a.example/<svg/onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "**",
    "`",
    "_",
    "|",
    "```",
    "> ",
    "- ",
    "1. ",
    "# ",
    "    ",
    "\n",
    "\n\n",
    "| a | b |\n|---|---|\n",
    "&lt;b&gt;",
    "<style>body{display:none}</style>",
    '" onmouseover="alert(1)',
]


@pytest.fixture
def page(web_service: ServiceHandle, new_page: NewPage) -> Page:
    page = new_page()
    page.goto(web_service.url + "/")
    return page


def _render(page: Page, inputs: list[str]) -> list[dict[str, Any]]:
    return list(page.evaluate(RENDER, inputs))


def test_markdown_renders_what_answers_use(page: Page) -> None:
    cases = {
        "# Title": "<h3>Title</h3>",
        "### Small": "<h5>Small</h5>",
        "a **b** *c* `d` __e__ _f_": (
            "<p>a <strong>b</strong> <em>c</em> <code>d</code> <strong>e</strong> <em>f</em></p>"
        ),
        "DATABASE_URL and my_var_name stay as written": (
            "<p>DATABASE_URL and my_var_name stay as written</p>"
        ),
        "```yaml\nkey: <b>value</b>\n```": (
            '<pre><code data-language="yaml">key: &lt;b&gt;value&lt;/b&gt;</code></pre>'
        ),
        "- one\n- two **2**": "<ul><li><p>one</p></li><li><p>two <strong>2</strong></p></li></ul>",
        "3. three\n4. four": '<ol start="3"><li><p>three</p></li><li><p>four</p></li></ol>',
        "> quoted": "<blockquote><p>quoted</p></blockquote>",
        "| pod | status |\n|---|---|\n| api | `CrashLoopBackOff` |": (
            '<div class="table-scroll"><table><thead><tr><th scope="col">pod</th>'
            '<th scope="col">status</th></tr></thead><tbody><tr><td>api</td>'
            "<td><code>CrashLoopBackOff</code></td></tr></tbody></table></div>"
        ),
        "[docs](https://kubernetes.io/docs/)": (
            '<p><a href="https://kubernetes.io/docs/" rel="noopener noreferrer nofollow" '
            'target="_blank">docs</a></p>'
        ),
        "[run](javascript:alert(1))": "<p><span>run</span></p>",
        "<b>not bold</b>": "<p>&lt;b&gt;not bold&lt;/b&gt;</p>",
        "line one\nline two": "<p>line one\nline two</p>",
        "---": "<hr>",
    }
    rendered = _render(page, list(cases))
    assert {text: r["html"] for text, r in zip(cases, rendered, strict=True)} == cases


def test_no_input_produces_markup_of_its_own(page: Page) -> None:
    chooser = random.Random(10)  # noqa: S311 (a repeatable corpus, not a secret)
    pieces = [*HOSTILE, "text ", "**bold** ", "`x` "]
    inputs = HOSTILE + ["".join(chooser.choice(pieces) for _ in range(6)) for _ in range(400)]
    for text, result in zip(inputs, _render(page, inputs), strict=True):
        assert set(result["tags"]) <= ALLOWED_TAGS, text
        assert set(result["attributes"]) <= ALLOWED_ATTRIBUTES, text
        assert all(href.startswith(("http://", "https://")) for href in result["hrefs"]), text
        if "<script>" in text and "`" not in text:
            assert "<script>" in result["text"], text  # shown, not dropped
    assert page.evaluate("() => window.olsInjected") is None
