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
    "resources_delete": "Delete a Kubernetes resource by apiVersion, kind and name",
    "pods_delete": "Delete a Kubernetes Pod in the provided namespace with the provided name",
    "pods_run": "Run a Kubernetes Pod with the provided container image",
    "projects_list": "List all the OpenShift projects in the cluster",
    "nodes_top": "List the resource consumption (CPU and memory) of nodes",
    "nodes_log": "Get logs from a Kubernetes node through the Kubernetes API proxy",
    "helm_install": "Install a Helm chart in the current or provided namespace",
}
WRITES = {"resources_scale", "resources_delete", "pods_delete", "pods_run", "helm_install"}


def catalogue() -> dict[str, ToolSpec]:
    return {
        name: ToolSpec(
            name,
            "kubernetes",
            name,
            text,
            {"type": "object"},
            ToolAnnotations(read_only=name not in WRITES),
        )
        for name, text in DESCRIPTIONS.items()
    }


def offered(question: str, *earlier: str, **settings: object) -> list[str]:
    chosen = ToolFilter(ToolFilterSettings.model_validate(settings)).select(
        catalogue(), [*earlier, question]
    )
    assert chosen is not None
    assert chosen == sorted(chosen)
    return chosen


def test_the_core_read_tools_are_always_offered_and_the_rest_by_relevance() -> None:
    chosen = offered("Scale web to 5 replicas")
    assert set(CORE_READ_TOOLS) <= set(chosen)
    assert "resources_scale" in chosen
    assert "helm_install" not in chosen and "projects_list" not in chosen


def test_the_conversation_s_earlier_questions_count() -> None:
    assert "projects_list" not in offered("and the second one?")
    assert "projects_list" in offered("and the second one?", "which openshift projects exist?")
    assert "resources_scale" in offered("and web too", "scale api to 3")


def test_at_most_k_tools_are_added_and_weak_matches_are_not() -> None:
    read = offered("show the nodes' memory, the projects and the events", k=1)
    assert len(read) == len(CORE_READ_TOOLS) + 1
    write = offered("delete the pod and scale the deployment and delete the resource", k_write=1)
    assert len(set(write) & WRITES) == 1
    assert offered("list the pods in my namespace", min_score_ratio=1.0) == sorted(CORE_READ_TOOLS)


def test_write_tools_are_offered_only_when_a_change_is_asked_for() -> None:
    # "restarting" and "deleted" say what happened; "restart" and "delete" ask for it
    assert not set(offered("why does the api pod keep restarting? was it deleted?")) & WRITES
    assert "pods_delete" in offered("delete the api pod")
    assert "pods_delete" in offered(
        "please restart the api pod", keywords={"pods_delete": "restart"}
    )
    # with no write words configured, write tools are ranked like any other
    assert "pods_delete" in offered("the pod was deleted", write_words=[])


def test_a_change_word_does_not_push_out_the_read_tools_a_question_needs() -> None:
    # read and write tools have their own quotas (k, k_write)
    question = "run busybox, run it again, and list the cronjobs"
    chosen = offered(question, k=1, k_write=1, min_score_ratio=0)
    assert "resources_list" in chosen and "pods_run" in chosen


def test_camel_case_identifiers_do_not_match_their_parts() -> None:
    # "apiVersion" in the resources_* descriptions is not "api"; "API" in nodes_log is
    # a stop word for tools
    assert offered("why does the api pod crash?") == sorted(CORE_READ_TOOLS)


def test_object_names_in_a_question_do_not_rank_tools_by_their_parts() -> None:
    # "top-projects-log" is a namespace: its parts are the words of three tool texts
    chosen = offered("list the daemonsets in top-projects-log", k=1)
    assert "resources_list" in chosen
    assert not {"projects_list", "nodes_top", "nodes_log"} & set(chosen)


def test_kinds_find_the_generic_resource_tools() -> None:
    for question in ("list the cronjobs", "which persistent volume claims are bound?"):
        assert "resources_list" in offered(question), question
    assert "resources_list" not in offered("show the cronjobs", keywords={"resources_list": "x"})


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
