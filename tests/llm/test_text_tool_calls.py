"""Tool calls that models write as text."""

from __future__ import annotations

from ols.llm.text_tool_calls import extract_text_tool_calls
from ols.llm.types import ToolCallRequest

OFFERED = {"pods_list", "pods_log"}


def test_tool_call_tags_one_or_more() -> None:
    text = (
        "I will check both.\n"
        '<tool_call>\n{"name": "pods_list", "arguments": {"namespace": "a"}}\n</tool_call>\n'
        '<tool_call>{"name": "pods_log", "arguments": {"name": "web-0"}}</tool_call>'
    )

    remaining, calls = extract_text_tool_calls(text, OFFERED)

    assert remaining == "I will check both."
    assert calls == [
        ToolCallRequest("call_text_1", "pods_list", {"namespace": "a"}, '{"namespace": "a"}'),
        ToolCallRequest("call_text_2", "pods_log", {"name": "web-0"}, '{"name": "web-0"}'),
    ]


def test_a_fenced_json_block_with_one_call() -> None:
    text = 'Sure.\n```json\n{"name": "pods_list", "arguments": {"namespace": "a"}}\n```\nDone.'

    remaining, calls = extract_text_tool_calls(text, OFFERED)

    assert remaining == "Sure.\n\nDone."
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_text_1", "pods_list", {"namespace": "a"})
    ]


def test_a_fenced_tool_call_block_with_a_list() -> None:
    text = (
        "```tool_call\n"
        '[{"name": "pods_list", "arguments": {}}, {"name": "pods_log", "arguments": {"name": "x"}}]'
        "\n```"
    )

    remaining, calls = extract_text_tool_calls(text, OFFERED)

    assert remaining == ""
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_text_1", "pods_list", {}),
        ("call_text_2", "pods_log", {"name": "x"}),
    ]


def test_tags_and_fences_together_are_numbered_in_order() -> None:
    text = (
        '```json\n{"name": "pods_log", "arguments": {"name": "a"}}\n```\n'
        '<tool_call>{"name": "pods_list", "arguments": {}}</tool_call>'
    )
    _, calls = extract_text_tool_calls(text, OFFERED)
    assert [(c.id, c.name) for c in calls] == [
        ("call_text_1", "pods_log"),
        ("call_text_2", "pods_list"),
    ]


def test_a_fence_inside_a_tag_is_one_call() -> None:
    text = '<tool_call>\n```json\n{"name": "pods_list", "arguments": {}}\n```\n</tool_call>'
    remaining, calls = extract_text_tool_calls(text, OFFERED)
    assert remaining == ""
    assert [c.name for c in calls] == ["pods_list"]


def test_unknown_tool_names_are_left_in_the_text() -> None:
    text = '<tool_call>{"name": "delete_cluster", "arguments": {}}</tool_call>'
    assert extract_text_tool_calls(text, OFFERED) == (text, [])


def test_a_list_with_one_unknown_name_is_left_whole() -> None:
    text = '```json\n[{"name": "pods_list", "arguments": {}}, {"name": "rm", "arguments": {}}]\n```'
    assert extract_text_tool_calls(text, OFFERED) == (text, [])


def test_nothing_is_parsed_when_no_tools_were_offered() -> None:
    text = '<tool_call>{"name": "pods_list", "arguments": {}}</tool_call>'
    assert extract_text_tool_calls(text, set()) == (text, [])


def test_json_shown_to_the_user_stays() -> None:
    text = (
        "Here is the pod:\n```json\n"
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pods_list"}}\n```'
    )
    assert extract_text_tool_calls(text, OFFERED) == (text, [])
    other_keys = '```json\n{"name": "pods_list", "namespace": "a"}\n```'
    assert extract_text_tool_calls(other_keys, OFFERED) == (other_keys, [])


def test_broken_json_stays() -> None:
    text = '<tool_call>{"name": "pods_list", "arguments": {</tool_call>'
    assert extract_text_tool_calls(text, OFFERED) == (text, [])


def test_arguments_as_a_string_parameters_and_none_at_all() -> None:
    text = (
        '<tool_call>{"name": "pods_list", "arguments": "{\\"namespace\\": \\"a\\"}"}</tool_call>'
        '<tool_call>{"name": "pods_log", "parameters": {"name": "b"}}</tool_call>'
        '<tool_call>{"name": "pods_list"}</tool_call>'
    )
    _, calls = extract_text_tool_calls(text, OFFERED)
    assert [(c.name, c.arguments, c.parse_error) for c in calls] == [
        ("pods_list", {"namespace": "a"}, None),
        ("pods_log", {"name": "b"}, None),
        ("pods_list", {}, None),
    ]


def test_arguments_that_are_not_an_object_keep_the_call_with_a_parse_error() -> None:
    text = '<tool_call>{"name": "pods_list", "arguments": ["a"]}</tool_call>'
    remaining, [call] = extract_text_tool_calls(text, OFFERED)
    assert remaining == ""
    assert call.arguments == {}
    assert call.raw_arguments == '["a"]'
    assert call.parse_error is not None and "JSON object" in call.parse_error
