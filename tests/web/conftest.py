"""The web chat in headless Chromium (Debian's, driven by Playwright) against the real
service, the real kubernetes-mcp-server and a sandbox; only the LLM is scripted.

The web tests run their own sandbox: the built-in world plus `fixtures.yaml` (a pod whose
log holds markup), so what they change (scaling `web`) touches no other test. One browser
serves the whole folder; each test gets fresh browser contexts, so nothing (session storage
included) carries from one test to the next. Screenshots of each step go to
`test-artifacts/web/` (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.conftest import SandboxHandle, start_sandbox, stop_sandbox
from tests.support.scripted_llm import ScriptedLLM
from tests.support.service import ServiceHandle, llm_settings, start_service, stop_service

FIXTURES = Path(__file__).parent / "fixtures.yaml"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "web"
# Without the background-networking switches Chromium tries hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

expect.set_options(timeout=30_000)  # a loaded 2-core machine; waits end as soon as it is true

NewPage = Callable[..., Page]


@pytest.fixture(scope="package")
def web_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(
        tmp_path_factory.mktemp("web-sandbox") / "state", "--fixtures", str(FIXTURES)
    )
    yield handle
    stop_sandbox(handle)


@pytest.fixture(scope="package")
def web_service(
    web_sandbox: SandboxHandle,
    scripted_llm_server: ScriptedLLM,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceHandle]:
    handle = start_service(
        web_sandbox,
        tmp_path_factory.mktemp("web-service") / "ols.sqlite3",
        llm=llm_settings(scripted_llm_server, max_retries=0, timeout_seconds=10),
    )
    yield handle
    stop_service(handle)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is missing: `make test` installs it"
    browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Open a page in a fresh context (its own session storage); `phone=True` for a
    phone-width screen, `dark=True` for the dark colour scheme."""
    contexts = []
    errors: list[str] = []

    def open_page(*, phone: bool = False, dark: bool = False, **options: Any) -> Page:
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            color_scheme="dark" if dark else "light",
            device_scale_factor=1,
            **options,
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_default_timeout(30_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], "the page threw"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot of the current step as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, service: ServiceHandle, user: str) -> None:
    """Open the chat and sign in by pasting `user`'s token, as a person does."""
    page.goto(service.url + "/")
    page.get_by_label("Your cluster bearer token").fill(service.sandbox.token(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#username")).to_have_text(user)
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()


def ask(page: Page, question: str) -> None:
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    expect(page.locator(".turn .question").last).to_have_text(question)
