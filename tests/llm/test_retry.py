"""The retry policy: backoff, jitter and Retry-After."""

from __future__ import annotations

import email.utils
import time

import pytest

from ols.llm.retry import RETRYABLE_STATUSES, Backoff, retry_after_seconds


def test_backoff_grows_with_jitter_up_to_a_cap() -> None:
    backoff = Backoff(first_delay_seconds=1, max_delay_seconds=4)
    for retry, ceiling in [(0, 1), (1, 2), (2, 4), (5, 4)]:
        delays = {backoff.delay(retry, None) for _ in range(50)}
        assert all(d is not None and ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


def test_retry_after_is_honoured_up_to_a_limit() -> None:
    backoff = Backoff(max_retry_after_seconds=30)
    assert backoff.delay(0, 12.5) == 12.5
    assert backoff.delay(3, 0) == 0
    assert backoff.delay(0, -5) == 0
    assert backoff.delay(0, 31) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after": "whenever"}, None),
    ],
)
def test_retry_after_headers(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    seconds = retry_after_seconds({"retry-after": when})
    assert seconds is not None and 18 <= seconds <= 21


def test_only_429_and_5xx_are_retryable() -> None:
    assert {429, 500, 502, 503, 599} <= RETRYABLE_STATUSES
    assert not {400, 401, 403, 404, 408, 422, 600} & RETRYABLE_STATUSES
