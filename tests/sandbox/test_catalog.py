"""The served resource types and the discovery documents built from them."""

from __future__ import annotations

from ols_sandbox.catalog import Catalog

REQUIRED_GROUP_VERSIONS = {
    ("", "v1"),
    ("apps", "v1"),
    ("batch", "v1"),
    ("networking.k8s.io", "v1"),
    ("rbac.authorization.k8s.io", "v1"),
    ("authorization.k8s.io", "v1"),
    ("authentication.k8s.io", "v1"),
    ("events.k8s.io", "v1"),
    ("metrics.k8s.io", "v1beta1"),
}


def test_openshift_flavour_serves_projects_and_kubernetes_does_not() -> None:
    openshift = Catalog("openshift")
    kubernetes = Catalog("kubernetes")
    assert openshift.group_versions() >= REQUIRED_GROUP_VERSIONS
    assert kubernetes.group_versions() >= REQUIRED_GROUP_VERSIONS
    assert ("project.openshift.io", "v1") in openshift.group_versions()
    assert ("project.openshift.io", "v1") not in kubernetes.group_versions()
    assert "/apis/project.openshift.io/v1" in openshift.discovery
    assert "/apis/project.openshift.io/v1" not in kubernetes.discovery
    groups = {g["name"] for g in kubernetes.discovery["/apis"]["groups"]}
    assert not any(g.endswith("openshift.io") for g in groups)


def test_core_discovery_is_group_version_v1_with_clean_subresources() -> None:
    core = Catalog("kubernetes").discovery["/api/v1"]
    assert core["groupVersion"] == "v1"
    by_name = {r["name"]: r for r in core["resources"]}
    assert by_name["pods"]["shortNames"] == ["po"]
    assert by_name["pods"]["singularName"] == "pod"
    for sub in ("pods/log", "pods/status", "pods/exec", "nodes/proxy"):
        assert by_name[sub]["singularName"] == ""
        assert "shortNames" not in by_name[sub]
    assert by_name["namespaces"]["namespaced"] is False


def test_lookup_by_path_and_by_kind() -> None:
    catalog = Catalog("openshift")
    deployments = catalog.lookup("apps", "v1", "deployments")
    assert deployments is not None
    assert deployments.kind == "Deployment"
    assert catalog.for_kind("apps/v1", "Deployment") is deployments
    assert catalog.lookup("apps", "v1", "widgets") is None
    scale = deployments.subresource("scale")
    assert scale is not None and scale.group == "autoscaling"
