"""Pytest fixtures for the scripted LLM (import them into a conftest.py to use them).

`scripted_llm_server` runs one server for the whole session; `scripted_llm` hands it to a
test with an empty script and no recorded requests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.scripted_llm import ScriptedLLM


@pytest.fixture(scope="session")
def scripted_llm_server() -> Iterator[ScriptedLLM]:
    server = ScriptedLLM()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def scripted_llm(scripted_llm_server: ScriptedLLM) -> Iterator[ScriptedLLM]:
    scripted_llm_server.reset()
    yield scripted_llm_server
