"""Tool filtering through the real service: what the model is offered per question."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ols.agent import tool_filter
from tests.api.conftest import ServiceHandle, llm_settings, start_service, stop_service
from tests.conftest import SandboxHandle
from tests.support.scripted_llm import ScriptedLLM, reply, tool_calls

CORE = {"pods_list_in_namespace", "pods_get", "pods_log", "events_list", "resources_get"}


@pytest.fixture
def unfiltered(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceHandle]:
    handle = start_service(
        sandbox,
        tmp_path_factory.mktemp("unfiltered") / "ols.sqlite3",
        llm=llm_settings(scripted_llm, max_retries=0),
        agent={"tool_filter": {"enabled": False}},
    )
    yield handle
    stop_service(handle)


def test_a_question_is_offered_the_core_tools_and_what_it_needs(
    service: ServiceHandle, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.script(reply("You can see team-a."))
    with service.client("alice") as alice:
        response = alice.post("/v1/query", json={"query": "Which OpenShift projects can I see?"})
    assert response.status_code == 200, response.text
    offered = set(scripted_llm.requests[0].tool_names)
    assert offered >= CORE
    assert "projects_list" in offered
    assert not {"pods_exec", "pods_run", "resources_create_or_update"} & offered
    assert len(offered) < 19


def test_the_offered_tools_stay_the_same_across_an_approval(
    service: ServiceHandle, scripted_llm: ScriptedLLM, sandbox: SandboxHandle
) -> None:
    scripted_llm.script(
        tool_calls(
            (
                "resources_scale",
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "namespace": "team-a",
                    "name": "api",
                    "scale": 0,
                },
            )
        ),
        reply("You declined, so api keeps its replica."),
    )
    with service.client("alice") as alice:
        first = alice.post("/v1/query", json={"query": "Scale the api deployment to 0"}).json()
        (pending,) = first["pending_approvals"]
        decided = alice.post(
            "/v1/tool-approvals/decision",
            json={"approval_id": pending["approval_id"], "approved": False},
        )
    assert decided.status_code == 200, decided.text
    before, after = scripted_llm.requests
    assert "resources_scale" in before.tool_names
    assert after.tool_names == before.tool_names


def test_with_filtering_off_every_tool_is_offered(
    unfiltered: ServiceHandle, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.script(reply("You can see team-a."))
    with unfiltered.client("alice") as alice:
        response = alice.post("/v1/query", json={"query": "Which OpenShift projects can I see?"})
    assert response.status_code == 200, response.text
    assert len(scripted_llm.requests[0].tool_names) == 19


def test_the_tool_ranker_is_built_once_for_every_turn(
    service: ServiceHandle, scripted_llm: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Building the BM25 index of the catalogue was most of a tool-less turn's own CPU
    # when every turn built its own; the service now shares one filter.
    scripted_llm.script(reply("Yes."), reply("Yes."), reply("Yes."))
    built: list[int] = []

    class CountingRanker(tool_filter.Bm25Ranker):
        def __init__(self, texts: list[str], *args: Any, **kwargs: Any) -> None:
            built.append(len(texts))
            super().__init__(texts, *args, **kwargs)

    with service.client("alice") as alice:
        first = alice.post("/v1/query", json={"query": "Are my pods healthy?"})
        monkeypatch.setattr(tool_filter, "Bm25Ranker", CountingRanker)
        later = [
            alice.post("/v1/query", json={"query": question})
            for question in ("Which OpenShift projects can I see?", "Scale web to 2")
        ]
    assert [r.status_code for r in (first, *later)] == [200, 200, 200]
    assert built == []
    offered = [set(r.tool_names) for r in scripted_llm.requests]
    assert "projects_list" in offered[1] and "resources_scale" in offered[2]
