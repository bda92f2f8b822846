"""Tests for the fixture loader (ols_sandbox.fixtures) and the default world it loads.

The world tests check both that each troubleshooting scenario is there and that
it hangs together the way a real cluster would (owners, endpoints, events, IPs),
since nothing in the sandbox reconciles and a mistake in a fixture is served as is.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ols_sandbox.fixtures import (
    BOOTSTRAP_DIR,
    WORLD_DIR,
    FixtureError,
    Fixtures,
    SandboxUser,
    load_fixtures,
)

NOW = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
DB_PASSWORD = "ols-sandbox-DB-PASSWORD-7f3a9c"
LOG_PASSWORD = "ols-sandbox-LOG-PASSWORD-2b8e41"
# The characters Kubernetes uses for pod-template-hash values and generated name suffixes.
K8S_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

Obj = dict[str, Any]


# --- helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> Fixtures:
    return load_fixtures([BOOTSTRAP_DIR, WORLD_DIR], now=NOW)


def find(world: Fixtures, kind: str, name: str, namespace: str | None = None) -> Obj:
    for obj in world.objects:
        meta = obj["metadata"]
        if obj["kind"] == kind and meta["name"] == name and meta.get("namespace") == namespace:
            return obj
    raise AssertionError(f"no {kind} {namespace}/{name} in the world")


def exists(world: Fixtures, kind: str, name: str, namespace: str | None = None) -> bool:
    try:
        find(world, kind, name, namespace)
    except AssertionError:
        return False
    return True


def of_kind(world: Fixtures, kind: str, namespace: str | None = None) -> list[Obj]:
    return [
        o
        for o in world.objects
        if o["kind"] == kind and (namespace is None or o["metadata"].get("namespace") == namespace)
    ]


def events_for(world: Fixtures, kind: str, name: str, namespace: str) -> list[Obj]:
    return [
        e
        for e in of_kind(world, "Event", namespace)
        if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name
    ]


def event(world: Fixtures, kind: str, name: str, namespace: str, reason: str) -> Obj:
    matches = [e for e in events_for(world, kind, name, namespace) if e["reason"] == reason]
    assert matches, f"no {reason} event for {kind} {namespace}/{name}"
    return matches[-1]


def parse_time(value: str) -> datetime:
    assert RFC3339.fullmatch(value), value
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def container_status(pod: Obj, name: str) -> Obj:
    statuses: list[Obj] = pod["status"].get("containerStatuses", [])
    return next(s for s in statuses if s["name"] == name)


def user(world: Fixtures, handle: str) -> SandboxUser:
    return next(u for u in world.users if u.name == handle)


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def owned_pods(world: Fixtures, owner: Obj) -> list[Obj]:
    uid = owner["metadata"]["uid"]
    return [
        p
        for p in of_kind(world, "Pod", owner["metadata"]["namespace"])
        if any(ref["uid"] == uid for ref in p["metadata"].get("ownerReferences", []))
    ]


def pods_of_deployment(world: Fixtures, namespace: str, name: str) -> list[Obj]:
    deployment = find(world, "Deployment", name, namespace)
    pods: list[Obj] = []
    for rs in of_kind(world, "ReplicaSet", namespace):
        refs = rs["metadata"].get("ownerReferences", [])
        if any(ref["uid"] == deployment["metadata"]["uid"] for ref in refs):
            pods += owned_pods(world, rs)
    return pods


def is_ready(pod: Obj) -> bool:
    conditions = pod["status"].get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def walk_strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for child in value.values():
            yield from walk_strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk_strings(child)
    elif isinstance(value, str):
        yield value


# A small RBAC evaluator, enough to check what each sandbox user may do.


def _subject_matches(subject: Obj, who: SandboxUser) -> bool:
    groups = {*who.groups, "system:authenticated"}
    if subject["kind"] == "User":
        return bool(subject["name"] == who.username)
    if subject["kind"] == "Group":
        return subject["name"] in groups
    if subject["kind"] == "ServiceAccount":
        username = f"system:serviceaccount:{subject['namespace']}:{subject['name']}"
        return username == who.username
    raise AssertionError(f"unknown subject kind {subject['kind']}")


def rules_for(world: Fixtures, who: SandboxUser, namespace: str | None) -> list[Obj]:
    rules: list[Obj] = []
    for binding in of_kind(world, "ClusterRoleBinding"):
        if any(_subject_matches(s, who) for s in binding.get("subjects", [])):
            rules += find(world, "ClusterRole", binding["roleRef"]["name"]).get("rules", [])
    if namespace is not None:
        for binding in of_kind(world, "RoleBinding", namespace):
            if any(_subject_matches(s, who) for s in binding.get("subjects", [])):
                ref = binding["roleRef"]
                role_ns = namespace if ref["kind"] == "Role" else None
                rules += find(world, ref["kind"], ref["name"], role_ns).get("rules", [])
    return rules


def can(
    world: Fixtures, handle: str, verb: str, group: str, resource: str, namespace: str | None
) -> bool:
    for rule in rules_for(world, user(world, handle), namespace):
        if (
            any(v in ("*", verb) for v in rule.get("verbs", []))
            and any(g in ("*", group) for g in rule.get("apiGroups", []))
            and any(r in ("*", resource) for r in rule.get("resources", []))
        ):
            return True
    return False


def can_get_url(world: Fixtures, handle: str, url: str) -> bool:
    for rule in rules_for(world, user(world, handle), None):
        for pattern in rule.get("nonResourceURLs", []):
            matches = pattern == url or (pattern.endswith("*") and url.startswith(pattern[:-1]))
            if matches and any(v in ("*", "get") for v in rule["verbs"]):
                return True
    return False


# --- the default world: users and RBAC ------------------------------------------------


def test_users_have_no_fixed_tokens_and_the_expected_identities(world: Fixtures) -> None:
    assert [u.name for u in world.users] == ["admin", "alice", "bob", "lightspeed"]
    assert all(u.token is None for u in world.users)
    assert user(world, "admin").groups == ("system:masters",)
    assert user(world, "alice").username == "alice"
    assert user(world, "alice").uid == str(uuid.uuid5(uuid.NAMESPACE_URL, "ols-sandbox:alice"))
    service = user(world, "lightspeed")
    assert service.username == "system:serviceaccount:openshift-lightspeed:lightspeed-app-server"
    assert service.groups == (
        "system:serviceaccounts",
        "system:serviceaccounts:openshift-lightspeed",
    )
    assert exists(world, "ServiceAccount", "lightspeed-app-server", "openshift-lightspeed")


def test_bootstrap_rbac_matches_a_real_clusters(world: Fixtures) -> None:
    admin_rules = find(world, "ClusterRole", "cluster-admin")["rules"]
    assert {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]} in admin_rules
    assert {"nonResourceURLs": ["*"], "verbs": ["*"]} in admin_rules
    discovery = find(world, "ClusterRole", "system:discovery")["rules"]
    assert set(discovery[0]["nonResourceURLs"]) == {
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/version",
        "/version/",
        "/healthz",
        "/livez",
        "/readyz",
        "/openapi",
        "/openapi/*",
    }
    bindings = {b["metadata"]["name"]: b for b in of_kind(world, "ClusterRoleBinding")}
    assert bindings["cluster-admin"]["subjects"][0]["name"] == "system:masters"
    for name in ("system:discovery", "system:basic-user"):
        assert bindings[name]["subjects"][0]["name"] == "system:authenticated"
    # Everyone authenticated may discover the API and review their own access.
    assert can_get_url(world, "bob", "/apis/apps/v1")
    assert can(world, "bob", "create", "authorization.k8s.io", "selfsubjectaccessreviews", None)
    assert can(world, "bob", "create", "authorization.k8s.io", "selfsubjectrulesreviews", None)
    assert can(world, "bob", "create", "authentication.k8s.io", "selfsubjectreviews", None)
    # OpenShift lets everyone list projects; the server filters the list per user.
    assert can(world, "bob", "list", "project.openshift.io", "projects", None)
    assert not can(world, "bob", "list", "", "namespaces", None)
    view = find(world, "ClusterRole", "view")["rules"]
    assert not any("secrets" in r["resources"] or "*" in r["resources"] for r in view)
    assert any("pods" in r["resources"] for r in view)


def test_admin_may_do_anything(world: Fixtures) -> None:
    assert can(world, "admin", "delete", "", "secrets", "team-b")
    assert can(world, "admin", "list", "", "nodes", None)
    assert can_get_url(world, "admin", "/ols-access")


def test_alice_works_in_team_a_only_and_never_reads_secrets(world: Fixtures) -> None:
    for resource in ("pods", "pods/log", "events", "services", "endpoints", "configmaps"):
        for verb in ("get", "list", "watch"):
            assert can(world, "alice", verb, "", resource, "team-a"), (verb, resource)
    assert can(world, "alice", "list", "events.k8s.io", "events", "team-a")
    assert can(world, "alice", "list", "apps", "replicasets", "team-a")
    assert can(world, "alice", "list", "metrics.k8s.io", "pods", "team-a")
    for verb in ("create", "patch", "update", "delete"):
        assert can(world, "alice", verb, "apps", "deployments", "team-a")
    for verb in ("get", "update", "patch"):
        assert can(world, "alice", verb, "apps", "deployments/scale", "team-a")
    assert not can(world, "alice", "delete", "", "pods", "team-a")
    assert not can(world, "alice", "list", "apps", "statefulsets", "team-a")
    assert not can(world, "alice", "list", "", "pods", "team-b")
    assert not can(world, "alice", "list", "", "nodes", None)
    for namespace in ("team-a", "team-b", "default", None):
        assert not can(world, "alice", "get", "", "secrets", namespace)
    # Not even a wildcard rule anywhere that would cover secrets.
    for namespace in ("team-a", "team-b", "default", "openshift-lightspeed"):
        for rule in rules_for(world, user(world, "alice"), namespace):
            assert "secrets" not in rule.get("resources", [])
            assert "*" not in rule.get("resources", [])
    assert can_get_url(world, "alice", "/ols-access")


def test_bob_reads_team_b_only(world: Fixtures) -> None:
    reads = [
        ("", "pods"),
        ("", "pods/log"),
        ("", "events"),
        ("events.k8s.io", "events"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("", "services"),
        ("", "endpoints"),
        ("", "configmaps"),
        ("", "persistentvolumeclaims"),
        ("batch", "jobs"),
        ("metrics.k8s.io", "pods"),
    ]
    for group, resource in reads:
        for verb in ("get", "list", "watch"):
            assert can(world, "bob", verb, group, resource, "team-b"), (verb, resource)
    assert not can(world, "bob", "patch", "apps", "deployments", "team-b")
    assert not can(world, "bob", "update", "apps", "deployments/scale", "team-b")
    assert not can(world, "bob", "get", "", "secrets", "team-b")
    assert not can(world, "bob", "list", "", "pods", "team-a")
    assert can_get_url(world, "bob", "/ols-access")


def test_the_service_account_may_only_review_tokens_and_access(world: Fixtures) -> None:
    assert can(world, "lightspeed", "create", "authentication.k8s.io", "tokenreviews", None)
    assert can(world, "lightspeed", "create", "authorization.k8s.io", "subjectaccessreviews", None)
    for namespace in ("team-a", "team-b", "openshift-lightspeed"):
        assert not can(world, "lightspeed", "list", "", "pods", namespace)
        assert not can(world, "lightspeed", "get", "", "secrets", namespace)
    assert not can_get_url(world, "lightspeed", "/ols-access")
    granted = {
        b["roleRef"]["name"]
        for b in of_kind(world, "ClusterRoleBinding") + of_kind(world, "RoleBinding")
        for s in b.get("subjects", [])
        if s["kind"] != "Group" and _subject_matches(s, user(world, "lightspeed"))
    }
    assert granted == {"system:auth-delegator"}


# --- the default world: nodes and the default namespace --------------------------------


def test_nodes_are_ready_workers_with_usage_and_kubelet_logs(world: Fixtures) -> None:
    nodes = of_kind(world, "Node")
    assert sorted(n["metadata"]["name"] for n in nodes) == ["sandbox-node-1", "sandbox-node-2"]
    for node in nodes:
        name = node["metadata"]["name"]
        status = node["status"]
        ready = next(c for c in status["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "True"
        assert status["nodeInfo"]["kubeletVersion"] == "v1.32.4"
        for key in ("osImage", "kernelVersion", "containerRuntimeVersion", "architecture"):
            assert status["nodeInfo"][key]
        for section in ("allocatable", "capacity"):
            assert status[section]["cpu"] == "4"
            assert status[section]["memory"] == "16Gi"
            assert status[section]["pods"] == "110"
        assert {a["type"] for a in status["addresses"]} == {"InternalIP", "Hostname"}
        labels = node["metadata"]["labels"]
        assert labels["kubernetes.io/hostname"] == name
        assert "node-role.kubernetes.io/worker" in labels
        assert set(world.node_usage[name]) == {"cpu", "memory"}
        kubelet = world.node_logs[(name, "kubelet")]
        assert kubelet.count("\n") >= 5
        assert all(f"{name} kubelet[" in line for line in kubelet.splitlines())


def test_default_namespace_has_the_kubernetes_service(world: Fixtures) -> None:
    assert exists(world, "Namespace", "default")
    service = find(world, "Service", "kubernetes", "default")
    assert service["spec"]["clusterIP"] == "10.96.0.1"
    assert service["spec"]["ports"][0]["port"] == 443
    assert service["spec"]["ports"][0]["targetPort"] == 6443


# --- the default world: team-a scenarios --------------------------------------------------


def test_web_is_healthy_and_scalable_by_alice(world: Fixtures) -> None:
    deployment = find(world, "Deployment", "web", "team-a")
    assert deployment["spec"]["replicas"] == 3
    assert deployment["status"]["readyReplicas"] == 3
    assert deployment["status"]["availableReplicas"] == 3
    rs = find(world, "ReplicaSet", "web-7d9c8b6f5d", "team-a")
    assert rs["metadata"]["ownerReferences"][0]["uid"] == deployment["metadata"]["uid"]
    pods = owned_pods(world, rs)
    assert len(pods) == 3
    for pod in pods:
        assert re.fullmatch(r"web-7d9c8b6f5d-[a-z0-9]{5}", pod["metadata"]["name"])
        assert pod["status"]["phase"] == "Running"
        assert is_ready(pod)
        assert pod["spec"]["containers"][0]["image"].startswith("nginx:")
    service = find(world, "Service", "web", "team-a")
    assert all(selects(service["spec"]["selector"], p["metadata"]["labels"]) for p in pods)
    assert exists(world, "ConfigMap", "web-config", "team-a")
    assert can(world, "alice", "patch", "apps", "deployments/scale", "team-a")


def test_api_is_in_crashloopbackoff_because_database_url_is_unset(world: Fixtures) -> None:
    pod = pods_of_deployment(world, "team-a", "api")[0]
    name = pod["metadata"]["name"]
    status = container_status(pod, "api")
    assert pod["status"]["phase"] == "Running"
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["restartCount"] == 7
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert status["lastState"]["terminated"]["reason"] == "Error"
    env = {e["name"] for e in pod["spec"]["containers"][0].get("env", [])}
    assert "DATABASE_URL" not in env
    for logs in (world.pod_logs, world.previous_logs):
        last_lines = "\n".join(logs[("team-a", name, "api")].splitlines()[-3:])
        assert "DATABASE_URL" in last_lines
        assert "postgres.team-a.svc:5432" in last_lines
        assert "connection refused" in last_lines
    backoff = event(world, "Pod", name, "team-a", "BackOff")
    assert backoff["type"] == "Warning"
    assert backoff["message"].startswith(f"Back-off restarting failed container api in pod {name}")
    assert backoff["count"] > 1


def test_worker_is_oomkilled_at_its_memory_limit(world: Fixtures) -> None:
    pod = pods_of_deployment(world, "team-a", "worker")[0]
    name = pod["metadata"]["name"]
    assert pod["spec"]["containers"][0]["resources"]["limits"]["memory"] == "64Mi"
    status = container_status(pod, "worker")
    assert status["restartCount"] == 4
    assert status["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert status["lastState"]["terminated"]["exitCode"] == 137
    assert set(status["state"]) & {"running", "waiting"}
    rss = [
        int(m) for m in re.findall(r"rss=(\d+)Mi", world.previous_logs[("team-a", name, "worker")])
    ]
    assert len(rss) >= 5
    assert rss == sorted(rss)
    assert 60 <= rss[-1] <= 64
    assert event(world, "Pod", name, "team-a", "BackOff")["type"] == "Warning"


def test_reports_cannot_start_without_its_configmap(world: Fixtures) -> None:
    pod = pods_of_deployment(world, "team-a", "reports")[0]
    name = pod["metadata"]["name"]
    waiting = container_status(pod, "reports")["state"]["waiting"]
    assert waiting["reason"] == "CreateContainerConfigError"
    assert waiting["message"] == 'configmap "reports-config" not found'
    assert not exists(world, "ConfigMap", "reports-config", "team-a")
    failed = event(world, "Pod", name, "team-a", "Failed")
    assert failed["type"] == "Warning"
    assert failed["message"] == 'Error: configmap "reports-config" not found'
    assert not any(key[1] == name for key in world.pod_logs)


def test_the_database_password_is_in_the_secret_and_in_billing_env(world: Fixtures) -> None:
    secret = find(world, "Secret", "db-credentials", "team-a")
    assert secret["type"] == "Opaque"
    assert base64.b64decode(secret["data"]["password"]).decode() == DB_PASSWORD
    assert base64.b64decode(secret["data"]["username"]).decode()
    pod = pods_of_deployment(world, "team-a", "billing")[0]
    assert pod["status"]["phase"] == "Running"
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    assert env["DB_PASSWORD"] == DB_PASSWORD
    deployment = find(world, "Deployment", "billing", "team-a")
    assert DB_PASSWORD in json.dumps(deployment["spec"]["template"])


def test_auth_proxy_logs_leak_a_token_a_password_and_a_private_key(world: Fixtures) -> None:
    pod = pods_of_deployment(world, "team-a", "auth-proxy")[0]
    assert pod["status"]["phase"] == "Running"
    log = world.pod_logs[("team-a", pod["metadata"]["name"], "auth-proxy")]
    token = re.search(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", log)
    assert token is not None
    header = token.group(0).split(".")[0]
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"]
    assert f"password={LOG_PASSWORD}" in log.splitlines()
    pem = re.search(
        r"-----BEGIN RSA PRIVATE KEY-----\n(.+?)\n-----END RSA PRIVATE KEY-----", log, re.DOTALL
    )
    assert pem is not None
    body = pem.group(1).replace("\n", "")
    assert len(base64.b64decode(body, validate=True)) > 1000


# --- the default world: team-b scenarios --------------------------------------------------


def test_frontend_cannot_pull_its_image(world: Fixtures) -> None:
    pod = pods_of_deployment(world, "team-b", "frontend")[0]
    name = pod["metadata"]["name"]
    image = pod["spec"]["containers"][0]["image"]
    assert pod["status"]["phase"] == "Pending"
    waiting = container_status(pod, "frontend")["state"]["waiting"]
    assert waiting["reason"] == "ImagePullBackOff"
    assert image in waiting["message"]
    reasons = {e["reason"] for e in events_for(world, "Pod", name, "team-b")}
    assert {"Pulling", "Failed", "BackOff"} <= reasons
    failed = [e["message"] for e in events_for(world, "Pod", name, "team-b")]
    assert any(m.startswith(f'Failed to pull image "{image}"') and "not found" in m for m in failed)


def test_analytics_is_unschedulable_for_lack_of_memory(world: Fixtures) -> None:
    pod = find(world, "Pod", "analytics-0", "team-b")
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    assert pod["status"]["phase"] == "Pending"
    assert "nodeName" not in pod["spec"]
    assert pod["spec"]["containers"][0]["resources"]["requests"]["memory"] == "64Gi"
    scheduled = pod["status"]["conditions"][0]
    assert (scheduled["type"], scheduled["status"], scheduled["reason"]) == (
        "PodScheduled",
        "False",
        "Unschedulable",
    )
    failed = event(world, "Pod", "analytics-0", "team-b", "FailedScheduling")
    assert failed["type"] == "Warning"
    assert failed["message"] == (
        "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: "
        "2 No preemption victims found for incoming pod."
    )


def test_checkout_service_selects_no_pod(world: Fixtures) -> None:
    service = find(world, "Service", "checkout", "team-b")
    assert service["spec"]["selector"] == {"app": "checkout-api"}
    pods = pods_of_deployment(world, "team-b", "checkout")
    assert pods
    assert all(p["metadata"]["labels"]["app"] == "checkout" for p in pods)
    assert all(p["status"]["phase"] == "Running" and is_ready(p) for p in pods)
    assert not any(
        selects(service["spec"]["selector"], p["metadata"].get("labels", {}))
        for p in of_kind(world, "Pod", "team-b")
    )
    assert "subsets" not in find(world, "Endpoints", "checkout", "team-b")


def test_search_fails_its_readiness_probe(world: Fixtures) -> None:
    pod = pods_of_deployment(world, "team-b", "search")[0]
    name = pod["metadata"]["name"]
    probe = pod["spec"]["containers"][0]["readinessProbe"]["httpGet"]
    assert (probe["path"], probe["port"]) == ("/healthz", 8080)
    assert pod["status"]["phase"] == "Running"
    assert not is_ready(pod)
    assert container_status(pod, "search")["ready"] is False
    unhealthy = event(world, "Pod", name, "team-b", "Unhealthy")
    assert unhealthy["type"] == "Warning"
    assert unhealthy["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
    assert unhealthy["count"] > 1


def test_nightly_report_job_completed(world: Fixtures) -> None:
    job = find(world, "Job", "nightly-report", "team-b")
    assert job["status"]["succeeded"] == 1
    assert {c["type"] for c in job["status"]["conditions"]} >= {"Complete"}
    (pod,) = owned_pods(world, job)
    assert pod["status"]["phase"] == "Succeeded"
    assert container_status(pod, "report")["state"]["terminated"]["reason"] == "Completed"
    assert exists(world, "ConfigMap", "checkout-config", "team-b")


# --- the default world: consistency across all objects -------------------------------------


def test_objects_are_ready_to_store(world: Fixtures) -> None:
    uids = [o["metadata"]["uid"] for o in world.objects if "uid" in o["metadata"]]
    assert len(uids) == len(set(uids))
    for obj in world.objects:
        assert "sandbox" not in obj
        assert RFC3339.fullmatch(obj["metadata"]["creationTimestamp"])
        assert parse_time(obj["metadata"]["creationTimestamp"]) <= NOW
        # No relative time was left unresolved.
        assert not any(re.fullmatch(r"now(-.*)?", s) for s in walk_strings(obj)), obj
    for kind in ("Pod", "Deployment", "ReplicaSet", "Service", "Node", "Job", "StatefulSet"):
        assert all("uid" in o["metadata"] for o in of_kind(world, kind)), kind


def test_every_event_refers_to_a_stored_object(world: Fixtures) -> None:
    events = of_kind(world, "Event")
    assert events
    for ev in events:
        ref = ev["involvedObject"]
        target = find(world, ref["kind"], ref["name"], ref.get("namespace"))
        assert target["metadata"]["uid"] == ref["uid"]
        assert target["apiVersion"] == ref["apiVersion"]
        assert ev["metadata"]["namespace"] == ref["namespace"]
        first, last = parse_time(ev["firstTimestamp"]), parse_time(ev["lastTimestamp"])
        # Events live an hour after their last update; older ones would be gone.
        assert NOW - timedelta(hours=1) <= last <= NOW
        assert first <= last
        assert first >= parse_time(target["metadata"]["creationTimestamp"])
        assert ev["count"] >= 1
        assert ev["type"] in ("Normal", "Warning")
        assert ev["source"]["component"] == ev["reportingComponent"]
        assert ev["reason"]
        assert ev["message"]


def test_every_pod_is_owned_and_placed_like_a_real_one(world: Fixtures) -> None:
    nodes = {n["metadata"]["name"]: n for n in of_kind(world, "Node")}
    for pod in of_kind(world, "Pod"):
        name = pod["metadata"]["name"]
        namespace = pod["metadata"]["namespace"]
        (owner_ref,) = pod["metadata"]["ownerReferences"]
        assert owner_ref["controller"] is True
        owner = find(world, owner_ref["kind"], owner_ref["name"], namespace)
        assert owner["metadata"]["uid"] == owner_ref["uid"]
        assert selects(owner["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"])
        template = owner["spec"]["template"]["spec"]
        assert pod["spec"]["containers"] == template["containers"]
        if owner_ref["kind"] == "ReplicaSet":
            pod_hash = pod["metadata"]["labels"]["pod-template-hash"]
            assert set(pod_hash) <= set(K8S_NAME_ALPHABET)
            assert name.startswith(f"{owner_ref['name']}-")
            suffix = name.rsplit("-", 1)[1]
            assert len(suffix) == 5 and set(suffix) <= set(K8S_NAME_ALPHABET), name
        for container in pod["spec"]["containers"]:
            assert container["image"] and container["resources"], name
        status = pod["status"]
        assert status["qosClass"] in ("Guaranteed", "Burstable", "BestEffort")
        unscheduled = any(
            c["type"] == "PodScheduled" and c["status"] == "False" for c in status["conditions"]
        )
        if unscheduled:
            assert status["phase"] == "Pending"
            assert "nodeName" not in pod["spec"]
            continue
        node = nodes[pod["spec"]["nodeName"]]
        internal_ip = next(
            a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"
        )
        assert status["hostIP"] == internal_ip
        cidr = ipaddress.ip_network(node["spec"]["podCIDR"])
        assert ipaddress.ip_address(status["podIP"]) in cidr, name
        assert RFC3339.fullmatch(status["startTime"])
        for cs in status["containerStatuses"]:
            ran = "running" in cs["state"] or "terminated" in cs["state"] or cs["restartCount"]
            if ran:
                assert cs["containerID"].startswith("containerd://")
                assert "@sha256:" in cs["imageID"]


def test_pod_ips_are_unique(world: Fixtures) -> None:
    ips = [p["status"]["podIP"] for p in of_kind(world, "Pod") if "podIP" in p["status"]]
    assert len(ips) == len(set(ips))


def test_qos_class_follows_from_resources(world: Fixtures) -> None:
    for pod in of_kind(world, "Pod"):
        resources = [c["resources"] for c in pod["spec"]["containers"]]
        guaranteed = all(
            r.get("limits", {}).get(k) is not None
            and r.get("requests", {}).get(k, r["limits"][k]) == r["limits"][k]
            for r in resources
            for k in ("cpu", "memory")
        )
        expected = "Guaranteed" if guaranteed else "Burstable"
        assert pod["status"]["qosClass"] == expected, pod["metadata"]["name"]


def test_logs_and_usage_exist_exactly_for_containers_that_ran(world: Fixtures) -> None:
    for pod in of_kind(world, "Pod"):
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        running: set[str] = set()
        for cs in pod["status"].get("containerStatuses", []):
            key = (namespace, name, cs["name"])
            ran = bool(cs.get("containerID"))
            assert (key in world.pod_logs) == ran, key
            assert (key in world.previous_logs) == ("terminated" in cs["lastState"]), key
            if "running" in cs["state"]:
                running.add(cs["name"])
        # metrics-server reports only containers that are running.
        usage = world.pod_usage.get((namespace, name), {})
        assert set(usage) == running, name


def _quantity(value: str) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value)


def test_node_usage_covers_the_pods_on_it(world: Fixtures) -> None:
    for node_name, node_usage in world.node_usage.items():
        pods = [p for p in of_kind(world, "Pod") if p["spec"].get("nodeName") == node_name]
        for resource in ("cpu", "memory"):
            pod_total = sum(
                _quantity(u[resource])
                for p in pods
                for u in world.pod_usage.get(
                    (p["metadata"]["namespace"], p["metadata"]["name"]), {}
                ).values()
            )
            assert 0 < pod_total < _quantity(node_usage[resource])
            requests = sum(
                _quantity(c["resources"].get("requests", {}).get(resource, "0"))
                for p in pods
                for c in p["spec"]["containers"]
            )
            assert requests < _quantity("4" if resource == "cpu" else "16Gi")


def test_controllers_report_the_readiness_of_their_pods(world: Fixtures) -> None:
    for deployment in of_kind(world, "Deployment"):
        namespace, name = deployment["metadata"]["namespace"], deployment["metadata"]["name"]
        pods = pods_of_deployment(world, namespace, name)
        assert len(pods) == deployment["spec"]["replicas"], name
        ready = sum(is_ready(p) for p in pods)
        assert deployment["status"].get("readyReplicas", 0) == ready, name
        available = next(c for c in deployment["status"]["conditions"] if c["type"] == "Available")
        assert (available["status"] == "True") == (ready == len(pods)), name


def test_endpoints_list_the_pods_their_service_selects(world: Fixtures) -> None:
    services = [s for s in of_kind(world, "Service") if "selector" in s["spec"]]
    assert len(services) >= 4
    for service in services:
        namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
        selected = [
            p
            for p in of_kind(world, "Pod", namespace)
            if selects(service["spec"]["selector"], p["metadata"]["labels"])
            and p["status"].get("podIP")
            and p["status"]["phase"] == "Running"
        ]
        ready = sorted(p["status"]["podIP"] for p in selected if is_ready(p))
        not_ready = sorted(p["status"]["podIP"] for p in selected if not is_ready(p))
        endpoints = find(world, "Endpoints", name, namespace)
        subsets = endpoints.get("subsets", [])
        assert sorted(a["ip"] for s in subsets for a in s.get("addresses", [])) == ready
        assert sorted(a["ip"] for s in subsets for a in s.get("notReadyAddresses", [])) == not_ready
        slices = [
            s
            for s in of_kind(world, "EndpointSlice", namespace)
            if s["metadata"]["labels"]["kubernetes.io/service-name"] == name
        ]
        assert len(slices) == 1, name
        eps = slices[0]["endpoints"] or []
        assert sorted(e["addresses"][0] for e in eps if e["conditions"]["ready"]) == ready
        assert sorted(e["addresses"][0] for e in eps if not e["conditions"]["ready"]) == not_ready


def test_namespaces_are_defined_and_active(world: Fixtures) -> None:
    namespaces = {n["metadata"]["name"]: n for n in of_kind(world, "Namespace")}
    assert set(namespaces) == {"default", "team-a", "team-b", "openshift-lightspeed"}
    assert all(n["status"]["phase"] == "Active" for n in namespaces.values())


# --- the format --------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
spec:
  initContainers:
  - name: init
    image: busybox
  containers:
  - name: app
    image: nginx
"""


def test_relative_times_resolve_everywhere_in_an_object(tmp_path: Path) -> None:
    file = write(
        tmp_path / "a.yaml",
        """\
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: ns, creationTimestamp: now-2d}
data:
  now: now
  seconds: now-90s
  mixed: now-1h30m
  days: now-2d
  everything: now-1d2h3m4s
  absolute: 2026-01-02T03:04:05Z
  date: 2026-01-02
  notTimes: [now-, now-5, now-5x, nowhere, " now", now-1h 30m, NOW, now+5m]
  nested: [{at: now-10m}]
""",
    )
    result = load_fixtures([file], now=datetime(2026, 11, 25, 10, 0, 0, 999, tzinfo=UTC))
    (obj,) = [o for o in result.objects if o["kind"] == "ConfigMap"]
    assert obj["metadata"]["creationTimestamp"] == "2026-11-23T10:00:00Z"
    data = obj["data"]
    assert data["now"] == "2026-11-25T10:00:00Z"
    assert data["seconds"] == "2026-11-25T09:58:30Z"
    assert data["mixed"] == "2026-11-25T08:30:00Z"
    assert data["days"] == "2026-11-23T10:00:00Z"
    assert data["everything"] == "2026-11-24T07:56:56Z"
    # YAML timestamps stay strings, as in Kubernetes' JSON.
    assert data["absolute"] == "2026-01-02T03:04:05Z"
    assert data["date"] == "2026-01-02"
    assert data["notTimes"] == [
        "now-",
        "now-5",
        "now-5x",
        "nowhere",
        " now",
        "now-1h 30m",
        "NOW",
        "now+5m",
    ]
    assert data["nested"] == [{"at": "2026-11-25T09:50:00Z"}]


