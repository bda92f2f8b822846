"""Settings of the safety layer: redaction, limits, the audit log."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ols.safety.limits import LimitSettings
from ols.safety.redaction import RedactionSettings


class SafetySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    redaction: RedactionSettings = Field(default_factory=RedactionSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    # One JSON line per tool call; None keeps the audit in the database only.
    audit_log: Path | None = None
