"""How to reach the LLM: URL, model, key, and the limits the client keeps to."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

# Local servers (vLLM, Ollama, llama.cpp) take any key; these spellings mean "no key".
_NO_KEY = {"", "none"}


class LlmSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The OpenAI-compatible base URL, ending in /v1 (e.g. http://127.0.0.1:8000/v1).
    # None: not configured, and `LlmClient` refuses to start.
    url: str | None = None
    model: str | None = None
    # Never logged or shown; absent or "none" for local servers that take no key.
    api_key: SecretStr | None = None
    timeout_seconds: float = Field(default=60, gt=0)
    # Retries on 429, 5xx, connection errors and timeouts, with backoff.
    max_retries: int = Field(default=3, ge=0)
    context_window: int = Field(default=32768, gt=0)  # tokens
    max_output_tokens: int = Field(default=2048, gt=0)
    temperature: float | None = Field(default=0.0, ge=0)  # None: the server's default

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(
                f"{url!r} is not an http(s) URL; give the server's base URL ending in /v1, "
                "e.g. http://127.0.0.1:8000/v1"
            )
        return url

    @model_validator(mode="after")
    def _room_for_the_prompt(self) -> LlmSettings:
        if self.max_output_tokens >= self.context_window:
            raise ValueError(
                f"max_output_tokens ({self.max_output_tokens}) must be smaller than "
                f"context_window ({self.context_window}), or no room is left for the prompt"
            )
        return self

    def api_key_value(self) -> str | None:
        """The key to send, or None when there is none to send."""
        if self.api_key is None:
            return None
        secret = self.api_key.get_secret_value().strip()
        return None if secret.lower() in _NO_KEY else secret
