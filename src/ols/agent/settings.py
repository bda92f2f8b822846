"""Settings of the tool loop."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ols.agent.tool_filter import ToolFilterSettings


class AgentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_rounds: int = Field(default=5, ge=1, le=50)
    tool_budget_ratio: float = Field(default=0.5, ge=0.1, le=0.6)
    round_cap_fraction: float = Field(default=0.6, ge=0.3, le=0.8)
    history_budget_ratio: float = Field(default=0.25, ge=0.05, le=0.5)
    tool_filter: ToolFilterSettings = Field(default_factory=ToolFilterSettings)
