"""Limits on what one caller can ask of the service, each answered with a clear 4xx."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


class LimitSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_request_bytes: int = Field(default=1_000_000, ge=1024)  # 413
    max_query_chars: int = Field(default=32_000, ge=1)  # 413
    max_attachments_chars: int = Field(default=200_000, ge=0)  # 413, all attachments together
    requests_per_minute: int = Field(default=60, ge=1)  # per user, per replica; 429
    max_concurrent_tool_calls: int = Field(default=8, ge=1)  # per request; more wait their turn


@dataclass
class _Bucket:
    tokens: float
    updated: float = field(default_factory=time.monotonic)


class RateLimiter:
    """A token bucket per user: `requests_per_minute` on average, bursts up to the same."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}

    def take(self, user_id: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.monotonic()
        bucket = self._buckets.setdefault(user_id, _Bucket(self.capacity, now))
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate
