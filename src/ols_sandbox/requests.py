"""Turning a request's method, path and query into what it asks for (kube's RequestInfo).

The parse follows `k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`, so RBAC sees the
same verb, namespace and subresource a real API server would compute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ols_sandbox.rbac import Attributes

_VERB_BY_METHOD = {"POST": "create", "PUT": "update", "PATCH": "patch"}
# Subresources of a namespace object itself, not namespaced resources inside it.
_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


@dataclass(frozen=True)
class RequestInfo:
    """A parsed request. For resource requests, `extra` holds path parts after the subresource
    (the rest of a node proxy path)."""

    verb: str
    resource_request: bool
    path: str
    group: str = ""
    version: str = ""
    resource: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    extra: tuple[str, ...] = ()
    selector_name: str = ""

    @property
    def attributes(self) -> Attributes:
        return Attributes(
            verb=self.verb,
            resource_request=self.resource_request,
            group=self.group,
            resource=self.resource,
            subresource=self.subresource,
            namespace=self.namespace,
            name=self.name or self.selector_name,
            path=self.path,
        )


def _is_watch(query: Mapping[str, str]) -> bool:
    return query.get("watch", "").lower() in ("true", "1")


def _name_from_field_selector(selector: str) -> str:
    for term in selector.split(","):
        key, sep, value = term.partition("=")
        if sep and key.strip() == "metadata.name" and not key.endswith("!"):
            return value.lstrip("=").strip()
    return ""


def parse_request(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    parts = [p for p in path.strip("/").split("/") if p]
    lower_method = method.lower()
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        # /api, /apis, /apis/<g>, /apis/<g>/<v>, /api/v1, /version, /healthz...
        return RequestInfo(verb=lower_method, resource_request=False, path=path)

    namespace = ""
    selector_name = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    extra = tuple(rest[3:])

    if method in ("GET", "HEAD"):
        verb = "get" if name else ("watch" if _is_watch(query) else "list")
        if not name:
            # A list narrowed to one name is authorized as that name (resourceNames rules).
            selector_name = _name_from_field_selector(query.get("fieldSelector", ""))
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = _VERB_BY_METHOD.get(method, lower_method)
    return RequestInfo(
        verb=verb,
        resource_request=True,
        path=path,
        group=group,
        version=version,
        resource=resource,
        namespace=namespace,
        name=name,
        subresource=subresource,
        extra=extra,
        selector_name=selector_name,
    )
