"""Request and response bodies (the OpenShift Lightspeed contract). Unknown request fields
are rejected with 422."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Attachment(_Request):
    attachment_type: Literal[
        "alert", "api object", "configuration", "error message", "event", "log", "stack trace"
    ]
    content_type: Literal["text/plain", "application/json", "application/yaml", "application/xml"]
    content: str = Field(max_length=100_000)


class LLMRequest(_Request):
    query: str = Field(min_length=1, max_length=32_000)
    conversation_id: str | None = Field(default=None, max_length=64)
    provider: str | None = None
    model: str | None = None
    system_prompt: str | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=10)
    media_type: Literal["text/plain", "application/json"] = "text/plain"
    mcp_headers: dict[str, dict[str, str]] | None = None
    mode: Literal["ask", "troubleshooting"] = "ask"

    @model_validator(mode="after")
    def _provider_and_model_together(self) -> LLMRequest:
        if (self.provider is None) != (self.model is None):
            raise ValueError("provider and model must be given together")
        return self

    def full_query(self) -> str:
        """The query with its attachments, as the model sees it."""
        parts = [self.query]
        for item in self.attachments:
            parts.append(
                f"\n[attachment: {item.attachment_type} ({item.content_type})]\n{item.content}"
            )
        return "\n".join(parts)


class ReferencedDocument(BaseModel):
    doc_url: str
    doc_title: str


class LLMResponse(BaseModel):
    conversation_id: str
    response: str
    referenced_documents: list[ReferencedDocument] = Field(default_factory=list)
    truncated: bool = False
    input_tokens: int = 0
    output_tokens: int = 0
    available_quotas: dict[str, int] = Field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    tool_results: list[dict[str, Any]] = Field(default_factory=list)
    # Calls waiting for the user's approval; the answer continues after the decisions.
    pending_approvals: list[dict[str, Any]] = Field(default_factory=list)


class ConversationUpdateRequest(_Request):
    topic_summary: str = Field(min_length=1, max_length=1000)


class FeedbackRequest(_Request):
    conversation_id: str = Field(max_length=64)
    user_question: str = Field(max_length=32_000)
    llm_response: str = Field(max_length=200_000)
    sentiment: Literal[-1, 1] | None = None
    user_feedback: str | None = Field(default=None, max_length=10_000)

    @model_validator(mode="after")
    def _something_to_say(self) -> FeedbackRequest:
        if self.sentiment is None and not self.user_feedback:
            raise ValueError("give sentiment or user_feedback")
        return self


class ApprovalDecisionRequest(_Request):
    approval_id: str = Field(min_length=1, max_length=64)
    approved: bool
    reason: str | None = Field(default=None, max_length=2000)


class ErrorResponse(BaseModel):
    """Errors: `detail` is `{response, cause}`, or a plain string for 401 and 403."""

    detail: dict[str, str] | str
