"""The real kubectl against the sandbox, as each user: it must behave as on a real cluster."""

from __future__ import annotations

import json

from tests.conftest import SandboxHandle


def test_admin_lists_pods_in_all_namespaces(sandbox: SandboxHandle) -> None:
    result = sandbox.kubectl("admin", "get", "pods", "-A")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split()[:4] == ["NAMESPACE", "NAME", "READY", "STATUS"]
    namespaces = {row.split()[0] for row in rows}
    assert {"team-a", "team-b"} <= namespaces
    statuses = {row.split()[3] for row in rows}
    assert {"Running", "CrashLoopBackOff", "ImagePullBackOff", "Pending"} <= statuses


def test_alice_reads_team_a_pods_and_logs(sandbox: SandboxHandle) -> None:
    pods = sandbox.kubectl("alice", "get", "pods", "-n", "team-a", "-o", "json")
    assert pods.returncode == 0, pods.stderr
    names = [p["metadata"]["name"] for p in json.loads(pods.stdout)["items"]]
    crashing = next(n for n in names if n.startswith("api-"))
    logs = sandbox.kubectl("alice", "logs", "-n", "team-a", crashing, "--previous")
    assert logs.returncode == 0, logs.stderr
    assert "DATABASE_URL" in logs.stdout


def test_alice_is_forbidden_secrets_and_team_b(sandbox: SandboxHandle) -> None:
    secrets = sandbox.kubectl("alice", "get", "secrets", "-n", "team-a")
    assert secrets.returncode == 1
    assert (
        'Error from server (Forbidden): secrets is forbidden: User "alice" cannot list '
        'resource "secrets" in API group "" in the namespace "team-a"'
    ) in secrets.stderr
    other = sandbox.kubectl("alice", "get", "pods", "-n", "team-b")
    assert other.returncode == 1
    assert 'cannot list resource "pods" in API group "" in the namespace "team-b"' in other.stderr


def test_bob_sees_team_b_only(sandbox: SandboxHandle) -> None:
    own = sandbox.kubectl("bob", "get", "pods", "-n", "team-b", "-o", "name")
    assert own.returncode == 0, own.stderr
    assert "pod/analytics-0" in own.stdout.split()
    for namespace in ("team-a", "default"):
        other = sandbox.kubectl("bob", "get", "pods", "-n", namespace)
        assert other.returncode == 1
        assert "Forbidden" in other.stderr
    everywhere = sandbox.kubectl("bob", "get", "pods", "-A")
    assert everywhere.returncode == 1
    assert "at the cluster scope" in everywhere.stderr


def test_auth_can_i_answers_per_user(sandbox: SandboxHandle) -> None:
    cases = [
        ("alice", ["get", "pods", "-n", "team-a"], 0),
        ("alice", ["get", "secrets", "-n", "team-a"], 1),
        ("alice", ["patch", "deployments/scale", "-n", "team-a"], 0),
        ("alice", ["get", "pods", "-n", "team-b"], 1),
        ("bob", ["list", "pods", "-n", "team-b"], 0),
        ("bob", ["delete", "pods", "-n", "team-b"], 1),
        ("admin", ["delete", "nodes"], 0),
    ]
    for user, args, expected in cases:
        result = sandbox.kubectl(user, "auth", "can-i", *args)
        assert result.returncode == expected, (user, args, result.stdout, result.stderr)
        assert result.stdout.strip() == ("yes" if expected == 0 else "no")


def test_auth_can_i_list(sandbox: SandboxHandle) -> None:
    result = sandbox.kubectl("bob", "auth", "can-i", "--list", "-n", "team-b")
    assert result.returncode == 0, result.stderr
    assert "pods/log" in result.stdout
    assert "secrets" not in result.stdout


def test_auth_whoami(sandbox: SandboxHandle) -> None:
    result = sandbox.kubectl("alice", "auth", "whoami", "-o", "json")
    assert result.returncode == 0, result.stderr
    user = json.loads(result.stdout)["status"]["userInfo"]
    assert user["username"] == "alice"
    assert "system:authenticated" in user["groups"]


def test_alice_scales_a_deployment(sandbox: SandboxHandle) -> None:
    result = sandbox.kubectl("alice", "scale", "deployment/web", "-n", "team-a", "--replicas=4")
    assert result.returncode == 0, result.stderr
    assert "scaled" in result.stdout
    spec = sandbox.kubectl("alice", "get", "deployment", "web", "-n", "team-a", "-o", "json")
    assert json.loads(spec.stdout)["spec"]["replicas"] == 4
    back = sandbox.kubectl("alice", "scale", "deployment/web", "-n", "team-a", "--replicas=3")
    assert back.returncode == 0, back.stderr


