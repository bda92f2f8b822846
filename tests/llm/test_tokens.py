"""The offline token estimate."""

from __future__ import annotations

import math
from typing import Any

from ols.llm.tokens import (
    MESSAGE_OVERHEAD_TOKENS,
    REPLY_PRIMING_TOKENS,
    count_message_tokens,
    count_tokens,
    count_tool_tokens,
)


def test_counts_utf8_bytes_three_to_a_token() -> None:
    assert count_tokens("") == 0
    assert count_tokens("a") == 1
    assert count_tokens("abcdef") == 2
    assert count_tokens("abcdefg") == 3
    assert count_tokens("ü" * 3) == 2  # six bytes
    assert count_tokens("日本語") == 3  # nine bytes: about a token a character


def test_is_conservative_for_english() -> None:
    # Tokenizers give English about four characters a token; we must not count fewer.
    sentence = "The deployment rolled out three new replicas in the default namespace. " * 10
    assert count_tokens(sentence) >= math.ceil(len(sentence) / 4)


def test_messages_add_framing_and_every_field() -> None:
    assert count_message_tokens([]) == REPLY_PRIMING_TOKENS
    plain = [{"role": "user", "content": "abcdef"}]
    assert count_message_tokens(plain) == (
        REPLY_PRIMING_TOKENS + MESSAGE_OVERHEAD_TOKENS + count_tokens("user") + 2
    )
    with_call: list[dict[str, Any]] = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "pods_list", "arguments": '{"namespace": "x"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "pod-a\npod-b"},
    ]
    bare = [{"role": "assistant"}, {"role": "tool"}]
    assert count_message_tokens(with_call) > count_message_tokens(bare) + count_tokens(
        '{"namespace": "x"}pod-a\npod-b'
    )


def test_content_parts_count_their_text() -> None:
    parts = [{"role": "user", "content": [{"type": "text", "text": "x" * 300}]}]
    assert count_message_tokens(parts) >= 100


def test_tools_count_their_definitions() -> None:
    tool = {"type": "function", "function": {"name": "pods_list", "parameters": {"a": "b" * 90}}}
    assert count_tool_tokens(None) == 0
    assert count_tool_tokens([]) == 0
    assert count_tool_tokens([tool]) >= 30
    assert count_tool_tokens([tool, tool]) == 2 * count_tool_tokens([tool])
