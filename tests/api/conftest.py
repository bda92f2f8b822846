"""The ols service on a real port (uvicorn in a thread), against the shared sandbox, the
real kubernetes-mcp-server and the scripted LLM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import SandboxHandle
from tests.support.scripted_llm import ScriptedLLM
from tests.support.service import ServiceHandle, llm_settings, start_service, stop_service

__all__ = ["ServiceHandle", "llm_settings", "start_service", "stop_service"]


@pytest.fixture(scope="session")
def service(
    sandbox: SandboxHandle,
    scripted_llm_server: ScriptedLLM,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceHandle]:
    handle = start_service(
        sandbox,
        tmp_path_factory.mktemp("service") / "ols.sqlite3",
        llm=llm_settings(scripted_llm_server, max_retries=1, timeout_seconds=5),
    )
    yield handle
    stop_service(handle)
