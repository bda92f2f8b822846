"""Server-side `meta.k8s.io/v1` Table output, column for column as kube-apiserver prints it.

This module owns what the sandbox returns when a client sends
`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the column definitions and the
cell logic of kubernetes `pkg/printers/internalversion/printers.go` (plus OpenShift's
project printer and the apiserver's default "Name, Created At" table for kinds without a
printer), the `includeObject` row payload, and `human_duration`, a port of apimachinery's
`duration.HumanDuration` that every Age-like cell goes through.

The apiserver always generates tables with `Wide: true` and lets kubectl hide the
priority-1 columns, so every row here carries the wide cells too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["build_table", "human_duration"]

# A row's cells: strings and ints, as the Go printers append them.
Cells = list[Any]
CellPrinter = Callable[[Mapping[str, Any], datetime], Cells]

INCLUDE_OBJECT_MODES = ("None", "Metadata", "Object")

_NAME_DOC = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
_CREATED_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_CONTAINERS_DOC = "Names of each container in the template."
_IMAGES_DOC = "Images referenced by each container in the template."

# Go's zero time.Time in RFC3339: what the default table prints for a missing timestamp.
_ZERO_TIME_RFC3339 = "0001-01-01T00:00:00Z"


# ---------------------------------------------------------------------------
# Durations and timestamps
# ---------------------------------------------------------------------------


def human_duration(d: timedelta) -> str:
    """Format `d` like k8s.io/apimachinery/pkg/util/duration.HumanDuration.

    ~2-3 significant figures: "45s", "5m30s", "3h2m", "2d5h", "400d", "3y20d", "9y".
    Up to 2s in the future reads "0s" (clock skew); further is "<invalid>".
    """
    micros = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
    # Go's int(d.Seconds()) truncates toward zero, so -1.5s is -1 (still "almost now").
    seconds = -((-micros) // 1_000_000) if micros < 0 else micros // 1_000_000
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{hours // 24 // 365}y"


def _parse_time(value: Any) -> datetime | None:
    """An RFC3339 (or MicroTime) string as an aware datetime; None for unset or unparsable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Timestamps without an offset are UTC in the Kubernetes API.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _since(ts: datetime | None, now: datetime) -> str:
    """translateTimestampSince: "<unknown>" for a zero timestamp."""
    if ts is None:
        return "<unknown>"
    return human_duration(now - ts)


def _rfc3339(ts: datetime | None) -> str:
    if ts is None:
        return _ZERO_TIME_RFC3339
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# Untyped JSON access (objects arrive as plain dicts, possibly without defaults applied)
# ---------------------------------------------------------------------------


def _get(obj: Any, *path: str) -> Any:
    cur = obj
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def _map(obj: Any, *path: str) -> Mapping[str, Any]:
    value = _get(obj, *path)
    return value if isinstance(value, Mapping) else {}


def _opt_map(obj: Any, *path: str) -> Mapping[str, Any] | None:
    """A present sub-object (a non-nil Go pointer), even when empty."""
    value = _get(obj, *path)
    return value if isinstance(value, Mapping) else None


def _list(obj: Any, *path: str) -> list[Any]:
    value = _get(obj, *path)
    return list(value) if isinstance(value, list) else []


def _maps(obj: Any, *path: str) -> list[Mapping[str, Any]]:
    return [item for item in _list(obj, *path) if isinstance(item, Mapping)]


def _str(obj: Any, *path: str, default: str = "") -> str:
    value = _get(obj, *path)
    return value if isinstance(value, str) else default


def _int(obj: Any, *path: str, default: int = 0) -> int:
    value = _get(obj, *path)
    # bool is an int subclass; a JSON true is not a count.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default


def _has(obj: Any, *path: str) -> bool:
    return _get(obj, *path) is not None


def _name(obj: Mapping[str, Any]) -> str:
    return _str(obj, "metadata", "name")


def _age(obj: Mapping[str, Any], now: datetime) -> str:
    return _since(_parse_time(_get(obj, "metadata", "creationTimestamp")), now)


# ---------------------------------------------------------------------------
# Shared formatting helpers (ports of the Go helpers the printers call)
# ---------------------------------------------------------------------------


def _format_labels(labels: Mapping[str, Any]) -> str:
    """labels.FormatLabels: sorted k=v pairs, "<none>" when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def _selector_string(selector: Mapping[str, Any] | None) -> str | None:
    """metav1.LabelSelectorAsSelector(...).String(); None when the selector is invalid."""
    if not selector:
        return ""  # nil selects nothing, empty selects everything: both print as ""
    requirements: list[tuple[str, str]] = []
    for key, value in _map(selector, "matchLabels").items():
        requirements.append((key, f"{key}={value}"))
    for expr in _maps(selector, "matchExpressions"):
        key = _str(expr, "key")
        op = _str(expr, "operator")
        values = sorted(str(v) for v in _list(expr, "values"))
        if op == "In":
            requirements.append((key, f"{key} in ({','.join(values)})"))
        elif op == "NotIn":
            requirements.append((key, f"{key} notin ({','.join(values)})"))
        elif op == "Exists":
            requirements.append((key, key))
        elif op == "DoesNotExist":
            requirements.append((key, f"!{key}"))
        else:
            return None
    # The internal selector keeps requirements sorted by key.
    requirements.sort(key=lambda item: item[0])
    return ",".join(text for _, text in requirements)


def _format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: "<none>" when empty, "<error>" when invalid."""
    text = _selector_string(selector)
    if text is None:
        return "<error>"
    return text or "<none>"


