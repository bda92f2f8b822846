"""Tool gates: how the loop learns whether a call may run, must wait for the user, or is
refused. The loop calls the gate; it knows nothing about the policy behind it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ols.agent.loop import GateDecision, ToolGate
from ols.approvals.policy import ApprovalSettings, verdict
from ols.tools.catalogue import ToolSpec


def policy_gate(settings: ApprovalSettings) -> ToolGate:
    async def gate(spec: ToolSpec, arguments: Mapping[str, Any]) -> GateDecision:
        decided = verdict(spec, settings)
        reason = "It is on the service's deny list." if decided == "deny" else ""
        return GateDecision(decided, reason)

    return gate
