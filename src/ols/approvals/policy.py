"""Which tool calls run, which need the user's approval, which never run.

Deny wins: a tool in `always_deny` never runs, whatever else says. Mode `never` (no
approvals at all) must be acknowledged in the configuration and is logged loudly.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ols.tools.catalogue import ToolSpec

log = logging.getLogger(__name__)

Verdict = Literal["run", "ask", "deny"]


class ApprovalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["tool_annotations", "always", "never"] = "tool_annotations"
    # Mode `never` lets every tool run unasked; it must be acknowledged with this exact text.
    acknowledge_never: str | None = None
    always_allow: list[str] = Field(default_factory=list)
    always_deny: list[str] = Field(default_factory=list)
    expires_seconds: float = Field(default=600.0, gt=0)

    @model_validator(mode="after")
    def _never_needs_acknowledgement(self) -> ApprovalSettings:
        if self.mode == "never" and self.acknowledge_never != NEVER_ACKNOWLEDGEMENT:
            raise ValueError(
                "approvals.mode never runs every tool, including ones that delete or change "
                "resources, without asking anyone; to mean it, also set "
                f'approvals.acknowledge_never: "{NEVER_ACKNOWLEDGEMENT}"'
            )
        return self


NEVER_ACKNOWLEDGEMENT = "tools may change the cluster without approval"


def verdict(spec: ToolSpec, settings: ApprovalSettings) -> Verdict:
    if spec.name in settings.always_deny or spec.remote_name in settings.always_deny:
        return "deny"
    if settings.mode == "never":
        return "run"
    if spec.name in settings.always_allow or spec.remote_name in settings.always_allow:
        return "run"
    if settings.mode == "always":
        return "ask"
    return "run" if spec.read_only else "ask"


def warn_if_unguarded(settings: ApprovalSettings) -> None:
    if settings.mode == "never":
        log.warning(
            "APPROVALS ARE OFF (approvals.mode: never): every tool, including ones "
            "that change or delete cluster resources, runs without asking the user"
        )
