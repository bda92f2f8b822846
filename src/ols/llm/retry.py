"""When to try a failed request again, and how long to wait first."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

# 429 means "slow down"; 5xx means the server failed, which is often brief (a restart, a
# full queue). Every other 4xx would fail again the same way.
RETRYABLE_STATUSES = frozenset({429, *range(500, 600)})


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter, unless the server says how long to wait."""

    first_delay_seconds: float = 0.5
    max_delay_seconds: float = 8.0
    # A server asking for a longer wait than this is not waited for: the user would be
    # staring at nothing, so we report it instead.
    max_retry_after_seconds: float = 60.0

    def delay(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number `retry` (0 for the first), or None when the
        server's Retry-After is longer than we are willing to wait."""
        if retry_after is not None:
            return None if retry_after > self.max_retry_after_seconds else max(retry_after, 0.0)
        ceiling = min(self.max_delay_seconds, self.first_delay_seconds * 2.0**retry)
        # Half fixed, half random, so clients that failed together do not retry together.
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not secrecy


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for: `retry-after-ms` (OpenAI, Azure), else `Retry-After` in
    seconds or as an HTTP date. None when absent or unreadable."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()
