"""Nothing secret leaves: redaction before the model and the response, the audit trail of
tool calls, and the limits. Real service, sandbox and MCP server; scripted LLM."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ServiceHandle, llm_settings, start_service, stop_service
from tests.conftest import SandboxHandle
from tests.support.scripted_llm import ScriptedLLM, reply, tool_calls

DB_PASSWORD = "ols-sandbox-DB-PASSWORD-7f3a9c"
LOG_PASSWORD = "ols-sandbox-LOG-PASSWORD-2b8e41"


@pytest.fixture
def secure_service(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, tmp_path: Path
) -> Iterator[ServiceHandle]:
    handle = start_service(
        sandbox,
        tmp_path / "ols.sqlite3",
        llm=llm_settings(scripted_llm, max_retries=0),
        safety={"audit_log": tmp_path / "tool-audit.jsonl"},
    )
    yield handle
    stop_service(handle)


def _pod(sandbox: SandboxHandle, app: str) -> str:
    with sandbox.client("admin") as admin:
        pods = admin.get("/api/v1/namespaces/team-a/pods", params={"labelSelector": f"app={app}"})
    return str(pods.json()["items"][0]["metadata"]["name"])


def test_the_database_password_never_leaves(
    secure_service: ServiceHandle,
    scripted_llm: ScriptedLLM,
    sandbox: SandboxHandle,
    tmp_path: Path,
    captured_logs: Path,
) -> None:
    billing = _pod(sandbox, "billing")
    script = [
        tool_calls(
            (
                "resources_get",
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "namespace": "team-a",
                    "name": "db-credentials",
                },
            )
        ),
        tool_calls(
            ("resources_list", {"apiVersion": "v1", "kind": "Secret", "namespace": "team-a"})
        ),
        tool_calls(
            ("pods_get", {"name": billing, "namespace": "team-a"}),
            (
                "resources_get",
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "namespace": "team-a",
                    "name": "billing",
                },
            ),
        ),
        reply("I could not read the secret."),
    ]
    scripted_llm.script(*script)
    with secure_service.client("admin") as admin:
        whole = admin.post("/v1/query", json={"query": "what is the database password?"})
        scripted_llm.script(*script)
        streamed = admin.post(
            "/v1/streaming_query",
            json={"query": "what is the database password?", "media_type": "application/json"},
        )
    assert whole.status_code == 200 and streamed.status_code == 200
    pod_result = whole.json()["tool_results"][2]
    assert pod_result["status"] == "success"
    assert "DB_PASSWORD" in pod_result["content"] and "[REDACTED" in pod_result["content"]
    encoded = base64.b64encode(DB_PASSWORD.encode()).decode()
    for secret in (DB_PASSWORD, encoded):
        for request in scripted_llm.requests:
            assert secret.encode() not in request.raw
        assert secret not in whole.text
        assert secret not in streamed.text
        assert secret not in captured_logs.read_text()
        assert secret.encode() not in (tmp_path / "ols.sqlite3").read_bytes()
        assert secret not in (tmp_path / "tool-audit.jsonl").read_text()


def test_log_secrets_reach_the_model_as_markers(
    secure_service: ServiceHandle, scripted_llm: ScriptedLLM, sandbox: SandboxHandle
) -> None:
    proxy = _pod(sandbox, "auth-proxy")
    scripted_llm.script(
        tool_calls(("pods_log", {"name": proxy, "namespace": "team-a"})),
        reply("The proxy is fine."),
    )
    with secure_service.client("alice") as alice:
        body = alice.post("/v1/query", json={"query": "anything odd in auth-proxy?"}).json()
    seen = scripted_llm.requests[1].text()
    assert "[REDACTED" in seen
    assert LOG_PASSWORD not in seen
    assert "BEGIN RSA PRIVATE KEY-----\n" not in seen or "MII" not in seen
    assert "eyJhbGciOiJSUzI1NiIsImtpZCI6Im9scy1zYW5kYm94LTEi" not in seen
    assert "listening" in seen  # ordinary lines stay
    assert LOG_PASSWORD not in json.dumps(body)


def test_query_filters_apply_to_the_question(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    handle = start_service(
        sandbox,
        tmp_path / "ols.sqlite3",
        llm=llm_settings(scripted_llm),
        safety={
            "redaction": {
                "query_filters": [
                    {"name": "ip", "pattern": r"\b10\.\d+\.\d+\.\d+\b", "replace_with": "[IP]"}
                ]
            }
        },
    )
    try:
        scripted_llm.script(reply("ok"))
        with handle.client("bob") as bob:
            bob.post("/v1/query", json={"query": "who is 10.244.1.27? my password=hunter2x"})
    finally:
        stop_service(handle)
    sent = scripted_llm.requests[0].text()
    assert "[IP]" in sent and "10.244.1.27" not in sent
    assert "hunter2x" not in sent


def test_every_tool_call_is_audited(
    secure_service: ServiceHandle, scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    scripted_llm.script(
        tool_calls(
            ("pods_list_in_namespace", {"namespace": "team-b"}),
            ("pods_dance", {"secret": "password=hunter2x"}),
        ),
        reply("listed"),
    )
    with secure_service.client("bob") as bob:
        conversation = bob.post("/v1/query", json={"query": "list"}).json()["conversation_id"]
    lines = [json.loads(line) for line in (tmp_path / "tool-audit.jsonl").read_text().splitlines()]
    assert {(e["tool"], e["outcome"]) for e in lines} == {
        ("pods_list_in_namespace", "success"),
        ("pods_dance", "unknown_tool"),
    }
    listed = next(e for e in lines if e["tool"] == "pods_list_in_namespace")
    assert listed["arguments"] == {"namespace": "team-b"}
    assert listed["duration_ms"] > 0 and listed["conversation_id"] == conversation
    assert listed["user_id"]
    assert "hunter2x" not in (tmp_path / "tool-audit.jsonl").read_text()
    database = sqlite3.connect(tmp_path / "ols.sqlite3")
    rows = database.execute("SELECT tool, outcome FROM tool_call_audit").fetchall()
    database.close()
    assert sorted(rows) == [("pods_dance", "unknown_tool"), ("pods_list_in_namespace", "success")]


def test_approved_calls_are_audited_with_their_approval(
    secure_service: ServiceHandle,
    scripted_llm: ScriptedLLM,
    sandbox: SandboxHandle,
    tmp_path: Path,
) -> None:
    scale = (
        "resources_scale",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "namespace": "team-a",
            "scale": 3,
        },
    )
    scripted_llm.script(tool_calls(scale), reply("done"))
    with secure_service.client("alice") as alice:
        (pending,) = alice.post("/v1/query", json={"query": "scale"}).json()["pending_approvals"]
        alice.post(
            "/v1/tool-approvals/decision",
            json={"approval_id": pending["approval_id"], "approved": True},
        )
    lines = [json.loads(line) for line in (tmp_path / "tool-audit.jsonl").read_text().splitlines()]
    (entry,) = [e for e in lines if e["tool"] == "resources_scale"]
    assert entry["approval_id"] == pending["approval_id"]
    assert entry["outcome"] == "success"


def _limited(
    sandbox: SandboxHandle, llm: ScriptedLLM, tmp_path: Path, **limits: Any
) -> ServiceHandle:
    return start_service(
        sandbox,
        tmp_path / "ols.sqlite3",
        llm=llm_settings(llm),
        safety={"limits": limits},
    )


def test_limits_answer_with_clear_4xx(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    handle = _limited(
        sandbox,
        scripted_llm,
        tmp_path,
        max_request_bytes=4096,
        max_query_chars=100,
        max_attachments_chars=200,
        requests_per_minute=3,
    )
    try:
        with handle.client("bob") as bob:
            big = bob.post("/v1/query", json={"query": "x" * 5000})
            long = bob.post("/v1/query", json={"query": "y" * 101})
            attached = bob.post(
                "/v1/query",
                json={
                    "query": "see",
                    "attachments": [
                        {
                            "attachment_type": "log",
                            "content_type": "text/plain",
                            "content": "z" * 300,
                        }
                    ],
                },
            )
            scripted_llm.script(reply("one"))
            assert bob.post("/v1/query", json={"query": "hi"}).status_code == 200
            too_many = None
            for _ in range(5):
                scripted_llm.script(reply("again"))
                response = bob.post("/v1/query", json={"query": "hi"})
                if response.status_code == 429:
                    too_many = response
                    break
    finally:
        stop_service(handle)
    assert big.status_code == 413 and "at most 4096 bytes" in big.json()["detail"]["cause"]
    assert long.status_code == 413 and "at most 100" in long.json()["detail"]["cause"]
    assert attached.status_code == 413 and "at most 200" in attached.json()["detail"]["cause"]
    assert too_many is not None
    assert too_many.headers["retry-after"]
    assert "per minute" in too_many.json()["detail"]["cause"]