def _container_cells(containers: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """layoutContainerCells: comma-joined container names and images."""
    names = ",".join(_str(c, "name") for c in containers)
    images = ",".join(_str(c, "image") for c in containers)
    return names, images


def _condition_true(conditions: Sequence[Mapping[str, Any]], kind: str) -> bool:
    """hasJobCondition-style lookup: the first condition of `kind` decides."""
    for cond in conditions:
        if _str(cond, "type") == kind:
            return _str(cond, "status") == "True"
    return False


def _access_modes(modes: Sequence[Any]) -> str:
    """helper.GetAccessModesAsString: fixed RWO,ROX,RWX,RWOP order, duplicates dropped."""
    present = set(modes)
    short = (
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    )
    return ",".join(abbrev for mode, abbrev in short if mode in present)


def _storage_class(obj: Mapping[str, Any]) -> str:
    """GetPersistentVolume(Claim)Class: the beta annotation wins over spec.storageClassName."""
    annotations = _map(obj, "metadata", "annotations")
    if "volume.beta.kubernetes.io/storage-class" in annotations:
        return str(annotations["volume.beta.kubernetes.io/storage-class"])
    return _str(obj, "spec", "storageClassName")


def _lb_ingress_string(status: Mapping[str, Any]) -> str:
    """(ingress)LoadBalancerStatusStringer with wide=True: sorted unique IPs/hostnames."""
    found: set[str] = set()
    for ing in _maps(status, "ingress"):
        if _str(ing, "ip"):
            found.add(_str(ing, "ip"))
        elif _str(ing, "hostname"):
            found.add(_str(ing, "hostname"))
    return ",".join(sorted(found))


def _join_host_port(host: str, port: int) -> str:
    # net.JoinHostPort brackets IPv6 literals.
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# ---------------------------------------------------------------------------
# Column definitions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    type: str = "string"
    description: str = ""
    priority: int = 0
    format: str = ""

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


_NAME = _Column("Name", format="name", description=_NAME_DOC)
_AGE = _Column("Age", description=_CREATED_DOC)
_CONTAINERS = _Column("Containers", priority=1, description=_CONTAINERS_DOC)
_IMAGES = _Column("Images", priority=1, description=_IMAGES_DOC)


def _selector_col(description: str) -> _Column:
    return _Column("Selector", priority=1, description=description)


@dataclass(frozen=True)
class _Printer:
    columns: tuple[_Column, ...]
    cells: CellPrinter
    # Row conditions (only pods set them: Completed for Succeeded/Failed phases).
    conditions: Callable[[Mapping[str, Any]], list[dict[str, str]]] | None = None
    # Some list printers sort (OpenShift projects by name); most keep storage order.
    sort_key: Callable[[Mapping[str, Any]], str] | None = None


# ---------------------------------------------------------------------------
# Pods
# ---------------------------------------------------------------------------


def _is_restartable_init(container: Mapping[str, Any] | None) -> bool:
    """A sidecar: an init container with restartPolicy Always."""
    return container is not None and _str(container, "restartPolicy") == "Always"


def _later(current: datetime | None, status: Mapping[str, Any]) -> datetime | None:
    """Advance the last-restart date with this container's lastState.terminated.finishedAt."""
    if _opt_map(status, "lastState", "terminated") is None:
        return current
    finished = _parse_time(_get(status, "lastState", "terminated", "finishedAt"))
    if finished is None:
        return current
    return finished if current is None or current < finished else current


def _terminated_reason(terminated: Mapping[str, Any], prefix: str = "") -> str:
    """A terminated state's reason, or Signal:N / ExitCode:N when it gave none."""
    reason = _str(terminated, "reason")
    if reason:
        return prefix + reason
    signal = _int(terminated, "signal")
    if signal != 0:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{_int(terminated, 'exitCode')}"


def _pod_cells(pod: Mapping[str, Any], now: datetime) -> Cells:
    """printPod: Ready, Status, Restarts and the wide cells, branch for branch."""
    spec = _map(pod, "spec")
    status = _map(pod, "status")
    conditions = _maps(status, "conditions")

    restarts = 0
    restartable_restarts = 0
    total = len(_maps(spec, "containers"))
    ready = 0
    last_restart: datetime | None = None
    last_restartable_restart: datetime | None = None

    phase = _str(status, "phase")
    reason = _str(status, "reason") or phase
    for cond in conditions:
        if _str(cond, "type") == "PodScheduled" and _str(cond, "reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = {_str(c, "name"): c for c in _maps(spec, "initContainers")}
    total += sum(1 for c in init_specs.values() if _is_restartable_init(c))

    initializing = False
    for i, cs in enumerate(_maps(status, "initContainerStatuses")):
        restarts += _int(cs, "restartCount")
        last_restart = _later(last_restart, cs)
        restartable = _is_restartable_init(init_specs.get(_str(cs, "name")))
        if restartable:
            restartable_restarts += _int(cs, "restartCount")
            last_restartable_restart = _later(last_restartable_restart, cs)
        terminated = _opt_map(cs, "state", "terminated")
        waiting = _opt_map(cs, "state", "waiting")
        if terminated is not None and _int(terminated, "exitCode") == 0:
            continue
        if restartable and _get(cs, "started") is True:
            if _get(cs, "ready") is True:
                ready += 1
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting is not None and _str(waiting, "reason") not in ("", "PodInitializing"):
            reason = "Init:" + _str(waiting, "reason")
        else:
            reason = f"Init:{i}/{len(_list(spec, 'initContainers'))}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = restartable_restarts
        last_restart = last_restartable_restart
        has_running = False
        # Walk backwards so the first container's reason is the one left standing.
        for cs in reversed(_maps(status, "containerStatuses")):
            restarts += _int(cs, "restartCount")
            last_restart = _later(last_restart, cs)
            waiting = _opt_map(cs, "state", "waiting")
            terminated = _opt_map(cs, "state", "terminated")
            if waiting is not None and _str(waiting, "reason"):
                reason = _str(waiting, "reason")
            elif terminated is not None:
                reason = _terminated_reason(terminated)
            elif _get(cs, "ready") is True and _opt_map(cs, "state", "running") is not None:
                has_running = True
                ready += 1
        # A pod whose containers partly completed is still Running while one runs.
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"

    if _has(pod, "metadata", "deletionTimestamp"):
        if _str(status, "reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_cell = f"{restarts} ({_since(last_restart, now)} ago)"

    pod_ips = _maps(status, "podIPs")
    pod_ip = (_str(pod_ips[0], "ip") if pod_ips else "") or _str(status, "podIP") or "<none>"
    gates = _maps(spec, "readinessGates")
    readiness_gates = "<none>"
    if gates:
        true_count = 0
        for gate in gates:
            for cond in conditions:
                if _str(cond, "type") == _str(gate, "conditionType"):
                    true_count += _str(cond, "status") == "True"
                    break
        readiness_gates = f"{true_count}/{len(gates)}"

    return [
        _name(pod),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        _age(pod, now),
        pod_ip,
        _str(spec, "nodeName") or "<none>",
        _str(status, "nominatedNodeName") or "<none>",
        readiness_gates,
    ]


def _pod_conditions(pod: Mapping[str, Any]) -> list[dict[str, str]]:
    phase = _str(pod, "status", "phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return []
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


_POD = _Printer(
    columns=(
        _NAME,
        _Column(
            "Ready", description="The aggregate readiness state of this pod for accepting traffic."
        ),
        _Column("Status", description="The aggregate status of the containers in this pod."),
        _Column(
            "Restarts",
            description="The number of times the containers in this pod have been restarted "
            "and when the last container in this pod has restarted.",
        ),
        _AGE,
        _Column("IP", priority=1, description="IP address allocated to the pod."),
        _Column("Node", priority=1, description="The node this pod is scheduled onto."),
        _Column(
            "Nominated Node",
            priority=1,
            description="The node the scheduler nominated for this pod to preempt onto.",
        ),
        _Column(
            "Readiness Gates",
            priority=1,
            description="Conditions that must also be true for the pod to be ready.",
        ),
    ),
    cells=_pod_cells,
    conditions=_pod_conditions,
)


# ---------------------------------------------------------------------------
# Workloads (apps, batch)
# ---------------------------------------------------------------------------


def _template_containers(obj: Mapping[str, Any], *template: str) -> list[Mapping[str, Any]]:
    return _maps(obj, *template, "spec", "containers")


def _replicas(obj: Mapping[str, Any]) -> int:
    # spec.replicas defaults to 1 in the apiserver; raw sandbox objects may omit it.
    return _int(obj, "spec", "replicas", default=1)


def _deployment_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    names, images = _container_cells(_template_containers(obj, "spec", "template"))
    selector = _selector_string(_opt_map(obj, "spec", "selector"))
    return [
        _name(obj),
        f"{_int(obj, 'status', 'readyReplicas')}/{_replicas(obj)}",
        _int(obj, "status", "updatedReplicas"),
        _int(obj, "status", "availableReplicas"),
        _age(obj, now),
        names,
        images,
        "<invalid>" if selector is None else selector,
    ]


_DEPLOYMENT = _Printer(
    columns=(
        _NAME,
        _Column("Ready", description="Number of the pod with ready state"),
        _Column(
            "Up-to-date", description="Pods of this deployment that have the desired template."
        ),
        _Column("Available", description="Available pods targeted by this deployment."),
        _AGE,
        _CONTAINERS,
        _IMAGES,
        _selector_col("Label selector for pods of this deployment."),
    ),
    cells=_deployment_cells,
)


def _replicaset_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    names, images = _container_cells(_template_containers(obj, "spec", "template"))
    return [
        _name(obj),
        _replicas(obj),
        _int(obj, "status", "replicas"),
        _int(obj, "status", "readyReplicas"),
        _age(obj, now),
        names,
        images,
        _format_label_selector(_opt_map(obj, "spec", "selector")),
    ]


_REPLICASET = _Printer(
    columns=(
        _NAME,
        _Column("Desired", "integer", "Replicas is the number of desired replicas."),
        _Column("Current", "integer", "Replicas is the most recently observed number of replicas."),
        _Column("Ready", "integer", "The number of ready replicas for this replica set."),
        _AGE,
        _CONTAINERS,
        _IMAGES,
        _selector_col("Selector is a label query over pods that should match the replica count."),
    ),
    cells=_replicaset_cells,
)


def _statefulset_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    names, images = _container_cells(_template_containers(obj, "spec", "template"))
    return [
        _name(obj),
        f"{_int(obj, 'status', 'readyReplicas')}/{_replicas(obj)}",
        _age(obj, now),
        names,
        images,
    ]


_STATEFULSET = _Printer(
    columns=(
        _NAME,
        _Column("Ready", description="Number of the pod with ready state"),
        _AGE,
        _CONTAINERS,
        _IMAGES,
    ),
    cells=_statefulset_cells,
)


def _daemonset_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    names, images = _container_cells(_template_containers(obj, "spec", "template"))
    return [
        _name(obj),
        _int(obj, "status", "desiredNumberScheduled"),
        _int(obj, "status", "currentNumberScheduled"),
        _int(obj, "status", "numberReady"),
        _int(obj, "status", "updatedNumberScheduled"),
        _int(obj, "status", "numberAvailable"),
        _format_labels(_map(obj, "spec", "template", "spec", "nodeSelector")),
        _age(obj, now),
        names,
        images,
        _format_label_selector(_opt_map(obj, "spec", "selector")),
    ]


_DAEMONSET = _Printer(
    columns=(
        _NAME,
        _Column(
            "Desired", "integer", "The total number of nodes that should be running the daemon pod."
        ),
        _Column("Current", "integer", "Nodes running the daemon pod that should run it."),
        _Column("Ready", "integer", "Nodes with the daemon pod running and ready."),
        _Column(
            "Up-to-date",
            "integer",
            "The total number of nodes that are running updated daemon pod.",
        ),
        _Column("Available", "integer", "Nodes with the daemon pod running and available."),
        _Column(
            "Node Selector",
            description="Selector which must match a node for the pod to fit on it.",
        ),
        _AGE,
        _CONTAINERS,
        _IMAGES,
        _selector_col("A label query over pods that are managed by the daemon set."),
    ),
    cells=_daemonset_cells,
)


def _job_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    succeeded = _int(obj, "status", "succeeded")
    if _has(obj, "spec", "completions"):
        completions = f"{succeeded}/{_int(obj, 'spec', 'completions')}"
    elif _int(obj, "spec", "parallelism") > 1:
        completions = f"{succeeded}/1 of {_int(obj, 'spec', 'parallelism')}"
    else:
        completions = f"{succeeded}/1"

    start = _parse_time(_get(obj, "status", "startTime"))
    finish = _parse_time(_get(obj, "status", "completionTime"))
    if start is None:
        duration = ""
    elif finish is None:
        duration = human_duration(now - start)
    else:
        duration = human_duration(finish - start)

    conditions = _maps(obj, "status", "conditions")
    if _condition_true(conditions, "Complete"):
        status = "Complete"
    elif _condition_true(conditions, "Failed"):
        status = "Failed"
    elif _has(obj, "metadata", "deletionTimestamp"):
        status = "Terminating"
    elif _condition_true(conditions, "Suspended"):
        status = "Suspended"
    elif _condition_true(conditions, "FailureTarget"):
        status = "FailureTarget"
    else:
        status = "Running"

    names, images = _container_cells(_template_containers(obj, "spec", "template"))
    return [
        _name(obj),
        status,
        completions,
        duration,
        _age(obj, now),
        names,
        images,
        _format_label_selector(_opt_map(obj, "spec", "selector")),
    ]


_JOB_SELECTOR_DOC = "A label query over pods that should match the pod count."

_JOB = _Printer(
    columns=(
        _NAME,
        _Column("Status", description="Status of the job."),
        _Column("Completions", description="The number of pods which reached phase Succeeded."),
        _Column("Duration", description="Time required to complete the job."),
        _AGE,
        _CONTAINERS,
        _IMAGES,
        _selector_col(_JOB_SELECTOR_DOC),
    ),
    cells=_job_cells,
)


def _cronjob_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    last_schedule = "<none>"
    if _has(obj, "status", "lastScheduleTime"):
        last_schedule = _since(_parse_time(_get(obj, "status", "lastScheduleTime")), now)
    suspend = _get(obj, "spec", "suspend")
    job_template = ("spec", "jobTemplate", "spec")
    names, images = _container_cells(_template_containers(obj, *job_template, "template"))
    return [
        _name(obj),
        _str(obj, "spec", "schedule"),
        _str(obj, "spec", "timeZone") or "<none>",
        # printBoolPtr; the apiserver defaults suspend to false, so unset reads False.
        "True" if suspend is True else "False",
        len(_list(obj, "status", "active")),
        last_schedule,
        _age(obj, now),
        names,
        images,
        _format_label_selector(_opt_map(obj, *job_template, "selector")),
    ]


_CRONJOB = _Printer(
    columns=(
        _NAME,
        _Column("Schedule", description="The schedule in Cron format."),
        _Column("Timezone", description="The time zone name for the given schedule."),
        _Column(
            "Suspend", "boolean", "This flag tells the controller to suspend subsequent executions."
        ),
        _Column("Active", "integer", "A list of pointers to currently running jobs."),
        _Column(
            "Last Schedule",
            description="Information when was the last time the job was successfully scheduled.",
        ),
        _AGE,
        _CONTAINERS,
        _IMAGES,
        _selector_col(_JOB_SELECTOR_DOC),
    ),
    cells=_cronjob_cells,
)


# ---------------------------------------------------------------------------
# Services and networking
# ---------------------------------------------------------------------------


def _service_external_ip(svc: Mapping[str, Any]) -> str:
    """getServiceExternalIP (wide)."""
    svc_type = _str(svc, "spec", "type", default="ClusterIP")
    external_ips = [str(ip) for ip in _list(svc, "spec", "externalIPs")]
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) if external_ips else "<none>"
    if svc_type == "LoadBalancer":
        lb_ips = _lb_ingress_string(_map(svc, "status", "loadBalancer"))
        if external_ips:
            results = (lb_ips.split(",") if lb_ips else []) + external_ips
            return ",".join(results)
        return lb_ips or "<pending>"
    if svc_type == "ExternalName":
        return _str(svc, "spec", "externalName")
    return "<unknown>"


def _service_ports(ports: Sequence[Mapping[str, Any]]) -> str:
    """makePortString: 80/TCP, or 80:30080/TCP when a nodePort is allocated."""
    pieces = []
    for port in ports:
        protocol = _str(port, "protocol", default="TCP")
        node_port = _int(port, "nodePort")
        if node_port > 0:
            pieces.append(f"{_int(port, 'port')}:{node_port}/{protocol}")
        else:
            pieces.append(f"{_int(port, 'port')}/{protocol}")
    return ",".join(pieces)


def _service_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    cluster_ips = _list(obj, "spec", "clusterIPs")
    # clusterIPs is the source upstream; older objects may only carry clusterIP.
    cluster_ip = str(cluster_ips[0]) if cluster_ips else _str(obj, "spec", "clusterIP")
    return [
        _name(obj),
        _str(obj, "spec", "type", default="ClusterIP"),
        cluster_ip or "<none>",
        _service_external_ip(obj),
        _service_ports(_maps(obj, "spec", "ports")) or "<none>",
        _age(obj, now),
        _format_labels(_map(obj, "spec", "selector")),
    ]


_SERVICE = _Printer(
    columns=(
        _NAME,
        _Column("Type", description="type determines how the Service is exposed."),
        _Column("Cluster-IP", description="clusterIP is the IP address of the service."),
        _Column(
            "External-IP",
            description="IP addresses on which nodes also accept traffic for this service.",
        ),
        _Column("Port(s)", description="The list of ports that are exposed by this service."),
        _AGE,
        _selector_col(
            "Route service traffic to pods with label keys and values matching this selector."
        ),
    ),
    cells=_service_cells,
)


def _format_endpoints(endpoints: Mapping[str, Any]) -> str:
    """formatEndpoints: up to three host:port pairs, then "+ N more..."."""
    subsets = _maps(endpoints, "subsets")
    if not subsets:
        return "<none>"
    shown: list[str] = []
    limit = 3
    more = False
    count = 0
    for subset in subsets:
        addresses = _maps(subset, "addresses")
        ports = _maps(subset, "ports")
        if not ports:
            # Headless services may have no ports: list bare IPs.
            count += len(addresses)
            for addr in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_str(addr, "ip"))
            continue
        for port in ports:
            count += len(addresses)
            for addr in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_join_host_port(_str(addr, "ip"), _int(port, "port")))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def _endpoints_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), _format_endpoints(obj), _age(obj, now)]


