"""Human approval of tools that are not read-only: persisted, bound to the user, single-use,
expiring, resumable after a restart, on both endpoints, on SQLite and on PostgreSQL. Real
service, sandbox and MCP server; only the LLM is scripted."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import ServiceHandle, llm_settings, start_service, stop_service
from tests.conftest import SandboxHandle
from tests.support.database import as_json, query
from tests.support.scripted_llm import ScriptedLLM, reply, tool_calls

SCALE = (
    "resources_scale",
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "namespace": "team-a",
        "scale": 5,
    },
)
DEPLOYMENT = "/apis/apps/v1/namespaces/team-a/deployments/web"


@pytest.fixture
def approvals_service(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, database_url: str
) -> Iterator[ServiceHandle]:
    handle = start_service(
        sandbox,
        database_url,
        llm=llm_settings(scripted_llm, max_retries=0),
    )
    yield handle
    stop_service(handle)
    with sandbox.client("admin") as admin:  # leave the world as the other tests expect it
        admin.patch(
            DEPLOYMENT + "/scale",
            content=json.dumps({"spec": {"replicas": 3}}),
            headers={"Content-Type": "application/merge-patch+json"},
        )


def _replicas(sandbox: SandboxHandle) -> int:
    with sandbox.client("admin") as admin:
        return int(admin.get(DEPLOYMENT).json()["spec"]["replicas"])


def _scale_requests(sandbox: SandboxHandle, since: int) -> list[dict[str, Any]]:
    return [
        e
        for e in sandbox.audit()[since:]
        if e.get("subresource") == "scale" and e.get("verb") in ("update", "patch")
    ]


def _ask_to_scale(service: ServiceHandle, llm: ScriptedLLM) -> dict[str, Any]:
    llm.script(tool_calls(("pods_list_in_namespace", {"namespace": "team-a"}), SCALE))
    with service.client("alice") as alice:
        response = alice.post("/v1/query", json={"query": "scale web to 5"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_alice_approves_and_the_deployment_scales(
    approvals_service: ServiceHandle, scripted_llm: ScriptedLLM, sandbox: SandboxHandle
) -> None:
    before = len(sandbox.audit())
    first = _ask_to_scale(approvals_service, scripted_llm)
    (pending,) = first["pending_approvals"]
    assert pending["tool_name"] == "resources_scale"
    assert pending["tool_args"] == SCALE[1]
    assert pending["tool_annotation"]["readOnlyHint"] is False
    assert pending["tool_description"]
    assert first["response"] == ""
    # The read-only call of the same round ran; the write did not.
    assert [r["name"] for r in first["tool_results"]] == ["pods_list_in_namespace"]
    assert _replicas(sandbox) == 3
    assert _scale_requests(sandbox, before) == []

    scripted_llm.script(reply("web now runs 5 replicas."))
    with approvals_service.client("alice") as alice:
        decided = alice.post(
            "/v1/tool-approvals/decision",
            json={"approval_id": pending["approval_id"], "approved": True},
        )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["response"] == "web now runs 5 replicas."
    assert body["conversation_id"] == first["conversation_id"]
    scale_result = next(r for r in body["tool_results"] if r["name"] == "resources_scale")
    assert scale_result["status"] == "success"
    assert _replicas(sandbox) == 5
    (scaled,) = _scale_requests(sandbox, before)
    assert scaled["user"] == "alice"  # ran with the deciding user's own token
    sent = scripted_llm.requests[-1].messages
    assert [m["role"] for m in sent[-3:]] == ["assistant", "tool", "tool"]
    with approvals_service.client("alice") as alice:
        history = alice.get(f"/v1/conversations/{first['conversation_id']}").json()
    assert history["chat_history"][0]["messages"][1]["content"] == "web now runs 5 replicas."


def test_decisions_are_recorded_with_the_call_they_allowed(
    approvals_service: ServiceHandle, scripted_llm: ScriptedLLM, database_url: str
) -> None:
    (pending,) = _ask_to_scale(approvals_service, scripted_llm)["pending_approvals"]
    scripted_llm.script(reply("ok"))
    with approvals_service.client("alice") as alice:
        alice.post(
            "/v1/tool-approvals/decision",
            json={
                "approval_id": pending["approval_id"],
                "approved": True,
                "reason": "planned change",
            },
        )
    (row,) = query(
        database_url,
        "SELECT decision, decided_by, decided_at, tool, arguments, reason FROM approvals "
        "WHERE id = :id",
        {"id": pending["approval_id"]},
    )
    decision, decided_by, decided_at, tool, arguments, reason = row
    assert (decision, tool, reason) == ("approved", "resources_scale", "planned change")
    assert decided_by and decided_at
    assert as_json(arguments) == SCALE[1]


def test_rejection_is_reported_to_the_model(
    approvals_service: ServiceHandle, scripted_llm: ScriptedLLM, sandbox: SandboxHandle
) -> None:
    before = len(sandbox.audit())
    (pending,) = _ask_to_scale(approvals_service, scripted_llm)["pending_approvals"]
    scripted_llm.script(reply("Understood, I left it alone."))
    with approvals_service.client("alice") as alice:
        body = alice.post(
            "/v1/tool-approvals/decision",
            json={
                "approval_id": pending["approval_id"],
                "approved": False,
                "reason": "not during business hours",
            },
        ).json()
    assert body["response"] == "Understood, I left it alone."
    declined = next(r for r in body["tool_results"] if r["name"] == "resources_scale")
    assert declined["status"] == "error"
    assert "declined" in declined["content"] and "business hours" in declined["content"]
    assert "declined" in scripted_llm.requests[-1].text()
    assert _replicas(sandbox) == 3
    assert _scale_requests(sandbox, before) == []


def test_approvals_are_bound_single_use_and_checked(
    approvals_service: ServiceHandle,
    scripted_llm: ScriptedLLM,
    sandbox: SandboxHandle,
    database_url: str,
) -> None:
    (pending,) = _ask_to_scale(approvals_service, scripted_llm)["pending_approvals"]
    decision = {"approval_id": pending["approval_id"], "approved": True}
    with approvals_service.client("bob") as bob:
        assert bob.post("/v1/tool-approvals/decision", json=decision).status_code == 404
    with approvals_service.client("alice") as alice:
        assert (
            alice.post(
                "/v1/tool-approvals/decision", json={**decision, "approval_id": "nope"}
            ).status_code
            == 404
        )
        assert (
            alice.post("/v1/tool-approvals/decision", json={**decision, "extra": 1}).status_code
            == 422
        )
        scripted_llm.script(reply("done"))
        assert alice.post("/v1/tool-approvals/decision", json=decision).status_code == 200
        again = alice.post("/v1/tool-approvals/decision", json=decision)
    assert again.status_code == 409
    assert "already decided" in again.json()["detail"]["cause"]

    # Someone edits the stored arguments behind the service's back: refused, nothing runs.
    (tampered,) = _ask_to_scale(approvals_service, scripted_llm)["pending_approvals"]
    query(
        database_url,
        "UPDATE approvals SET arguments = :arguments WHERE id = :id",
        {"arguments": json.dumps({**SCALE[1], "scale": 50}), "id": tampered["approval_id"]},
    )
    with approvals_service.client("alice") as alice:
        changed = alice.post(
            "/v1/tool-approvals/decision",
            json={"approval_id": tampered["approval_id"], "approved": True},
        )
    assert changed.status_code == 409
    assert "changed" in changed.json()["detail"]["cause"]
    assert _replicas(sandbox) == 5  # from the first, approved call; not 50


def test_expired_approvals_are_refused(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, database_url: str
) -> None:
    handle = start_service(
        sandbox,
        database_url,
        llm=llm_settings(scripted_llm),
        approvals={"expires_seconds": 0.5},
    )
    try:
        (pending,) = _ask_to_scale(handle, scripted_llm)["pending_approvals"]
        time.sleep(1)
        with handle.client("alice") as alice:
            late = alice.post(
                "/v1/tool-approvals/decision",
                json={"approval_id": pending["approval_id"], "approved": True},
            )
    finally:
        stop_service(handle)
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]["cause"]
    assert _replicas(sandbox) == 3


def test_an_approval_survives_a_restart(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, database_url: str
) -> None:
    llm = llm_settings(scripted_llm)
    first = start_service(sandbox, database_url, llm=llm)
    try:
        (pending,) = _ask_to_scale(first, scripted_llm)["pending_approvals"]
    finally:
        stop_service(first)
    second = start_service(sandbox, database_url, llm=llm)
    try:
        scripted_llm.script(reply("scaled after the restart"))
        with second.client("alice") as alice:
            body = alice.post(
                "/v1/tool-approvals/decision",
                json={"approval_id": pending["approval_id"], "approved": True},
            )
    finally:
        stop_service(second)
        with sandbox.client("admin") as admin:
            admin.patch(
                DEPLOYMENT + "/scale",
                content=json.dumps({"spec": {"replicas": 3}}),
                headers={"Content-Type": "application/merge-patch+json"},
            )
    assert body.status_code == 200, body.text
    assert body.json()["response"] == "scaled after the restart"


def test_injected_instructions_end_in_a_pending_approval(
    approvals_service: ServiceHandle, scripted_llm: ScriptedLLM, sandbox: SandboxHandle
) -> None:
    before = len(sandbox.audit())
    scripted_llm.script(
        tool_calls(("pods_log", {"name": "notes-sync-0", "namespace": "team-a"})),
        # A model that obeys the log line.
        tool_calls(
            ("resources_delete", {"apiVersion": "v1", "kind": "Namespace", "name": "team-a"})
        ),
    )
    with approvals_service.client("alice") as alice:
        body = alice.post("/v1/query", json={"query": "what does notes-sync log?"}).json()
    assert "ASSISTANT INSTRUCTIONS" in body["tool_results"][0]["content"]
    (pending,) = body["pending_approvals"]
    assert pending["tool_name"] == "resources_delete"
    assert not [e for e in sandbox.audit()[before:] if e.get("verb") == "delete"]
    with sandbox.client("admin") as admin:
        assert admin.get("/api/v1/namespaces/team-a").status_code == 200


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def test_streaming_approval_and_streamed_continuation(
    approvals_service: ServiceHandle, scripted_llm: ScriptedLLM, sandbox: SandboxHandle
) -> None:
    scripted_llm.script(tool_calls(SCALE))
    with approvals_service.client("alice") as alice:
        streamed = alice.post(
            "/v1/streaming_query",
            json={"query": "scale web to 5", "media_type": "application/json"},
        )
    events = _events(streamed.text)
    kinds = [e["event"] for e in events]
    assert kinds == ["start", "tool_call", "approval_required", "end"]
    required = events[2]["data"]
    assert set(required) >= {
        "approval_id",
        "tool_name",
        "tool_description",
        "tool_args",
        "tool_annotation",
    }
    assert _replicas(sandbox) == 3
    scripted_llm.script(reply("Scaled to 5."))
    with approvals_service.client("alice") as alice:
        continued = alice.post(
            "/v1/tool-approvals/decision",
            json={"approval_id": required["approval_id"], "approved": True},
            headers={"Accept": "text/event-stream"},
        )
    assert continued.headers["content-type"].startswith("text/event-stream")
    more = _events(continued.text)
    assert [e["event"] for e in more if e["event"] != "token"] == ["start", "tool_result", "end"]
    assert more[1]["data"]["name"] == "resources_scale"
    assert more[1]["data"]["status"] == "success"
    assert _replicas(sandbox) == 5


def test_every_approval_of_a_round_must_be_decided_before_it_continues(
    approvals_service: ServiceHandle, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.script(
        tool_calls(SCALE, ("pods_delete", {"name": "web-7d9c8b6f5d-4xk2p", "namespace": "team-a"}))
    )
    with approvals_service.client("alice") as alice:
        body = alice.post("/v1/query", json={"query": "scale and restart"}).json()
        first, second = body["pending_approvals"]
        partial = alice.post(
            "/v1/tool-approvals/decision",
            json={"approval_id": first["approval_id"], "approved": False},
        )
        assert partial.json() == {
            "approval_id": first["approval_id"],
            "approved": False,
            "remaining": 1,
        }
        scripted_llm.script(reply("I did neither."))
        final = alice.post(
            "/v1/tool-approvals/decision",
            json={"approval_id": second["approval_id"], "approved": False},
        )
    assert final.json()["response"] == "I did neither."
    assert len(scripted_llm.requests) == 2
