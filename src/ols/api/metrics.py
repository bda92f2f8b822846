"""Prometheus metrics: the reference's names plus tool calls by tool and outcome.

One registry per application, so several apps (tests, replicas in one process) never
share or double-register collectors. Labels never carry tokens or user names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.rest_calls = Counter(
            "ols_rest_api_calls", "REST API calls", ["path", "status_code"], registry=r
        )
        self.response_duration = Histogram(
            "ols_response_duration_seconds", "Response durations", ["path"], registry=r
        )
        self.llm_calls = Counter("ols_llm_calls", "LLM calls", ["provider", "model"], registry=r)
        self.llm_failures = Counter(
            "ols_llm_calls_failures", "LLM call failures", ["provider", "model"], registry=r
        )
        self.llm_tokens_sent = Counter(
            "ols_llm_token_sent", "Tokens sent to the LLM", ["provider", "model"], registry=r
        )
        self.llm_tokens_received = Counter(
            "ols_llm_token_received",
            "Tokens received from the LLM",
            ["provider", "model"],
            registry=r,
        )
        self.tool_calls = Counter("ols_tool_calls", "Tool calls", ["tool", "outcome"], registry=r)
        self.tool_duration = Histogram(
            "ols_tool_call_duration_seconds",
            "Tool call durations",
            ["tool", "outcome"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