_ENDPOINTS = _Printer(
    columns=(
        _NAME,
        _Column("Endpoints", description="The set of all endpoints is the union of all subsets."),
        _AGE,
    ),
    cells=_endpoints_cells,
)


def _ingress_hosts(rules: Sequence[Mapping[str, Any]]) -> str:
    """formatHosts: up to three hosts, "*" when no rule names one."""
    hosts: list[str] = []
    limit = 3
    more = False
    for rule in rules:
        if len(hosts) == limit:
            more = True
        if not more and _str(rule, "host"):
            hosts.append(_str(rule, "host"))
    if not hosts:
        return "*"
    text = ",".join(hosts)
    return f"{text} + {len(rules) - limit} more..." if more else text


def _ingress_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [
        _name(obj),
        _str(obj, "spec", "ingressClassName") or "<none>",
        _ingress_hosts(_maps(obj, "spec", "rules")),
        _lb_ingress_string(_map(obj, "status", "loadBalancer")),
        "80, 443" if _list(obj, "spec", "tls") else "80",
        _age(obj, now),
    ]


_INGRESS = _Printer(
    columns=(
        _NAME,
        _Column(
            "Class",
            description="The name of the IngressClass resource used for additional configuration",
        ),
        _Column(
            "Hosts",
            description="Hosts that incoming requests are matched against before the ingress rule",
        ),
        _Column(
            "Address",
            description="Address is a list containing ingress points for the load-balancer",
        ),
        _Column("Ports", description="Ports of TLS configurations that open"),
        _AGE,
    ),
    cells=_ingress_cells,
)


