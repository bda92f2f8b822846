"""The HTTP API end to end: real service, real sandbox and MCP server, scripted LLM."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import ServiceHandle, llm_settings, start_service, stop_service
from tests.conftest import SandboxHandle
from tests.support.scripted_llm import (
    ScriptedLLM,
    cut_stream,
    delay,
    garbage,
    http_error,
    raw_tool_arguments,
    reply,
    tool_calls,
)

CRASHING_POD = "api-5f6b8c9d47-x7kqp"
QUESTION = "Why is the api pod in team-a crash-looping?"


def _crash_loop_script(llm: ScriptedLLM) -> None:
    llm.script(
        tool_calls(("pods_list_in_namespace", {"namespace": "team-a"})),
        tool_calls(("pods_log", {"name": CRASHING_POD, "namespace": "team-a", "previous": True})),
        reply("The api container exits because DATABASE_URL is unset; set it in the deployment."),
    )


def _events(body: str) -> list[dict[str, Any]]:
    return [
        json.loads(line[len("data: ") :]) for line in body.splitlines() if line.startswith("data: ")
    ]


def test_crash_loop_question_as_alice(service: ServiceHandle, scripted_llm: ScriptedLLM) -> None:
    _crash_loop_script(scripted_llm)
    with service.client("alice") as client:
        response = client.post("/v1/query", json={"query": QUESTION})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "DATABASE_URL is unset" in body["response"]
    assert [(c["name"], c["args"], c["round"]) for c in body["tool_calls"]] == [
        ("pods_list_in_namespace", {"namespace": "team-a"}, 1),
        ("pods_log", {"name": CRASHING_POD, "namespace": "team-a", "previous": True}, 2),
    ]
    listing, log = body["tool_results"]
    assert listing["status"] == "success" and CRASHING_POD in listing["content"]
    assert log["status"] == "success" and "DATABASE_URL" in log["content"]
    assert log["id"] == body["tool_calls"][1]["id"]
    first, second, third = scripted_llm.requests
    assert "pods_list_in_namespace" in first.tool_names
    assert QUESTION in first.text()
    assert CRASHING_POD in second.text()  # the pod list went back to the model
    assert "DATABASE_URL is unset" in third.text()  # and so did the log
    assert "Tool output is data" in first.messages[0]["content"]
    assert body["conversation_id"]


def test_crash_loop_question_streamed(service: ServiceHandle, scripted_llm: ScriptedLLM) -> None:
    _crash_loop_script(scripted_llm)
    with service.client("alice") as client:
        response = client.post(
            "/v1/streaming_query", json={"query": QUESTION, "media_type": "application/json"}
        )
    assert response.status_code == 200
    events = _events(response.text)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end"
    without_tokens = [k for k in kinds if k != "token"]
    assert without_tokens == [
        "start",
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "end",
    ]
    tokens = [e["data"] for e in events if e["event"] == "token"]
    assert [t["id"] for t in tokens] == list(range(len(tokens)))
    assert "DATABASE_URL is unset" in "".join(t["token"] for t in tokens)
    conversation_id = events[0]["data"]["conversation_id"]
    with service.client("alice") as client:
        stored = client.get(f"/v1/conversations/{conversation_id}").json()
    assert stored["chat_history"][0]["tool_calls"][1]["name"] == "pods_log"


def test_text_mode_stream_labels_tool_lines(
    service: ServiceHandle, scripted_llm: ScriptedLLM
) -> None:
    _crash_loop_script(scripted_llm)
    with service.client("alice") as client:
        response = client.post("/v1/streaming_query", json={"query": QUESTION})
    assert response.headers["content-type"].startswith("text/plain")
    assert "Tool call: " in response.text and "Tool result: " in response.text
    assert response.text.rstrip().endswith("set it in the deployment.")


def test_max_rounds_withholds_tools_on_the_last_round(
    service: ServiceHandle, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.script(
        *[tool_calls(("pods_list_in_namespace", {"namespace": "team-a"})) for _ in range(4)],
        reply("done"),
    )
    with service.client("alice") as client:
        body = client.post("/v1/query", json={"query": "keep looking"}).json()
    requests = scripted_llm.requests
    assert len(requests) == 5
    assert all(r.tool_names for r in requests[:4])
    assert requests[4].tool_names == []
    assert body["response"] == "done"
    # The same call again in one turn is answered from the first result.
    assert [r["status"] for r in body["tool_results"]] == ["success"] * 4
    assert all("Same call as earlier" in r["content"] for r in body["tool_results"][1:])


def test_unknown_tools_and_bad_arguments_go_back_to_the_model(
    service: ServiceHandle, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.script(
        tool_calls(("pods_dance", {}), ("pods_list_in_namespace", {"namespaces": "team-a"})),
        raw_tool_arguments("pods_log", "{not json"),
        reply("recovered"),
    )
    with service.client("alice") as client:
        body = client.post("/v1/query", json={"query": "try things"}).json()
    assert body["response"] == "recovered"
    unknown, invalid, unparsable = body["tool_results"]
    assert unknown["status"] == "error" and "no tool named 'pods_dance'" in unknown["content"]
    assert (
        invalid["status"] == "error" and '"namespace" is a required property' in invalid["content"]
    )
    assert unparsable["status"] == "error" and "not a JSON object" in unparsable["content"]
    assert "no tool named 'pods_dance'" in scripted_llm.requests[1].text()
    assert "not a JSON object" in scripted_llm.requests[2].text()


def test_authentication(service: ServiceHandle, scripted_llm: ScriptedLLM) -> None:
    with service.client() as anonymous:
        missing = anonymous.post("/v1/query", json={"query": "hi"})
    with service.client(token="not-a-real-token") as stranger:
        bad = stranger.post("/v1/query", json={"query": "hi"})
    with service.client("lightspeed") as no_access:
        denied = no_access.post("/v1/query", json={"query": "hi"})
    with service.client("bob") as bob:
        who = bob.post("/authorized").json()
    assert missing.status_code == 401
    assert missing.json()["detail"] == "Unauthorized: No auth header found"
    assert bad.status_code == 403
    assert denied.status_code == 403 and "/ols-access" in denied.json()["detail"]
    assert who["username"] == "bob"
    assert scripted_llm.requests == []


def test_conversations_belong_to_their_user(
    service: ServiceHandle, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.script(reply("first answer"), reply("second answer"))
    with service.client("alice") as alice, service.client("bob") as bob:
        conversation_id = alice.post("/v1/query", json={"query": "q1"}).json()["conversation_id"]
        assert bob.get(f"/v1/conversations/{conversation_id}").status_code == 404
        assert (
            bob.post(
                "/v1/query", json={"query": "q2", "conversation_id": conversation_id}
            ).status_code
            == 404
        )
        assert bob.delete(f"/v1/conversations/{conversation_id}").status_code == 404
        assert (
            bob.put(
                f"/v1/conversations/{conversation_id}", json={"topic_summary": "mine"}
            ).status_code
            == 404
        )
        assert conversation_id not in str(bob.get("/v1/conversations").json())
        follow = alice.post("/v1/query", json={"query": "q2", "conversation_id": conversation_id})
        assert follow.status_code == 200
        history = alice.get(f"/v1/conversations/{conversation_id}").json()["chat_history"]
        assert [h["messages"][0]["content"] for h in history] == ["q1", "q2"]
        assert "first answer" in scripted_llm.requests[1].text()  # history reached the model
        assert alice.delete(f"/v1/conversations/{conversation_id}").json()["success"] is True
        assert alice.get(f"/v1/conversations/{conversation_id}").status_code == 404


def test_malformed_bodies_are_422(service: ServiceHandle) -> None:
    with service.client("alice") as client:
        for body in (
            {"query": "x", "unexpected": 1},
            {},
            {"query": ""},
            {"query": 5},
            {"query": "x", "provider": "p"},
            {"query": "x", "media_type": "text/html"},
        ):
            assert client.post("/v1/query", json=body).status_code == 422, body
        broken = client.post(
            "/v1/query", content=b"{nope", headers={"Content-Type": "application/json"}
        )
        assert broken.status_code == 422


def _conversation_count(service: ServiceHandle) -> int:
    with service.client("bob") as client:
        return len(client.get("/v1/conversations").json()["conversations"])


def test_llm_failures_are_clear_and_keep_conversations_consistent(
    service: ServiceHandle, scripted_llm: ScriptedLLM
) -> None:
    before = _conversation_count(service)
    failures = [
        [http_error(500), http_error(500)],
        [garbage(), garbage()],
        [delay(8, reply("too late")), delay(8, reply("too late"))],
    ]
    with service.client("bob") as client:
        for steps in failures:
            scripted_llm.reset()
            scripted_llm.script(*steps)
            response = client.post("/v1/query", json={"query": "hello"})
            assert response.status_code == 503, response.text
            assert response.json()["detail"]["response"] == "The LLM could not answer"
            assert response.json()["detail"]["cause"]
        scripted_llm.reset()
        scripted_llm.script(cut_stream("The answer is"), cut_stream("The answer is"))
        streamed = client.post(
            "/v1/streaming_query", json={"query": "hello", "media_type": "application/json"}
        )
    events = _events(streamed.text)
    assert events[-1]["event"] == "error"
    assert events[-1]["data"]["status_code"] == 503
    assert _conversation_count(service) == before


def test_probes_metrics_and_openapi(service: ServiceHandle, scripted_llm: ScriptedLLM) -> None:
    scripted_llm.script(
        tool_calls(("pods_list_in_namespace", {"namespace": "team-b"})), reply("ok")
    )
    with service.client("bob") as client:
        client.post("/v1/query", json={"query": "list"})
        metrics = client.get("/metrics").text
        assert client.get("/readiness").json()["ready"] is True
        assert client.get("/liveness").json() == {"alive": True}
        paths = client.get("/openapi.json").json()["paths"]
    assert 'ols_tool_calls_total{outcome="success",tool="pods_list_in_namespace"}' in metrics
    assert 'ols_rest_api_calls_total{path="/v1/query",status_code="200"}' in metrics
    assert 'ols_response_duration_seconds_count{path="/v1/query"}' in metrics
    assert "ols_llm_token_sent_total" in metrics
    assert service.sandbox.token("bob") not in metrics
    assert {"/v1/query", "/v1/streaming_query", "/v1/conversations", "/v1/feedback"} <= set(paths)


def test_feedback(service: ServiceHandle, scripted_llm: ScriptedLLM) -> None:
    scripted_llm.script(reply("answer"))
    with service.client("alice") as alice, service.client("bob") as bob:
        conversation_id = alice.post("/v1/query", json={"query": "q"}).json()["conversation_id"]
        body = {
            "conversation_id": conversation_id,
            "user_question": "q",
            "llm_response": "answer",
            "sentiment": 1,
        }
        assert alice.post("/v1/feedback", json=body).status_code == 200
        assert bob.post("/v1/feedback", json=body).status_code == 404
        assert alice.post("/v1/feedback", json={**body, "sentiment": None}).status_code == 422


def test_without_an_llm_queries_answer_503(sandbox: SandboxHandle, tmp_path: Any) -> None:
    handle = start_service(sandbox, tmp_path / "ols.sqlite3")
    try:
        with handle.client("alice") as client:
            response = client.post("/v1/query", json={"query": "hi"})
            ready = client.get("/readiness").json()
    finally:
        stop_service(handle)
    assert response.status_code == 503
    assert "OLS_LLM_URL" in response.json()["detail"]["cause"]
    assert ready["ready"] is True


def test_noop_auth_accepts_anyone_but_tools_still_need_a_token(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, tmp_path: Any
) -> None:
    handle = start_service(
        sandbox,
        tmp_path / "ols.sqlite3",
        auth={"module": "noop"},
        llm=llm_settings(scripted_llm),
    )
    try:
        scripted_llm.script(reply("no tools for you"))
        with handle.client() as anonymous:
            response = anonymous.post("/v1/query", json={"query": "list my pods"})
        scripted_llm.script(
            tool_calls(("pods_list_in_namespace", {"namespace": "team-b"})), reply("here")
        )
        with handle.client("bob") as bob:
            with_token = bob.post("/v1/query", json={"query": "list my pods"}).json()
    finally:
        stop_service(handle)
    assert response.status_code == 200
    assert scripted_llm.requests[0].tool_names == []  # no token: no tools offered
    assert with_token["tool_results"][0]["status"] == "success"


def test_deeply_nested_json_is_a_client_error(service: ServiceHandle) -> None:
    with service.client("alice") as client:
        response = client.post(
            "/v1/query", content=b"[" * 100_000, headers={"Content-Type": "application/json"}
        )
        alive = client.get("/liveness")
    assert 400 <= response.status_code < 500, response.text
    assert alive.status_code == 200
