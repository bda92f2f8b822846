"""The deployment: `kubectl kustomize deploy/base` and `deploy/openshift` validate against
the Kubernetes schemas (offline, kubernetes-validate), and the manifests keep the promises
docs/deploy.md makes: the MCP server has no identity and only ols reaches it, the service
account may only review tokens, the database URL comes from a Secret, probes, requests and
non-root everywhere. The Containerfile copies what exists and pins what the Makefile pins.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from typer.testing import CliRunner

from ols.cli import app
from ols.config import OlsConfig
from ols.tools.settings import USER_TOKEN_PLACEHOLDER

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ["base", "openshift"]
# The oldest Kubernetes docs/deploy.md supports, and the newest schemas the validator ships.
KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]
# Kinds the Kubernetes schemas do not cover, checked by hand below.
OPENSHIFT_KINDS = {"Route"}
ALL_INTERFACES = "0.0.0.0"  # noqa: S104  # in a pod, behind a Service (and a NetworkPolicy)
MCP_LABELS = {"app.kubernetes.io/name": "kubernetes-mcp-server"}
OLS_LABELS = {"app.kubernetes.io/name": "ols"}


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "deploy" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize deploy/{overlay}:\n{result.stderr}"
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


def one(overlay: str, kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in rendered(overlay) if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def pod_spec(overlay: str, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = one(overlay, "Deployment", name)["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_manifests_validate_against_the_kubernetes_schemas(overlay: str, version: str) -> None:
    checked = 0
    for document in rendered(overlay):
        if document["kind"] in OPENSHIFT_KINDS:
            continue
        # strict: unknown fields are errors too
        kubernetes_validate.validate(document, version, strict=True)
        checked += 1
    assert checked >= 12


def test_the_openshift_overlay_adds_a_tls_route_to_the_service() -> None:
    route = one("openshift", "Route", "ols")
    assert route["apiVersion"] == "route.openshift.io/v1"
    assert route["spec"]["to"] == {"kind": "Service", "name": "ols"}
    assert route["spec"]["port"]["targetPort"] == "http"
    assert route["spec"]["tls"]["termination"] == "edge"
    assert route["metadata"]["namespace"] == "ols"
    base = {(d["kind"], d["metadata"]["name"]) for d in rendered("base")}
    overlay = {(d["kind"], d["metadata"]["name"]) for d in rendered("openshift")}
    assert overlay - base == {("Route", "ols")}


def test_the_mcp_server_config_is_what_ols_mcp_server_config_prints() -> None:
    config = one("base", "ConfigMap", "kubernetes-mcp-server")["data"]
    kubeconfig_path = "/etc/kubernetes-mcp-server/kubeconfig"
    printed = CliRunner().invoke(
        app,
        [
            "mcp-server",
            "config",
            "--mode",
            "http",
            "--port",
            "8080",
            "--bind-address",
            ALL_INTERFACES,
            "--kubeconfig",
            kubeconfig_path,
        ],
    )
    assert printed.exit_code == 0, printed.output
    expected = printed.stdout
    assert config["config.toml"] == expected
    assert "require_oauth = true" in expected and 'toolsets = ["core"]' in expected
    container = pod_spec("base", "kubernetes-mcp-server")["containers"][0]
    assert container["command"] == [
        "kubernetes-mcp-server",
        "--config",
        "/etc/kubernetes-mcp-server/config.toml",
    ]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["config"] == str(Path(kubeconfig_path).parent)


def test_the_mcp_server_has_no_credentials_of_its_own() -> None:
    spec = pod_spec("base", "kubernetes-mcp-server")
    assert spec["automountServiceAccountToken"] is False
    account = one("base", "ServiceAccount", spec["serviceAccountName"])
    assert account["automountServiceAccountToken"] is False
    bound = [
        s
        for d in rendered("base")
        if d["kind"] in ("RoleBinding", "ClusterRoleBinding")
        for s in d.get("subjects", [])
        if s["name"] == spec["serviceAccountName"]
    ]
    assert bound == []
    for container in spec["containers"]:
        assert "env" not in container and "envFrom" not in container
    assert not [v for v in spec["volumes"] if "secret" in v or "projected" in v]
    kubeconfig = yaml.safe_load(
        one("base", "ConfigMap", "kubernetes-mcp-server")["data"]["kubeconfig"]
    )
    assert [u["user"] for u in kubeconfig["users"]] == [{}]
    (cluster,) = kubeconfig["clusters"]
    assert cluster["cluster"]["server"].startswith("https://")
    ca_mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "cluster-ca")
    assert cluster["cluster"]["certificate-authority"].startswith(ca_mount["mountPath"] + "/")


def test_only_the_service_reaches_the_mcp_server() -> None:
    policy = one("base", "NetworkPolicy", "kubernetes-mcp-server")["spec"]
    mcp_pods = one("base", "Deployment", "kubernetes-mcp-server")["spec"]["template"]
    ols_pods = one("base", "Deployment", "ols")["spec"]["template"]
    assert policy["podSelector"]["matchLabels"] == MCP_LABELS
    assert MCP_LABELS.items() <= mcp_pods["metadata"]["labels"].items()
    assert "Ingress" in policy["policyTypes"]
    (rule,) = policy["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": OLS_LABELS}}]
    assert OLS_LABELS.items() <= ols_pods["metadata"]["labels"].items()
    assert not MCP_LABELS.items() <= ols_pods["metadata"]["labels"].items()
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    service = one("base", "Service", "kubernetes-mcp-server")["spec"]
    assert service["selector"] == MCP_LABELS
    # A session opened on one MCP pod is unknown to the others.
    assert service["sessionAffinity"] == "ClientIP"


def test_the_service_account_may_only_review_tokens() -> None:
    spec = pod_spec("base", "ols")
    account = spec["serviceAccountName"]
    roles = [
        (d["roleRef"]["kind"], d["roleRef"]["name"])
        for d in rendered("base")
        if d["kind"] in ("RoleBinding", "ClusterRoleBinding")
        for s in d["subjects"]
        if s["kind"] == "ServiceAccount" and s["name"] == account
    ]
    assert roles == [("ClusterRole", "ols-token-reviewer")]
    rules = one("base", "ClusterRole", "ols-token-reviewer")["rules"]
    granted = sorted(
        (group, resource, verb)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    )
    assert granted == [
        ("authentication.k8s.io", "tokenreviews", "create"),
        ("authorization.k8s.io", "subjectaccessreviews", "create"),
    ]


def test_the_service_is_configured_for_the_cluster_the_mcp_server_and_a_secret_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = one("base", "ConfigMap", "ols-config")["data"]["ols.yaml"]
    assert "postgresql" not in text and "password" not in text.lower()
    config = OlsConfig.model_validate(yaml.safe_load(text))
    (server,) = config.mcp_servers
    mcp_service = one("base", "Service", "kubernetes-mcp-server")
    assert server.transport == "streamable_http"
    assert str(server.url) == (
        f"http://{mcp_service['metadata']['name']}:{mcp_service['spec']['ports'][0]['port']}/mcp"
    )
    assert server.headers == {"Authorization": USER_TOKEN_PLACEHOLDER}
    assert config.auth.module == "k8s"
    assert config.service.host == ALL_INTERFACES and config.service.port == 8080

    container = pod_spec("base", "ols")["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["OLS_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "ols-database",
        "key": "url",
    }
    assert all("value" not in e for e in env.values())  # every secret from a Secret
    assert container["args"] == ["serve", "--config", "/etc/ols/ols.yaml"]
    assert one("base", "Deployment", "ols")["spec"]["replicas"] >= 2


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_probes_requests_and_runs_as_non_root(overlay: str) -> None:
    deployments = [d for d in rendered(overlay) if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {"ols", "kubernetes-mcp-server"}
    for deployment in deployments:
        spec = deployment["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert "runAsUser" not in spec["securityContext"]  # OpenShift assigns one
        for container in spec["containers"]:
            assert container["readinessProbe"]["httpGet"]["path"]
            assert container["livenessProbe"]["httpGet"]["path"]
            assert set(container["resources"]["requests"]) == {"cpu", "memory"}
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert "runAsUser" not in security
    ols = pod_spec(overlay, "ols")["containers"][0]
    assert ols["readinessProbe"]["httpGet"]["path"] == "/readiness"
    assert ols["livenessProbe"]["httpGet"]["path"] == "/liveness"


def _makefile_value(name: str) -> str:
    match = re.search(rf"^{name} := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, name
    return match.group(1)


def test_the_containerfile_copies_what_exists_and_pins_what_the_makefile_pins() -> None:
    text = (ROOT / "Containerfile").read_text()
    for line in text.splitlines():
        if line.startswith("COPY") and "--from=" not in line:
            *sources, _ = line.split()[1:]
            for source in sources:
                assert (ROOT / source).exists(), f"the Containerfile copies {source}"
    assert f"ARG UV_VERSION={_makefile_value('UV_VERSION')}" in text
    assert f"ARG KMCP_VERSION={_makefile_value('KMCP_VERSION')}" in text
    assert f"ARG KMCP_SHA256_amd64={_makefile_value('KMCP_SHA256_amd64')}" in text
    assert "uv sync --locked --no-dev" in text
    (user,) = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert user.isdigit() and user != "0"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv/", ".tools/", ".state/"} <= set(ignored)