def _networkpolicy_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [
        _name(obj),
        _format_label_selector(_map(obj, "spec", "podSelector")),
        _age(obj, now),
    ]


_NETWORKPOLICY = _Printer(
    columns=(
        _NAME,
        _Column(
            "Pod-Selector",
            description="Selects the pods to which this NetworkPolicy object applies.",
        ),
        _AGE,
    ),
    cells=_networkpolicy_cells,
)


# ---------------------------------------------------------------------------
# Cluster objects: namespaces, nodes, projects
# ---------------------------------------------------------------------------


def _namespace_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    # The apiserver sets phase Active on create; raw sandbox objects may lack status.
    return [_name(obj), _str(obj, "status", "phase") or "Active", _age(obj, now)]


_NAMESPACE = _Printer(
    columns=(_NAME, _Column("Status", description="The status of the namespace"), _AGE),
    cells=_namespace_cells,
)


def _node_roles(labels: Mapping[str, Any]) -> list[str]:
    """findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values."""
    roles: set[str] = set()
    for key, value in labels.items():
        if key.startswith("node-role.kubernetes.io/"):
            role = key.removeprefix("node-role.kubernetes.io/")
            if role:
                roles.add(role)
        elif key == "kubernetes.io/role" and value:
            roles.add(str(value))
    return sorted(roles)


