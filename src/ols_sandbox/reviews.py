"""Access and identity reviews: SelfSubjectAccessReview, SelfSubjectRulesReview,
SubjectAccessReview, SelfSubjectReview and TokenReview.

These kinds are computed on create and never stored. TokenReview and SubjectAccessReview
let a service authenticate and authorize its callers against the sandbox exactly as it
would against a real cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ols_sandbox import errors
from ols_sandbox.rbac import MASTERS, Attributes, RbacObjects, UserInfo, applicable_rules, authorize

Obj = dict[str, Any]
TokenLookup = Callable[[str], UserInfo | None]


def _spec(body: Any, kind: str) -> Obj:
    if not isinstance(body, dict):
        raise errors.bad_request(f"the body of the request must be a {kind} object")
    spec = body.get("spec") or {}
    if not isinstance(spec, dict):
        raise errors.bad_request(f"{kind} spec must be an object")
    return spec


def _attributes(spec: Mapping[str, Any], kind: str) -> Attributes:
    resource = spec.get("resourceAttributes")
    non_resource = spec.get("nonResourceAttributes")
    if bool(resource) == bool(non_resource) or not isinstance(resource or non_resource, dict):
        raise errors.invalid(
            kind,
            "authorization.k8s.io",
            "",
            [
                "spec.resourceAttributes: Invalid value: exactly one of nonResourceAttributes "
                "or resourceAttributes must be specified"
            ],
        )
    if non_resource:
        return Attributes(
            verb=str(non_resource.get("verb", "")),
            resource_request=False,
            path=str(non_resource.get("path", "")),
        )
    assert isinstance(resource, dict)
    return Attributes(
        verb=str(resource.get("verb", "")),
        group=str(resource.get("group", "")),
        resource=str(resource.get("resource", "")),
        subresource=str(resource.get("subresource", "")),
        namespace=str(resource.get("namespace", "")),
        name=str(resource.get("name", "")),
    )


def _access_status(user: UserInfo, attrs: Attributes, rbac: RbacObjects) -> Obj:
    if authorize(user, attrs, rbac):
        return {"allowed": True, "reason": f'RBAC: allowed for User "{user.username}"'}
    return {"allowed": False}


def _echo(body: Obj, kind: str, api_version: str, spec: Obj, status: Obj) -> Obj:
    return {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"creationTimestamp": None, **(body.get("metadata") or {})},
        "spec": spec,
        "status": status,
    }


def self_subject_access_review(user: UserInfo, body: Any, rbac: RbacObjects) -> Obj:
    kind = "SelfSubjectAccessReview"
    spec = _spec(body, kind)
    status = _access_status(user, _attributes(spec, kind), rbac)
    return _echo(body, kind, "authorization.k8s.io/v1", spec, status)


def subject_access_review(body: Any, rbac: RbacObjects) -> Obj:
    kind = "SubjectAccessReview"
    spec = _spec(body, kind)
    username = spec.get("user")
    groups = spec.get("groups") or []
    if not isinstance(username, str) or not username:
        if not groups:
            raise errors.invalid(
                kind,
                "authorization.k8s.io",
                "",
                ['spec.user: Invalid value: "": at least one of user or group must be specified'],
            )
        username = ""
    subject = UserInfo(
        username=username, uid=str(spec.get("uid", "")), groups=tuple(str(g) for g in groups)
    )
    status = _access_status(subject, _attributes(spec, kind), rbac)
    return _echo(body, kind, "authorization.k8s.io/v1", spec, status)


def self_subject_rules_review(user: UserInfo, body: Any, rbac: RbacObjects) -> Obj:
    kind = "SelfSubjectRulesReview"
    spec = _spec(body, kind)
    namespace = spec.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        raise errors.invalid(kind, "authorization.k8s.io", "", ["spec.namespace: Required value"])
    resource_rules: list[Obj] = []
    non_resource_rules: list[Obj] = []
    rules = list(applicable_rules(user, namespace, rbac))
    if MASTERS in user.groups:
        rules.insert(0, {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})
        rules.insert(1, {"verbs": ["*"], "nonResourceURLs": ["*"]})
    for rule in rules:
        if rule.get("nonResourceURLs"):
            non_resource_rules.append(
                {"verbs": list(rule["verbs"]), "nonResourceURLs": list(rule["nonResourceURLs"])}
            )
        if rule.get("resources"):
            entry = {
                "verbs": list(rule.get("verbs") or []),
                "apiGroups": list(rule.get("apiGroups") or []),
                "resources": list(rule["resources"]),
            }
            if rule.get("resourceNames"):
                entry["resourceNames"] = list(rule["resourceNames"])
            resource_rules.append(entry)
    status = {
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": False,
    }
    return _echo(body, kind, "authorization.k8s.io/v1", spec, status)


def self_subject_review(user: UserInfo, body: Any) -> Obj:
    if body is not None and not isinstance(body, dict):
        raise errors.bad_request("the body of the request must be a SelfSubjectReview object")
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "status": {"userInfo": user.as_dict()},
    }


def token_review(body: Any, lookup: TokenLookup) -> Obj:
    kind = "TokenReview"
    spec = _spec(body, kind)
    token = spec.get("token")
    if not isinstance(token, str) or not token:
        raise errors.invalid(kind, "authentication.k8s.io", "", ["spec.token: Required value"])
    user = lookup(token)
    status: Obj
    if user is None:
        # A bad token is a successful review that says "not authenticated", not an HTTP error.
        status = {"authenticated": False, "user": {}, "error": "invalid bearer token"}
    else:
        status = {
            "authenticated": True,
            "user": user.as_dict(),
            "audiences": list(spec.get("audiences") or ["https://kubernetes.default.svc"]),
        }
    return _echo(body, kind, "authentication.k8s.io/v1", spec, status)
