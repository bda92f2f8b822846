"""The page itself: served locally with a strict CSP, error banners a person can act on,
usable by keyboard, labelled, readable on a phone-width screen in the dark scheme."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Request, Route, expect

from ols.api.web import WEB_DIR
from tests.conftest import SandboxHandle
from tests.support.scripted_llm import ScriptedLLM, reply, tool_calls
from tests.support.service import ServiceHandle, llm_settings, start_service, stop_service
from tests.web.conftest import NewPage, ask, screenshot, sign_in

SCALE_TO_4 = (
    "resources_scale",
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "namespace": "team-a",
        "scale": 4,
    },
)
DEPLOYMENT = "/apis/apps/v1/namespaces/team-a/deployments/web"


@pytest.fixture
def limited_service(web_sandbox: SandboxHandle, tmp_path: Path) -> Iterator[ServiceHandle]:
    """A service with no LLM and one request a minute per user."""
    handle = start_service(
        web_sandbox,
        tmp_path / "ols.sqlite3",
        llm={"url": None, "model": None},
        safety={"limits": {"requests_per_minute": 1}},
    )
    yield handle
    stop_service(handle)


def test_the_page_and_its_files_carry_a_strict_csp(web_service: ServiceHandle) -> None:
    with httpx2.Client(base_url=web_service.url) as client:
        for path in ("/", "/web/app.js", "/web/markdown.js", "/web/app.css", "/web/icon.svg"):
            response = client.get(path)
            assert response.status_code == 200, path
            policy = response.headers["content-security-policy"]
            directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
            assert directives["script-src"] == "'self'"
            assert directives["style-src"] == "'self'"
            assert directives["default-src"] == "'self'"
            assert directives["object-src"] == "'none'"
            assert directives["frame-ancestors"] == "'none'"
            assert "unsafe" not in policy
            assert response.headers["x-content-type-options"] == "nosniff"
        assert client.get("/").headers["content-type"].startswith("text/html")
        assert client.get("/web/app.js").headers["content-type"].startswith("text/javascript")
        for missing in ("/web/nope.js", "/web/..%2Fweb.py", "/web/%2e%2e/app.py"):
            assert client.get(missing).status_code == 404, missing
        paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not [p for p in paths if p.startswith("/web")]


def test_no_inline_script_or_style_in_the_page() -> None:
    html = (WEB_DIR / "index.html").read_text()
    assert re.findall(r"<script\b[^>]*>", html) == ['<script type="module" src="/web/app.js">']
    assert "<style" not in html and "style=" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    for name in ("app.js", "markdown.js"):
        source = (WEB_DIR / name).read_text()
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source, name
        assert "eval(" not in source and "new Function" not in source, name
        assert "localStorage" not in source and "document.cookie" not in source, name


def test_everything_comes_from_the_service_and_nothing_breaks_the_csp(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    page = new_page()
    requested: list[str] = []
    console: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, web_service, "alice")
    scripted_llm.script(
        reply("A [link](https://example.com/docs) and ![an image](https://example.com/x.png).")
    )
    ask(page, "Any docs?")
    expect(page.locator(".turn").last.get_by_role("button", name="Good answer")).to_be_visible()
    assert requested and all(url.startswith(web_service.url + "/") for url in requested)
    assert {url.removeprefix(web_service.url) for url in requested} >= {
        "/",
        "/web/app.js",
        "/web/markdown.js",
        "/web/app.css",
        "/authorized",
        "/v1/conversations",
        "/v1/streaming_query",
    }
    assert not [text for text in console if "Content Security Policy" in text]
    # Links open elsewhere without a referrer; an image is never loaded, it is a link too.
    links = page.locator(".turn .answer a")
    expect(links).to_have_count(2)
    expect(links.first).to_have_attribute("href", "https://example.com/docs")
    expect(links.first).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(links.nth(1)).to_have_attribute("href", "https://example.com/x.png")
    assert page.locator(".turn .answer img").count() == 0


def test_a_rejected_token_is_a_403_banner_and_is_not_kept(
    web_service: ServiceHandle, new_page: NewPage
) -> None:
    page = new_page()
    page.goto(web_service.url + "/")
    page.get_by_label("Your cluster bearer token").fill(web_service.sandbox.info["invalid_token"])
    page.get_by_role("button", name="Sign in").click()
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Access denied")
    screenshot(page, "11-banner-403")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0


def test_a_401_signs_out_with_a_banner(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    page = new_page()
    sign_in(page, web_service, "alice")

    def without_token(route: Route, request: Request) -> None:
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        route.continue_(headers=headers)

    # The real service answers 401 to a request that arrives without the header.
    page.route("**/v1/streaming_query", without_token)
    page.get_by_label("Your question").fill("hello?")
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_role("alert")).to_contain_text("sign in with your token")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('ols.token')") is None
    assert scripted_llm.requests == []


def test_no_llm_is_a_503_banner_and_the_rate_limit_a_429_banner(
    limited_service: ServiceHandle, new_page: NewPage
) -> None:
    page = new_page()
    sign_in(page, limited_service, "alice")
    ask_box = page.get_by_label("Your question")
    ask_box.fill("Why is the api pod crash-looping?")
    ask_box.press("Enter")
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("No LLM is configured")
    expect(banner).to_contain_text("OLS_LLM_URL")
    screenshot(page, "12-banner-503")
    expect(ask_box).to_have_value("Why is the api pod crash-looping?")  # nothing lost
    ask_box.press("Enter")
    expect(banner).to_contain_text("Too many requests")
    expect(banner).to_contain_text(re.compile(r"at most 1 per minute; retry in \d+ s"))
    screenshot(page, "13-banner-429")
    page.get_by_role("button", name="Dismiss the message").click()
    expect(banner).to_be_hidden()


def test_phone_width_dark_scheme_keyboard_only(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    page = new_page(phone=True, dark=True)
    page.goto(web_service.url + "/")
    # Keyboard only: the token field has the focus; Enter signs in.
    expect(page.get_by_label("Your cluster bearer token")).to_be_focused()
    page.keyboard.type(web_service.sandbox.token("alice"))
    page.keyboard.press("Enter")
    expect(page.locator("#username")).to_have_text("alice")
    for _ in range(40):
        if page.evaluate("() => document.activeElement.id") == "question":
            break
        page.keyboard.press("Tab")
    expect(page.get_by_label("Your question")).to_be_focused()
    scripted_llm.script(tool_calls(SCALE_TO_4), reply("web runs 4 replicas now."))
    page.keyboard.type("Scale web to 4")
    page.keyboard.press("Enter")
    approve = page.locator(".card.approval").get_by_role("button", name="Approve")
    expect(approve).to_be_focused()  # the decision is the next thing to do
    screenshot(page, "10-phone-dark-approval")
    page.keyboard.press("Enter")
    expect(page.locator(".turn .answer")).to_have_text("web runs 4 replicas now.")
    screenshot(page, "10-phone-dark-answered")
    with web_service.sandbox.client("admin") as admin:
        assert admin.get(DEPLOYMENT).json()["spec"]["replicas"] == 4
        admin.patch(
            DEPLOYMENT + "/scale",
            content=json.dumps({"spec": {"replicas": 3}}),
            headers={"Content-Type": "application/merge-patch+json"},
        )

    # Readable on a phone: nothing wider than the screen, dark colours in use.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
    assert red + green + blue < 150, background
    # Labelled for screen readers: every control has a name.
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, input, textarea')]
            .filter((e) => e.offsetParent !== null)
            .filter((e) => !(e.getAttribute('aria-label') || e.labels?.length
                             || e.textContent.trim()))
            .map((e) => e.outerHTML)"""
    )
    assert unnamed == []


def test_behind_an_oauth_proxy_the_page_needs_no_token(
    web_sandbox: SandboxHandle, scripted_llm: ScriptedLLM, new_page: NewPage, tmp_path: Path
) -> None:
    proxied = start_service(
        web_sandbox,
        tmp_path / "ols.sqlite3",
        llm=llm_settings(scripted_llm, max_retries=0),
        auth={"forwarded_token_header": "X-Forwarded-Access-Token"},
    )
    try:
        # What oauth-proxy --pass-access-token adds to every request it lets through.
        page = new_page(extra_http_headers={"X-Forwarded-Access-Token": web_sandbox.token("bob")})
        page.goto(proxied.url + "/")
        expect(page.locator("#username")).to_have_text("bob")
        expect(page.get_by_role("heading", name="Sign in")).to_be_hidden()
        expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
        scripted_llm.script(
            tool_calls(("pods_list_in_namespace", {"namespace": "team-b"})), reply("One pod.")
        )
        ask(page, "What runs in team-b?")
        card = page.locator(".card.tool")
        expect(card.locator(".status")).to_have_text("done")
        card.locator("summary").click()
        expect(card.locator(".result-text")).to_contain_text("analytics-0")  # as bob
        screenshot(page, "14-behind-a-proxy")
        assert page.evaluate("() => sessionStorage.length + localStorage.length") == 0
    finally:
        stop_service(proxied)