def _node_address(node: Mapping[str, Any], kind: str) -> str:
    for address in _maps(node, "status", "addresses"):
        if _str(address, "type") == kind:
            return _str(address, "address")
    return "<none>"


def _node_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    statuses: list[str] = []
    # Only the Ready condition feeds the column; the last one of that type wins, as in Go.
    ready: Mapping[str, Any] | None = None
    for cond in _maps(obj, "status", "conditions"):
        if _str(cond, "type") == "Ready":
            ready = cond
    if ready is not None:
        statuses.append("Ready" if _str(ready, "status") == "True" else "NotReady")
    else:
        statuses.append("Unknown")
    if _get(obj, "spec", "unschedulable") is True:
        statuses.append("SchedulingDisabled")

    info = _map(obj, "status", "nodeInfo")
    return [
        _name(obj),
        ",".join(statuses),
        ",".join(_node_roles(_map(obj, "metadata", "labels"))) or "<none>",
        _age(obj, now),
        _str(info, "kubeletVersion"),
        _node_address(obj, "InternalIP"),
        _node_address(obj, "ExternalIP"),
        _str(info, "osImage") or "<unknown>",
        _str(info, "kernelVersion") or "<unknown>",
        _str(info, "containerRuntimeVersion") or "<unknown>",
    ]


