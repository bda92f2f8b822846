"""Server-side Table output: kubectl's columns and cells as kube-apiserver prints them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ols_sandbox.tables import build_table, human_duration

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def ago(**delta: float) -> str:
    """An RFC3339 timestamp `delta` before NOW."""
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": "shop",
        "uid": f"uid-{name}",
        "resourceVersion": "42",
        "creationTimestamp": ago(hours=3),
        "labels": {"app": name},
        **extra,
    }


def table(resource: str, group: str, *objects: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return build_table(resource, group, list(objects), now=NOW, **kw)


def cells(resource: str, group: str, obj: dict[str, Any]) -> list[Any]:
    row_cells: list[Any] = table(resource, group, obj)["rows"][0]["cells"]
    return row_cells


def column_names(result: dict[str, Any], priority: int | None = None) -> list[str]:
    return [
        c["name"]
        for c in result["columnDefinitions"]
        if priority is None or c["priority"] == priority
    ]


def pod(
    containers: int = 1,
    statuses: list[dict[str, Any]] | None = None,
    phase: str = "Running",
    **status: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta("web-0"),
        "spec": {
            "nodeName": "node-1",
            "containers": [{"name": f"c{i}", "image": "nginx"} for i in range(containers)],
        },
        "status": {"phase": phase, "containerStatuses": statuses or [], **status},
    }


def running(ready: bool = True, restarts: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "name": "c0",
        "ready": ready,
        "restartCount": restarts,
        "state": {"running": {"startedAt": ago(hours=1)}},
        **extra,
    }


def waiting(reason: str, restarts: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "name": "c0",
        "ready": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": reason}},
        **extra,
    }


def terminated(restarts: int = 0, **state: Any) -> dict[str, Any]:
    return {"name": "c0", "ready": False, "restartCount": restarts, "state": {"terminated": state}}


# --- human_duration --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=-2), "<invalid>"),
        (timedelta(seconds=-1.5), "0s"),
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=119), "119s"),
        (timedelta(minutes=2), "2m"),
        (timedelta(minutes=2, seconds=30), "2m30s"),
        (timedelta(minutes=9, seconds=59), "9m59s"),
        (timedelta(minutes=10, seconds=30), "10m"),
        (timedelta(minutes=179), "179m"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=3, minutes=2), "3h2m"),
        (timedelta(hours=8, minutes=30), "8h"),
        (timedelta(hours=47), "47h"),
        (timedelta(hours=48), "2d"),
        (timedelta(days=2, hours=5), "2d5h"),
        (timedelta(days=8, hours=5), "8d"),
        (timedelta(days=729), "729d"),
        (timedelta(days=730), "2y"),
        (timedelta(days=365 * 3 + 20), "3y20d"),
        (timedelta(days=365 * 8 + 100), "8y"),
    ],
)
def test_human_duration_matches_apimachinery(delta: timedelta, expected: str) -> None:
    assert human_duration(delta) == expected


# --- envelope and includeObject --------------------------------------------------------


def test_table_envelope_and_pod_columns() -> None:
    result = table("pods", "", pod(), resource_version="1234")
    assert result["kind"] == "Table"
    assert result["apiVersion"] == "meta.k8s.io/v1"
    assert result["metadata"] == {"resourceVersion": "1234"}
    assert column_names(result, 0) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert column_names(result, 1) == ["IP", "Node", "Nominated Node", "Readiness Gates"]
    name_col = result["columnDefinitions"][0]
    assert (name_col["type"], name_col["format"]) == ("string", "name")
    assert all(c["format"] == "" for c in result["columnDefinitions"][1:])
    assert all(
        set(c) == {"name", "type", "format", "description", "priority"}
        for c in result["columnDefinitions"]
    )


def test_include_object_metadata_is_partial_object_metadata() -> None:
    obj = pod()
    row = table("pods", "", obj)["rows"][0]
    assert row["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }
    assert table("pods", "", obj, include_object="")["rows"][0]["object"]["kind"] == (
        "PartialObjectMetadata"
    )


def test_include_object_object_is_a_copy_of_the_full_object() -> None:
    obj = pod()
    row = table("pods", "", obj, include_object="Object")["rows"][0]
    assert row["object"] == obj
    row["object"]["metadata"]["name"] = "changed"
    assert obj["metadata"]["name"] == "web-0"


def test_include_object_none_omits_the_object() -> None:
    row = table("pods", "", pod(), include_object="None")["rows"][0]
    assert "object" not in row
    assert row["cells"][0] == "web-0"


def test_include_object_rejects_unknown_values() -> None:
    with pytest.raises(ValueError, match="includeObject"):
        table("pods", "", pod(), include_object="Everything")


def test_missing_creation_timestamp_reads_unknown() -> None:
    obj = pod()
    del obj["metadata"]["creationTimestamp"]
    assert cells("pods", "", obj)[4] == "<unknown>"


# --- pods ------------------------------------------------------------------------------


def test_pod_running_and_wide_cells() -> None:
    obj = pod(statuses=[running()], podIP="10.0.0.7", podIPs=[{"ip": "10.0.0.7"}])
    assert cells("pods", "", obj) == [
        "web-0", "1/1", "Running", "0", "3h", "10.0.0.7", "node-1", "<none>", "<none>",
    ]  # fmt: skip


def test_pod_crashloopbackoff_with_restarts_ago() -> None:
    last = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(minutes=5)}}
    obj = pod(statuses=[waiting("CrashLoopBackOff", restarts=5, lastState=last)])
    assert cells("pods", "", obj)[1:4] == ["0/1", "CrashLoopBackOff", "5 (5m ago)"]


def test_pod_status_reports_the_first_container_with_a_reason() -> None:
    statuses = [waiting("CrashLoopBackOff", restarts=1), waiting("ImagePullBackOff")]
    assert cells("pods", "", pod(2, statuses))[1:4] == ["0/2", "CrashLoopBackOff", "1"]


def test_pod_image_pull_backoff_while_pending() -> None:
    obj = pod(statuses=[waiting("ImagePullBackOff")], phase="Pending")
    assert cells("pods", "", obj)[1:4] == ["0/1", "ImagePullBackOff", "0"]


def test_pod_create_container_config_error() -> None:
    obj = pod(statuses=[waiting("CreateContainerConfigError")], phase="Pending")
    assert cells("pods", "", obj)[2] == "CreateContainerConfigError"


def test_pod_oomkilled_now_and_as_last_state() -> None:
    killed = pod(statuses=[terminated(restarts=1, exitCode=137, reason="OOMKilled")])
    assert cells("pods", "", killed)[2] == "OOMKilled"

    last = {
        "terminated": {
            "exitCode": 137,
            "reason": "OOMKilled",
            "finishedAt": ago(hours=3, minutes=2),
        }
    }
    recovered = pod(statuses=[running(restarts=2, lastState=last)])
    assert cells("pods", "", recovered)[1:4] == ["1/1", "Running", "2 (3h2m ago)"]


def test_pod_terminated_without_reason_shows_signal_or_exit_code() -> None:
    assert cells("pods", "", pod(statuses=[terminated(exitCode=137, signal=9)]))[2] == "Signal:9"
    assert cells("pods", "", pod(statuses=[terminated(exitCode=3)]))[2] == "ExitCode:3"


def test_pod_pending_without_statuses() -> None:
    obj = pod(containers=2, phase="Pending")
    assert cells("pods", "", obj)[1:4] == ["0/2", "Pending", "0"]


def test_pod_completed_has_completed_row_condition() -> None:
    obj = pod(statuses=[terminated(exitCode=0, reason="Completed")], phase="Succeeded")
    row = table("pods", "", obj)["rows"][0]
    assert row["cells"][1:3] == ["0/1", "Completed"]
    assert row["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]
    assert "conditions" not in table("pods", "", pod(statuses=[running()]))["rows"][0]


def test_pod_completed_container_next_to_running_one() -> None:
    statuses = [terminated(exitCode=0, reason="Completed"), running()]
    not_ready = pod(2, statuses, conditions=[{"type": "Ready", "status": "False"}])
    assert cells("pods", "", not_ready)[1:3] == ["1/2", "NotReady"]
    ready = pod(2, statuses, conditions=[{"type": "Ready", "status": "True"}])
    assert cells("pods", "", ready)[1:3] == ["1/2", "Running"]


def _init_pod(*init_statuses: dict[str, Any], **status: Any) -> dict[str, Any]:
    obj = pod(statuses=[waiting("PodInitializing")], phase="Pending", **status)
    obj["spec"]["initContainers"] = [{"name": "init-a"}, {"name": "init-b"}]
    obj["status"]["initContainerStatuses"] = list(init_statuses)
    return obj


def test_pod_init_container_states() -> None:
    done = {"name": "init-a", "restartCount": 0, "state": {"terminated": {"exitCode": 0}}}
    busy = {"name": "init-b", "restartCount": 0, "state": {"running": {}}}
    assert cells("pods", "", _init_pod(done, busy))[2] == "Init:1/2"

    crash = waiting("CrashLoopBackOff", restarts=3) | {"name": "init-a"}
    assert cells("pods", "", _init_pod(crash))[2:4] == ["Init:CrashLoopBackOff", "3"]

    failed = {"name": "init-a", "restartCount": 0, "state": {"terminated": {"exitCode": 1}}}
    assert cells("pods", "", _init_pod(failed))[2] == "Init:ExitCode:1"

    errored = terminated(exitCode=2, reason="Error") | {"name": "init-a"}
    assert cells("pods", "", _init_pod(errored))[2] == "Init:Error"

    fresh = waiting("PodInitializing") | {"name": "init-a"}
    assert cells("pods", "", _init_pod(fresh))[2] == "Init:0/2"


def test_pod_sidecar_init_container_counts_towards_ready() -> None:
    obj = pod(statuses=[running()])
    obj["spec"]["initContainers"] = [{"name": "proxy", "restartPolicy": "Always"}]
    obj["status"]["initContainerStatuses"] = [running(name="proxy", started=True)]
    obj["status"]["conditions"] = [{"type": "Initialized", "status": "True"}]
    assert cells("pods", "", obj)[1:3] == ["2/2", "Running"]


def test_pod_terminating_and_scheduling_gated() -> None:
    obj = pod(statuses=[running()])
    obj["metadata"]["deletionTimestamp"] = ago(seconds=10)
    assert cells("pods", "", obj)[2] == "Terminating"

    gated = pod(phase="Pending", conditions=[{"type": "PodScheduled", "reason": "SchedulingGated"}])
    assert cells("pods", "", gated)[2] == "SchedulingGated"


def test_pod_readiness_gates_count_true_conditions() -> None:
    obj = pod(
        statuses=[running()],
        conditions=[
            {"type": "example.com/lb", "status": "True"},
            {"type": "example.com/dns", "status": "False"},
        ],
    )
    obj["spec"]["readinessGates"] = [
        {"conditionType": "example.com/lb"},
        {"conditionType": "example.com/dns"},
    ]
    assert cells("pods", "", obj)[8] == "1/2"


# --- workloads -------------------------------------------------------------------------


def _template(*names: str) -> dict[str, Any]:
    return {"spec": {"containers": [{"name": n, "image": f"{n}:1"} for n in names]}}


def test_deployment_ready_and_wide_cells() -> None:
    obj = {
        "metadata": meta("web"),
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": _template("web", "sidecar"),
        },
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    result = table("deployments", "apps", obj)
    assert column_names(result) == [
        "Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector",
    ]  # fmt: skip
    assert result["rows"][0]["cells"] == [
        "web", "2/3", 3, 2, "3h", "web,sidecar", "web:1,sidecar:1", "app=web",
    ]  # fmt: skip


def test_deployment_without_status_defaults_to_one_replica() -> None:
    obj = {"metadata": meta("api"), "spec": {"template": _template("api")}}
    assert cells("deployments", "apps", obj)[1:4] == ["0/1", 0, 0]


def test_replicaset_selector_with_expressions_is_sorted_by_key() -> None:
    selector = {
        "matchLabels": {"tier": "front"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "dev"]},
            {"key": "canary", "operator": "DoesNotExist"},
        ],
    }
    obj = {
        "metadata": meta("web-abc"),
        "spec": {"replicas": 2, "selector": selector, "template": _template("web")},
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    assert cells("replicasets", "apps", obj) == [
        "web-abc", 2, 2, 1, "3h", "web", "web:1", "!canary,env in (dev,prod),tier=front",
    ]  # fmt: skip


def test_statefulset_and_daemonset_cells() -> None:
    sts = {
        "metadata": meta("db"),
        "spec": {"replicas": 3, "template": _template("pg")},
        "status": {"readyReplicas": 3},
    }
    assert cells("statefulsets", "apps", sts) == ["db", "3/3", "3h", "pg", "pg:1"]

    ds = {
        "metadata": meta("agent"),
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}, "containers": []}},
        },
        "status": {
            "desiredNumberScheduled": 3,
            "currentNumberScheduled": 3,
            "numberReady": 2,
            "updatedNumberScheduled": 3,
            "numberAvailable": 2,
        },
    }
    assert cells("daemonsets", "apps", ds)[:8] == [
        "agent",
        3,
        3,
        2,
        3,
        2,
        "kubernetes.io/os=linux",
        "3h",
    ]


def _job(conditions: list[dict[str, str]], **status: Any) -> dict[str, Any]:
    return {
        "metadata": meta("migrate"),
        "spec": {"completions": 1, "template": _template("migrate")},
        "status": {"conditions": conditions, **status},
    }


def test_job_status_completions_and_duration() -> None:
    complete = _job(
        [{"type": "Complete", "status": "True"}],
        succeeded=1,
        startTime=ago(minutes=30),
        completionTime=ago(minutes=28),
    )
    assert cells("jobs", "batch", complete)[1:5] == ["Complete", "1/1", "2m", "3h"]

    failed = _job([{"type": "Failed", "status": "True"}])
    assert cells("jobs", "batch", failed)[1:4] == ["Failed", "0/1", ""]

    suspended = _job([{"type": "Suspended", "status": "True"}])
    assert cells("jobs", "batch", suspended)[1] == "Suspended"

    active = _job([], startTime=ago(seconds=90))
    assert cells("jobs", "batch", active)[1:4] == ["Running", "0/1", "90s"]


def test_cronjob_cells() -> None:
    obj = {
        "metadata": meta("nightly"),
        "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": _template("b")}}},
        "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": ago(hours=10)},
    }
    result = table("cronjobs", "batch", obj)
    assert column_names(result, 0) == [
        "Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age",
    ]  # fmt: skip
    assert result["rows"][0]["cells"][:7] == [
        "nightly",
        "0 2 * * *",
        "<none>",
        "False",
        1,
        "10h",
        "3h",
    ]


# --- services, endpoints, networking ---------------------------------------------------


def _service(spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"metadata": meta("web"), "spec": spec, "status": status or {}}


def test_service_ports_and_external_ip() -> None:
    cluster_ip = _service(
        {
            "type": "ClusterIP",
            "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"],
            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
            "selector": {"app": "web", "tier": "front"},
        }
    )
    assert cells("services", "", cluster_ip) == [
        "web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "3h", "app=web,tier=front",
    ]  # fmt: skip

    node_port = _service(
        {
            "type": "NodePort",
            "clusterIPs": ["10.96.0.11"],
            "ports": [{"port": 80, "nodePort": 30080}],
        }
    )
    assert cells("services", "", node_port)[3:5] == ["<none>", "80:30080/TCP"]

    pending = _service(
        {"type": "LoadBalancer", "clusterIP": "10.96.0.12", "ports": [{"port": 443}]}
    )
    assert cells("services", "", pending)[2:5] == ["10.96.0.12", "<pending>", "443/TCP"]

    lb = _service(
        {"type": "LoadBalancer", "ports": []},
        {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}},
    )
    assert cells("services", "", lb)[2:5] == ["<none>", "203.0.113.9", "<none>"]


def test_endpoints_cells() -> None:
    obj = {
        "metadata": meta("web"),
        "subsets": [
            {
                "addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 5)],
                "ports": [{"port": 8080}],
            }
        ],
    }
    assert cells("endpoints", "", obj)[1] == "10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more..."
    assert cells("endpoints", "", {"metadata": meta("empty")})[1] == "<none>"


def test_ingress_and_networkpolicy_cells() -> None:
    ing = {
        "metadata": meta("web"),
        "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com"}], "tls": [{}]},
        "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}},
    }
    assert cells("ingresses", "networking.k8s.io", ing) == [
        "web", "nginx", "shop.example.com", "lb.example.com", "80, 443", "3h",
    ]  # fmt: skip
    policy = {"metadata": meta("deny"), "spec": {"podSelector": {}}}
    assert cells("networkpolicies", "networking.k8s.io", policy)[1] == "<none>"


# --- events ----------------------------------------------------------------------------


def test_core_event_cells() -> None:
    event = {
        "metadata": meta("web-2.17f"),
        "involvedObject": {"kind": "Pod", "name": "web-2", "fieldPath": "spec.containers{web}"},
        "reason": "BackOff",
        "type": "Warning",
        "message": "Back-off restarting failed container\n",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": ago(minutes=30),
        "lastTimestamp": ago(minutes=2),
        "count": 7,
    }
    result = table("events", "", event)
    assert column_names(result, 0) == ["Last Seen", "Type", "Reason", "Object", "Message"]
    assert column_names(result, 1) == ["Subobject", "Source", "First Seen", "Count", "Name"]
    assert result["rows"][0]["cells"] == [
        "2m", "Warning", "BackOff", "pod/web-2", "spec.containers{web}", "kubelet, node-1",
        "Back-off restarting failed container", "30m", 7, "web-2.17f",
    ]  # fmt: skip


def test_core_event_without_last_timestamp_or_count() -> None:
    event = {
        "metadata": meta("ns.1"),
        "involvedObject": {"kind": "Namespace"},
        "reason": "Created",
        "type": "Normal",
        "eventTime": "2025-06-01T11:55:00.000000Z",
        "reportingComponent": "sandbox",
    }
    row = cells("events", "", event)
    assert row[0] == "5m"
    assert row[3] == "namespace"
    assert row[5] == "sandbox"
    assert row[7:9] == ["5m", 1]


def test_events_k8s_io_event_uses_new_field_names() -> None:
    event = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": meta("web-2.18a"),
        "regarding": {"kind": "Pod", "name": "web-2"},
        "note": "Pulling image nginx",
        "reason": "Pulling",
        "type": "Normal",
        "eventTime": ago(minutes=20),
        "reportingController": "kubelet",
        "reportingInstance": "node-2",
        "series": {"count": 4, "lastObservedTime": ago(minutes=1)},
    }
    assert cells("events", "events.k8s.io", event) == [
        "60s", "Normal", "Pulling", "pod/web-2", "", "kubelet, node-2", "Pulling image nginx",
        "20m", 4, "web-2.18a",
    ]  # fmt: skip
    deprecated = {
        "metadata": meta("x"),
        "regarding": {"kind": "Deployment", "name": "web"},
        "deprecatedCount": 3,
        "deprecatedFirstTimestamp": ago(hours=1),
        "deprecatedLastTimestamp": ago(minutes=10),
    }
    row = cells("events", "events.k8s.io", deprecated)
    assert (row[0], row[3], row[7], row[8]) == ("10m", "deployment/web", "60m", 3)


# --- cluster objects -------------------------------------------------------------------


def test_namespace_and_node_cells() -> None:
    assert cells("namespaces", "", {"metadata": meta("shop")}) == ["shop", "Active", "3h"]

    node = {
        "metadata": meta(
            "cp-1",
            labels={
                "node-role.kubernetes.io/master": "",
                "node-role.kubernetes.io/control-plane": "",
            },
        ),
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": "True"},
            ],
            "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}],
            "nodeInfo": {
                "kubeletVersion": "v1.32.1",
                "osImage": "RHCOS",
                "kernelVersion": "5.14",
                "containerRuntimeVersion": "cri-o://1.32",
            },
        },
    }
    assert cells("nodes", "", node) == [
        "cp-1", "Ready,SchedulingDisabled", "control-plane,master", "3h", "v1.32.1",
        "192.168.1.10", "<none>", "RHCOS", "5.14", "cri-o://1.32",
    ]  # fmt: skip
    worker = {
        "metadata": meta("w-1", labels={}),
        "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]},
    }
    assert cells("nodes", "", worker)[1:3] == ["NotReady", "<none>"]


def test_projects_show_display_name_and_status_sorted_by_name() -> None:
    beta = {
        "metadata": meta("beta", annotations={"openshift.io/display-name": "Beta Shop"}),
        "status": {"phase": "Terminating"},
    }
    alpha = {"metadata": meta("alpha")}
    result = table("projects", "project.openshift.io", beta, alpha)
    assert column_names(result) == ["Name", "Display Name", "Status"]
    assert [row["cells"] for row in result["rows"]] == [
        ["alpha", "", "Active"],
        ["beta", "Beta Shop", "Terminating"],
    ]


# --- config, storage, RBAC, fallback ---------------------------------------------------


def test_config_and_secret_counts() -> None:
    cm = {"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    assert cells("configmaps", "", cm) == ["cfg", 3, "3h"]
    secret = {
        "metadata": meta("tls"),
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "", "tls.key": ""},
    }
    assert cells("secrets", "", secret) == ["tls", "kubernetes.io/tls", 2, "3h"]
    assert cells("serviceaccounts", "", {"metadata": meta("default")}) == ["default", 0, "3h"]


def test_persistent_volume_claim_cells() -> None:
    bound = {
        "metadata": meta("data"),
        "spec": {"volumeName": "pv-1", "storageClassName": "gp3", "volumeMode": "Filesystem"},
        "status": {
            "phase": "Bound",
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
        },
    }
    assert cells("persistentvolumeclaims", "", bound) == [
        "data", "Bound", "pv-1", "10Gi", "RWO,RWX", "gp3", "<unset>", "3h", "Filesystem",
    ]  # fmt: skip
    pending = {
        "metadata": meta("new"),
        "spec": {"storageClassName": "gp3"},
        "status": {"phase": "Pending"},
    }
    assert cells("persistentvolumeclaims", "", pending)[1:6] == ["Pending", "", "", "", "gp3"]


def test_role_binding_cells() -> None:
    binding = {
        "metadata": meta("view"),
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "bot", "namespace": "shop"},
            {"kind": "User", "name": "bob"},
        ],
    }
    result = table("rolebindings", "rbac.authorization.k8s.io", binding)
    assert column_names(result, 1) == ["Users", "Groups", "ServiceAccounts"]
    assert result["rows"][0]["cells"] == [
        "view",
        "ClusterRole/view",
        "3h",
        "alice, bob",
        "devs",
        "shop/bot",
    ]


@pytest.mark.parametrize(
    ("resource", "group"),
    [
        ("roles", "rbac.authorization.k8s.io"),
        ("clusterroles", "rbac.authorization.k8s.io"),
        ("routes", "route.openshift.io"),
    ],
)
def test_kinds_without_printer_get_name_and_created_at(resource: str, group: str) -> None:
    obj = {"metadata": meta("thing", creationTimestamp="2024-05-01T10:00:00.5+02:00")}
    result = table(resource, group, obj, {"metadata": {"name": "bare"}})
    assert [(c["name"], c["type"], c["format"]) for c in result["columnDefinitions"]] == [
        ("Name", "string", "name"),
        ("Created At", "date", ""),
    ]
    assert [row["cells"] for row in result["rows"]] == [
        ["thing", "2024-05-01T08:00:00Z"],
        ["bare", "0001-01-01T00:00:00Z"],
    ]


def test_default_now_is_the_current_time() -> None:
    fresh = {
        "metadata": {
            "name": "x",
            "creationTimestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    }
    row_cells = build_table("configmaps", "", [fresh])["rows"][0]["cells"]
    assert row_cells[2] in {"0s", "1s", "2s"}
