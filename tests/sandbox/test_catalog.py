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


def _legacy_view(catalog: Catalog) -> set[tuple[str, str, str, bool, str, tuple[str, ...]]]:
    """(groupVersion, name, kind, namespaced, group/version override, verbs) of every legacy
    resource entry, subresources included."""
    rows = set()
    for doc in catalog.discovery.values():
        if doc.get("kind") != "APIResourceList":
            continue
        gv = doc["groupVersion"]
        for r in doc["resources"]:
            override = f"{r['group']}/{r['version']}" if "group" in r else ""
            rows.add((gv, r["name"], r["kind"], r["namespaced"], override, tuple(r["verbs"])))
    return rows


def _aggregated_view(catalog: Catalog) -> set[tuple[str, str, str, bool, str, tuple[str, ...]]]:
    rows = set()
    for doc in catalog.aggregated.values():
        for group in doc["items"]:
            name = group["metadata"].get("name", "")
            for version in group["versions"]:
                gv = f"{name}/{version['version']}" if name else version["version"]
                for r in version["resources"]:
                    namespaced = r["scope"] == "Namespaced"
                    assert r["responseKind"]["group"] == name
                    rows.add(
                        (
                            gv,
                            r["resource"],
                            r["responseKind"]["kind"],
                            namespaced,
                            "",
                            tuple(r["verbs"]),
                        )
                    )
                    for sub in r.get("subresources", []):
                        kind = sub["responseKind"]
                        own = f"{kind['group']}/{kind['version']}"
                        rows.add(
                            (
                                gv,
                                f"{r['resource']}/{sub['subresource']}",
                                kind["kind"],
                                namespaced,
                                "" if own in (gv, f"/{gv}") else own,
                                tuple(sub["verbs"]),
                            )
                        )
    return rows


def test_aggregated_discovery_describes_exactly_the_legacy_resources() -> None:
    for flavour in ("kubernetes", "openshift"):
        catalog = Catalog(flavour)
        assert _aggregated_view(catalog) == _legacy_view(catalog)
        core = catalog.aggregated["/api"]["items"]
        assert [g["metadata"].get("name", "") for g in core] == [""]
        groups = [g["metadata"]["name"] for g in catalog.aggregated["/apis"]["items"]]
        assert "" not in groups
        assert set(groups) == {g["name"] for g in catalog.discovery["/apis"]["groups"]}


def test_aggregated_discovery_keeps_scale_kind_and_short_names() -> None:
    apps = next(
        g
        for g in Catalog("kubernetes").aggregated["/apis"]["items"]
        if g["metadata"]["name"] == "apps"
    )
    deployments = next(
        r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments"
    )
    assert deployments["singularResource"] == "deployment"
    assert deployments["shortNames"] == ["deploy"]
    assert deployments["categories"] == ["all"]
    scale = next(s for s in deployments["subresources"] if s["subresource"] == "scale")
    assert scale["responseKind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}