def test_now_is_taken_as_utc(tmp_path: Path) -> None:
    file = write(tmp_path / "a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    naive = load_fixtures([file], now=datetime(2026, 11, 25, 10, 0, 0))
    assert naive.objects[0]["metadata"]["creationTimestamp"] == "2026-11-25T10:00:00Z"
    plus_two = timezone(timedelta(hours=2))
    aware = load_fixtures([file], now=datetime(2026, 11, 25, 12, 0, 0, tzinfo=plus_two))
    assert aware.objects[0]["metadata"]["creationTimestamp"] == "2026-11-25T10:00:00Z"


def test_missing_creation_timestamp_defaults_to_now_and_given_ones_are_kept(
    tmp_path: Path,
) -> None:
    file = write(
        tmp_path / "a.yaml",
        """\
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, creationTimestamp: "2020-05-06T07:08:09Z"}
""",
    )
    result = load_fixtures([file], now=NOW)
    stamps = {o["metadata"]["name"]: o["metadata"]["creationTimestamp"] for o in result.objects}
    assert stamps == {"a": "2026-11-25T10:00:00Z", "b": "2020-05-06T07:08:09Z"}


def test_later_documents_replace_earlier_ones(tmp_path: Path) -> None:
    defaults = tmp_path / "defaults"
    defaults.mkdir()
    write(
        defaults / "b.yaml",
        POD
        + """\
sandbox:
  logs: {app: "from b"}
  usage: {app: {cpu: 1m, memory: 1Mi}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: ns}
data: {source: b, onlyInB: "yes"}
---
apiVersion: sandbox.ols.dev/v1
kind: User
metadata: {name: alice}
spec: {groups: [old]}
""",
    )
    # a.yaml sorts first, so b.yaml overrides it within the directory.
    write(
        defaults / "a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\ndata: {source: a}\n",
    )
    override = write(
        tmp_path / "override.yaml",
        POD
        + """\
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: other}
data: {source: override}
---
apiVersion: sandbox.ols.dev/v1
kind: User
metadata: {name: alice}
spec: {username: alice@example.com}
""",
    )
    base = load_fixtures([defaults], now=NOW)
    assert [o["data"] for o in base.objects if o["kind"] == "ConfigMap"] == [
        {"source": "b", "onlyInB": "yes"}
    ]
    assert base.pod_logs == {("ns", "p", "app"): "from b"}

    result = load_fixtures([defaults, override], now=NOW)
    configmaps = {
        o["metadata"]["namespace"]: o["data"] for o in result.objects if o["kind"] == "ConfigMap"
    }
    # Same name in another namespace is another object, not an override.
    assert configmaps == {"ns": {"source": "b", "onlyInB": "yes"}, "other": {"source": "override"}}
    assert len([o for o in result.objects if o["kind"] == "Pod"]) == 1
    # The overriding pod has no sandbox extras, so the earlier ones are gone with it.
    assert result.pod_logs == {}
    assert result.pod_usage == {}
    (alice,) = result.users
    assert alice.username == "alice@example.com"
    assert alice.groups == ()


def test_directories_read_only_their_own_yaml_files_in_name_order(tmp_path: Path) -> None:
    write(tmp_path / "2.yml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: two}\n")
    write(tmp_path / "1.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: one}\n")
    write(tmp_path / "notes.txt", "not: [valid")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "0.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: sub}\n")
    result = load_fixtures([tmp_path], now=NOW)
    assert [o["metadata"]["name"] for o in result.objects] == ["one", "two"]