_NODE_ADDRESSES_DOC = "List of addresses reachable to the node."

_NODE = _Printer(
    columns=(
        _NAME,
        _Column("Status", description="The status of the node"),
        _Column("Roles", description="The roles of the node"),
        _AGE,
        _Column("Version", description="Kubelet Version reported by the node."),
        _Column("Internal-IP", priority=1, description=_NODE_ADDRESSES_DOC),
        _Column("External-IP", priority=1, description=_NODE_ADDRESSES_DOC),
        _Column(
            "OS-Image",
            priority=1,
            description="OS Image reported by the node from /etc/os-release.",
        ),
        _Column(
            "Kernel-Version",
            priority=1,
            description="Kernel Version reported by the node from 'uname -r'.",
        ),
        _Column(
            "Container-Runtime",
            priority=1,
            description="ContainerRuntime Version reported by the node through runtime remote API.",
        ),
    ),
    cells=_node_cells,
)


def _project_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [
        _name(obj),
        _str(obj, "metadata", "annotations", "openshift.io/display-name"),
        _str(obj, "status", "phase") or "Active",
    ]


_PROJECT = _Printer(
    columns=(
        _NAME,
        _Column(
            "Display Name", description="The name displayed by a UI when referencing a project."
        ),
        _Column("Status", description="Phase is the current lifecycle phase of the project"),
    ),
    cells=_project_cells,
    sort_key=_name,  # openshift-apiserver's printProjectList sorts by name
)


# ---------------------------------------------------------------------------
# Events (core/v1 and events.k8s.io/v1 print through the same internal printer)
# ---------------------------------------------------------------------------


def _events_v1_as_core(event: Mapping[str, Any]) -> dict[str, Any]:
    """Map events.k8s.io/v1 field names onto the core/v1 ones the printer reads."""
    core: dict[str, Any] = dict(event)
    renames = {
        "regarding": "involvedObject",
        "note": "message",
        "deprecatedSource": "source",
        "deprecatedFirstTimestamp": "firstTimestamp",
        "deprecatedLastTimestamp": "lastTimestamp",
        "deprecatedCount": "count",
        "reportingController": "reportingComponent",
    }
    for new, old in renames.items():
        core.pop(new, None)
        if new in event:
            core[old] = event[new]
    return core


def _event_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    first_ts = _parse_time(obj.get("firstTimestamp"))
    first_seen = _since(first_ts if first_ts else _parse_time(obj.get("eventTime")), now)
    last_ts = _parse_time(obj.get("lastTimestamp"))
    last_seen = _since(last_ts, now) if last_ts else first_seen

    count = _int(obj, "count")
    series = _opt_map(obj, "series")
    if series is not None:
        last_seen = _since(_parse_time(series.get("lastObservedTime")), now)
        count = _int(series, "count")
    elif count == 0:
        count = 1  # singleton events carry no count in the new API

    involved = _map(obj, "involvedObject")
    kind = _str(involved, "kind").lower()
    target = f"{kind}/{_str(involved, 'name')}" if _str(involved, "name") else kind

    # formatEventSource: source.component/host, falling back to reportingController/Instance.
    component = _str(obj, "source", "component") or _str(obj, "reportingComponent")
    host = _str(obj, "source", "host") or _str(obj, "reportingInstance")
    source = f"{component}, {host}" if host else component

    return [
        last_seen,
        _str(obj, "type"),
        _str(obj, "reason"),
        target,
        _str(involved, "fieldPath"),
        source,
        _str(obj, "message").strip(),
        first_seen,
        count,
        _name(obj),
    ]


