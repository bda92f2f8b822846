"""The approval policy on its own."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ols.approvals.policy import NEVER_ACKNOWLEDGEMENT, ApprovalSettings, verdict
from ols.tools.catalogue import ToolAnnotations, ToolSpec


def _spec(name: str, read_only: bool | None) -> ToolSpec:
    return ToolSpec(
        name=name,
        server="k",
        remote_name=name,
        description="",
        input_schema={"type": "object"},
        annotations=ToolAnnotations(read_only=read_only),
    )


def test_tool_annotations_mode() -> None:
    settings = ApprovalSettings()
    assert verdict(_spec("pods_list", True), settings) == "run"
    assert verdict(_spec("pods_delete", False), settings) == "ask"
    assert verdict(_spec("mystery", None), settings) == "ask"  # no annotation: ask


def test_always_mode_and_overrides_with_deny_winning() -> None:
    always = ApprovalSettings(
        mode="always",
        always_allow=["pods_list"],
        always_deny=["pods_exec", "pods_list_in_namespace"],
    )
    assert verdict(_spec("pods_get", True), always) == "ask"
    assert verdict(_spec("pods_list", True), always) == "run"
    assert verdict(_spec("pods_exec", False), always) == "deny"
    both = ApprovalSettings(always_allow=["pods_delete"], always_deny=["pods_delete"])
    assert verdict(_spec("pods_delete", False), both) == "deny"


def test_never_mode_must_be_acknowledged() -> None:
    with pytest.raises(ValidationError, match="acknowledge_never"):
        ApprovalSettings(mode="never")
    with pytest.raises(ValidationError):
        ApprovalSettings(mode="never", acknowledge_never="yes")
    never = ApprovalSettings(
        mode="never", acknowledge_never=NEVER_ACKNOWLEDGEMENT, always_deny=["pods_exec"]
    )
    assert verdict(_spec("pods_delete", False), never) == "run"
    assert verdict(_spec("pods_exec", False), never) == "deny"
