"""`LlmClient`: the one place that talks to the LLM server.

It speaks OpenAI chat completions through the `openai` SDK, with the SDK's own retries off:
retries happen here, so they follow our policy (429, 5xx, connection errors, timeouts; never
another 4xx; a stream only before its first text) and are logged without secrets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import aclosing
from typing import Any, NoReturn, cast
from urllib.parse import urlsplit, urlunsplit

import httpx2
import openai
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolUnionParam

from ols.errors import ConfigurationError
from ols.llm.errors import LlmBadResponse, LlmRejected, LlmUnavailable
from ols.llm.retry import RETRYABLE_STATUSES, Backoff, retry_after_seconds
from ols.llm.settings import LlmSettings
from ols.llm.tokens import count_message_tokens, count_tool_tokens
from ols.llm.types import LlmEvent, LlmTurn, TextDelta, TurnComplete
from ols.llm.wire import TurnAssembler, WireError, parse_chunk, parse_completion, sse_payloads

log = logging.getLogger(__name__)

# Sent when there is no key: the SDK insists on one, local servers ignore it.
_PLACEHOLDER_KEY = "not-needed"
_PROVIDER_MESSAGE_LIMIT = 500
# Failures of the exchange itself; reading a streamed body raises httpx2's own errors.
_TRANSIENT = (openai.APIError, httpx2.RequestError)
# How long to wait for the end of a streamed body after its [DONE] (normally at once).
_DRAIN_SECONDS = 2.0


class LlmClient:
    """Chat completions against one configured server and model."""

    def __init__(self, settings: LlmSettings, *, backoff: Backoff | None = None) -> None:
        if not settings.url:
            raise ConfigurationError(
                "No LLM is configured: set OLS_LLM_URL (or llm.url in the configuration file) "
                "to an OpenAI-compatible base URL ending in /v1, e.g. http://127.0.0.1:8000/v1."
            )
        if not settings.model:
            raise ConfigurationError(
                f"No LLM model is configured for {_display_url(settings.url)}: set "
                "OLS_LLM_MODEL (or llm.model in the configuration file) to a model the "
                "server serves."
            )
        self._settings = settings
        self._url = _display_url(settings.url)
        self._model = settings.model
        self._key = settings.api_key_value()
        self._backoff = backoff or Backoff()
        self._sdk = openai.AsyncOpenAI(
            base_url=settings.url,
            api_key=self._key or _PLACEHOLDER_KEY,
            timeout=settings.timeout_seconds,
            max_retries=0,
        )

    @property
    def settings(self) -> LlmSettings:
        return self._settings

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> LlmTurn:
        """One whole turn for the conversation so far, with `tools` offered (None or []:
        none)."""
        request = self._request(messages, tools)
        failures = 0
        while True:
            try:
                response = await self._post(request, stream=False)
                body = response.text
                break
            except _TRANSIENT as exc:
                failures += 1
                await self._wait_to_retry(exc, failures)
        try:
            return parse_completion(
                body,
                offered_tools=_tool_names(tools),
                input_estimate=_input_estimate(messages, tools),
            )
        except WireError as exc:
            raise self._bad_response(str(exc)) from None

    async def stream(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> AsyncIterator[LlmEvent]:
        """The turn as it is written: `TextDelta`s, then exactly one `TurnComplete`.

        A failure before the first text is retried like `complete`; after it, the caller has
        shown part of an answer, so the failure is raised instead.
        """
        request = self._request(messages, tools, stream_options={"include_usage": True})
        failures = 0
        while True:
            assembler = TurnAssembler()
            started = False
            try:
                response = await self._post({**request, "stream": True}, stream=True)
                try:
                    texts = self._stream_text(response.aiter_lines(), assembler)
                    async with aclosing(texts):
                        async for text in texts:
                            started = True
                            yield TextDelta(text)
                finally:
                    await response.aclose()
                break
            except _TRANSIENT as exc:
                if started:
                    self._raise_interrupted(exc)
                failures += 1
                await self._wait_to_retry(exc, failures)
        yield TurnComplete(
            assembler.turn(
                offered_tools=_tool_names(tools), input_estimate=_input_estimate(messages, tools)
            )
        )

    async def close(self) -> None:
        await self._sdk.close()

    async def __aenter__(self) -> LlmClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _post(self, request: dict[str, Any], *, stream: bool) -> httpx2.Response:
        """POST the request body as it is. (The SDK's `chat.completions.create` first converts
        every request against its typed parameters, which costs milliseconds for a catalogue
        of tools, more than the rest of the request; ols builds plain JSON and parses the
        answer itself.) Errors are the SDK's, as from `create`."""
        return await self._sdk.post(
            "/chat/completions",
            cast_to=httpx2.Response,
            body=request,
            options={"security": {"bearer_auth": True}},  # the API key, as `create` sends it
            stream=stream,
        )

    def _request(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        **extra: Any,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self._model,
            "messages": cast(Iterable[ChatCompletionMessageParam], messages),
            # max_tokens, not max_completion_tokens: every local server understands it.
            "max_tokens": self._settings.max_output_tokens,
            **extra,
        }
        if self._settings.temperature is not None:
            request["temperature"] = self._settings.temperature
        if tools:
            request["tools"] = cast(Iterable[ChatCompletionToolUnionParam], tools)
            request["tool_choice"] = "auto"
        return request

    async def _stream_text(
        self, lines: AsyncIterator[str], assembler: TurnAssembler
    ) -> AsyncGenerator[str, None]:
        """The text of each chunk as it arrives; LlmBadResponse for garbage or a stream that
        ends before the model finished."""
        done = False
        async for payload in sse_payloads(lines):
            if payload.strip() == "[DONE]":
                done = True
                break
            try:
                text = assembler.add(parse_chunk(payload))
            except WireError as exc:
                raise self._bad_response(str(exc)) from None
            if text:
                yield text
        if done:
            await _read_to_end(lines)
        if not done and assembler.finish_reason is None:
            raise self._bad_response(
                "the stream ended before the model finished (no finish_reason and no [DONE]); "
                "the server may have crashed or a proxy cut the connection. Try again"
            )

    async def _wait_to_retry(self, exc: Exception, failures: int) -> None:
        """Wait before the next attempt, or raise the error the caller should see."""
        if isinstance(exc, openai.APIStatusError) and exc.status_code not in RETRYABLE_STATUSES:
            raise self._rejected(exc) from None
        if failures > self._settings.max_retries:
            raise self._unavailable(exc, failures) from None
        retry_after = (
            retry_after_seconds(exc.response.headers)
            if isinstance(exc, openai.APIStatusError)
            else None
        )
        delay = self._backoff.delay(failures - 1, retry_after)
        if delay is None:
            raise self._unavailable(
                exc, failures, f", and it asked to wait {retry_after:g} s before trying again"
            ) from None
        log.warning(
            "LLM request to %s (model %s) failed with %s; retry %d of %d in %.1f s",
            self._url,
            self._model,
            self._describe(exc),
            failures,
            self._settings.max_retries,
            delay,
        )
        await asyncio.sleep(delay)

    def _raise_interrupted(self, exc: Exception) -> NoReturn:
        if _is_timeout(exc):
            raise LlmUnavailable(
                f"The LLM at {self._url} (model {self._model}) stopped sending in the middle "
                f"of its answer for more than {self._settings.timeout_seconds:g} s. Check "
                "that the server is healthy, or raise llm.timeout_seconds."
            ) from exc
        raise self._bad_response(
            f"the stream was cut off in the middle of the answer ({self._describe(exc)}). Try again"
        ) from exc

    def _bad_response(self, detail: str) -> LlmBadResponse:
        return LlmBadResponse(
            f"The LLM at {self._url} (model {self._model}) sent a response that is not a "
            f"usable chat completion: {self._redact(detail)}. Check that OLS_LLM_URL is an "
            "OpenAI-compatible base URL ending in /v1."
        )

    def _rejected(self, exc: openai.APIStatusError) -> LlmRejected:
        message = self._provider_message(exc)
        return LlmRejected(
            f"The LLM at {self._url} (model {self._model}) rejected the request with HTTP "
            f"{exc.status_code}: {message}. {_rejection_hint(exc.status_code)}",
            status_code=exc.status_code,
            provider_message=message,
        )

    def _unavailable(self, exc: Exception, attempts: int, reason: str = "") -> LlmUnavailable:
        status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
        advice = "Check that the server is running and that OLS_LLM_URL points at it"
        if _is_timeout(exc):
            advice += ", or raise llm.timeout_seconds"
        elif status == 429:
            advice = "The server is rate-limiting requests: wait a little and ask again"
        tries = f"{attempts} attempt" + ("s" if attempts != 1 else "")
        return LlmUnavailable(
            f"The LLM at {self._url} (model {self._model}) did not answer after {tries}; the "
            f"last failed with {self._describe(exc)}{reason}. {advice}.",
            last_status=status,
        )

    def _describe(self, exc: Exception) -> str:
        if isinstance(exc, openai.APIStatusError):
            return f"HTTP {exc.status_code} ({self._provider_message(exc)})"
        if _is_timeout(exc):
            return f"no response within {self._settings.timeout_seconds:g} s"
        cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) else exc
        if cause is None:
            return "a connection error"
        detail = str(cause).strip()
        return self._redact(f"{type(cause).__name__}: {detail}" if detail else type(cause).__name__)

    def _provider_message(self, exc: openai.APIStatusError) -> str:
        """What the server said, however it said it (OpenAI's {"error": {"message"}}, vLLM's
        {"message"}, FastAPI's {"detail"}, or plain text)."""
        body = exc.body
        message: object = body
        if isinstance(body, dict):
            message = body.get("message") or body.get("detail") or body.get("error") or body
        text = " ".join(str(message).split()) if message else "no message"
        if len(text) > _PROVIDER_MESSAGE_LIMIT:
            text = text[:_PROVIDER_MESSAGE_LIMIT] + "..."
        return self._redact(text)

    def _redact(self, text: str) -> str:
        # Some servers echo the key they refused; it must not reach logs or users.
        return text.replace(self._key, "***") if self._key else text