def _events_v1_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    return _event_cells(_events_v1_as_core(obj), now)


_EVENT_COLUMNS = (
    _Column(
        "Last Seen",
        description="The time at which the most recent occurrence of this event was recorded.",
    ),
    _Column(
        "Type",
        description="Type of this event (Normal, Warning), new types could be added in the future",
    ),
    _Column(
        "Reason",
        description="Short, machine understandable reason for the object's current status.",
    ),
    _Column("Object", description="The object that this event is about."),
    _Column(
        "Subobject",
        priority=1,
        description="The field path of the part of the object the event is about.",
    ),
    _Column("Source", priority=1, description="The component reporting this event."),
    _Column("Message", description="A human-readable description of the status of this operation."),
    _Column(
        "First Seen", priority=1, description="The time at which the event was first recorded."
    ),
    _Column("Count", priority=1, description="The number of times this event has occurred."),
    _Column("Name", priority=1, format="name", description=_NAME_DOC),
)

_EVENT = _Printer(columns=_EVENT_COLUMNS, cells=_event_cells)
_EVENT_V1 = _Printer(columns=_EVENT_COLUMNS, cells=_events_v1_cells)


# ---------------------------------------------------------------------------
# Config, storage and RBAC
# ---------------------------------------------------------------------------


def _configmap_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    data = len(_map(obj, "data")) + len(_map(obj, "binaryData"))
    return [_name(obj), data, _age(obj, now)]


_CONFIGMAP = _Printer(
    columns=(_NAME, _Column("Data", description="Data contains the configuration data."), _AGE),
    cells=_configmap_cells,
)


def _secret_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    # The apiserver defaults an empty secret type to Opaque.
    secret_type = _str(obj, "type") or "Opaque"
    return [_name(obj), secret_type, len(_map(obj, "data")), _age(obj, now)]


_SECRET = _Printer(
    columns=(
        _NAME,
        _Column("Type", description="Used to facilitate programmatic handling of secret data."),
        _Column("Data", description="Data contains the secret data."),
        _AGE,
    ),
    cells=_secret_cells,
)


def _serviceaccount_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), len(_list(obj, "secrets")), _age(obj, now)]


_SERVICEACCOUNT = _Printer(
    columns=(
        _NAME,
        _Column("Secrets", description="Secrets that pods running as this ServiceAccount may use."),
        _AGE,
    ),
    cells=_serviceaccount_cells,
)