def test_namespaces_that_objects_use_are_created(tmp_path: Path) -> None:
    file = write(
        tmp_path / "a.yaml",
        """\
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: implicit}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: d, namespace: explicit}
---
apiVersion: v1
kind: Namespace
metadata: {name: explicit, labels: {mine: "yes"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: unused}
""",
    )
    result = load_fixtures([file], now=NOW)
    namespaces = {o["metadata"]["name"]: o for o in result.objects if o["kind"] == "Namespace"}
    assert set(namespaces) == {"implicit", "explicit", "unused"}
    assert namespaces["implicit"] == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "implicit", "creationTimestamp": "2026-11-25T10:00:00Z"},
        "status": {"phase": "Active"},
    }
    assert namespaces["explicit"]["metadata"]["labels"] == {"mine": "yes"}


def test_list_documents_contribute_their_items(tmp_path: Path) -> None:
    file = write(
        tmp_path / "a.yaml",
        """\
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: one, namespace: ns}}
- apiVersion: v1
  kind: Pod
  metadata: {name: p, namespace: ns}
  spec: {containers: [{name: app, image: nginx}]}
  sandbox: {logs: {app: "hello\\n"}}
- {apiVersion: sandbox.ols.dev/v1, kind: User, metadata: {name: carol}}
---
apiVersion: v1
kind: List
items: []
""",
    )
    result = load_fixtures([file], now=NOW)
    assert {o["metadata"]["name"] for o in result.objects} == {"one", "p", "ns"}
    assert not any(o["kind"] == "List" for o in result.objects)
    assert result.pod_logs == {("ns", "p", "app"): "hello\n"}
    assert [u.name for u in result.users] == ["carol"]


