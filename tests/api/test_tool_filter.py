"""Tool filtering through the real service: what the model is offered per question."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
