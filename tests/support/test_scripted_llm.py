"""The scripted LLM speaks OpenAI's chat-completions protocol, checked over plain HTTP."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.support import fixtures
from tests.support.scripted_llm import (
    EXHAUSTED_MESSAGE,
    RecordedRequest,
    ScriptedLLM,
    Step,
    cut_stream,
    delay,
    garbage,
    http_error,
    raw_tool_arguments,
    reply,
    tool_calls,
)

# The fixtures under test; tests/conftest.py may import them too.
scripted_llm_server = fixtures.scripted_llm_server
scripted_llm = fixtures.scripted_llm

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture
def client(scripted_llm: ScriptedLLM) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=scripted_llm.url, timeout=10) as c:
        yield c


def chat(client: httpx2.Client, **body: Any) -> httpx2.Response:
    return client.post("/chat/completions", json={"model": "m", "messages": MESSAGES, **body})


def stream_lines(client: httpx2.Client, **body: Any) -> list[str]:
    """The `data:` payloads of a streaming answer (every non-blank line must be one)."""
    payload = {"model": "m", "messages": MESSAGES, "stream": True, **body}
    data: list[str] = []
    with client.stream("POST", "/chat/completions", json=payload) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line:
                assert line.startswith("data: "), line
                data.append(line.removeprefix("data: "))
    return data


def stream_chunks(client: httpx2.Client, **body: Any) -> list[dict[str, Any]]:
    """The chunks of a complete streaming answer, checking it ends with `[DONE]`."""
    data = stream_lines(client, **body)
    assert data[-1] == "[DONE]"
    assert "[DONE]" not in data[:-1]
    chunks = [json.loads(d) for d in data[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    return chunks


def deltas(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c["choices"][0]["delta"] for c in chunks if c["choices"]]


def content_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(d.get("content") or "" for d in deltas(chunks))


def finish_reasons(chunks: list[dict[str, Any]]) -> list[str]:
    return [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]


# --- non-streaming ---------------------------------------------------------------------


def test_reply_is_a_chat_completion(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(reply("Two pods are running.", input_tokens=7, output_tokens=3))

    response = chat(client, model="gpt-test")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-")
    assert isinstance(body["created"], int)
    assert body["model"] == "gpt-test"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Two pods are running.", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    assert body["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


def test_reply_estimates_output_tokens(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(reply("a" * 40))

    usage = chat(client).json()["usage"]

    assert usage == {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}


def test_tool_calls_with_two_calls(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(
        tool_calls(
            ("pods_list", {"namespace": "demo"}),
            ("pods_log", {"name": "web-1", "tail": 20, "note": "é"}),
            text="Let me look.",
        )
    )

    choice = chat(client).json()["choices"][0]

    assert choice["finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["role"] == "assistant"
    assert message["content"] == "Let me look."
    calls = message["tool_calls"]
    assert [c["type"] for c in calls] == ["function", "function"]
    assert [c["function"]["name"] for c in calls] == ["pods_list", "pods_log"]
    assert calls[0]["function"]["arguments"] == '{"namespace":"demo"}'
    assert json.loads(calls[1]["function"]["arguments"]) == {
        "name": "web-1",
        "tail": 20,
        "note": "é",
    }
    ids = [c["id"] for c in calls]
    assert all(re.fullmatch(r"call_\d+", i) for i in ids)
    assert len(set(ids)) == 2
    assert scripted_llm.requests[0].answer_tool_call_ids == ids


def test_tool_calls_without_text_have_null_content(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(tool_calls(("pods_list", {})))

    message = chat(client).json()["choices"][0]["message"]

    assert message["content"] is None
    assert message["tool_calls"][0]["function"]["arguments"] == "{}"


def test_tool_call_ids_stay_unique_across_requests_and_resets(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(tool_calls(("a", {}), ("b", {})), tool_calls(("c", {})))
    first = chat(client).json()["choices"][0]["message"]["tool_calls"]
    second = chat(client).json()["choices"][0]["message"]["tool_calls"]
    scripted_llm.reset()
    scripted_llm.script(tool_calls(("d", {})))
    third = chat(client).json()["choices"][0]["message"]["tool_calls"]

    ids = [c["id"] for c in first + second + third]
    assert len(ids) == 4
    assert len(set(ids)) == 4


def test_raw_tool_arguments_are_sent_verbatim(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(raw_tool_arguments("pods_list", '{"namespace": "demo"'))

    choice = chat(client).json()["choices"][0]

    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["function"] == {"name": "pods_list", "arguments": '{"namespace": "demo"'}


# --- streaming -------------------------------------------------------------------------


def test_streamed_text_is_split_and_reassembles(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    text = "The deployment has three ready replicas."
    scripted_llm.script(reply(text))

    chunks = stream_chunks(client)

    first = chunks[0]["choices"][0]["delta"]
    assert first["role"] == "assistant"
    pieces = [d["content"] for d in deltas(chunks)[1:] if d.get("content")]
    assert len(pieces) > 1
    assert "".join(pieces) == text
    assert content_of(chunks) == text
    assert finish_reasons(chunks) == [None] * (len(chunks) - 1) + ["stop"]
    assert chunks[-1]["choices"][0]["delta"] == {}
    # No usage was asked for: no usage chunk, no usage field.
    assert all(c["choices"] for c in chunks)
    assert all("usage" not in c for c in chunks)


def test_streamed_tool_calls_reassemble(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    arguments = [{"namespace": "demo", "label": "app=web"}, {"name": "web-1", "tail": 100}]
    scripted_llm.script(tool_calls(("pods_list", arguments[0]), ("pods_log", arguments[1])))

    chunks = stream_chunks(client)

    # Accumulate as the openai SDK does: by index, concatenating argument fragments.
    calls: dict[int, dict[str, Any]] = {}
    fragments: dict[int, int] = {}
    for delta in deltas(chunks):
        assert delta.get("content") is None
        for part in delta.get("tool_calls", []):
            call = calls.setdefault(part["index"], {"id": None, "name": None, "arguments": ""})
            if "id" in part:
                assert call["id"] is None, "the id comes once, in the call's first delta"
                call["id"] = part["id"]
                assert part["type"] == "function"
                call["name"] = part["function"]["name"]
            if part["function"].get("arguments"):
                fragments[part["index"]] = fragments.get(part["index"], 0) + 1
            call["arguments"] += part["function"].get("arguments", "")

    assert sorted(calls) == [0, 1]
    assert [calls[i]["name"] for i in (0, 1)] == ["pods_list", "pods_log"]
    assert [json.loads(calls[i]["arguments"]) for i in (0, 1)] == arguments
    assert fragments[0] > 1 and fragments[1] > 1, "arguments arrive split across chunks"
    assert [calls[i]["id"] for i in (0, 1)] == scripted_llm.requests[0].answer_tool_call_ids
    assert finish_reasons(chunks)[-1] == "tool_calls"
    assert finish_reasons(chunks).count("tool_calls") == 1


def test_streamed_raw_arguments_reassemble_verbatim(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(raw_tool_arguments("pods_list", "not json at all"))

    chunks = stream_chunks(client)

    arguments = "".join(
        part["function"].get("arguments", "")
        for delta in deltas(chunks)
        for part in delta.get("tool_calls", [])
    )
    assert arguments == "not json at all"


def test_usage_chunk_when_asked(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(reply("Done.", input_tokens=42, output_tokens=5))

    chunks = stream_chunks(client, stream_options={"include_usage": True})

    *body, last = chunks
    assert last["choices"] == []
    assert last["usage"] == {"prompt_tokens": 42, "completion_tokens": 5, "total_tokens": 47}
    assert all(c["usage"] is None for c in body)
    assert body[-1]["choices"][0]["finish_reason"] == "stop"
    assert content_of(chunks) == "Done."


def test_stream_option_without_usage_sends_no_usage_chunk(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(reply("Done."))

    chunks = stream_chunks(client, stream_options={"include_usage": False})

    assert all(c["choices"] for c in chunks)


# --- failures --------------------------------------------------------------------------


def test_http_error_has_openai_error_body(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(
        http_error(429, "slow down", headers={"retry-after": "3"}),
        http_error(400, "too long", code="context_length_exceeded"),
        http_error(503, "overloaded"),
    )

    limited = chat(client)
    too_long = chat(client, stream=True)
    overloaded = chat(client)

    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3"
    assert limited.json() == {
        "error": {
            "message": "slow down",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    # A streaming request is refused the same way, before any event.
    assert too_long.status_code == 400
    assert too_long.headers["content-type"] == "application/json"
    assert too_long.json()["error"] == {
        "message": "too long",
        "type": "invalid_request_error",
        "param": None,
        "code": "context_length_exceeded",
    }
    assert overloaded.status_code == 503
    assert overloaded.json()["error"]["type"] == "server_error"
    assert overloaded.json()["error"]["message"] == "overloaded"


def test_garbage_is_not_json(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(garbage(), garbage())

    response = chat(client)
    data = stream_lines(client)

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert data, "the stream carries a data line"
    with pytest.raises(json.JSONDecodeError):
        json.loads(data[0])


def test_cut_stream_drops_the_connection_mid_stream(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(cut_stream("The pods are"), reply("after the cut"))
    payload = {"model": "m", "messages": MESSAGES, "stream": True}
    received: list[str] = []

    with (
        pytest.raises(httpx2.RemoteProtocolError),
        client.stream("POST", "/chat/completions", json=payload) as response,
    ):
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                received.append(line.removeprefix("data: "))

    assert "[DONE]" not in received
    chunks = [json.loads(d) for d in received]
    assert content_of(chunks) == "The pods are"
    assert set(finish_reasons(chunks)) == {None}
    # The server carries on with the next step.
    assert chat(client).json()["choices"][0]["message"]["content"] == "after the cut"


def test_cut_stream_without_streaming_sends_no_response(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(cut_stream("ignored"), reply("after the cut"))

    with pytest.raises(httpx2.RemoteProtocolError, match="without sending a response"):
        chat(client)

    assert chat(client).json()["choices"][0]["message"]["content"] == "after the cut"


def test_graceful_cut_stream_ends_without_finish_or_done(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(cut_stream("Half an answ", graceful=True))

    data = stream_lines(client)

    assert "[DONE]" not in data
    chunks = [json.loads(d) for d in data]
    assert content_of(chunks) == "Half an answ"
    assert set(finish_reasons(chunks)) == {None}


def test_empty_script_answers_500(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    response = chat(client, messages=[{"role": "user", "content": "unexpected"}])

    assert response.status_code == 500
    assert response.headers["x-should-retry"] == "false"
    error = response.json()["error"]
    assert error["message"] == EXHAUSTED_MESSAGE
    assert "no step left" in error["message"]
    assert error["type"] == "server_error"
    (recorded,) = scripted_llm.requests
    assert recorded.text() == "unexpected"
    assert recorded.step is None


def test_script_runs_out_after_its_steps(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(reply("one"))
    scripted_llm.script(reply("two"))
    assert scripted_llm.remaining() == 2

    contents = [chat(client).json()["choices"][0]["message"]["content"] for _ in range(2)]

    assert contents == ["one", "two"]
    assert scripted_llm.remaining() == 0
    assert chat(client).status_code == 500


def test_delay_waits_then_answers(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(delay(0.3, reply("late")))

    started = time.monotonic()
    response = chat(client)

    assert time.monotonic() - started >= 0.3
    assert response.json()["choices"][0]["message"]["content"] == "late"


def test_delay_lets_the_client_time_out(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(delay(5, reply("too late")), reply("next"))

    with pytest.raises(httpx2.ReadTimeout):
        client.post("/chat/completions", json={"model": "m", "messages": MESSAGES}, timeout=0.2)

    assert chat(client).json()["choices"][0]["message"]["content"] == "next"
    assert len(scripted_llm.requests) == 2


def test_invalid_json_body_is_refused_and_recorded(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    scripted_llm.script(reply("kept"))

    response = client.post(
        "/chat/completions", content=b"{oops", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    (recorded,) = scripted_llm.requests
    assert recorded.raw == b"{oops"
    assert recorded.body == {}
    assert scripted_llm.remaining() == 1


# --- records ---------------------------------------------------------------------------


def test_requests_are_recorded_in_order(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    tools = [
        {"type": "function", "function": {"name": "pods_list", "parameters": {}}},
        {"type": "function", "function": {"name": "pods_log", "parameters": {}}},
    ]
    messages = [
        {"role": "system", "content": "You help with Kubernetes."},
        {"role": "user", "content": [{"type": "text", "text": "why is web-1 failing?"}]},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "call_1", "content": "E0101 connection refused"},
    ]
    scripted_llm.script(reply("first"), http_error(500, "boom"))

    client.post(
        "/chat/completions",
        json={"model": "m", "messages": messages, "tools": tools, "stream": True},
        headers={"Authorization": "Bearer sk-test", "X-Custom": "yes"},
    ).read()
    chat(client, messages=[{"role": "user", "content": "again"}])

    first, second = scripted_llm.requests
    assert first.body["model"] == "m"
    assert first.body["stream"] is True
    assert first.messages == messages
    assert first.tool_names == ["pods_list", "pods_log"]
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.headers["x-custom"] == "yes"
    assert all(name == name.lower() for name in first.headers)
    text = first.text()
    assert "You help with Kubernetes." in text
    assert "why is web-1 failing?" in text
    assert "E0101 connection refused" in text
    assert second.messages == [{"role": "user", "content": "again"}]
    assert second.tool_names == []
    assert second.text() == "again"


def test_requests_is_a_snapshot(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(reply("x"))
    before = scripted_llm.requests

    chat(client)

    assert before == []
    assert len(scripted_llm.requests) == 1


def test_reset_clears_script_and_records(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    scripted_llm.script(reply("used"), reply("unused"))
    chat(client)

    scripted_llm.reset()

    assert scripted_llm.requests == []
    assert scripted_llm.remaining() == 0
    assert chat(client).status_code == 500


def test_concurrent_requests_each_take_one_step(
    scripted_llm: ScriptedLLM, client: httpx2.Client
) -> None:
    count = 16
    scripted_llm.script(*(reply(f"answer {i}") for i in range(count)))
    answers: list[str] = []
    lock = threading.Lock()

    def ask() -> None:
        content = chat(client).json()["choices"][0]["message"]["content"]
        with lock:
            answers.append(content)

    threads = [threading.Thread(target=ask) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(answers) == sorted(f"answer {i}" for i in range(count))
    assert len(scripted_llm.requests) == count
    assert scripted_llm.remaining() == 0


# --- other endpoints, lifecycle, fixtures ------------------------------------------------


def test_models_lists_the_model(scripted_llm: ScriptedLLM, client: httpx2.Client) -> None:
    response = client.get("/models")

    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [ScriptedLLM.model]
    assert scripted_llm.requests == []


def test_unknown_path_is_404(client: httpx2.Client) -> None:
    response = client.post("/completions", json={})

    assert response.status_code == 404
    assert "error" in response.json()


def test_start_serves_and_stop_closes() -> None:
    llm = ScriptedLLM()
    with pytest.raises(RuntimeError):
        _ = llm.url
    with llm:
        url = llm.url
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url)
        llm.script(reply("hi"))
        response = httpx2.post(f"{url}/chat/completions", json={"messages": []})
        assert response.json()["model"] == ScriptedLLM.model
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{url}/models", timeout=2)


def test_stop_does_not_hang_on_a_pending_delay() -> None:
    llm = ScriptedLLM()
    llm.start()
    llm.script(delay(30, reply("never")))
    errors: list[Exception] = []

    def ask() -> None:
        try:
            httpx2.post(f"{llm.url}/chat/completions", json={"messages": []}, timeout=20)
        except httpx2.HTTPError as exc:
            errors.append(exc)

    thread = threading.Thread(target=ask)
    thread.start()
    deadline = time.monotonic() + 5
    while not llm.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    llm.stop()
    thread.join(10)

    assert time.monotonic() - started < 5
    assert len(errors) == 1


def test_scripted_llm_fixture_resets_the_server(
    scripted_llm_server: ScriptedLLM, request: pytest.FixtureRequest
) -> None:
    scripted_llm_server.script(reply("used"), reply("left over"))
    httpx2.post(f"{scripted_llm_server.url}/chat/completions", json={"messages": []})
    assert scripted_llm_server.requests

    llm = request.getfixturevalue("scripted_llm")

    assert llm is scripted_llm_server
    assert llm.requests == []
    assert llm.remaining() == 0


def test_a_request_knows_its_parts_and_the_calls_it_did_not_offer(
    scripted_llm: ScriptedLLM,
) -> None:
    from openai import OpenAI

    scripted_llm.script(tool_calls(("pods_log", {}), ("pods_get", {})))
    client = OpenAI(base_url=scripted_llm.url, api_key="x", max_retries=0)
    tool = {"type": "function", "function": {"name": "pods_get", "parameters": {}}}
    client.chat.completions.create(
        model="m",
        messages=[
            {"role": "system", "content": "rules"},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "answer"},
            {"role": "user", "content": "why?"},
        ],
        tools=[tool],  # type: ignore[list-item]
    )
    (request,) = scripted_llm.requests
    assert request.unoffered_calls() == ["pods_log"]
    parts = request.prompt_parts()
    assert set(parts) == {"system", "tools", "history", "question"}
    assert parts["history"] > parts["question"] > 0 and parts["tools"] > 0


def _answer_by_tool_results(request: RecordedRequest) -> Step:
    """A tool call while the request carries fewer than two tool results, then a reply."""
    seen = sum(1 for m in request.messages if m.get("role") == "tool")
    if seen < 2:
        return tool_calls(("pods_list", {"namespace": f"ns-{seen}"}))
    return reply(f"done after {seen}")


def _with_tool_results(count: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "hello"}]
    for n in range(count):
        messages.append({"role": "tool", "tool_call_id": f"call_{n}", "content": "ok"})
    return messages


def test_a_responder_answers_each_request_from_its_content_after_the_script() -> None:
    with ScriptedLLM(responder=_answer_by_tool_results) as llm:
        llm.script(reply("scripted first"))
        url = f"{llm.url}/chat/completions"
        first = httpx2.post(url, json={"messages": _with_tool_results(2)}, timeout=10)
        second = httpx2.post(url, json={"messages": _with_tool_results(1)}, timeout=10)
        third = httpx2.post(url, json={"messages": _with_tool_results(2)}, timeout=10)

        assert first.json()["choices"][0]["message"]["content"] == "scripted first"
        call = second.json()["choices"][0]["message"]["tool_calls"][0]
        assert json.loads(call["function"]["arguments"]) == {"namespace": "ns-1"}
        assert third.json()["choices"][0]["message"]["content"] == "done after 2"
        assert [r.answer_tool_call_ids for r in llm.requests] == [[], ["call_1"], []]
        assert llm.remaining() == 0


def test_a_responder_answers_concurrent_requests_each_by_its_own_content() -> None:
    answers: dict[int, str] = {}
    lock = threading.Lock()

    with ScriptedLLM(responder=_answer_by_tool_results) as llm:

        def ask(n: int) -> None:
            body = {"messages": _with_tool_results(n % 3), "stream": n % 2 == 0}
            with httpx2.Client(timeout=20) as client:
                response = client.post(f"{llm.url}/chat/completions", json=body)
            if body["stream"]:
                chunks = [
                    json.loads(line.removeprefix("data: "))
                    for line in response.text.splitlines()
                    if line.startswith("data: {")
                ]
                parts = deltas(chunks)
            else:
                parts = [response.json()["choices"][0]["message"]]
            text = "".join(
                (part.get("content") or "")
                + "".join(c["function"]["arguments"] for c in part.get("tool_calls") or [])
                for part in parts
            )
            with lock:
                answers[n] = text

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert len(answers) == 12
        for n, text in answers.items():
            if n % 3 < 2:
                assert f"ns-{n % 3}" in text
            else:
                assert "done after 2" in text
        assert len(llm.requests) == 12


def test_each_answered_request_records_how_long_the_server_took(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.script(delay(0.2, reply("late")), reply("at once"))
    url = f"{scripted_llm.url}/chat/completions"
    httpx2.post(url, json={"messages": MESSAGES}, timeout=10)
    httpx2.post(url, json={"messages": MESSAGES, "stream": True}, timeout=10)

    slow, fast = scripted_llm.requests
    assert slow.answer_seconds is not None and slow.answer_seconds >= 0.2
    assert fast.answer_seconds is not None and 0 <= fast.answer_seconds < 0.2