def _pvc_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    phase = _str(obj, "status", "phase")
    if _has(obj, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    volume = _str(obj, "spec", "volumeName")
    capacity = ""
    access_modes = ""
    # Capacity and modes are only shown once the claim is bound to a volume.
    if volume:
        access_modes = _access_modes(_list(obj, "status", "accessModes"))
        capacity = _str(obj, "status", "capacity", "storage", default="0")
    return [
        _name(obj),
        phase,
        volume,
        capacity,
        access_modes,
        _storage_class(obj),
        _str(obj, "spec", "volumeAttributesClassName") or "<unset>",
        _age(obj, now),
        _str(obj, "spec", "volumeMode") or "<unset>",
    ]


_PVC = _Printer(
    columns=(
        _NAME,
        _Column(
            "Status", description="phase represents the current phase of PersistentVolumeClaim."
        ),
        _Column("Volume", description="The PersistentVolume backing this claim."),
        _Column(
            "Capacity",
            description="capacity represents the actual resources of the underlying volume.",
        ),
        _Column("Access Modes", description="The access modes of the volume backing the claim."),
        _Column("StorageClass", description="StorageClass of the pvc"),
        _Column("VolumeAttributesClass", description="VolumeAttributesClass of the pvc"),
        _AGE,
        _Column(
            "VolumeMode",
            priority=1,
            description="volumeMode defines what type of volume is required by the claim.",
        ),
    ),
    cells=_pvc_cells,
)


def _pv_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    claim = ""
    claim_ref = _opt_map(obj, "spec", "claimRef")
    if claim_ref is not None:
        claim = f"{_str(claim_ref, 'namespace')}/{_str(claim_ref, 'name')}"
    phase = _str(obj, "status", "phase")
    if _has(obj, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    return [
        _name(obj),
        _str(obj, "spec", "capacity", "storage", default="0"),
        _access_modes(_list(obj, "spec", "accessModes")),
        _str(obj, "spec", "persistentVolumeReclaimPolicy"),
        phase,
        claim,
        _storage_class(obj),
        _str(obj, "spec", "volumeAttributesClassName") or "<unset>",
        _str(obj, "status", "reason"),
        _age(obj, now),
        _str(obj, "spec", "volumeMode") or "<unset>",
    ]


_PV = _Printer(
    columns=(
        _NAME,
        _Column("Capacity", description="The persistent volume's storage capacity."),
        _Column(
            "Access Modes", description="accessModes contains all ways the volume can be mounted."
        ),
        _Column(
            "Reclaim Policy", description="What happens to the volume when released from its claim."
        ),
        _Column("Status", description="Whether the volume is available, bound or released."),
        _Column("Claim", description="The claim bound to this volume."),
        _Column("StorageClass", description="StorageClass of the pv"),
        _Column("VolumeAttributesClass", description="VolumeAttributesClass of the pv"),
        _Column(
            "Reason", description="reason is a brief CamelCase string that describes any failure."
        ),
        _AGE,
        _Column("VolumeMode", priority=1, description="Filesystem or Block."),
    ),
    cells=_pv_cells,
)


def _binding_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """printRoleBinding / printClusterRoleBinding with rbac.SubjectsStrings."""
    users: list[str] = []
    groups: list[str] = []
    service_accounts: list[str] = []
    for subject in _maps(obj, "subjects"):
        kind = _str(subject, "kind")
        if kind == "ServiceAccount":
            service_accounts.append(f"{_str(subject, 'namespace')}/{_str(subject, 'name')}")
        elif kind == "User":
            users.append(_str(subject, "name"))
        elif kind == "Group":
            groups.append(_str(subject, "name"))
    return [
        _name(obj),
        f"{_str(obj, 'roleRef', 'kind')}/{_str(obj, 'roleRef', 'name')}",
        _age(obj, now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(service_accounts),
    ]


def _binding_printer(noun: str) -> _Printer:
    return _Printer(
        columns=(
            _NAME,
            _Column("Role", description="The Role or ClusterRole this binding grants."),
            _AGE,
            _Column("Users", priority=1, description=f"Users in the {noun}"),
            _Column("Groups", priority=1, description=f"Groups in the {noun}"),
            _Column("ServiceAccounts", priority=1, description=f"ServiceAccounts in the {noun}"),
        ),
        cells=_binding_cells,
    )


# ---------------------------------------------------------------------------
# The apiserver's default table for kinds without a printer
# ---------------------------------------------------------------------------


def _default_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), _rfc3339(_parse_time(_get(obj, "metadata", "creationTimestamp")))]


_DEFAULT = _Printer(
    columns=(_NAME, _Column("Created At", "date", _CREATED_DOC)),
    cells=_default_cells,
)


_RBAC = "rbac.authorization.k8s.io"
_NETWORKING = "networking.k8s.io"

_PRINTERS: dict[tuple[str, str], _Printer] = {
    ("", "pods"): _POD,
    ("", "services"): _SERVICE,
    ("", "endpoints"): _ENDPOINTS,
    ("", "namespaces"): _NAMESPACE,
    ("", "nodes"): _NODE,
    ("", "events"): _EVENT,
    ("events.k8s.io", "events"): _EVENT_V1,
    ("", "configmaps"): _CONFIGMAP,
    ("", "secrets"): _SECRET,
    ("", "serviceaccounts"): _SERVICEACCOUNT,
    ("", "persistentvolumeclaims"): _PVC,
    ("", "persistentvolumes"): _PV,
    ("apps", "deployments"): _DEPLOYMENT,
    ("apps", "replicasets"): _REPLICASET,
    ("apps", "statefulsets"): _STATEFULSET,
    ("apps", "daemonsets"): _DAEMONSET,
    ("batch", "jobs"): _JOB,
    ("batch", "cronjobs"): _CRONJOB,
    (_NETWORKING, "ingresses"): _INGRESS,
    (_NETWORKING, "networkpolicies"): _NETWORKPOLICY,
    (_RBAC, "rolebindings"): _binding_printer("roleBinding"),
    (_RBAC, "clusterrolebindings"): _binding_printer("clusterRoleBinding"),
    ("project.openshift.io", "projects"): _PROJECT,
    # roles and clusterroles have no printer upstream: they get the default table.
}


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def _row_object(obj: Mapping[str, Any], include_object: str) -> dict[str, Any] | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return copy.deepcopy(dict(obj))
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": copy.deepcopy(dict(_map(obj, "metadata"))),
    }


def build_table(
    resource: str,
    group: str,
    objects: Sequence[Mapping[str, Any]],
    *,
    include_object: str = "Metadata",
    resource_version: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Render `objects` of `group`/`resource` as a meta.k8s.io/v1 Table body.

    `include_object` is the includeObject query parameter ("" means the default,
    Metadata); any other value raises ValueError, which callers answer with 400 as the
    apiserver does. Rows keep the order of `objects` unless the upstream list printer sorts.
    """
    mode = include_object or "Metadata"
    if mode not in INCLUDE_OBJECT_MODES:
        raise ValueError(
            f"includeObject: Unsupported value: {include_object!r}: "
            'supported values: "None", "Metadata", "Object"'
        )
    current = now if now is not None else datetime.now(UTC)
    if current.tzinfo is None:
        current = current.replace(tzinfo=UTC)

    printer = _PRINTERS.get((group, resource), _DEFAULT)
    items = list(objects)
    if printer.sort_key is not None:
        items.sort(key=printer.sort_key)

    rows: list[dict[str, Any]] = []
    for obj in items:
        row: dict[str, Any] = {"cells": printer.cells(obj, current)}
        if printer.conditions is not None and (conditions := printer.conditions(obj)):
            row["conditions"] = conditions
        payload = _row_object(obj, mode)
        if payload is not None:
            row["object"] = payload
        rows.append(row)

    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [column.definition() for column in printer.columns],
        "rows": rows,
    }