def test_bob_cannot_scale(sandbox: SandboxHandle) -> None:
    result = sandbox.kubectl("bob", "scale", "deployment/search", "-n", "team-b", "--replicas=2")
    assert result.returncode == 1
    assert 'cannot patch resource "deployments" with subresource "scale"' in result.stderr


def test_apply_then_delete(sandbox: SandboxHandle, tmp_path_factory: object) -> None:
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "kubectl-made", "namespace": "team-a", "labels": {"app": "made"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "made"}},
            "template": {
                "metadata": {"labels": {"app": "made"}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
            },
        },
    }
    path = sandbox.state_dir / "kubectl-made.json"
    path.write_text(json.dumps(manifest))
    created = sandbox.kubectl("alice", "apply", "--validate=false", "-f", str(path))
    assert created.returncode == 0, created.stderr
    assert "deployment.apps/kubectl-made created" in created.stdout
    manifest["spec"]["replicas"] = 2
    path.write_text(json.dumps(manifest))
    configured = sandbox.kubectl("alice", "apply", "--validate=false", "-f", str(path))
    assert configured.returncode == 0, configured.stderr
    assert "configured" in configured.stdout
    got = sandbox.kubectl("alice", "get", "deploy", "kubectl-made", "-n", "team-a", "-o", "json")
    assert json.loads(got.stdout)["spec"]["replicas"] == 2
    deleted = sandbox.kubectl("alice", "delete", "deployment", "kubectl-made", "-n", "team-a")
    assert deleted.returncode == 0, deleted.stderr
    assert 'deployment.apps "kubectl-made" deleted' in deleted.stdout
    gone = sandbox.kubectl("alice", "get", "deployment", "kubectl-made", "-n", "team-a")
    assert gone.returncode == 1
    assert 'deployments.apps "kubectl-made" not found' in gone.stderr


def test_server_side_apply(sandbox: SandboxHandle) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ssa-made", "namespace": "team-b"},
        "data": {"a": "1"},
    }
    path = sandbox.state_dir / "ssa-made.json"
    path.write_text(json.dumps(manifest))
    result = sandbox.kubectl("admin", "apply", "--server-side", "--validate=false", "-f", str(path))
    assert result.returncode == 0, result.stderr
    assert "serverside-applied" in result.stdout
    got = sandbox.kubectl("admin", "get", "cm", "ssa-made", "-n", "team-b", "-o", "json")
    assert json.loads(got.stdout)["data"] == {"a": "1"}
    assert sandbox.kubectl("admin", "delete", "cm", "ssa-made", "-n", "team-b").returncode == 0


def test_create_and_delete_namespace(sandbox: SandboxHandle) -> None:
    created = sandbox.kubectl("admin", "create", "namespace", "scratch")
    assert created.returncode == 0, created.stderr
    pod = sandbox.kubectl(
        "admin", "run", "probe", "-n", "scratch", "--image=busybox:1.36", "--restart=Never"
    )
    assert pod.returncode == 0, pod.stderr
    listed = sandbox.kubectl("admin", "get", "pods", "-n", "scratch", "-o", "name")
    assert listed.stdout.split() == ["pod/probe"]
    deleted = sandbox.kubectl("admin", "delete", "namespace", "scratch")
    assert deleted.returncode == 0, deleted.stderr
    after = sandbox.kubectl("admin", "get", "pods", "-n", "scratch", "-o", "name")
    assert after.stdout.strip() == ""
    assert sandbox.kubectl("admin", "get", "namespace", "scratch").returncode == 1


def test_describe_pod_shows_events(sandbox: SandboxHandle) -> None:
    result = sandbox.kubectl("bob", "describe", "pod", "analytics-0", "-n", "team-b")
    assert result.returncode == 0, result.stderr
    assert "FailedScheduling" in result.stdout
    assert "Insufficient memory" in result.stdout


def test_unknown_token_is_unauthorized(sandbox: SandboxHandle) -> None:
    config = (
        sandbox.kubeconfig("bob")
        .read_text()
        .replace(sandbox.token("bob"), sandbox.info["invalid_token"])
    )
    path = sandbox.state_dir / "kubeconfig-invalid"
    path.write_text(config)
    path.chmod(0o600)
    result = sandbox.kubectl("invalid", "get", "pods", "-n", "team-b")
    assert result.returncode == 1
    assert "You must be logged in to the server" in result.stderr


def test_projects_are_the_namespaces_a_user_may_see(sandbox: SandboxHandle) -> None:
    result = sandbox.kubectl("bob", "get", "projects", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["project.project.openshift.io/team-b"]
