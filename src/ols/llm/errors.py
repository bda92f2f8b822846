"""The errors the LLM client raises: one `LlmError` hierarchy under `OlsError`.

Messages name the server and the model, say what went wrong and what to check. They never
contain the API key.
"""

from __future__ import annotations

from ols.errors import OlsError


class LlmError(OlsError):
    """The LLM could not give a usable answer."""


class LlmUnavailable(LlmError):
    """The LLM could not be reached, kept failing after retries, or took too long."""

    def __init__(self, message: str, *, last_status: int | None = None) -> None:
        super().__init__(message)
        self.last_status = last_status


class LlmRejected(LlmError):
    """The LLM refused the request (a 4xx other than 429); retrying the same request will not
    help."""

    def __init__(self, message: str, *, status_code: int, provider_message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.provider_message = provider_message


class LlmBadResponse(LlmError):
    """The LLM answered with something that is not a chat completion: garbage, no choices, or
    a stream cut off before it finished."""
