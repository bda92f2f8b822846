"""The LLM client: one OpenAI-compatible chat-completions client (OpenAI, Azure OpenAI, vLLM,
Ollama, llama.cpp server) that sends a conversation and the offered tools and returns one
typed turn (text and tool calls), whole or streamed.

It owns the settings for reaching the model, retries with backoff, the errors a caller sees
when the model cannot answer, tool calls that small models write as text, and the offline
token estimate. It knows nothing about the agent loop, the tools themselves or the HTTP API.
"""

from ols.llm.client import LlmClient
from ols.llm.errors import LlmBadResponse, LlmError, LlmRejected, LlmUnavailable
from ols.llm.settings import LlmSettings
from ols.llm.tokens import count_message_tokens, count_tokens, count_tool_tokens
from ols.llm.types import LlmEvent, LlmTurn, TextDelta, ToolCallRequest, TurnComplete, Usage

__all__ = [
    "LlmBadResponse",
    "LlmClient",
    "LlmError",
    "LlmEvent",
    "LlmRejected",
    "LlmSettings",
    "LlmTurn",
    "LlmUnavailable",
    "TextDelta",
    "ToolCallRequest",
    "TurnComplete",
    "Usage",
    "count_message_tokens",
    "count_tokens",
    "count_tool_tokens",
]
