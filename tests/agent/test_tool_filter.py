"""Tool filtering: which tools a question is offered."""

from __future__ import annotations

from ols.agent.tool_filter import CORE_READ_TOOLS, ToolFilter, ToolFilterSettings
from ols.tools.catalogue import ToolAnnotations, ToolSpec

DESCRIPTIONS = {
    "pods_list_in_namespace": "List all the Kubernetes pods in the specified namespace",
    "pods_get": "Get a Kubernetes Pod in the provided namespace with the provided name",
    "pods_log": "Get the logs of a Kubernetes Pod",
    "events_list": "List all the Kubernetes events in the cluster",
    "resources_get": "Get a Kubernetes resource by apiVersion, kind and name",
    "resources_list": "List Kubernetes resources and objects by apiVersion and kind",
    "resources_scale": "Scale a Kubernetes resource (Deployment, StatefulSet) to N replicas",
    "pods_delete": "Delete a Kubernetes Pod in the provided namespace with the provided name",
    "projects_list": "List all the OpenShift projects in the cluster",
    "nodes_top": "List the resource consumption (CPU and memory) of nodes",
    "helm_install": "Install a Helm chart in the current or provided namespace",
}


def catalogue() -> dict[str, ToolSpec]:
    return {
        name: ToolSpec(name, "kubernetes", name, text, {"type": "object"}, ToolAnnotations())
        for name, text in DESCRIPTIONS.items()
    }


def test_the_core_read_tools_are_always_offered_and_the_rest_by_relevance() -> None:
    chosen = ToolFilter(ToolFilterSettings()).select(catalogue(), ["Scale web to 5 replicas"])
    assert chosen is not None
    assert set(CORE_READ_TOOLS) <= set(chosen)
    assert "resources_scale" in chosen
    assert "helm_install" not in chosen and "projects_list" not in chosen
    assert chosen == sorted(chosen)


def test_the_conversation_s_earlier_questions_count() -> None:
    select = ToolFilter(ToolFilterSettings()).select
    assert "projects_list" not in (select(catalogue(), ["and the second one?"]) or [])
    offered = select(catalogue(), ["which openshift projects exist?", "and the second one?"])
    assert offered is not None and "projects_list" in offered


def test_at_most_k_tools_are_added_and_weak_matches_are_not() -> None:
    settings = ToolFilterSettings(k=1)
    offered = ToolFilter(settings).select(catalogue(), ["delete the pod and scale the deployment"])
    assert offered is not None and len(offered) == len(CORE_READ_TOOLS) + 1
    strict = ToolFilterSettings(min_score_ratio=1.0)
    only_core = ToolFilter(strict).select(catalogue(), ["list the pods in my namespace"])
    assert only_core == sorted(CORE_READ_TOOLS)


def test_off_or_nothing_to_leave_out_offers_everything() -> None:
    assert ToolFilter(ToolFilterSettings(enabled=False)).select(catalogue(), ["scale"]) is None
    small = {name: spec for name, spec in catalogue().items() if name in CORE_READ_TOOLS}
    assert ToolFilter(ToolFilterSettings()).select(small, ["scale"]) is None


def test_the_ranker_follows_a_new_catalogue() -> None:
    tool_filter = ToolFilter(ToolFilterSettings())
    first = catalogue()
    assert "projects_list" in (tool_filter.select(first, ["openshift projects"]) or [])
    second = {k: v for k, v in first.items() if k != "projects_list"}
    assert "projects_list" not in (tool_filter.select(second, ["openshift projects"]) or [])
