"""The sandbox API over HTTPS: authentication, RBAC wording, semantics and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SandboxHandle

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def _status(response: object) -> dict[str, object]:
    body = response.json()
    assert body["kind"] == "Status"
    assert body["apiVersion"] == "v1"
    return body


def test_missing_and_unknown_tokens_get_401(sandbox: SandboxHandle) -> None:
    for client in (sandbox.client(), sandbox.client(token=sandbox.info["invalid_token"])):
        with client:
            response = client.get("/api/v1/namespaces/team-a/pods")
        assert response.status_code == 401
        assert _status(response)["message"] == "Unauthorized"


def test_health_and_version_are_public(sandbox: SandboxHandle) -> None:
    with sandbox.client() as client:
        assert client.get("/healthz").text == "ok"
        assert client.get("/version").json()["minor"] == "32"


def test_forbidden_wording_matches_kube_apiserver(sandbox: SandboxHandle) -> None:
    with sandbox.client("bob") as client:
        response = client.get("/api/v1/namespaces/team-b/secrets/whatever")
        named = client.get("/api/v1/namespaces/team-a/pods/x/log")
        path = client.get("/ols-nothing")
    assert response.status_code == 403
    assert _status(response)["message"] == (
        'secrets "whatever" is forbidden: User "bob" cannot get resource "secrets" in API '
        'group "" in the namespace "team-b"'
    )
    assert _status(named)["message"] == (
        'pods "x" is forbidden: User "bob" cannot get resource "pods" with subresource "log" '
        'in API group "" in the namespace "team-a"'
    )
    assert _status(path)["message"] == 'forbidden: User "bob" cannot get path "/ols-nothing"'


def test_discovery_core_group_version_is_v1(sandbox: SandboxHandle) -> None:
    with sandbox.client("bob") as client:
        core = client.get("/api/v1").json()
        groups = client.get("/apis").json()
        apps = client.get("/apis/apps/v1").json()
    assert core["groupVersion"] == "v1"
    pods_log = next(r for r in core["resources"] if r["name"] == "pods/log")
    assert pods_log["singularName"] == ""
    assert "shortNames" not in pods_log
    names = {g["name"] for g in groups["groups"]}
    assert {"apps", "batch", "metrics.k8s.io", "project.openshift.io"} <= names
    scale = next(r for r in apps["resources"] if r["name"] == "deployments/scale")
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")


def test_table_rows_carry_namespace_and_labels(sandbox: SandboxHandle) -> None:
    with sandbox.client("alice") as client:
        table = client.get("/api/v1/namespaces/team-a/pods", headers={"Accept": TABLE}).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    row = table["rows"][0]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["namespace"] == "team-a"
    assert row["object"]["metadata"]["labels"]


def test_label_and_field_selectors(sandbox: SandboxHandle) -> None:
    with sandbox.client("admin") as client:
        web = client.get("/api/v1/namespaces/team-a/pods", params={"labelSelector": "app=web"})
        not_web = client.get(
            "/api/v1/namespaces/team-a/pods", params={"labelSelector": "app notin (web),app"}
        )
        pending = client.get("/api/v1/pods", params={"fieldSelector": "status.phase=Pending"})
        bad = client.get("/api/v1/pods", params={"fieldSelector": "spec.nonsense=1"})
    web_names = [p["metadata"]["name"] for p in web.json()["items"]]
    assert len(web_names) == 3
    assert all(name.startswith("web-") for name in web_names)
    assert not {p["metadata"]["name"] for p in not_web.json()["items"]} & set(web_names)
    pending_items = pending.json()["items"]
    assert "analytics-0" in {p["metadata"]["name"] for p in pending_items}
    assert {p["status"]["phase"] for p in pending_items} == {"Pending"}
    assert bad.status_code == 400
    assert "spec.nonsense" in str(_status(bad)["message"])


def test_list_pages_with_limit_and_continue(sandbox: SandboxHandle) -> None:
    with sandbox.client("admin") as client:
        everything = client.get("/api/v1/pods").json()["items"]
        seen: list[str] = []
        params = {"limit": "2"}
        while True:
            page = client.get("/api/v1/pods", params=params).json()
            seen += [p["metadata"]["name"] for p in page["items"]]
            token = page["metadata"].get("continue")
            if not token:
                break
            params = {"limit": "2", "continue": token}
    assert seen == [p["metadata"]["name"] for p in everything]
    assert len(seen) > 2


def test_create_conflicts_and_stale_resource_version(sandbox: SandboxHandle) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cas"}, "data": {}}
    with sandbox.client("admin") as client:
        created = client.post("/api/v1/namespaces/team-b/configmaps", json=body)
        assert created.status_code == 201
        meta = created.json()["metadata"]
        assert meta["uid"] and meta["creationTimestamp"].endswith("Z")
        again = client.post("/api/v1/namespaces/team-b/configmaps", json=body)
        assert again.status_code == 409
        assert _status(again)["reason"] == "AlreadyExists"
        fresh = {**created.json(), "data": {"k": "v"}}
        updated = client.put("/api/v1/namespaces/team-b/configmaps/cas", json=fresh)
        assert updated.status_code == 200
        stale = client.put("/api/v1/namespaces/team-b/configmaps/cas", json=fresh)
        assert stale.status_code == 409
        assert _status(stale)["reason"] == "Conflict"
        assert client.delete("/api/v1/namespaces/team-b/configmaps/cas").status_code == 200
        missing = client.delete("/api/v1/namespaces/team-b/configmaps/cas")
        assert missing.status_code == 404
        assert _status(missing)["message"] == 'configmaps "cas" not found'


def test_writes_to_main_resource_ignore_status(sandbox: SandboxHandle) -> None:
    path = "/apis/apps/v1/namespaces/team-a/deployments/api"
    with sandbox.client("admin") as client:
        before = client.get(path).json()
        patched = client.patch(
            path,
            content=json.dumps(
                {"status": {"readyReplicas": 99}, "metadata": {"labels": {"x": "y"}}}
            ),
            headers={"Content-Type": "application/merge-patch+json"},
        ).json()
        assert patched["status"] == before["status"]
        assert patched["metadata"]["labels"]["x"] == "y"
        assert patched["metadata"]["generation"] == before["metadata"]["generation"]
        status = client.patch(
            path + "/status",
            content=json.dumps({"status": {"observedGeneration": 42}}),
            headers={"Content-Type": "application/merge-patch+json"},
        ).json()
        assert status["status"]["observedGeneration"] == 42
        client.patch(
            path + "/status",
            content=json.dumps(
                {"status": {"observedGeneration": before["status"].get("observedGeneration")}}
            ),
            headers={"Content-Type": "application/merge-patch+json"},
        )


def test_strategic_merge_patch_merges_containers_by_name(sandbox: SandboxHandle) -> None:
    path = "/apis/apps/v1/namespaces/team-a/deployments/web"
    with sandbox.client("alice") as client:
        before = client.get(path).json()
        old_containers = before["spec"]["template"]["spec"]["containers"]
        name = old_containers[0]["name"]
        patch = {
            "spec": {"template": {"spec": {"containers": [{"name": name, "image": "nginx:9"}]}}}
        }
        after = client.patch(
            path,
            content=json.dumps(patch),
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        ).json()
        containers = after["spec"]["template"]["spec"]["containers"]
        assert [c["name"] for c in containers] == [c["name"] for c in old_containers]
        assert containers[0]["image"] == "nginx:9"
        # Fields the patch did not name are kept: the list was merged by key, not replaced.
        assert containers[0]["ports"] == old_containers[0]["ports"]
        assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
        restore = {"spec": {"template": before["spec"]["template"]}}
        client.patch(
            path,
            content=json.dumps(restore),
            headers={"Content-Type": "application/merge-patch+json"},
        )


@pytest.mark.parametrize(
    ("content_type", "body", "code"),
    [
        ("application/json", b"{not json", 400),
        ("application/yaml", b"metadata: [unclosed", 400),
        ("application/json", b"[1, 2]", 400),
        ("application/yaml", b"metadata: {name: b}\ndata: {a: !!binary aGk=}", 400),
        ("application/yaml", b"metadata: {name: d}\nmetadata: {name: e}", 400),
        ("text/html", b"<p>hi</p>", 415),
        ("application/vnd.kubernetes.protobuf", b"k8s\x00\xff\xff", 400),
    ],
)
def test_bad_bodies(sandbox: SandboxHandle, content_type: str, body: bytes, code: int) -> None:
    with sandbox.client("admin") as client:
        response = client.post(
            "/api/v1/namespaces/team-b/configmaps",
            content=body,
            headers={"Content-Type": content_type},
        )
    assert response.status_code == code
    _status(response)


def test_invalid_names_are_422(sandbox: SandboxHandle) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_Valid"}}
    with sandbox.client("admin") as client:
        response = client.post("/api/v1/namespaces/team-b/configmaps", json=body)
    assert response.status_code == 422
    assert "RFC 1123 subdomain" in str(_status(response)["message"])


def test_unknown_resources_and_wrong_patch_type(sandbox: SandboxHandle) -> None:
    with sandbox.client("admin") as client:
        unknown = client.get("/api/v1/namespaces/team-a/widgets")
        group = client.get("/apis/example.com/v1/things")
        patch = client.patch(
            "/api/v1/namespaces/team-a/configmaps/web-config",
            content=b"{}",
            headers={"Content-Type": "application/json"},
        )
    assert unknown.status_code == 404
    assert group.status_code == 404
    assert patch.status_code == 415
    _status(unknown)


def test_pod_logs_options(sandbox: SandboxHandle) -> None:
    with sandbox.client("admin") as client:
        pods = client.get("/api/v1/namespaces/team-a/pods", params={"labelSelector": "app=api"})
        name = pods.json()["items"][0]["metadata"]["name"]
        current = client.get(f"/api/v1/namespaces/team-a/pods/{name}/log")
        previous = client.get(
            f"/api/v1/namespaces/team-a/pods/{name}/log", params={"previous": "true"}
        )
        tail = client.get(f"/api/v1/namespaces/team-a/pods/{name}/log", params={"tailLines": "1"})
        wrong = client.get(
            f"/api/v1/namespaces/team-a/pods/{name}/log", params={"container": "nope"}
        )
    assert current.headers["content-type"].startswith("text/plain")
    assert "DATABASE_URL" in previous.text
    assert len(tail.text.splitlines()) == 1
    assert tail.text.strip() == current.text.strip().splitlines()[-1]
    assert wrong.status_code == 400


def test_self_subject_access_review_json(sandbox: SandboxHandle) -> None:
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {"namespace": "team-a", "verb": "list", "resource": "secrets"}
        },
    }
    with sandbox.client("alice") as client:
        response = client.post(
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=review
        )
    assert response.status_code == 201
    assert response.json()["status"]["allowed"] is False


def test_token_review_and_subject_access_review(sandbox: SandboxHandle) -> None:
    with sandbox.client("lightspeed") as client:
        good = client.post(
            "/apis/authentication.k8s.io/v1/tokenreviews",
            json={
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenReview",
                "spec": {"token": sandbox.token("alice")},
            },
        ).json()
        bad = client.post(
            "/apis/authentication.k8s.io/v1/tokenreviews",
            json={"spec": {"token": sandbox.info["invalid_token"]}},
        )
        access = client.post(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            json={
                "spec": {
                    "user": "alice",
                    "groups": ["system:authenticated"],
                    "nonResourceAttributes": {"path": "/ols-access", "verb": "get"},
                }
            },
        ).json()
        denied = client.post(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            json={
                "spec": {
                    "user": "mallory",
                    "groups": ["system:authenticated"],
                    "nonResourceAttributes": {"path": "/ols-access", "verb": "get"},
                }
            },
        ).json()
        own_pods = client.get("/api/v1/namespaces/team-a/pods")
    assert good["status"]["authenticated"] is True
    assert good["status"]["user"]["username"] == "alice"
    assert bad.status_code == 201
    assert bad.json()["status"]["authenticated"] is False
    assert access["status"]["allowed"] is True
    assert denied["status"]["allowed"] is False
    # The service's own account may review tokens, and nothing else.
    assert own_pods.status_code == 403


def test_metrics_api(sandbox: SandboxHandle) -> None:
    with sandbox.client("alice") as client:
        pods = client.get("/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods").json()
    assert pods["kind"] == "PodMetricsList"
    assert pods["items"]
    assert all(c["usage"]["memory"] for item in pods["items"] for c in item["containers"])
    with sandbox.client("admin") as client:
        nodes = client.get("/apis/metrics.k8s.io/v1beta1/nodes").json()
    assert {n["metadata"]["name"] for n in nodes["items"]} == {"sandbox-node-1", "sandbox-node-2"}


def test_watch_sends_changes(sandbox: SandboxHandle) -> None:
    with sandbox.client("admin") as client:
        listed = client.get("/api/v1/namespaces/team-b/configmaps").json()
        version = listed["metadata"]["resourceVersion"]
        body = {"metadata": {"name": "watched"}, "data": {}}
        with client.stream(
            "GET",
            "/api/v1/namespaces/team-b/configmaps",
            params={"watch": "true", "resourceVersion": version, "timeoutSeconds": "5"},
        ) as stream:
            assert client.post("/api/v1/namespaces/team-b/configmaps", json=body).status_code == 201
            lines = stream.iter_lines()
            event = json.loads(next(line for line in lines if line.strip()))
        client.delete("/api/v1/namespaces/team-b/configmaps/watched")
    assert event["type"] == "ADDED"
    assert event["object"]["metadata"]["name"] == "watched"


def test_audit_records_each_request_with_its_user(sandbox: SandboxHandle) -> None:
    marker = "audit-marker-pod"
    with sandbox.client("bob") as client:
        client.get(f"/api/v1/namespaces/team-b/pods/{marker}")
    entries = [e for e in sandbox.audit() if e.get("name") == marker]
    assert entries[-1]["user"] == "bob"
    assert entries[-1]["verb"] == "get"
    assert entries[-1]["code"] == 404
    text = (sandbox.state_dir / "audit.jsonl").read_text()
    for user in ("admin", "alice", "bob"):
        assert sandbox.token(user) not in text


def test_permissions_change_through_the_api(sandbox: SandboxHandle) -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "bob-peeks", "namespace": "team-a"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}],
    }
    bindings = "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings"
    with sandbox.client("bob") as bob, sandbox.client("admin") as admin:
        assert bob.get("/api/v1/namespaces/team-a/pods").status_code == 403
        assert bob.post(bindings, json=binding).status_code == 403
        assert admin.post(bindings, json=binding).status_code == 201
        assert bob.get("/api/v1/namespaces/team-a/pods").status_code == 200
        assert bob.get("/api/v1/namespaces/team-a/secrets").status_code == 403
        assert admin.delete(f"{bindings}/bob-peeks").status_code == 200
        assert bob.get("/api/v1/namespaces/team-a/pods").status_code == 403


def test_json_patch(sandbox: SandboxHandle) -> None:
    path = "/api/v1/namespaces/team-b/configmaps/checkout-config"
    ops = [{"op": "add", "path": "/data/patched", "value": "yes"}]
    bad = [{"op": "remove", "path": "/data/does-not-exist"}]
    with sandbox.client("admin") as client:
        done = client.patch(
            path, content=json.dumps(ops), headers={"Content-Type": "application/json-patch+json"}
        )
        failed = client.patch(
            path, content=json.dumps(bad), headers={"Content-Type": "application/json-patch+json"}
        )
        undo = [{"op": "remove", "path": "/data/patched"}]
        client.patch(
            path, content=json.dumps(undo), headers={"Content-Type": "application/json-patch+json"}
        )
    assert done.status_code == 200
    assert done.json()["data"]["patched"] == "yes"
    assert failed.status_code == 422
    _status(failed)


def test_cluster_scoped_and_namespaced_paths(sandbox: SandboxHandle) -> None:
    with sandbox.client("admin") as client:
        node = client.get("/api/v1/nodes/sandbox-node-1")
        namespaced_node = client.get("/api/v1/namespaces/team-a/nodes/sandbox-node-1")
        pod_without_namespace = client.get("/api/v1/pods/analytics-0")
        missing_namespace = client.post(
            "/api/v1/namespaces/nowhere/configmaps", json={"metadata": {"name": "x"}}
        )
    assert node.status_code == 200
    assert "namespace" not in node.json()["metadata"]
    assert namespaced_node.status_code == 404
    assert pod_without_namespace.status_code == 404
    assert missing_namespace.status_code == 404
    assert _status(missing_namespace)["message"] == 'namespaces "nowhere" not found'


def test_yaml_bodies_keep_timestamps_as_strings(sandbox: SandboxHandle) -> None:
    body = b"metadata: {name: yaml-made}\ndata: {when: 2024-01-01T00:00:00Z}\n"
    with sandbox.client("admin") as client:
        created = client.post(
            "/api/v1/namespaces/team-b/configmaps",
            content=body,
            headers={"Content-Type": "application/yaml"},
        )
        client.delete("/api/v1/namespaces/team-b/configmaps/yaml-made")
    assert created.status_code == 201
    assert created.json()["data"] == {"when": "2024-01-01T00:00:00Z"}


def test_dry_run_changes_nothing(sandbox: SandboxHandle) -> None:
    body = {"metadata": {"name": "dry"}, "data": {"a": "b"}}
    with sandbox.client("admin") as client:
        created = client.post(
            "/api/v1/namespaces/team-b/configmaps", json=body, params={"dryRun": "All"}
        )
        after = client.get("/api/v1/namespaces/team-b/configmaps/dry")
        deleted = client.delete(
            "/apis/apps/v1/namespaces/team-b/deployments/search", params={"dryRun": "All"}
        )
        still = client.get("/apis/apps/v1/namespaces/team-b/deployments/search")
    assert created.status_code == 201
    assert created.json()["metadata"]["name"] == "dry"
    assert after.status_code == 404
    assert deleted.status_code == 200
    assert still.status_code == 200


def test_delete_collection_by_label(sandbox: SandboxHandle) -> None:
    with sandbox.client("admin") as client:
        for index in range(3):
            labels = {"batch": "sweep" if index < 2 else "keep"}
            body = {"metadata": {"name": f"sweep-{index}", "labels": labels}}
            assert client.post("/api/v1/namespaces/team-b/configmaps", json=body).status_code == 201
        swept = client.delete(
            "/api/v1/namespaces/team-b/configmaps", params={"labelSelector": "batch=sweep"}
        )
        left = client.get(
            "/api/v1/namespaces/team-b/configmaps", params={"labelSelector": "batch"}
        ).json()["items"]
        client.delete("/api/v1/namespaces/team-b/configmaps/sweep-2")
    assert swept.status_code == 200
    assert sorted(i["metadata"]["name"] for i in swept.json()["items"]) == ["sweep-0", "sweep-1"]
    assert [i["metadata"]["name"] for i in left] == ["sweep-2"]


def test_oversized_body_is_413(sandbox: SandboxHandle) -> None:
    huge = b'{"metadata": {"name": "huge"}, "data": {"a": "' + b"x" * (4 * 1024 * 1024) + b'"}}'
    with sandbox.client("admin") as client:
        response = client.post(
            "/api/v1/namespaces/team-b/configmaps",
            content=huge,
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert _status(response)["reason"] == "RequestEntityTooLarge"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/json", b"[" * 100_000), ("application/yaml", b"- " * 60_000)],
)
def test_deeply_nested_bodies_are_400(
    sandbox: SandboxHandle, content_type: str, body: bytes
) -> None:
    with sandbox.client("admin") as client:
        response = client.post(
            "/api/v1/namespaces/team-b/configmaps",
            content=body,
            headers={"Content-Type": content_type},
        )
        assert client.get("/healthz").text == "ok"
    assert response.status_code == 400
    assert "nested too deeply" in str(_status(response)["message"])


AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
# What kubectl 1.32 and kubernetes-mcp-server (client-go) send for /api and /apis.
CLIENT_GO_DISCOVERY = f"{AGGREGATED_V2},{AGGREGATED_V2BETA1},application/json"


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        (CLIENT_GO_DISCOVERY, "v2"),
        (AGGREGATED_V2BETA1 + ",application/json", "v2beta1"),
        (
            "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;"
            "as=APIGroupDiscoveryList," + AGGREGATED_V2,
            "v2",
        ),
        ("application/json", None),
        ("application/json, */*", None),
        ("application/json;g=apidiscovery.k8s.io;v=v9;as=APIGroupDiscoveryList", None),
        ("", None),
    ],
)
def test_discovery_is_aggregated_when_asked_first(
    sandbox: SandboxHandle, accept: str, version: str | None
) -> None:
    with sandbox.client("bob") as client:
        core = client.get("/api", headers={"Accept": accept})
        groups = client.get("/apis", headers={"Accept": accept})
    assert core.status_code == groups.status_code == 200
    if version is None:
        assert core.headers["content-type"] == "application/json"
        assert core.json()["kind"] == "APIVersions"
        assert groups.json()["kind"] == "APIGroupList"
        return
    for response in (core, groups):
        assert response.headers["content-type"] == (
            f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
        )
        assert response.json()["apiVersion"] == f"apidiscovery.k8s.io/{version}"
        assert response.json()["kind"] == "APIGroupDiscoveryList"
    (core_group,) = core.json()["items"]
    pods = next(r for r in core_group["versions"][0]["resources"] if r["resource"] == "pods")
    assert pods["scope"] == "Namespaced"
    assert "log" in {s["subresource"] for s in pods["subresources"]}
    names = {g["metadata"]["name"] for g in groups.json()["items"]}
    assert {"apps", "batch", "metrics.k8s.io", "project.openshift.io"} <= names


def test_discovery_needs_a_token_in_either_form(sandbox: SandboxHandle) -> None:
    with sandbox.client() as client:
        response = client.get("/apis", headers={"Accept": CLIENT_GO_DISCOVERY})
    assert response.status_code == 401


def test_kubectl_discovers_in_two_requests(sandbox: SandboxHandle, tmp_path: Path) -> None:
    before = len(sandbox.audit())
    done = sandbox.kubectl(
        "alice", "get", "deployments", "-n", "team-a", "--cache-dir", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert "web" in done.stdout
    paths = [e["path"] for e in sandbox.audit()[before:] if e["user"] == "alice"]
    # /version is kubectl's own check of the server; discovery itself is two documents
    assert [p for p in paths if p != "/version"] == [
        "/api",
        "/apis",
        "/apis/apps/v1/namespaces/team-a/deployments",
    ]
