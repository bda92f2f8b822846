"""`LlmClient` over real HTTP against a scripted OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from typing import Any

import pytest
from pydantic import SecretStr

from ols.errors import ConfigurationError, OlsError
from ols.llm import (
    LlmBadResponse,
    LlmClient,
    LlmError,
    LlmEvent,
    LlmRejected,
    LlmSettings,
    LlmTurn,
    LlmUnavailable,
    TextDelta,
    ToolCallRequest,
    TurnComplete,
    Usage,
)
from ols.llm import client as client_module
from ols.llm.retry import Backoff
from tests.llm.conftest import API_KEY, client_for
from tests.llm.fake_openai import (
    MODEL,
    FakeOpenAI,
    Reply,
    chunk,
    completion,
    json_reply,
    stream,
    tool_call,
    usage_chunk,
)

MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You help with Kubernetes."},
    {"role": "user", "content": "Which pods run in default?"},
]
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "pods_list",
            "description": "List pods",
            "parameters": {"type": "object", "properties": {"namespace": {"type": "string"}}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "pods_log",
            "description": "A pod's log",
            "parameters": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    },
]


def complete(
    fake: FakeOpenAI, tools: list[dict[str, Any]] | None = None, **overrides: Any
) -> LlmTurn:
    async def main() -> LlmTurn:
        async with client_for(fake, **overrides) as client:
            return await client.complete(MESSAGES, tools)

    return asyncio.run(main())


def stream_events(
    fake: FakeOpenAI, tools: list[dict[str, Any]] | None = None, **overrides: Any
) -> tuple[list[LlmEvent], LlmError | None]:
    """Every event the stream yielded, and the error that ended it (if one did)."""

    async def main() -> tuple[list[LlmEvent], LlmError | None]:
        events: list[LlmEvent] = []
        async with client_for(fake, **overrides) as client:
            try:
                async for event in client.stream(MESSAGES, tools):
                    events.append(event)
            except LlmError as exc:
                return events, exc
        return events, None

    return asyncio.run(main())


def final_turn(events: list[LlmEvent]) -> LlmTurn:
    completes = [e for e in events if isinstance(e, TurnComplete)]
    assert len(completes) == 1
    assert events[-1] is completes[0]
    return completes[0].turn


def texts(events: list[LlmEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, TextDelta)]


# --- configuration ---------------------------------------------------------------------


def test_missing_url_or_model_is_a_configuration_error_saying_how_to_set_it() -> None:
    with pytest.raises(ConfigurationError, match=r"OLS_LLM_URL.*llm\.url"):
        LlmClient(LlmSettings(model="m"))
    with pytest.raises(ConfigurationError, match=r"OLS_LLM_MODEL.*llm\.model"):
        LlmClient(LlmSettings(url="http://127.0.0.1:8000/v1"))


def test_settings_are_strict_and_hide_the_key() -> None:
    settings = LlmSettings(url="http://h/v1", model="m", api_key=SecretStr(API_KEY))
    assert API_KEY not in repr(settings)
    assert API_KEY not in str(settings.model_dump())
    with pytest.raises(ValueError, match="extra"):
        LlmSettings.model_validate({"url": "http://h/v1", "modle": "m"})
    with pytest.raises(ValueError, match="ending in /v1"):
        LlmSettings(url="127.0.0.1:8000/v1")
    with pytest.raises(ValueError, match="smaller than context_window"):
        LlmSettings(context_window=4096, max_output_tokens=4096)


def test_llm_errors_are_ols_errors() -> None:
    for error in (LlmUnavailable, LlmRejected, LlmBadResponse):
        assert issubclass(error, LlmError)
    assert issubclass(LlmError, OlsError)


# --- whole turns --------------------------------------------------------------------------


def test_text_answer_and_what_was_sent(fake: FakeOpenAI) -> None:
    fake.script(completion("Two pods.", usage={"prompt_tokens": 21, "completion_tokens": 3}))

    turn = complete(fake, max_output_tokens=100, temperature=0.2)

    assert turn == LlmTurn("Two pods.", [], "stop", Usage(21, 3))
    [request] = fake.received
    assert request.body["model"] == MODEL
    assert request.body["messages"] == MESSAGES
    assert request.body["max_tokens"] == 100
    assert request.body["temperature"] == 0.2
    assert "tools" not in request.body
    assert "tool_choice" not in request.body
    assert "stream" not in request.body
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


def test_no_tools_and_empty_tools_send_neither_tools_nor_tool_choice(fake: FakeOpenAI) -> None:
    fake.script(completion("a"))
    complete(fake, tools=[])
    assert "tools" not in fake.received[0].body
    assert "tool_choice" not in fake.received[0].body


def test_no_temperature_leaves_the_server_default(fake: FakeOpenAI) -> None:
    fake.script(completion("a"))
    complete(fake, temperature=None)
    assert "temperature" not in fake.received[0].body


@pytest.mark.parametrize("key", [None, "none", "None", ""])
def test_local_servers_without_a_key_get_a_placeholder(fake: FakeOpenAI, key: str | None) -> None:
    fake.script(completion("a"))
    complete(fake, api_key=None if key is None else SecretStr(key))
    assert fake.received[0].headers["authorization"] == "Bearer not-needed"


def test_usage_is_estimated_when_the_server_reports_none(fake: FakeOpenAI) -> None:
    fake.script(completion("x" * 30))
    turn = complete(fake)
    assert turn.usage.output_tokens == 10
    assert turn.usage.input_tokens > len(json.dumps(MESSAGES)) // 4


def test_a_tool_call(fake: FakeOpenAI) -> None:
    fake.script(
        completion(
            None,
            [tool_call("call_abc", "pods_list", '{"namespace": "default"}')],
            finish_reason="tool_calls",
        )
    )

    turn = complete(fake, tools=TOOLS)

    assert turn.text == ""
    assert turn.finish_reason == "tool_calls"
    assert turn.tool_calls == [
        ToolCallRequest(
            "call_abc", "pods_list", {"namespace": "default"}, '{"namespace": "default"}', None
        )
    ]
    body = fake.received[0].body
    assert body["tools"] == TOOLS
    assert body["tool_choice"] == "auto"


def test_two_parallel_tool_calls(fake: FakeOpenAI) -> None:
    fake.script(
        completion(
            "",
            [
                tool_call("call_1", "pods_list", '{"namespace": "a"}'),
                tool_call("call_2", "pods_log", '{"name": "web-0"}'),
            ],
            finish_reason="tool_calls",
        )
    )

    turn = complete(fake, tools=TOOLS)

    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("call_1", "pods_list", {"namespace": "a"}),
        ("call_2", "pods_log", {"name": "web-0"}),
    ]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [('["a"]', "must be a JSON object"), ('{"namespace": ', "not valid JSON")],
)
def test_tool_arguments_that_are_not_an_object_are_reported(
    fake: FakeOpenAI, raw: str, problem: str
) -> None:
    fake.script(completion("", [tool_call("call_1", "pods_list", raw)], "tool_calls"))

    [call] = complete(fake, tools=TOOLS).tool_calls

    assert call.arguments == {}
    assert call.raw_arguments == raw
    assert call.parse_error is not None and problem in call.parse_error


def test_empty_arguments_mean_none_and_a_missing_id_is_generated(fake: FakeOpenAI) -> None:
    calls = [{"type": "function", "function": {"name": "pods_list", "arguments": ""}}]
    fake.script(completion("", calls, "tool_calls"))

    [call] = complete(fake, tools=TOOLS).tool_calls

    assert (call.id, call.arguments, call.parse_error) == ("call_1", {}, None)


def test_tool_calls_written_as_text_become_tool_calls(fake: FakeOpenAI) -> None:
    text = (
        "Let me look.\n"
        '<tool_call>{"name": "pods_list", "arguments": {"namespace": "x"}}</tool_call>'
    )
    fake.script(completion(text))

    turn = complete(fake, tools=TOOLS)

    assert turn.text == "Let me look."
    assert turn.tool_calls == [
        ToolCallRequest("call_text_1", "pods_list", {"namespace": "x"}, '{"namespace": "x"}', None)
    ]


def test_tool_calls_in_text_are_left_alone_when_no_tools_were_offered(fake: FakeOpenAI) -> None:
    text = '<tool_call>{"name": "pods_list", "arguments": {}}</tool_call>'
    fake.script(completion(text))

    turn = complete(fake)

    assert (turn.text, turn.tool_calls) == (text, [])


# --- streaming ----------------------------------------------------------------------------


def test_streamed_text_arrives_in_pieces_then_one_turn(fake: FakeOpenAI) -> None:
    fake.script(
        stream(
            chunk(""),
            chunk("Two "),
            chunk("pods "),
            chunk("run."),
            chunk(finish_reason="stop"),
            usage_chunk(17, 4),
        )
    )

    events, error = stream_events(fake)

    assert error is None
    assert texts(events) == ["Two ", "pods ", "run."]
    assert final_turn(events) == LlmTurn("Two pods run.", [], "stop", Usage(17, 4))
    body = fake.received[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_streamed_answers_reuse_one_connection(fake: FakeOpenAI) -> None:
    answer = stream(chunk("Fine."), chunk(finish_reason="stop"), usage_chunk(5, 1))
    fake.script(answer, answer, answer)

    async def main() -> list[list[LlmEvent]]:
        answers = []
        async with client_for(fake) as client:
            for _ in range(3):
                answers.append([event async for event in client.stream(MESSAGES, None)])
        return answers

    answers = asyncio.run(main())

    assert [texts(events) for events in answers] == [["Fine."]] * 3
    peers = {received.peer for received in fake.received}
    assert len(fake.received) == 3
    assert len(peers) == 1, f"each streamed answer opened a new connection: {peers}"


def test_a_body_left_open_after_done_does_not_hold_the_answer(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "_DRAIN_SECONDS", 0.2)
    fake.script(stream(chunk("Fine."), chunk(finish_reason="stop"), linger=10))

    started = time.monotonic()
    events, error = stream_events(fake)

    assert error is None
    assert final_turn(events).text == "Fine."
    assert time.monotonic() - started < 5


def test_streamed_text_arrives_before_the_body_ends(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "_DRAIN_SECONDS", 10)
    fake.script(stream(chunk("Fine."), chunk(finish_reason="stop"), linger=2))

    async def main() -> list[tuple[float, LlmEvent]]:
        async with client_for(fake) as client:
            return [(time.monotonic(), e) async for e in client.stream(MESSAGES, None)]

    (first_at, first), (done_at, done) = asyncio.run(main())

    assert first == TextDelta("Fine.")
    assert isinstance(done, TurnComplete)
    assert done_at - first_at > 1, "the text waited for the whole body"


def test_streamed_parallel_tool_calls_are_reassembled_by_index(fake: FakeOpenAI) -> None:
    def delta(index: int, arguments: str, **first: str) -> list[dict[str, Any]]:
        function: dict[str, str] = {"arguments": arguments}
        if "name" in first:
            function["name"] = first["name"]
        call: dict[str, Any] = {"index": index, "function": function}
        if "id" in first:
            call.update(id=first["id"], type="function")
        return [call]

    fake.script(
        stream(
            chunk("Checking."),
            chunk(tool_calls=delta(0, "", id="call_a", name="pods_list")),
            chunk(tool_calls=delta(0, '{"names')),
            chunk(tool_calls=delta(1, '{"na', id="call_b", name="pods_log")),
            chunk(tool_calls=delta(0, 'pace": "de')),
            chunk(tool_calls=delta(1, 'me": "web-0"}')),
            chunk(tool_calls=delta(0, 'fault"}')),
            chunk(finish_reason="tool_calls"),
        )
    )

    events, error = stream_events(fake, tools=TOOLS)

    assert error is None
    assert texts(events) == ["Checking."]
    turn = final_turn(events)
    assert turn.finish_reason == "tool_calls"
    assert [(c.id, c.name, c.arguments, c.parse_error) for c in turn.tool_calls] == [
        ("call_a", "pods_list", {"namespace": "default"}, None),
        ("call_b", "pods_log", {"name": "web-0"}, None),
    ]


def test_streamed_tool_call_written_as_text_is_recovered(fake: FakeOpenAI) -> None:
    fake.script(
        stream(
            chunk("```json\n"),
            chunk('{"name": "pods_log", '),
            chunk('"arguments": {"name": "web-0"}}\n```'),
            chunk(finish_reason="stop"),
        )
    )

    events, error = stream_events(fake, tools=TOOLS)

    assert error is None
    turn = final_turn(events)
    assert turn.text == ""
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("call_text_1", "pods_log", {"name": "web-0"})
    ]


def test_a_stream_that_finishes_without_done_is_complete(fake: FakeOpenAI) -> None:
    fake.script(stream(chunk("ok"), chunk(finish_reason="stop"), done=False))
    events, error = stream_events(fake)
    assert error is None
    assert final_turn(events).text == "ok"


def test_a_stream_with_done_but_no_finish_reason_is_complete(fake: FakeOpenAI) -> None:
    fake.script(stream(chunk("ok")))
    events, error = stream_events(fake)
    assert error is None
    assert final_turn(events) == LlmTurn("ok", [], None, final_turn(events).usage)


# --- retries ------------------------------------------------------------------------------


def test_429_then_success_is_retried_honouring_retry_after(fake: FakeOpenAI) -> None:
    fake.script(
        json_reply({"error": {"message": "slow down"}}, 429, headers={"retry-after-ms": "400"}),
        completion("done"),
    )

    started = time.monotonic()
    turn = complete(fake)
    elapsed = time.monotonic() - started

    assert turn.text == "done"
    assert len(fake.received) == 2
    assert elapsed >= 0.4  # the backoff alone would have waited 0.02 s at most


def test_500s_until_retries_run_out_are_unavailable(fake: FakeOpenAI) -> None:
    fake.script(*[json_reply({"error": {"message": "engine crashed"}}, 500)] * 5)

    with pytest.raises(LlmUnavailable) as caught:
        complete(fake, max_retries=2)

    assert len(fake.received) == 3
    message = str(caught.value)
    assert fake.url in message
    assert MODEL in message
    assert "HTTP 500" in message and "engine crashed" in message
    assert "3 attempts" in message
    assert "OLS_LLM_URL" in message
    assert API_KEY not in message
    assert caught.value.last_status == 500


def test_retries_are_logged_without_the_key(
    fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script(json_reply({"error": {"message": f"bad key {API_KEY}"}}, 503), completion("ok"))

    with caplog.at_level(logging.WARNING, logger="ols.llm"):
        assert complete(fake).text == "ok"

    [record] = [r for r in caplog.records if r.name.startswith("ols.llm")]
    logged = record.getMessage()
    assert "HTTP 503" in logged and "retry 1 of 2" in logged
    assert API_KEY not in logged
    assert API_KEY not in caplog.text


def test_400_is_rejected_without_retrying(fake: FakeOpenAI) -> None:
    fake.script(
        json_reply({"error": {"message": "maximum context length is 4096 tokens"}}, 400),
        completion("never"),
    )

    with pytest.raises(LlmRejected) as caught:
        complete(fake)

    assert len(fake.received) == 1
    assert caught.value.status_code == 400
    assert caught.value.provider_message == "maximum context length is 4096 tokens"
    assert "maximum context length is 4096 tokens" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"object": "error", "message": "vllm says no"}, "vllm says no"),
        ({"detail": "fastapi says no"}, "fastapi says no"),
        ("plain text says no", "plain text says no"),
    ],
)
def test_rejections_carry_the_provider_message_in_any_shape(
    fake: FakeOpenAI, body: object, expected: str
) -> None:
    reply = (
        Reply(422, body, content_type="text/plain")
        if isinstance(body, str)
        else json_reply(body, 422)
    )
    fake.script(reply)
    with pytest.raises(LlmRejected) as caught:
        complete(fake)
    assert caught.value.provider_message == expected


def test_a_rejection_echoing_the_key_does_not_show_it(fake: FakeOpenAI) -> None:
    fake.script(json_reply({"error": {"message": f"Incorrect API key provided: {API_KEY}"}}, 401))

    with pytest.raises(LlmRejected) as caught:
        complete(fake)

    assert API_KEY not in str(caught.value)
    assert "Incorrect API key provided: ***" in str(caught.value)
    assert "llm.api_key" in str(caught.value)


def test_a_slow_server_times_out_after_retries(fake: FakeOpenAI) -> None:
    fake.script(*[Reply(delay=1.5, body="{}")] * 3)

    started = time.monotonic()
    with pytest.raises(LlmUnavailable) as caught:
        complete(fake, timeout_seconds=0.3, max_retries=1)
    elapsed = time.monotonic() - started

    assert len(fake.received) == 2
    assert elapsed < 1.4  # two timeouts, not one full slow answer
    message = str(caught.value)
    assert "no response within 0.3 s" in message
    assert "timeout_seconds" in message
    assert caught.value.last_status is None


def test_an_unreachable_server_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the client connects
    settings = LlmSettings(url=f"http://127.0.0.1:{port}/v1", model=MODEL, max_retries=1)

    async def main() -> None:
        async with LlmClient(settings, backoff=Backoff(0.01, 0.01)) as client:
            await client.complete(MESSAGES, None)

    with pytest.raises(LlmUnavailable, match=rf"127\.0\.0\.1:{port}.*2 attempts.*Connect"):
        asyncio.run(main())


def test_a_long_retry_after_is_reported_not_waited_for(fake: FakeOpenAI) -> None:
    fake.script(json_reply({"error": {"message": "quota"}}, 429, headers={"retry-after": "3600"}))

    started = time.monotonic()
    with pytest.raises(LlmUnavailable, match="wait 3600 s") as caught:
        complete(fake)

    assert time.monotonic() - started < 2
    assert len(fake.received) == 1
    assert caught.value.last_status == 429
    assert "rate-limiting" in str(caught.value)


def test_a_stream_is_retried_when_it_fails_before_any_text(fake: FakeOpenAI) -> None:
    fake.script(
        json_reply({"error": {"message": "busy"}}, 503),
        stream(chunk(""), abort=True),  # dropped before any text
        stream(chunk("fine"), chunk(finish_reason="stop")),
    )

    events, error = stream_events(fake)

    assert error is None
    assert len(fake.received) == 3
    assert texts(events) == ["fine"]
    assert final_turn(events).text == "fine"


def test_a_stream_is_rejected_on_400_without_retrying(fake: FakeOpenAI) -> None:
    fake.script(json_reply({"error": {"message": "no tools here"}}, 400), stream(chunk("x")))
    events, error = stream_events(fake, tools=TOOLS)
    assert isinstance(error, LlmRejected)
    assert events == []
    assert len(fake.received) == 1


# --- bad responses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        (Reply(body="<html>proxy login</html>", content_type="text/html"), "not JSON"),
        (Reply(body="{not json"), "not JSON"),
        (json_reply(["a", "list"]), "not a JSON object"),
        (json_reply({"id": "x", "object": "chat.completion"}), "choices"),
        (json_reply({"choices": []}), "no choices"),
        (json_reply({"choices": [{"message": {"content": 5}}]}), "content"),
    ],
)
def test_garbage_is_a_bad_response_and_not_retried(
    fake: FakeOpenAI, reply: Reply, detail: str
) -> None:
    fake.script(reply, completion("never"))

    with pytest.raises(LlmBadResponse, match=detail) as caught:
        complete(fake)

    assert len(fake.received) == 1
    assert fake.url in str(caught.value)


def test_a_stream_cut_off_before_it_finished_is_a_bad_response(fake: FakeOpenAI) -> None:
    fake.script(stream(chunk("Two "), chunk("pods"), done=False), stream(chunk("never")))

    events, error = stream_events(fake)

    assert isinstance(error, LlmBadResponse)
    assert "ended before the model finished" in str(error)
    assert texts(events) == ["Two ", "pods"]
    assert not any(isinstance(e, TurnComplete) for e in events)
    assert len(fake.received) == 1


def test_a_stream_dropped_mid_answer_is_a_bad_response_not_retried(fake: FakeOpenAI) -> None:
    fake.script(stream(chunk("Two "), abort=True), stream(chunk("never")))

    events, error = stream_events(fake)

    assert isinstance(error, LlmBadResponse)
    assert "cut off in the middle" in str(error)
    assert texts(events) == ["Two "]
    assert len(fake.received) == 1


def test_a_garbage_chunk_is_a_bad_response(fake: FakeOpenAI) -> None:
    fake.script(stream(chunk("a"), "{oops"))
    events, error = stream_events(fake)
    assert isinstance(error, LlmBadResponse)
    assert "not JSON" in str(error)
    assert texts(events) == ["a"]


def test_an_error_event_in_the_stream_is_a_bad_response(fake: FakeOpenAI) -> None:
    fake.script(stream(chunk("a"), {"error": {"message": "out of memory"}}))
    events, error = stream_events(fake)
    assert isinstance(error, LlmBadResponse)
    assert "out of memory" in str(error)
    assert texts(events) == ["a"]
