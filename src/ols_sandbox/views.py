"""Read-only views computed from stored objects and fixture extras.

Pod logs, node logs and kubelet stats, the metrics API, the events.k8s.io view of core
events, and OpenShift projects (the namespaces a caller may see). None of these are stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ols_sandbox import errors
from ols_sandbox.fixtures import Fixtures
from ols_sandbox.resources import rfc3339

Obj = dict[str, Any]


def _containers(pod: Mapping[str, Any]) -> list[str]:
    spec = pod.get("spec") or {}
    return [c.get("name", "") for c in (spec.get("initContainers") or [])] + [
        c.get("name", "") for c in (spec.get("containers") or [])
    ]


def _container_status(pod: Mapping[str, Any], container: str) -> Mapping[str, Any]:
    status = pod.get("status") or {}
    for entry in (status.get("initContainerStatuses") or []) + (
        status.get("containerStatuses") or []
    ):
        if entry.get("name") == container:
            return dict(entry)
    return {}


def pod_log(pod: Mapping[str, Any], fixtures: Fixtures, query: Mapping[str, str]) -> str:
    """The log text kube-apiserver would return for `GET .../pods/<name>/log`."""
    namespace = pod["metadata"].get("namespace", "")
    name = pod["metadata"]["name"]
    main = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    container = query.get("container", "")
    if not container:
        if len(main) != 1:
            raise errors.bad_request(
                f"a container name must be specified for pod {name}, choose one of: "
                f"[{' '.join(main)}]"
            )
        container = main[0]
    if container not in _containers(pod):
        raise errors.bad_request(f"container {container} is not valid for pod {name}")
    key = (namespace, name, container)
    previous = query.get("previous", "").lower() in ("true", "1")
    if previous:
        text = fixtures.previous_logs.get(key)
        if text is None:
            raise errors.bad_request(
                f'previous terminated container "{container}" in pod "{name}" not found'
            )
    else:
        text = fixtures.pod_logs.get(key)
        if text is None:
            waiting = _container_status(pod, container).get("state", {}).get("waiting")
            if waiting:
                raise errors.bad_request(
                    f'container "{container}" in pod "{name}" is waiting to start: '
                    f"{waiting.get('reason', 'ContainerCreating')}"
                )
            text = ""
    return _shape_log(text, query)


def _shape_log(text: str, query: Mapping[str, str]) -> str:
    lines = text.splitlines(keepends=True)
    tail = _non_negative(query, "tailLines")
    if tail is not None:
        lines = lines[-tail:] if tail else []
    if query.get("timestamps", "").lower() in ("true", "1"):
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000000Z")
        lines = [f"{stamp} {line}" for line in lines]
    result = "".join(lines)
    limit = _non_negative(query, "limitBytes")
    if limit is not None:
        result = result.encode()[:limit].decode(errors="ignore")
    return result


def _non_negative(query: Mapping[str, str], key: str) -> int | None:
    raw = query.get(key)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise errors.bad_request(f'invalid value for "{key}": must be a non-negative integer')
    return int(raw)


def node_proxy(
    node: Mapping[str, Any], fixtures: Fixtures, path: tuple[str, ...], query: Mapping[str, str]
) -> tuple[str, Any]:
    """The kubelet endpoints the MCP server reads: `logs?query=<unit>` and `stats/summary`.

    Returns (content type, body).
    """
    name = node["metadata"]["name"]
    if path == ("logs",) or path == ("logs", ""):
        unit = query.get("query", "")
        text = fixtures.node_logs.get((name, unit))
        if text is None:
            known = sorted(q for n, q in fixtures.node_logs if n == name)
            raise errors.ApiError(
                404, "NotFound", f'no logs for query "{unit}" on node {name}; known: {known}'
            )
        return "text/plain", _shape_log(text, query)
    if path == ("stats", "summary"):
        return "application/json", _stats_summary(name, fixtures)
    raise errors.path_not_found()


def _stats_summary(node: str, fixtures: Fixtures) -> Obj:
    now = rfc3339(datetime.now(UTC))
    usage = fixtures.node_usage.get(node, {})
    pods = [
        {
            "podRef": {"name": pod, "namespace": ns},
            "startTime": now,
            "containers": [
                {"name": c, "startTime": now, "cpu": {"time": now}, "memory": {"time": now}}
                for c in containers
            ],
        }
        for (ns, pod), containers in sorted(fixtures.pod_usage.items())
    ]
    return {
        "node": {
            "nodeName": node,
            "startTime": now,
            "cpu": {"time": now, "usage": usage.get("cpu", "")},
            "memory": {"time": now, "usage": usage.get("memory", "")},
        },
        "pods": pods,
    }


def pod_metrics(pod: Mapping[str, Any], fixtures: Fixtures) -> Obj | None:
    """PodMetrics for a pod with recorded usage (only running pods have any)."""
    metadata = pod["metadata"]
    usage = fixtures.pod_usage.get((metadata.get("namespace", ""), metadata["name"]))
    if usage is None or (pod.get("status") or {}).get("phase") != "Running":
        return None
    return {
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": metadata["name"],
            "namespace": metadata.get("namespace", ""),
            "labels": metadata.get("labels", {}),
            "creationTimestamp": rfc3339(datetime.now(UTC)),
        },
        "timestamp": rfc3339(datetime.now(UTC)),
        "window": "30s",
        "containers": [{"name": c, "usage": dict(u)} for c, u in usage.items()],
    }


def node_metrics(node: Mapping[str, Any], fixtures: Fixtures) -> Obj | None:
    name = node["metadata"]["name"]
    usage = fixtures.node_usage.get(name)
    if usage is None:
        return None
    return {
        "kind": "NodeMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": name,
            "labels": node["metadata"].get("labels", {}),
            "creationTimestamp": rfc3339(datetime.now(UTC)),
        },
        "timestamp": rfc3339(datetime.now(UTC)),
        "window": "30s",
        "usage": dict(usage),
    }


def event_v1(event: Mapping[str, Any]) -> Obj:
    """A core v1 Event as the events.k8s.io/v1 API shows it."""
    source = event.get("source") or {}
    converted: Obj = {
        "kind": "Event",
        "apiVersion": "events.k8s.io/v1",
        "metadata": event.get("metadata", {}),
        "eventTime": event.get("eventTime"),
        "reportingController": event.get("reportingComponent") or source.get("component", ""),
        "reportingInstance": event.get("reportingInstance") or source.get("host", ""),
        "action": event.get("action", ""),
        "reason": event.get("reason", ""),
        "regarding": event.get("involvedObject", {}),
        "note": event.get("message", ""),
        "type": event.get("type", ""),
        "deprecatedSource": source,
        "deprecatedFirstTimestamp": event.get("firstTimestamp"),
        "deprecatedLastTimestamp": event.get("lastTimestamp"),
        "deprecatedCount": event.get("count", 0),
    }
    if event.get("related"):
        converted["related"] = event["related"]
    return converted


def project_of(namespace: Mapping[str, Any]) -> Obj:
    metadata = namespace["metadata"]
    return {
        "kind": "Project",
        "apiVersion": "project.openshift.io/v1",
        "metadata": metadata,
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": (namespace.get("status") or {}).get("phase", "Active")},
    }