async def _read_to_end(lines: AsyncIterator[str]) -> None:
    """Read what follows a stream's [DONE] (normally nothing but the end of the body), so that
    its connection goes back to the pool: a response closed before its end closes the
    connection, and every model request would open a new one (over TLS, a new handshake).
    A server that keeps sending or stalls after [DONE] only costs the connection."""
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for _ in lines:
                pass
    except (TimeoutError, httpx2.HTTPError, openai.APIError):
        pass


def _is_timeout(exc: Exception) -> bool:
    return isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException)


def _rejection_hint(status: int) -> str:
    if status in (401, 403):
        return "Check the API key (llm.api_key) and that it may use this model."
    if status == 404:
        return "Check the model name (OLS_LLM_MODEL / llm.model) and that OLS_LLM_URL ends in /v1."
    return (
        "Retrying will not help: the conversation may be longer than the model accepts, or "
        "the server may not support a parameter we sent (such as tools)."
    )


def _tool_names(tools: list[dict[str, Any]] | None) -> frozenset[str]:
    return frozenset(
        str(tool["function"]["name"])
        for tool in tools or []
        if isinstance(tool.get("function"), dict) and "name" in tool["function"]
    )


def _input_estimate(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> int:
    return count_message_tokens(messages) + count_tool_tokens(tools)


def _display_url(url: str) -> str:
    """The URL without any user:password part, fit for messages and logs."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
