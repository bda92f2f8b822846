"""Settings of retrieval (`retrieval:` in the configuration file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # An index built by `ols docs index --index DIR`; none: answers use no documents.
    index_dir: Path | None = None
    # At most this many passages per question, within `max_tokens` (estimated).
    top_k: int = Field(default=3, ge=1, le=20)
    max_tokens: int = Field(default=1500, ge=100, le=32_000)
    # Passages scoring below this share of the best one are left out.
    min_score_ratio: float = Field(default=0.3, ge=0.0, le=1.0)
    # A follow-up is searched together with this many of the conversation's questions.
    history_questions: int = Field(default=1, ge=0, le=10)
    # `ols docs index --config`: prefix of each passage's URL (path under the indexed folder).
    base_url: str | None = None
    # Optional dense re-ranking with a sentence-transformers model saved on disk.
    dense_model_path: Path | None = None
    dense_candidates: int = Field(default=20, ge=1, le=200)
