"""The resource types the sandbox serves, and the discovery documents built from them.

One table (`RESOURCE_TYPES`) says which group/version/resource exist, their kind, scope,
verbs and subresources. Discovery bodies are computed once per flavour because
kubernetes-mcp-server repeats full discovery on every token-bearing tool call.

Both discovery forms are served, as kube-apiserver does: the legacy documents (`/api`,
`/api/v1`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`) and aggregated discovery
(`apidiscovery.k8s.io` v2 and v2beta1 `APIGroupDiscoveryList` at `/api` and `/apis`, GA
since Kubernetes 1.30), which lets client-go learn every group and resource in two
requests instead of one per group version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Flavour = Literal["openshift", "kubernetes"]

READ = ("get", "list", "watch")
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
CREATE_ONLY = ("create",)
OPENSHIFT_GROUPS = frozenset({"project.openshift.io", "route.openshift.io"})


@dataclass(frozen=True)
class Subresource:
    name: str
    verbs: tuple[str, ...]
    kind: str = ""  # empty: same kind as the parent
    group: str | None = None  # set when the subresource has another group (scale)
    version: str | None = None


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = ALL_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    # Review-style kinds are computed on create and never stored.
    virtual: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.resource)

    def subresource(self, name: str) -> Subresource | None:
        return next((s for s in self.subresources if s.name == name), None)


_STATUS = Subresource("status", ("get", "patch", "update"))
_SCALE = Subresource("scale", ("get", "patch", "update"), "Scale", "autoscaling", "v1")


def _r(
    group: str,
    version: str,
    resource: str,
    kind: str,
    *,
    namespaced: bool = True,
    verbs: tuple[str, ...] = ALL_VERBS,
    short: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    sub: tuple[Subresource, ...] = (),
    virtual: bool = False,
) -> ResourceType:
    return ResourceType(
        group, version, resource, kind, namespaced, verbs, short, categories, sub, virtual
    )


_ALL = ("all",)
RESOURCE_TYPES: tuple[ResourceType, ...] = (
    _r("", "v1", "namespaces", "Namespace", namespaced=False, short=("ns",), sub=(_STATUS,)),
    _r(
        "",
        "v1",
        "pods",
        "Pod",
        short=("po",),
        categories=_ALL,
        sub=(
            _STATUS,
            Subresource("log", ("get",)),
            Subresource("exec", ("create", "get"), "PodExecOptions"),
        ),
    ),
    _r("", "v1", "events", "Event", short=("ev",)),
    _r("", "v1", "services", "Service", short=("svc",), categories=_ALL, sub=(_STATUS,)),
    _r("", "v1", "endpoints", "Endpoints", short=("ep",)),
    _r("", "v1", "configmaps", "ConfigMap", short=("cm",)),
    _r("", "v1", "secrets", "Secret"),
    _r("", "v1", "serviceaccounts", "ServiceAccount", short=("sa",)),
    _r("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", short=("pvc",), sub=(_STATUS,)),
    _r("", "v1", "persistentvolumes", "PersistentVolume", namespaced=False, short=("pv",)),
    _r(
        "",
        "v1",
        "nodes",
        "Node",
        namespaced=False,
        short=("no",),
        sub=(_STATUS, Subresource("proxy", ("create", "delete", "get", "patch", "update"))),
    ),
    _r(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        short=("deploy",),
        categories=_ALL,
        sub=(_STATUS, _SCALE),
    ),
    _r(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        short=("rs",),
        categories=_ALL,
        sub=(_STATUS, _SCALE),
    ),
    _r(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        short=("sts",),
        categories=_ALL,
        sub=(_STATUS, _SCALE),
    ),
    _r("apps", "v1", "daemonsets", "DaemonSet", short=("ds",), categories=_ALL, sub=(_STATUS,)),
    _r("batch", "v1", "jobs", "Job", categories=_ALL, sub=(_STATUS,)),
    _r("batch", "v1", "cronjobs", "CronJob", short=("cj",), categories=_ALL, sub=(_STATUS,)),
    _r("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    _r("networking.k8s.io", "v1", "ingresses", "Ingress", short=("ing",), sub=(_STATUS,)),
    _r("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", short=("netpol",)),
    _r("rbac.authorization.k8s.io", "v1", "roles", "Role"),
    _r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    _r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced=False),
    _r(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        namespaced=False,
    ),
    _r(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        namespaced=False,
        verbs=CREATE_ONLY,
        virtual=True,
    ),
    _r(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        namespaced=False,
        verbs=CREATE_ONLY,
        virtual=True,
    ),
    _r(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        namespaced=False,
        verbs=CREATE_ONLY,
        virtual=True,
    ),
    _r(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        namespaced=False,
        verbs=CREATE_ONLY,
        virtual=True,
    ),
    _r(
        "authentication.k8s.io",
        "v1",
        "tokenreviews",
        "TokenReview",
        namespaced=False,
        verbs=CREATE_ONLY,
        virtual=True,
    ),
    # A read-only view of the core events, converted on the fly.
    _r("events.k8s.io", "v1", "events", "Event", short=("ev",), verbs=READ, virtual=True),
    _r("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", verbs=READ, virtual=True),
    _r(
        "metrics.k8s.io",
        "v1beta1",
        "nodes",
        "NodeMetrics",
        namespaced=False,
        verbs=READ,
        virtual=True,
    ),
    # OpenShift flavour only: projects are the namespaces the caller may see.
    _r(
        "project.openshift.io",
        "v1",
        "projects",
        "Project",
        namespaced=False,
        verbs=READ,
        virtual=True,
    ),
    _r("route.openshift.io", "v1", "routes", "Route", sub=(_STATUS,)),
)


@dataclass
class Catalog:
    """The resource types of one flavour, indexed for request routing and discovery."""

    flavour: Flavour
    types: tuple[ResourceType, ...] = field(init=False)
    _by_key: dict[tuple[str, str, str], ResourceType] = field(init=False)
    _by_kind: dict[tuple[str, str], ResourceType] = field(init=False)
    discovery: dict[str, dict[str, Any]] = field(init=False)
    aggregated: dict[str, dict[str, Any]] = field(init=False)
    """`/api` and `/apis` as aggregated discovery (`APIGroupDiscoveryList` items; the
    apiVersion is set per request, v2 or v2beta1)."""

    def __post_init__(self) -> None:
        self.types = tuple(
            t
            for t in RESOURCE_TYPES
            if self.flavour == "openshift" or t.group not in OPENSHIFT_GROUPS
        )
        self._by_key = {(t.group, t.version, t.resource): t for t in self.types}
        self._by_kind = {(t.api_version, t.kind): t for t in self.types}
        self.discovery = _build_discovery(self.types)
        self.aggregated = _build_aggregated(self.types)

    def lookup(self, group: str, version: str, resource: str) -> ResourceType | None:
        return self._by_key.get((group, version, resource))

    def for_kind(self, api_version: str, kind: str) -> ResourceType | None:
        return self._by_kind.get((api_version, kind))

    def group_versions(self) -> set[tuple[str, str]]:
        return {(t.group, t.version) for t in self.types}


def _resource_entry(t: ResourceType) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": t.resource,
        "singularName": t.singular,
        "namespaced": t.namespaced,
        "kind": t.kind,
        "verbs": list(t.verbs),
    }
    if t.short_names:
        entry["shortNames"] = list(t.short_names)
    if t.categories:
        entry["categories"] = list(t.categories)
    entries = [entry]
    for sub in t.subresources:
        # Subresources have an empty singularName and no shortNames: clients break otherwise.
        sub_entry: dict[str, Any] = {
            "name": f"{t.resource}/{sub.name}",
            "singularName": "",
            "namespaced": t.namespaced,
            "kind": sub.kind or t.kind,
            "verbs": list(sub.verbs),
        }
        if sub.group is not None:
            sub_entry["group"] = sub.group
            sub_entry["version"] = sub.version
        entries.append(sub_entry)
    return entries


def _build_discovery(types: tuple[ResourceType, ...]) -> dict[str, dict[str, Any]]:
    """Map each discovery path to its (legacy, non-aggregated) JSON body."""
    by_gv: dict[tuple[str, str], list[ResourceType]] = {}
    for t in types:
        by_gv.setdefault((t.group, t.version), []).append(t)
    docs: dict[str, dict[str, Any]] = {
        "/api": {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
        }
    }
    groups: list[dict[str, Any]] = []
    for (group, version), members in by_gv.items():
        group_version = f"{group}/{version}" if group else version
        resources = [e for t in members for e in _resource_entry(t)]
        path = f"/apis/{group}/{version}" if group else "/api/v1"
        docs[path] = {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": group_version,
            "resources": resources,
        }
        if group:
            version_entry = {"groupVersion": group_version, "version": version}
            group_doc = {
                "kind": "APIGroup",
                "apiVersion": "v1",
                "name": group,
                "versions": [version_entry],
                "preferredVersion": version_entry,
            }
            docs[f"/apis/{group}"] = group_doc
            groups.append({k: v for k, v in group_doc.items() if k not in ("kind", "apiVersion")})
    docs["/apis"] = {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
    return docs


def _response_kind(group: str, version: str, kind: str) -> dict[str, str]:
    return {"group": group, "version": version, "kind": kind}


def _aggregated_resource(t: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": t.resource,
        "responseKind": _response_kind(t.group, t.version, t.kind),
        "scope": "Namespaced" if t.namespaced else "Cluster",
        "singularResource": t.singular,
        "verbs": list(t.verbs),
    }
    if t.short_names:
        entry["shortNames"] = list(t.short_names)
    if t.categories:
        entry["categories"] = list(t.categories)
    if t.subresources:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": _response_kind(
                    sub.group if sub.group is not None else t.group,
                    sub.version if sub.version is not None else t.version,
                    sub.kind or t.kind,
                ),
                "verbs": list(sub.verbs),
            }
            for sub in t.subresources
        ]
    return entry


def _build_aggregated(types: tuple[ResourceType, ...]) -> dict[str, dict[str, Any]]:
    """`/api` (the core group) and `/apis` (every other group) as aggregated discovery."""
    by_group: dict[str, dict[str, list[ResourceType]]] = {}
    for t in types:
        by_group.setdefault(t.group, {}).setdefault(t.version, []).append(t)

    def group_entry(group: str) -> dict[str, Any]:
        metadata: dict[str, Any] = {"creationTimestamp": None}
        if group:
            metadata["name"] = group
        return {
            "metadata": metadata,
            "versions": [  # the preferred version first (each group has one here)
                {
                    "version": version,
                    "resources": [_aggregated_resource(t) for t in members],
                    "freshness": "Current",
                }
                for version, members in by_group[group].items()
            ],
        }

    def document(groups: list[str]) -> dict[str, Any]:
        return {
            "kind": "APIGroupDiscoveryList",
            "metadata": {},
            "items": [group_entry(g) for g in groups],
        }

    return {
        "/api": document([""]),
        "/apis": document([g for g in by_group if g]),
    }
