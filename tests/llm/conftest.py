"""LLM client fixtures: one fake OpenAI-compatible server for the module, re-scripted by each
test, and clients configured for it with fast retries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from ols.llm import LlmClient, LlmSettings
from ols.llm.retry import Backoff
from tests.llm.fake_openai import MODEL, FakeOpenAI, running_server

API_KEY = "sk-test-0123456789-secret"
FAST = Backoff(first_delay_seconds=0.01, max_delay_seconds=0.02)


@pytest.fixture(scope="session")
def _fake_server() -> Iterator[FakeOpenAI]:
    yield from running_server()


@pytest.fixture
def fake(_fake_server: FakeOpenAI) -> FakeOpenAI:
    _fake_server.script()
    return _fake_server


def settings_for(fake: FakeOpenAI, **overrides: Any) -> LlmSettings:
    values: dict[str, Any] = {
        "url": fake.url,
        "model": MODEL,
        "api_key": SecretStr(API_KEY),
        "timeout_seconds": 5,
        "max_retries": 2,
    }
    values.update(overrides)
    return LlmSettings(**values)


def client_for(fake: FakeOpenAI, **overrides: Any) -> LlmClient:
    return LlmClient(settings_for(fake, **overrides), backoff=FAST)
