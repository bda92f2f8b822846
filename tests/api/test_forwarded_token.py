"""`auth.forwarded_token_header`: behind an authenticating proxy (OpenShift's oauth-proxy with
--pass-access-token) the user's token arrives in the proxy's header; it is reviewed like a
bearer token, and only when the setting names that header."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.api.conftest import ServiceHandle, start_service, stop_service
from tests.conftest import SandboxHandle

HEADER = "X-Forwarded-Access-Token"


@pytest.fixture
def proxied_service(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[ServiceHandle]:
    handle = start_service(
        sandbox, tmp_path / "ols.sqlite3", auth={"forwarded_token_header": HEADER}
    )
    yield handle
    stop_service(handle)


def _whoami(service: ServiceHandle, headers: dict[str, str]) -> httpx2.Response:
    with httpx2.Client(base_url=service.url, headers=headers) as client:
        return client.post("/authorized", json={})


def test_the_proxys_header_signs_the_user_in(
    proxied_service: ServiceHandle, sandbox: SandboxHandle
) -> None:
    alice, bob = sandbox.token("alice"), sandbox.token("bob")
    forwarded = _whoami(proxied_service, {HEADER: alice})
    assert forwarded.status_code == 200, forwarded.text
    assert forwarded.json()["username"] == "alice"
    # oauth-proxy also sends Authorization: Basic unless told not to: never a token.
    with_basic = _whoami(proxied_service, {HEADER: bob, "Authorization": "Basic Ym9iOg=="})
    assert with_basic.json()["username"] == "bob"
    # A bearer token sent by the client itself wins.
    both = _whoami(proxied_service, {HEADER: bob, "Authorization": f"Bearer {alice}"})
    assert both.json()["username"] == "alice"
    # It is reviewed like any token.
    assert _whoami(proxied_service, {HEADER: sandbox.info["invalid_token"]}).status_code == 403
    assert _whoami(proxied_service, {}).status_code == 401


def test_the_header_is_ignored_unless_configured(
    service: ServiceHandle, sandbox: SandboxHandle
) -> None:
    assert _whoami(service, {HEADER: sandbox.token("alice")}).status_code == 401
