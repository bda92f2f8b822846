"""RBAC authorization evaluated from the Role, ClusterRole and binding objects in the store.

The rules follow kube-apiserver's RBAC authorizer (`plugin/pkg/auth/authorizer/rbac`):
verbs, API groups, resources with `*` and `*/subresource`, resourceNames only for
named requests, nonResourceURLs with a trailing `*` prefix match, and `system:masters`
as the group that may do anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"


@dataclass(frozen=True)
class UserInfo:
    username: str
    uid: str
    groups: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"username": self.username, "uid": self.uid, "groups": list(self.groups)}


@dataclass(frozen=True)
class Attributes:
    """What a request asks to do: a resource request, or a non-resource `path`."""

    verb: str
    resource_request: bool = True
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""


@dataclass(frozen=True)
class RbacObjects:
    """The RBAC objects of the store at one moment."""

    roles: Mapping[tuple[str, str], Mapping[str, Any]]  # (namespace, name) -> Role
    role_bindings: Iterable[Mapping[str, Any]]
    cluster_roles: Mapping[str, Mapping[str, Any]]
    cluster_role_bindings: Iterable[Mapping[str, Any]]


def _subject_matches(subject: Mapping[str, Any], user: UserInfo, binding_ns: str) -> bool:
    kind = subject.get("kind")
    name = subject.get("name", "")
    if kind == "User":
        return bool(user.username == name)
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_ns
        return user.username == f"system:serviceaccount:{namespace}:{name}"
    return False


def _binding_rules(
    binding: Mapping[str, Any], objects: RbacObjects, namespace: str
) -> list[Mapping[str, Any]]:
    ref = binding.get("roleRef") or {}
    if ref.get("kind") == "ClusterRole":
        role = objects.cluster_roles.get(ref.get("name", ""))
    elif ref.get("kind") == "Role" and namespace:
        role = objects.roles.get((namespace, ref.get("name", "")))
    else:
        role = None
    return list(role.get("rules") or []) if role else []


def applicable_rules(
    user: UserInfo, namespace: str, objects: RbacObjects
) -> Iterator[Mapping[str, Any]]:
    """Rules from cluster-wide bindings, then from bindings in `namespace` (if any)."""
    for binding in objects.cluster_role_bindings:
        if any(_subject_matches(s, user, "") for s in binding.get("subjects") or []):
            yield from _binding_rules(binding, objects, "")
    if not namespace:
        return
    for binding in objects.role_bindings:
        binding_ns = binding.get("metadata", {}).get("namespace", "")
        if binding_ns != namespace:
            continue
        if any(_subject_matches(s, user, binding_ns) for s in binding.get("subjects") or []):
            yield from _binding_rules(binding, objects, namespace)


def _verb_matches(rule: Mapping[str, Any], verb: str) -> bool:
    verbs = rule.get("verbs") or []
    return "*" in verbs or verb in verbs


def _resource_matches(rule: Mapping[str, Any], resource: str, subresource: str) -> bool:
    combined = f"{resource}/{subresource}" if subresource else resource
    for candidate in rule.get("resources") or []:
        if candidate in ("*", combined):
            return True
        if subresource and candidate == f"*/{subresource}":
            return True
    return False


def _non_resource_matches(rule: Mapping[str, Any], path: str) -> bool:
    for url in rule.get("nonResourceURLs") or []:
        if url in ("*", path):
            return True
        if url.endswith("*") and path.startswith(url[:-1]):
            return True
    return False


def rule_allows(rule: Mapping[str, Any], attrs: Attributes) -> bool:
    if not _verb_matches(rule, attrs.verb):
        return False
    if not attrs.resource_request:
        return _non_resource_matches(rule, attrs.path)
    groups = rule.get("apiGroups") or []
    if "*" not in groups and attrs.group not in groups:
        return False
    if not _resource_matches(rule, attrs.resource, attrs.subresource):
        return False
    names = rule.get("resourceNames") or []
    return not names or attrs.name in names


def authorize(user: UserInfo, attrs: Attributes, objects: RbacObjects) -> bool:
    if MASTERS in user.groups:
        return True
    namespace = attrs.namespace if attrs.resource_request else ""
    return any(rule_allows(r, attrs) for r in applicable_rules(user, namespace, objects))


def has_namespace_binding(user: UserInfo, namespace: str, objects: RbacObjects) -> bool:
    """Whether a RoleBinding in `namespace` names the user: how OpenShift decides which
    projects a user sees."""
    for binding in objects.role_bindings:
        if binding.get("metadata", {}).get("namespace", "") != namespace:
            continue
        if any(_subject_matches(s, user, namespace) for s in binding.get("subjects") or []):
            return True
    return False
