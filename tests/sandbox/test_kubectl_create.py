"""`kubectl create <kind>`: typed client-go clients POST protobuf bodies, which must round-trip.

Each test creates objects in team-b under unique names, reads them back as JSON to check
that the fields kubectl put in the protobuf body arrived, and deletes them again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import SandboxHandle

NAMESPACE = "team-b"

Create = Callable[..., dict[str, Any]]


@pytest.fixture
def create(sandbox: SandboxHandle) -> Iterator[Create]:
    """`create(resource, name, *flags)`: kubectl create as admin, then the object as JSON.

    Everything created is deleted when the test ends, last first.
    """
    made: list[tuple[str, str]] = []

    def run(resource: str, name: str, *flags: str) -> dict[str, Any]:
        kind = resource.split()[0]
        result = sandbox.kubectl(
            "admin", "create", *resource.split(), name, "-n", NAMESPACE, *flags
        )
        assert result.returncode == 0, result.stderr
        assert "created" in result.stdout, result.stdout
        made.append((kind, name))
        got = sandbox.kubectl("admin", "get", kind, name, "-n", NAMESPACE, "-o", "json")
        assert got.returncode == 0, got.stderr
        obj: dict[str, Any] = json.loads(got.stdout)
        assert obj["metadata"]["name"] == name
        assert obj["metadata"]["namespace"] == NAMESPACE
        return obj

    yield run
    for kind, name in reversed(made):
        deleted = sandbox.kubectl("admin", "delete", kind, name, "-n", NAMESPACE)
        assert deleted.returncode == 0, deleted.stderr


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_create_configmap(create: Create) -> None:
    obj = create("configmap", unique("pb-cm"), "--from-literal=a=b", "--from-literal=empty=")
    assert obj["kind"] == "ConfigMap"
    assert obj["data"] == {"a": "b", "empty": ""}


def test_create_secret_generic(create: Create) -> None:
    obj = create(
        "secret generic", unique("pb-secret"), "--from-literal=p=q", "--type=example.com/custom"
    )
    assert obj["kind"] == "Secret"
    assert obj["data"] == {"p": "cQ=="}  # base64 of "q", as the JSON form has it
    assert obj["type"] == "example.com/custom"


def test_create_deployment(create: Create) -> None:
    name = unique("pb-deploy")
    obj = create(
        "deployment", name, "--image=nginx", "--replicas=2", "--port=80", "--", "sleep", "3600"
    )
    spec = obj["spec"]
    assert spec["replicas"] == 2
    assert spec["selector"] == {"matchLabels": {"app": name}}
    assert spec["template"]["metadata"]["labels"] == {"app": name}
    (container,) = spec["template"]["spec"]["containers"]
    assert container["name"] == "nginx"
    assert container["image"] == "nginx"
    assert container["command"] == ["sleep", "3600"]
    assert container["ports"] == [{"containerPort": 80}]


def test_create_deployment_with_zero_replicas(create: Create) -> None:
    obj = create("deployment", unique("pb-deploy0"), "--image=nginx", "--replicas=0")
    assert obj["spec"]["replicas"] == 0


def test_create_service_clusterip(create: Create) -> None:
    name = unique("pb-svc")
    obj = create("service clusterip", name, "--tcp=80:8080,81:http")
    spec = obj["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["selector"] == {"app": name}
    assert spec["ports"] == [
        {"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080},
        {"name": "81-http", "port": 81, "protocol": "TCP", "targetPort": "http"},
    ]


def test_create_serviceaccount(create: Create) -> None:
    obj = create("serviceaccount", unique("pb-sa"))
    assert obj["kind"] == "ServiceAccount"


def test_create_job(create: Create) -> None:
    name = unique("pb-job")
    obj = create("job", name, "--image=busybox", "--", "echo", "hi")
    pod_spec = obj["spec"]["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Never"
    assert pod_spec["containers"] == [{"name": name, "image": "busybox", "command": ["echo", "hi"]}]


def test_create_role_and_rolebinding_grant_access(sandbox: SandboxHandle, create: Create) -> None:
    def alice_may_list_configmaps() -> bool:
        result = sandbox.kubectl("alice", "auth", "can-i", "list", "configmaps", "-n", NAMESPACE)
        return result.stdout.strip() == "yes"

    assert not alice_may_list_configmaps()
    role_name = unique("pb-role")
    role = create("role", role_name, "--verb=get", "--verb=list", "--resource=configmaps")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}
    ]
    binding = create(
        "rolebinding",
        unique("pb-rb"),
        f"--role={role_name}",
        "--user=alice",
        "--serviceaccount=team-b:builder",
    )
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role_name,
    }
    assert binding["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"},
        {"kind": "ServiceAccount", "name": "builder", "namespace": "team-b"},
    ]
    # The sandbox authorizes from stored RBAC objects: the binding takes effect.
    assert alice_may_list_configmaps()
