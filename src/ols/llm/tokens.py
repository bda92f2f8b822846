"""An offline token estimate for budgeting the context window.

This is deliberately an estimate, not a tokenizer: ols talks to many models (OpenAI, Llama,
Qwen, Mistral, ...) whose tokenizers differ, and loading any of them would mean downloading
vocabulary files at run time, which ols never does. So we count UTF-8 bytes and divide by
`BYTES_PER_TOKEN`.

Three bytes a token is slightly conservative on purpose. English prose runs at about four
bytes a token with current tokenizers, while what fills the context here - JSON, YAML, logs
and resource names from tools - runs closer to three, and non-Latin scripts take two or
three bytes a character at roughly one token a character. Overestimating costs a little
context; underestimating makes the server reject the request, so we err high.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

BYTES_PER_TOKEN = 3
# What chat templates add around each message (role markers, separators), and what they add
# to prime the reply. OpenAI documents 3-4 tokens a message; other templates are similar.
MESSAGE_OVERHEAD_TOKENS = 4
REPLY_PRIMING_TOKENS = 3


def count_tokens(text: str) -> int:
    """Estimated tokens in `text` (0 for the empty string)."""
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)


def count_message_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """Estimated prompt tokens for OpenAI chat `messages`, including each message's framing
    and the reply priming."""
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        total += MESSAGE_OVERHEAD_TOKENS
        for key, value in message.items():
            total += _value_tokens(key, value)
    return total


def count_tool_tokens(tools: Iterable[Mapping[str, Any]] | None) -> int:
    """Estimated prompt tokens taken by the tool definitions offered to the model."""
    return sum(count_tokens(_json(tool)) for tool in tools or ())


def _value_tokens(key: str, value: Any) -> int:
    if value is None:
        return 0
    if key == "content" and isinstance(value, list):
        # Content parts: count the text; other parts (images) are not ours to estimate.
        return sum(
            count_tokens(str(part.get("text", ""))) for part in value if isinstance(part, Mapping)
        )
    if isinstance(value, str):
        return count_tokens(value)
    return count_tokens(_json(value))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