def test_users_get_defaults(tmp_path: Path) -> None:
    file = write(
        tmp_path / "users.yaml",
        """\
apiVersion: sandbox.ols.dev/v1
kind: User
metadata: {name: dave}
---
apiVersion: sandbox.ols.dev/v1
kind: User
metadata: {name: erin}
spec:
  username: erin@example.com
  uid: fixed-uid
  groups: [team-x, team-y]
  token: erin-token
---
apiVersion: sandbox.ols.dev/v1
kind: User
metadata: {name: frank}
spec: {username: "system:serviceaccount:ns:frank"}
""",
    )
    dave, erin, frank = load_fixtures([file], now=NOW).users
    assert dave == SandboxUser(
        name="dave",
        username="dave",
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, "ols-sandbox:dave")),
        groups=(),
        token=None,
    )
    assert erin == SandboxUser(
        "erin", "erin@example.com", "fixed-uid", ("team-x", "team-y"), "erin-token"
    )
    # The default uid follows the Kubernetes username, not the handle.
    assert frank.uid == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "ols-sandbox:system:serviceaccount:ns:frank")
    )


def test_sandbox_extras_are_collected_and_removed(tmp_path: Path) -> None:
    file = write(
        tmp_path / "a.yaml",
        POD
        + """\
sandbox:
  logs: {app: "current\\n", init: "init done\\n"}
  previousLogs: {app: "before the crash\\n"}
  usage: {app: {cpu: 5m, memory: 10Mi}}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
sandbox:
  usage: {cpu: 2, memory: 3Gi}
  logs: {kubelet: "kubelet log\\n", containerd: "containerd log\\n"}
""",
    )
    result = load_fixtures([file], now=NOW)
    assert all("sandbox" not in o for o in result.objects)
    assert result.pod_logs == {("ns", "p", "app"): "current\n", ("ns", "p", "init"): "init done\n"}
    assert result.previous_logs == {("ns", "p", "app"): "before the crash\n"}
    assert result.pod_usage == {("ns", "p"): {"app": {"cpu": "5m", "memory": "10Mi"}}}
    assert result.node_usage == {"n1": {"cpu": "2", "memory": "3Gi"}}
    assert result.node_logs == {
        ("n1", "kubelet"): "kubelet log\n",
        ("n1", "containerd"): "containerd log\n",
    }


