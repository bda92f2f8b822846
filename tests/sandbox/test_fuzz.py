"""Random requests never crash the sandbox: every answer is below 500, and every failure
is a Kubernetes Status. Runs against a sandbox of its own, since random DELETEs as admin
would otherwise empty the shared world."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SandboxHandle, start_sandbox, stop_sandbox

SEGMENTS = [
    "api",
    "apis",
    "v1",
    "apps",
    "namespaces",
    "team-a",
    "team-b",
    "default",
    "pods",
    "log",
    "status",
    "scale",
    "deployments",
    "web",
    "secrets",
    "nodes",
    "proxy",
    "exec",
    "events",
    "configmaps",
    "metrics.k8s.io",
    "v1beta1",
    "authorization.k8s.io",
    "selfsubjectaccessreviews",
    "projects",
    "project.openshift.io",
    "watch",
    "version",
    "",
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND", "TRACE"]
CONTENT_TYPES = [
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/merge-patch+json",
    "application/json-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
    "text/plain",
    "",
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "apiVersion",
                    "kind",
                    "metadata",
                    "name",
                    "spec",
                    "status",
                    "labels",
                    "replicas",
                    "namespace",
                    "op",
                    "path",
                    "value",
                    "$patch",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def fuzz_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(tmp_path_factory.mktemp("fuzz") / "state", "--no-mcp")
    yield handle
    stop_sandbox(handle)


@pytest.fixture(scope="module")
def clients(fuzz_sandbox: SandboxHandle) -> Iterator[dict[str, httpx2.Client]]:
    made = {user: fuzz_sandbox.client(user) for user in ("admin", "alice")}
    made["nobody"] = fuzz_sandbox.client()
    yield made
    for client in made.values():
        client.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    user=st.sampled_from(["admin", "alice", "nobody"]),
    method=st.sampled_from(METHODS),
    segments=st.lists(st.sampled_from(SEGMENTS) | st.text(max_size=6), max_size=7),
    query=st.dictionaries(
        st.sampled_from(
            [
                "labelSelector",
                "fieldSelector",
                "limit",
                "continue",
                "watch",
                "tailLines",
                "container",
                "previous",
                "includeObject",
                "dryRun",
                "fieldManager",
                "timeoutSeconds",
                "resourceVersion",
            ]
        ),
        st.text(max_size=12),
        max_size=3,
    ),
    content_type=st.sampled_from(CONTENT_TYPES),
    body=st.one_of(st.binary(max_size=64), JSON_VALUES.map(lambda v: repr(v).encode())),
)
def test_random_requests_get_status_answers(
    clients: dict[str, httpx2.Client],
    user: str,
    method: str,
    segments: list[str],
    query: dict[str, str],
    content_type: str,
    body: bytes,
) -> None:
    if query.get("watch"):
        query["timeoutSeconds"] = "0"
    # A leading "//" would be read as a host by the client, so the path starts with one "/".
    path = "/" + "/".join(quote(s, safe="") for s in segments).lstrip("/")
    headers = {"Content-Type": content_type} if content_type else {}
    response = clients[user].request(
        method,
        path,
        params=query,
        content=body if method != "GET" else None,
        headers=headers,
        timeout=10,
    )
    assert response.status_code < 500, (method, path, query, response.text)
    if response.status_code >= 400 and method != "HEAD":
        status = response.json()
        assert status["kind"] == "Status"
        assert status["code"] == response.status_code


@settings(max_examples=150, deadline=None)
@given(value=JSON_VALUES)
def test_random_json_objects_are_refused_cleanly(
    clients: dict[str, httpx2.Client], value: object
) -> None:
    import json

    for method, path, content_type in (
        ("POST", "/api/v1/namespaces/team-b/configmaps", "application/json"),
        ("PUT", "/api/v1/namespaces/team-b/configmaps/fuzzed", "application/json"),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/team-b/deployments/search",
            "application/strategic-merge-patch+json",
        ),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/team-b/deployments/search/scale",
            "application/merge-patch+json",
        ),
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "application/json"),
    ):
        response = clients["admin"].request(
            method, path, content=json.dumps(value), headers={"Content-Type": content_type}
        )
        assert response.status_code < 500, (method, path, value, response.text)
