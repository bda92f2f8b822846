"""The RBAC authorizer on its own: rule matching as kube-apiserver's RBAC authorizer does it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ols_sandbox.rbac import Attributes, RbacObjects, UserInfo, authorize, has_namespace_binding

ALICE = UserInfo("alice", "u1", ("devs", "system:authenticated"))
ROBOT = UserInfo(
    "system:serviceaccount:ci:robot",
    "u2",
    ("system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"),
)


def _objects(
    *,
    roles: dict[tuple[str, str], list[dict[str, Any]]] | None = None,
    cluster_roles: dict[str, list[dict[str, Any]]] | None = None,
    bindings: Sequence[tuple[str, str, str, list[dict[str, Any]]]] = (),
    cluster_bindings: Sequence[tuple[str, list[dict[str, Any]]]] = (),
) -> RbacObjects:
    return RbacObjects(
        roles={key: {"rules": rules} for key, rules in (roles or {}).items()},
        role_bindings=[
            {
                "metadata": {"namespace": ns},
                "roleRef": {"kind": kind, "name": name},
                "subjects": subjects,
            }
            for ns, kind, name, subjects in bindings
        ],
        cluster_roles={name: {"rules": rules} for name, rules in (cluster_roles or {}).items()},
        cluster_role_bindings=[
            {"roleRef": {"kind": "ClusterRole", "name": name}, "subjects": subjects}
            for name, subjects in cluster_bindings
        ],
    )


def _get(
    resource: str,
    ns: str = "team-a",
    name: str = "",
    sub: str = "",
    group: str = "",
    verb: str = "get",
) -> Attributes:
    return Attributes(
        verb=verb, group=group, resource=resource, subresource=sub, namespace=ns, name=name
    )


def test_role_binding_grants_only_in_its_namespace() -> None:
    objects = _objects(
        roles={
            ("team-a", "reader"): [
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}
            ]
        },
        bindings=[("team-a", "Role", "reader", [{"kind": "User", "name": "alice"}])],
    )
    assert authorize(ALICE, _get("pods"), objects)
    assert authorize(ALICE, _get("pods", verb="list"), objects)
    assert not authorize(ALICE, _get("pods", verb="delete"), objects)
    assert not authorize(ALICE, _get("pods", ns="team-b"), objects)
    assert not authorize(ALICE, _get("pods", ns=""), objects)
    assert not authorize(ALICE, _get("secrets"), objects)


def test_role_binding_to_a_cluster_role_is_namespaced() -> None:
    objects = _objects(
        cluster_roles={
            "view": [
                {"apiGroups": ["", "apps"], "resources": ["pods", "deployments"], "verbs": ["get"]}
            ]
        },
        bindings=[("team-a", "ClusterRole", "view", [{"kind": "Group", "name": "devs"}])],
    )
    assert authorize(ALICE, _get("deployments", group="apps"), objects)
    assert not authorize(ALICE, _get("deployments", group="batch"), objects)
    assert not authorize(ALICE, _get("pods", ns="team-b"), objects)


def test_subresources_need_their_own_rule_and_star_slash_matches() -> None:
    objects = _objects(
        cluster_roles={
            "logs": [{"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}],
            "scalers": [{"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["patch"]}],
        },
        cluster_bindings=[
            ("logs", [{"kind": "User", "name": "alice"}]),
            ("scalers", [{"kind": "User", "name": "alice"}]),
        ],
    )
    assert authorize(ALICE, _get("pods", name="p", sub="log"), objects)
    assert not authorize(ALICE, _get("pods", name="p"), objects)
    assert authorize(
        ALICE, _get("deployments", name="d", sub="scale", group="apps", verb="patch"), objects
    )
    assert not authorize(ALICE, _get("deployments", name="d", group="apps", verb="patch"), objects)


def test_resource_names_only_match_named_requests() -> None:
    objects = _objects(
        cluster_roles={
            "one": [
                {
                    "apiGroups": [""],
                    "resources": ["configmaps"],
                    "resourceNames": ["web-config"],
                    "verbs": ["get", "list"],
                }
            ]
        },
        cluster_bindings=[("one", [{"kind": "User", "name": "alice"}])],
    )
    assert authorize(ALICE, _get("configmaps", name="web-config"), objects)
    assert not authorize(ALICE, _get("configmaps", name="other"), objects)
    assert not authorize(ALICE, _get("configmaps", verb="list"), objects)


def test_wildcards_and_masters() -> None:
    objects = _objects(
        cluster_roles={"all": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
        cluster_bindings=[
            ("all", [{"kind": "ServiceAccount", "name": "robot", "namespace": "ci"}])
        ],
    )
    assert authorize(ROBOT, _get("anything", group="x.io", verb="deletecollection"), objects)
    assert not authorize(ALICE, _get("pods"), objects)
    masters = UserInfo("root", "u3", ("system:masters",))
    assert authorize(masters, _get("secrets", verb="delete"), _objects())


def test_service_account_subject_defaults_to_the_binding_namespace() -> None:
    objects = _objects(
        roles={("ci", "r"): [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
        bindings=[("ci", "Role", "r", [{"kind": "ServiceAccount", "name": "robot"}])],
    )
    assert authorize(ROBOT, _get("pods", ns="ci"), objects)
    assert not authorize(ALICE, _get("pods", ns="ci"), objects)


def test_non_resource_urls_match_exactly_or_by_star_prefix() -> None:
    objects = _objects(
        cluster_roles={"disc": [{"nonResourceURLs": ["/api", "/apis/*"], "verbs": ["get"]}]},
        cluster_bindings=[("disc", [{"kind": "Group", "name": "system:authenticated"}])],
    )

    def path(p: str, verb: str = "get") -> Attributes:
        return Attributes(verb=verb, resource_request=False, path=p)

    assert authorize(ALICE, path("/api"), objects)
    assert authorize(ALICE, path("/apis/apps/v1"), objects)
    assert not authorize(ALICE, path("/api/v1"), objects)
    assert not authorize(ALICE, path("/apis/apps/v1", verb="post"), objects)
    assert not authorize(ALICE, path("/ols-access"), objects)


def test_namespace_bindings_decide_visible_projects() -> None:
    objects = _objects(
        roles={("team-a", "r"): []},
        bindings=[("team-a", "Role", "r", [{"kind": "User", "name": "alice"}])],
    )
    assert has_namespace_binding(ALICE, "team-a", objects)
    assert not has_namespace_binding(ALICE, "team-b", objects)