VALID = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: ns}\n---\n"

ERROR_CASES: list[tuple[str, str, list[str]]] = [
    (
        "missing apiVersion",
        VALID + "kind: Pod\nmetadata: {name: x}\n",
        ["document 2", "apiVersion"],
    ),
    ("missing kind", VALID + "apiVersion: v1\nmetadata: {name: x}\n", ["document 2", "kind"]),
    (
        "missing name",
        VALID + "apiVersion: v1\nkind: Pod\nmetadata: {namespace: x}\n",
        ["document 2", "metadata.name"],
    ),
    (
        "name not a string",
        VALID + "apiVersion: v1\nkind: Pod\nmetadata: {name: 12}\n",
        ["document 2", "metadata.name"],
    ),
    (
        "metadata not a mapping",
        VALID + "apiVersion: v1\nkind: Pod\nmetadata: x\n",
        ["document 2", "metadata"],
    ),
    ("document not a mapping", VALID + "- a\n- b\n", ["document 2", "not a mapping"]),
    ("empty documents count", "---\n---\nkind: Pod\n", ["document 2", "apiVersion"]),
    (
        "namespace not a string",
        VALID + "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: [a]}\n",
        ["document 2", "metadata.namespace"],
    ),
    (
        "sandbox on another kind",
        VALID
        + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n"
        + "sandbox: {logs: {}}\n",
        ["document 2", "ConfigMap ns/c", "sandbox"],
    ),
    (
        "sandbox on a non-core Pod",
        VALID
        + "apiVersion: example.com/v1\nkind: Pod\nmetadata: {name: c, namespace: ns}\n"
        + "sandbox: {}\n",
        ["document 2", "sandbox"],
    ),
    (
        "unknown pod extra",
        VALID + POD + "sandbox: {log: {app: x}}\n",
        ["document 2", "Pod ns/p", "log"],
    ),
    (
        "unknown node extra",
        VALID + "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nsandbox: {previousLogs: {}}\n",
        ["document 2", "Node n", "previousLogs"],
    ),
    (
        "unknown container in logs",
        VALID + POD + "sandbox: {logs: {sidecar: x}}\n",
        ["document 2", "sandbox.logs", "'sidecar'", "app"],
    ),
    (
        "unknown container in previousLogs",
        VALID + POD + "sandbox: {previousLogs: {web: x}}\n",
        ["document 2", "sandbox.previousLogs", "'web'"],
    ),
    (
        "unknown container in usage",
        VALID + POD + "sandbox: {usage: {web: {cpu: 1m, memory: 1Mi}}}\n",
        ["document 2", "sandbox.usage", "'web'"],
    ),
    (
        "log not text",
        VALID + POD + "sandbox: {logs: {app: [a]}}\n",
        ["document 2", "sandbox.logs.app"],
    ),
    (
        "usage not a quantity",
        VALID + POD + "sandbox: {usage: {app: {cpu: 1m, memory: 64MB}}}\n",
        ["document 2", "memory", "64MB"],
    ),
    (
        "usage missing memory",
        VALID + "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nsandbox: {usage: {cpu: 1}}\n",
        ["document 2", "memory"],
    ),
    (
        "pod extras without namespace",
        VALID + "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n"
        "sandbox: {logs: {a: x}}\n",
        ["document 2", "metadata.namespace"],
    ),
    (
        "YAML syntax error",
        VALID + "apiVersion: v1\nkind: [Pod\n",
        ["document 2", "line 7", "invalid YAML"],
    ),
    (
        "bad indentation",
        "apiVersion: v1\nkind: Pod\n  metadata: {name: x}\n",
        ["document 1", "line 3", "invalid YAML"],
    ),
    (
        "duplicate key",
        VALID + "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nkind: Service\n",
        ["document 2", "line 8", "duplicate key 'kind'", "only one"],
    ),
    (
        "non-string key",
        VALID + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {1: a}\n",
        ["document 2", "data", "key 1"],
    ),
    (
        "List items not a list",
        VALID + "apiVersion: v1\nkind: List\nitems: {a: b}\n",
        ["document 2", "items"],
    ),
    (
        "bad List item",
        VALID
        + "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: x}}\n"
        "- {apiVersion: v1, kind: Pod}\n",
        ["document 2, List item 2", "metadata"],
    ),
    (
        "unknown sandbox kind",
        VALID + "apiVersion: sandbox.ols.dev/v1\nkind: Users\nmetadata: {name: a}\n",
        ["document 2", "Users"],
    ),
    (
        "unknown user field",
        VALID
        + "apiVersion: sandbox.ols.dev/v1\nkind: User\nmetadata: {name: a}\nspec: {group: [x]}\n",
        ["document 2", "User a", "group"],
    ),
    (
        "groups not a list",
        VALID
        + "apiVersion: sandbox.ols.dev/v1\nkind: User\nmetadata: {name: a}\nspec: {groups: x}\n",
        ["document 2", "spec.groups"],
    ),
    (
        "token not a string",
        VALID
        + "apiVersion: sandbox.ols.dev/v1\nkind: User\nmetadata: {name: a}\nspec: {token: 123}\n",
        ["document 2", "spec.token"],
    ),
    (
        "handle unusable in a file name",
        VALID + "apiVersion: sandbox.ols.dev/v1\nkind: User\nmetadata: {name: ../x}\n",
        ["document 2", "handle"],
    ),
    (
        "sandbox key on a user",
        VALID + "apiVersion: sandbox.ols.dev/v1\nkind: User\nmetadata: {name: a}\nsandbox: {}\n",
        ["document 2", "sandbox"],
    ),
    (
        "shared token",
        "apiVersion: sandbox.ols.dev/v1\nkind: User\nmetadata: {name: a}\nspec: {token: t}\n---\n"
        "apiVersion: sandbox.ols.dev/v1\nkind: User\nmetadata: {name: b}\nspec: {token: t}\n",
        ["document 2", "User b", "User a"],
    ),
    (
        "relative time too old",
        VALID
        + "apiVersion: v1\nkind: Pod\nmetadata: {name: x, creationTimestamp: now-99999999d}\n",
        ["document 2", "metadata.creationTimestamp"],
    ),
]


@pytest.mark.parametrize(
    ("content", "expected"),
    [pytest.param(content, expected, id=case) for case, content, expected in ERROR_CASES],
)
def test_fixture_errors_name_the_file_and_document(
    tmp_path: Path, content: str, expected: list[str]
) -> None:
    file = write(tmp_path / "broken.yaml", content)
    with pytest.raises(FixtureError) as caught:
        load_fixtures([file], now=NOW)
    message = str(caught.value)
    assert message.startswith(f"{file}: "), message
    for fragment in expected:
        assert fragment in message, (fragment, message)
    assert "Fix:" in message


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(FixtureError, match=re.escape(f"{missing}: no such file or directory")):
        load_fixtures([BOOTSTRAP_DIR, missing], now=NOW)


def test_fixture_error_is_a_value_error() -> None:
    assert issubclass(FixtureError, ValueError)


def test_a_broken_file_after_good_ones_is_named(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", VALID)
    write(tmp_path / "b.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {}\n")
    with pytest.raises(FixtureError, match=re.escape(f"{tmp_path / 'b.yaml'}: document 1")):
        load_fixtures([tmp_path], now=NOW)
