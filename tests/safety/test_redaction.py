"""Redaction of tool results and questions: secret values gone, keys, structure and ordinary
values kept, on the text kubectl and kubernetes-mcp-server really print."""

from __future__ import annotations

import base64
import copy
import json
import logging
import re
import subprocess
import sys
import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ols.safety import redaction
from ols.safety.redaction import (
    MARKER_PREFIX,
    RedactionPattern,
    RedactionSettings,
    Redactor,
    SecretKind,
    marker,
)

DB_PASSWORD = "ols-sandbox-DB-PASSWORD-7f3a9c"
DB_PASSWORD_B64 = base64.b64encode(DB_PASSWORD.encode()).decode()
USERNAME_B64 = "YWRtaW4="
LOG_PASSWORD = "ols-sandbox-LOG-PASSWORD-2b8e41"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
SECRET_DATA = marker(SecretKind.SECRET_DATA)
CREDENTIAL = marker(SecretKind.CREDENTIAL)

LAST_APPLIED_SECRET = json.dumps(
    {
        "apiVersion": "v1",
        "data": {"password": DB_PASSWORD_B64, "username": USERNAME_B64},
        "kind": "Secret",
        "metadata": {"annotations": {}, "name": "db-credentials", "namespace": "team-a"},
        "type": "Opaque",
    },
    separators=(",", ":"),
)

# `kubectl get secret db-credentials -o yaml`, applied with `kubectl apply`.
SECRET_YAML = f"""\
apiVersion: v1
data:
  password: {DB_PASSWORD_B64}
  username: {USERNAME_B64}
kind: Secret
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {LAST_APPLIED_SECRET}
  creationTimestamp: "2025-11-16T09:12:44Z"
  name: db-credentials
  namespace: team-a
  resourceVersion: "48213"
  uid: 777902c1-88f6-4e64-a08e-fab6f660f57d
type: Opaque
"""

# `kubectl get secrets -o yaml`: a List whose items are Secrets.
SECRET_LIST_YAML = f"""\
apiVersion: v1
items:
- apiVersion: v1
  data:
    password: {DB_PASSWORD_B64}
    username: {USERNAME_B64}
  kind: Secret
  metadata:
    creationTimestamp: "2025-11-16T09:12:44Z"
    name: db-credentials
    namespace: team-a
    resourceVersion: "48213"
    uid: 777902c1-88f6-4e64-a08e-fab6f660f57d
  type: Opaque
- apiVersion: v1
  data:
    ca.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkekNDQVIyZ0F3SUJBZ0lCQURBS0Jn
    namespace: dGVhbS1h
  kind: ConfigMap
  metadata:
    name: kube-root-ca.crt
    namespace: team-a
kind: List
metadata:
  resourceVersion: ""
"""

# `kubectl get secret db-credentials -o json`.
SECRET_JSON = json.dumps(
    {
        "apiVersion": "v1",
        "data": {"password": DB_PASSWORD_B64, "username": USERNAME_B64},
        "kind": "Secret",
        "metadata": {
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED_SECRET + "\n"
            },
            "creationTimestamp": "2025-11-16T09:12:44Z",
            "name": "db-credentials",
            "namespace": "team-a",
            "resourceVersion": "48213",
            "uid": "777902c1-88f6-4e64-a08e-fab6f660f57d",
        },
        "type": "Opaque",
    },
    indent=4,
)

# The billing Deployment, as `kubectl get deployment billing -o yaml` (trimmed) prints it.
DEPLOYMENT_YAML = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: "1"
  name: billing
  namespace: team-a
  resourceVersion: "51877"
  uid: f6d61b2b-248d-464f-ab59-3979ba547989
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: billing
    spec:
      automountServiceAccountToken: false
      containers:
      - env:
        - name: DB_HOST
          value: pg-billing.db.example.internal
        - name: DB_PASSWORD
          value: {DB_PASSWORD}
        - name: LOG_LEVEL
          value: info
        - value: tok-93c1f0d2a7
          name: API_TOKEN
        - name: X
          valueFrom:
            secretKeyRef:
              key: password
              name: db-credentials
        image: quay.io/ols-sandbox/billing:1.12.0
        name: billing
        volumeMounts:
        - mountPath: /etc/creds
          name: creds
      volumes:
      - name: creds
        secret:
          secretName: db-credentials
"""

AUTH_PROXY_LOG = f"""\
level=info msg="auth-proxy starting" version=0.9.3 upstream=http://web.team-a.svc:80
listen=:4180
cookie_secure=true
username=web-admin
password={LOG_PASSWORD}
signing_key=
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEATyp2qbDOgBaWfTXNYfY3nOx0RzBGci8GTHEhnLcucbYNDSKp
SOjZ+8rb3xjEmil8wKKSc93Wf1V4DvFks3MTJrYUwoXtxYnH0prhdKsM8lf7bZQf
0++eJtgEdftrxGQ4sPJXiQRX3DgErBOLUSFD93GUDlvvZ4mJLqL/qmOVs5YiOtzi
-----END RSA PRIVATE KEY-----
level=info msg="listening" addr=:4180
level=debug msg="request authorized" method=GET path=/ sub=alice authorization="Bearer {JWT}"
level=info msg="proxied request" method=GET path=/ status=200 duration=3ms
"""

KUBECONFIG = """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://api.sandbox.example:6443
  name: sandbox
contexts:
- context:
    cluster: sandbox
    user: alice
  name: alice@sandbox
current-context: alice@sandbox
kind: Config
users:
- name: alice
  user:
    token: sha256~Xk2Jd8sQpLm4Nz7Rt1Vw9Yb3Cf6Gh0Ja5Kd
- name: bob
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURCVENDQWUy
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFB
- name: carol
  user:
    username: carol
    password: c4r0l-Pa55
- name: dave
  user:
    auth-provider:
      config:
        client-id: kubernetes
        client-secret: 9f8e7d6c5b4a
        id-token: dave-opaque-id-token-0c41
        refresh-token: ChlxY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6
        idp-issuer-url: https://dex.example.com
      name: oidc
"""

SECRETS_TABLE = """\
NAME                  TYPE                                  DATA   AGE
db-credentials        Opaque                                2      5d
default-token-x7k2p   kubernetes.io/service-account-token   3      9d
"""


@pytest.fixture
def redactor() -> Redactor:
    return Redactor()


def _redact(text: str) -> str:
    result = Redactor().text(text)
    assert Redactor().text(result.text).text == result.text, "redacting twice changed it"
    return result.text


# --- Secret objects -------------------------------------------------------------------------


def test_a_secret_as_kubectl_prints_it_keeps_its_keys_and_loses_its_values(
    redactor: Redactor,
) -> None:
    result = redactor.text(SECRET_YAML)
    assert DB_PASSWORD_B64 not in result.text and USERNAME_B64 not in result.text
    document = yaml.safe_load(result.text)
    assert set(document["data"]) == {"password", "username"}
    assert document["metadata"]["name"] == "db-credentials"
    assert document["metadata"]["uid"] == "777902c1-88f6-4e64-a08e-fab6f660f57d"
    assert document["metadata"]["resourceVersion"] == "48213"
    assert document["type"] == "Opaque"
    annotation = document["metadata"]["annotations"][redaction._LAST_APPLIED]
    assert annotation == [SECRET_DATA.strip("[]")]  # the bare marker reads as a YAML list
    assert result.count == 3
    assert f"  password: {SECRET_DATA}\n" in result.text


def test_every_secret_of_a_list_is_redacted_and_other_items_are_not(redactor: Redactor) -> None:
    text = redactor.text(SECRET_LIST_YAML).text
    assert DB_PASSWORD_B64 not in text and USERNAME_B64 not in text
    items = yaml.safe_load(text)["items"]
    assert set(items[0]["data"]) == {"password", "username"}
    # A ConfigMap's data is not secret data, base64 or not.
    assert items[1]["data"]["namespace"] == "dGVhbS1h"
    assert items[1]["data"]["ca.crt"].startswith("LS0tLS1CRUdJTi")


def test_a_list_printed_as_a_yaml_sequence_with_a_heading(redactor: Redactor) -> None:
    items = yaml.safe_load(SECRET_LIST_YAML)["items"]
    text = "The following resources (YAML) have been found:\n" + yaml.safe_dump(items)
    redacted = redactor.text(text).text
    assert DB_PASSWORD_B64 not in redacted and USERNAME_B64 not in redacted
    assert "dGVhbS1h" in redacted and "name: db-credentials" in redacted


def test_multi_document_yaml_redacts_only_the_secret_document(redactor: Redactor) -> None:
    configmap = "apiVersion: v1\ndata:\n  password-policy: strict\nkind: ConfigMap\n"
    text = redactor.text(configmap + "---\n" + SECRET_YAML).text
    assert DB_PASSWORD_B64 not in text
    assert "password-policy: strict" in text


def test_a_secret_as_json_stays_valid_json(redactor: Redactor) -> None:
    result = redactor.text(SECRET_JSON)
    assert DB_PASSWORD_B64 not in result.text and USERNAME_B64 not in result.text
    document = json.loads(result.text)
    assert document["data"] == {"password": SECRET_DATA, "username": SECRET_DATA}
    assert document["metadata"]["annotations"][redaction._LAST_APPLIED] == SECRET_DATA
    assert document["metadata"]["uid"] == "777902c1-88f6-4e64-a08e-fab6f660f57d"


def test_compact_json_from_the_api(redactor: Redactor) -> None:
    compact = json.dumps(json.loads(SECRET_JSON), separators=(",", ":"))
    document = json.loads(redactor.text(compact).text)
    assert document["data"] == {"password": SECRET_DATA, "username": SECRET_DATA}


def test_json_that_yaml_cannot_read_is_redacted_as_json(redactor: Redactor) -> None:
    secret = json.loads(SECRET_JSON)
    secret["metadata"]["labels"] = {"owner": "team-a \U0001f680"}
    text = json.dumps(secret, indent=2)  # the rocket as a surrogate pair: libyaml refuses it
    with pytest.raises(yaml.YAMLError):
        yaml.compose(text, Loader=redaction._YamlLoader)
    document = json.loads(redactor.text(text).text)
    assert document["data"] == {"password": SECRET_DATA, "username": SECRET_DATA}
    assert document["metadata"]["labels"] == {"owner": "team-a \U0001f680"}


def test_a_hand_written_manifest_attached_to_a_question(redactor: Redactor) -> None:
    # Flow style and a comment after the kind: only the parser sees this is a Secret.
    attachment = f"""\
{{apiVersion: v1, kind: Secret,  # rotated monthly
  metadata: {{name: db, labels: {{app: billing}}}},
  data: {{username: {USERNAME_B64}}}}}
"""
    redacted = redactor.text(attachment).text
    assert USERNAME_B64 not in redacted
    assert yaml.safe_load(redacted)["metadata"] == {"name": "db", "labels": {"app": "billing"}}


def test_a_comment_after_the_kind_of_a_cut_off_secret(redactor: Redactor) -> None:
    text = f"kind: Secret  # rotated monthly\ndata:\n  username: {USERNAME_B64}\n  note: 'cut"
    assert USERNAME_B64 not in redactor.text(text).text


def test_json_objects_inside_a_log_line_are_told_apart(redactor: Redactor) -> None:
    configmap = {"kind": "ConfigMap", "data": {"mode": "fast", "retries": "3"}}
    secret = {"data": {"password": DB_PASSWORD_B64}, "kind": "Secret", "metadata": {"name": "db"}}
    line = (
        f'I1116 09:12:44 controller.go:88] "applied" objects={json.dumps([configmap, secret])} '
        "took=12ms"
    )
    redacted = redactor.text(line).text
    assert DB_PASSWORD_B64 not in redacted
    assert '{"mode": "fast", "retries": "3"}' in redacted
    assert f'"data": {{"password": "{SECRET_DATA}"}}' in redacted
    assert redacted.endswith("took=12ms")


def test_cut_off_compact_json_is_redacted(redactor: Redactor) -> None:
    compact = json.dumps(json.loads(SECRET_JSON), separators=(",", ":"))
    cut = compact[: compact.index('"uid"') + 12]  # ends inside the uid: no brace closed
    assert cut.count("{") - cut.count("}") == 2
    redacted = redactor.text(cut).text
    assert DB_PASSWORD_B64 not in redacted and USERNAME_B64 not in redacted
    assert redacted.endswith('"uid":"77790')


def test_a_secret_list_from_the_api_whose_items_carry_no_kind(redactor: Redactor) -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "SecretList",
        "items": [{"metadata": {"name": "db-credentials"}, "data": {"dsn": DB_PASSWORD_B64}}],
    }
    compact = json.dumps(listing)
    assert compact.endswith('"}}]}')
    for text in (compact, compact[:-4], yaml.safe_dump(listing)):  # also cut off
        assert DB_PASSWORD_B64[:12] not in redactor.text(text).text


def test_string_data_and_block_scalars_are_redacted_whole(redactor: Redactor) -> None:
    text = """\
apiVersion: v1
kind: Secret
metadata:
  name: app-config
stringData:
  config.yaml: |
    user: admin
    password: hunter2x
  token: "plain-token-value"
type: Opaque
"""
    redacted = redactor.text(text).text
    assert "hunter2x" not in redacted and "user: admin" not in redacted
    assert "plain-token-value" not in redacted
    document = yaml.safe_load(redacted)
    assert document["stringData"]["token"] == SECRET_DATA
    assert document["metadata"]["name"] == "app-config"


def test_a_cut_off_secret_is_redacted_by_indentation(redactor: Redactor) -> None:
    truncated = SECRET_YAML.replace("type: Opaque\n", "type: Opaque\n") + (
        '  labels:\n    note: "cut off in the mid'
    )
    cut = truncated.replace(
        "  password: " + DB_PASSWORD_B64, "  password: " + DB_PASSWORD_B64 + "\n  extra: 'x"
    )
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(cut)  # so the fallback, not the parser, must find the data
    result = redactor.text(cut)
    assert DB_PASSWORD_B64 not in result.text and USERNAME_B64 not in result.text
    assert "  password: " + SECRET_DATA in result.text
    assert "  username: " + SECRET_DATA in result.text
    assert "name: db-credentials" in result.text


def test_a_cut_off_json_secret_is_redacted(redactor: Redactor) -> None:
    cut = SECRET_JSON[: SECRET_JSON.index('"uid"')]
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)
    redacted = redactor.text(cut).text
    assert DB_PASSWORD_B64 not in redacted and USERNAME_B64 not in redacted
    assert '"password": "' + SECRET_DATA + '"' in redacted


def test_a_secret_manifest_inside_a_configmap_value(redactor: Redactor) -> None:
    indented = "    " + SECRET_YAML.replace("\n", "\n    ").rstrip()
    text = f"apiVersion: v1\ndata:\n  secret.yaml: |\n{indented}\nkind: ConfigMap\n"
    assert yaml.safe_load(text)["kind"] == "ConfigMap"
    assert DB_PASSWORD_B64 not in redactor.text(text).text


def test_a_secret_provider_class_is_not_a_secret(redactor: Redactor) -> None:
    text = "apiVersion: v1\nkind: SecretProviderClass\ndata:\n  objects: db-password-ref\n"
    assert redactor.text(text).text == text


# --- environment variables ------------------------------------------------------------------


def test_env_values_with_secret_names_are_redacted_and_value_from_is_kept(
    redactor: Redactor,
) -> None:
    result = redactor.text(DEPLOYMENT_YAML)
    assert DB_PASSWORD not in result.text and "tok-93c1f0d2a7" not in result.text
    container = yaml.safe_load(result.text)["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["DB_HOST"]["value"] == "pg-billing.db.example.internal"
    assert env["LOG_LEVEL"]["value"] == "info"
    assert env["X"]["valueFrom"] == {"secretKeyRef": {"key": "password", "name": "db-credentials"}}
    assert container["image"] == "quay.io/ols-sandbox/billing:1.12.0"
    assert container["volumeMounts"] == [{"mountPath": "/etc/creds", "name": "creds"}]
    spec = yaml.safe_load(result.text)["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    assert spec["volumes"] == [{"name": "creds", "secret": {"secretName": "db-credentials"}}]
    assert result.count == 2
    assert f"- name: DB_PASSWORD\n          value: {CREDENTIAL}\n" in result.text


def test_env_in_flow_yaml(redactor: Redactor) -> None:
    text = (
        f"env: [{{name: DB_PASSWORD, value: {DB_PASSWORD}}}, {{name: LOG_LEVEL, value: info}}, "
        "{name: X, valueFrom: {secretKeyRef: {name: db-credentials, key: password}}}]"
    )
    redacted = redactor.text(text).text
    assert DB_PASSWORD not in redacted
    env = yaml.safe_load(redacted)["env"]
    assert env[1] == {"name": "LOG_LEVEL", "value": "info"}
    assert env[2]["valueFrom"]["secretKeyRef"] == {"name": "db-credentials", "key": "password"}


def test_env_in_json_in_either_order(redactor: Redactor) -> None:
    pod = {
        "kind": "Pod",
        "spec": {
            "containers": [
                {
                    "name": "billing",
                    "env": [
                        {"name": "DB_PASSWORD", "value": DB_PASSWORD},
                        {"value": "k-4242-api", "name": "PAYMENTS_API_KEY"},
                        {"name": "LOG_LEVEL", "value": "info"},
                        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
                    ],
                }
            ]
        },
    }
    for text in (json.dumps(pod), json.dumps(pod, indent=2)):
        redacted = redactor.text(text).text
        assert DB_PASSWORD not in redacted and "k-4242-api" not in redacted
        env = json.loads(redacted)["spec"]["containers"][0]["env"]
        assert env[0] == {"name": "DB_PASSWORD", "value": CREDENTIAL}
        assert env[2] == {"name": "LOG_LEVEL", "value": "info"}
        assert env[3] == pod["spec"]["containers"][0]["env"][3]


def test_kubectl_describe_environment(redactor: Redactor) -> None:
    text = f"""\
    Environment:
      DB_HOST:      pg-billing.db.example.internal
      DB_PASSWORD:  {DB_PASSWORD}
      API_KEY:      <set to the key 'api-key' in secret 'billing-api'>  Optional: false
Volumes:
  creds:
    Type:        Secret (a volume populated by a Secret)
    SecretName:  db-credentials
"""
    redacted = redactor.text(text).text
    assert DB_PASSWORD not in redacted
    assert "<set to the key 'api-key' in secret 'billing-api'>" in redacted
    assert "SecretName:  db-credentials" in redacted
    assert "DB_HOST:      pg-billing.db.example.internal" in redacted


def test_a_deployment_applied_with_kubectl_loses_its_last_applied_copy(redactor: Redactor) -> None:
    applied = json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "billing"},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"env": [{"name": "DB_PASSWORD", "value": DB_PASSWORD}]}]
                    }
                }
            },
        },
        separators=(",", ":"),
    )
    harmless = '{"apiVersion":"v1","kind":"ConfigMap","data":{"mode":"fast"}}'
    text = f"""\
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {applied}
  name: billing
---
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{harmless}'
  name: settings
"""
    redacted = redactor.text(text).text
    assert DB_PASSWORD not in redacted
    assert f"last-applied-configuration: {CREDENTIAL}\n  name: billing" in redacted
    assert harmless in redacted  # nothing secret in it: kept


# --- logs, config fields, tokens and keys ---------------------------------------------------


def test_auth_proxy_log(redactor: Redactor) -> None:
    result = redactor.text(AUTH_PROXY_LOG)
    text = result.text
    assert LOG_PASSWORD not in text and JWT not in text
    assert "MIIEpAIBAAKCAQEA" not in text and "BEGIN RSA PRIVATE KEY" not in text
    assert f"password={CREDENTIAL}\n" in text
    assert f'authorization="Bearer {marker(SecretKind.TOKEN)}"' in text
    assert f"signing_key=\n{marker(SecretKind.PRIVATE_KEY)}\nlevel=info" in text
    for ordinary in (
        'level=info msg="listening" addr=:4180',
        "username=web-admin",
        "cookie_secure=true",
        "upstream=http://web.team-a.svc:80",
        'msg="proxied request" method=GET path=/ status=200 duration=3ms',
    ):
        assert ordinary in text
    assert result.count == 3


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        ("passwd: s3cr3t-passwd", "s3cr3t-passwd", "passwd: "),
        ('{"user": "bob", "password": "pa55-json"}', "pa55-json", '"password": "'),
        ("client_secret=cs-0a1b2c3d&grant_type=client_credentials", "cs-0a1b2c3d", "&grant_type"),
        ("api_key=ak-77e0f1 retry=3", "ak-77e0f1", " retry=3"),
        ("token=opaque-tok-1234 user=alice", "opaque-tok-1234", "user=alice"),
        ("secret=shh-quiet-99", "shh-quiet-99", "secret="),
        ("export DB_PASSWORD='quoted pass'", "quoted pass", "DB_PASSWORD='"),
        ("spring.datasource.password=jdbc-pw-1", "jdbc-pw-1", "spring.datasource.password="),
        (
            "Authorization: Basic dXNlcjpwYXNzd29yZA==",
            "dXNlcjpwYXNzd29yZA==",
            "Authorization: Basic ",
        ),
        ("headers: Authorization=Bearer short", "short", "Authorization=Bearer "),
        ("dsn=postgres://billing:pg-Pa55@db:5432/billing", "pg-Pa55", "postgres://billing:"),
        ('msg="config" {\\"password\\":\\"escaped-pw\\"}', "escaped-pw", '\\"password\\":\\"'),
        ('password="cut off mid', "cut off mid", 'password="'),
    ],
)
def test_secret_fields_lose_their_values_and_keep_their_names(
    line: str, secret: str, kept: str
) -> None:
    redacted = _redact(line)
    assert secret not in redacted
    assert kept in redacted
    assert MARKER_PREFIX in redacted


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        (f"token: {JWT}", JWT, SecretKind.TOKEN),
        (
            "curl -H 'Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543'",
            "8f14e45fceea167a5a36dedd4bea2543",
            SecretKind.TOKEN,
        ),
        (
            "oc login --token=sha256~Xk2Jd8sQpLm4Nz7Rt1Vw9Yb3Cf6Gh0Ja5Kd",
            "Xk2Jd8sQpLm4Nz7Rt1Vw9Yb3Cf6Gh0Ja5Kd",
            SecretKind.TOKEN,
        ),
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", SecretKind.CLOUD_KEY),
        ("session ASIAY34FZKBOKMUTVV7A expires", "ASIAY34FZKBOKMUTVV7A", SecretKind.CLOUD_KEY),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            SecretKind.CREDENTIAL,
        ),
        (
            "git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            SecretKind.TOKEN,
        ),
        (
            "GITHUB_TOKEN is github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            SecretKind.TOKEN,
        ),
        (
            "posting with xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "xoxb-123456789012",
            SecretKind.TOKEN,
        ),
        (
            "DefaultEndpointsProtocol=https;AccountName=olsdata;AccountKey=Eby8vdM02xNOcqFl"
            "qUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
            "EndpointSuffix=core.windows.net",
            "Eby8vdM02xNOcqFl",
            SecretKind.CREDENTIAL,
        ),
    ],
)
def test_tokens_and_cloud_keys(text: str, secret: str, kind: SecretKind) -> None:
    redacted = _redact(text)
    assert secret not in redacted
    assert marker(kind) in redacted


def test_a_secret_uncovered_by_redacting_its_neighbour_is_redacted_too() -> None:
    # Glued output: the JSON key only stands on its own once the value before it is a marker.
    redacted = Redactor().text('api_key=k-1"password":"hunter2x"').text
    assert "hunter2x" not in redacted and "k-1" not in redacted


def test_azure_connection_string_keeps_its_other_parts() -> None:
    redacted = _redact(
        "AccountName=olsdata;AccountKey=Eby8vdM02x==;EndpointSuffix=core.windows.net"
    )
    assert (
        redacted == f"AccountName=olsdata;AccountKey={CREDENTIAL};EndpointSuffix=core.windows.net"
    )


def test_gcp_service_account_json(redactor: Redactor) -> None:
    key = {
        "type": "service_account",
        "project_id": "ols-project",
        "private_key_id": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
        "-----END PRIVATE KEY-----\n",
        "client_email": "ols@ols-project.iam.gserviceaccount.com",
    }
    document = json.loads(redactor.text(json.dumps(key, indent=2)).text)
    assert document["private_key_id"] == CREDENTIAL
    assert "MIIEvQ" not in document["private_key"]
    assert document["client_email"] == key["client_email"]
    assert document["project_id"] == "ols-project"


def test_kubeconfig_credentials(redactor: Redactor) -> None:
    text = redactor.text(KUBECONFIG).text
    config = yaml.safe_load(text)
    users = {u["name"]: u["user"] for u in config["users"]}
    assert users["alice"]["token"] == [marker(SecretKind.TOKEN).strip("[]")]
    assert (
        "LS0tLS1CRUdJTiBSU0Eg" not in text
        and "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURC" not in text
    )
    assert users["carol"]["username"] == "carol" and "c4r0l-Pa55" not in text
    provider = users["dave"]["auth-provider"]["config"]
    assert provider["client-id"] == "kubernetes"
    assert provider["idp-issuer-url"] == "https://dex.example.com"
    for secret in ("9f8e7d6c5b4a", "dave-opaque-id-token-0c41", "ChlxY2RlZmdoaWprbG1u"):
        assert secret not in text
    # The CA and the server are public and useful.
    assert config["clusters"][0]["cluster"]["server"] == "https://api.sandbox.example:6443"
    assert config["clusters"][0]["cluster"]["certificate-authority-data"].startswith("LS0t")


def test_a_private_key_cut_off_before_its_end_line(redactor: Redactor) -> None:
    text = "key follows\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpY\nRTBZfmN9"
    assert redactor.text(text).text == "key follows\n" + marker(SecretKind.PRIVATE_KEY)


# --- what stays -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        SECRETS_TABLE,
        "what is the database password?",
        "How do I rotate the token of the service account, and where is the secret stored?",
        "use a bearer token for authentication",
        "NAME READY STATUS RESTARTS AGE\nbilling-7c9d8f6b5-x2x9q 1/1 Running 0 4d\n",
        "image: quay.io/ols-sandbox/auth-proxy@sha256:9a2dcb9048e15915334a56007da951191aade0c3",
        'resourceVersion: "48213"\nuid: 777902c1-88f6-4e64-a08e-fab6f660f57d\n',
        "binaryData:\n  blob: QmluYXJ5IGRhdGEgdGhhdCBpcyBub3QgYSBzZWNyZXQgYXQgYWxs\n",
        "automountServiceAccountToken: false\nserviceAccountToken:\n  path: token\n",
        "secretKeyRef:\n  key: password\n  name: db-credentials\n",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n",
        'Warning  FailedMount  secret "db-credentials" not found',
        "password=${DB_PASSWORD} token=$(cat /var/run/token)",
    ],
)
def test_ordinary_data_is_left_alone(text: str, redactor: Redactor) -> None:
    result = redactor.text(text)
    assert result.text == text
    assert result.count == 0


# --- structured content ---------------------------------------------------------------------


def test_structured_secret_data_keeps_keys_and_the_original_is_untouched(
    redactor: Redactor,
) -> None:
    secret = json.loads(SECRET_JSON)
    before = copy.deepcopy(secret)
    redacted, count = redactor.structured({"items": [secret]})
    assert secret == before  # a copy was redacted
    item = redacted["items"][0]
    assert item["data"] == {"password": SECRET_DATA, "username": SECRET_DATA}
    assert item["metadata"]["annotations"][redaction._LAST_APPLIED] == SECRET_DATA
    assert item["metadata"]["name"] == "db-credentials"
    assert count == 3


def test_structured_env_fields_and_strings(redactor: Redactor) -> None:
    content = {
        "kind": "Pod",
        "spec": {
            "automountServiceAccountToken": False,
            "containers": [
                {
                    "env": [
                        {"name": "DB_PASSWORD", "value": DB_PASSWORD},
                        {"name": "LOG_LEVEL", "value": "info"},
                        {
                            "name": "X",
                            "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                        },
                    ]
                }
            ],
        },
        "auth": {"token": "opaque-1234-token", "username": "alice", "pin_password": 4711},
        "headers": {"Authorization": f"Bearer {JWT}"},
        "log": f"ok\npassword={LOG_PASSWORD}\n",
        "replicas": 3,
        "ready": True,
        "note": None,
    }
    redacted, count = redactor.structured(content)
    env = redacted["spec"]["containers"][0]["env"]
    assert env[0]["value"] == CREDENTIAL
    assert env[1]["value"] == "info"
    assert env[2] == content["spec"]["containers"][0]["env"][2]
    assert redacted["auth"] == {
        "token": CREDENTIAL,
        "username": "alice",
        "pin_password": CREDENTIAL,
    }
    assert JWT not in json.dumps(redacted) and LOG_PASSWORD not in json.dumps(redacted)
    assert (redacted["replicas"], redacted["ready"], redacted["note"]) == (3, True, None)
    assert redacted["spec"]["automountServiceAccountToken"] is False
    assert count == 5
    assert redactor.structured(redacted) == (redacted, 0)


def test_structured_secret_list(redactor: Redactor) -> None:
    listing = {"kind": "SecretList", "items": [{"data": {"password": DB_PASSWORD_B64}}]}
    redacted, count = redactor.structured(listing)
    assert redacted["items"][0]["data"] == {"password": SECRET_DATA}
    assert count == 1


# --- settings and user patterns -------------------------------------------------------------


def test_user_patterns_run_after_the_built_ins_on_questions_and_output() -> None:
    redactor = Redactor(
        RedactionSettings(
            extra_patterns=[
                RedactionPattern(name="ip", pattern=r"\b10\.\d+\.\d+\.\d+\b", replace_with="[IP]")
            ],
            query_filters=[
                RedactionPattern(
                    name="marker", pattern=r"\[REDACTED:credential\]", replace_with="<hidden>"
                )
            ],
        )
    )
    result = redactor.text("who is 10.244.1.27? my password=hunter2x")
    # The filter saw the built-in marker: it ran after the built-ins.
    assert result.text == "who is [IP]? my password=<hidden>"
    assert result.count == 3


def test_replace_with_may_use_group_references() -> None:
    pattern = RedactionPattern(name="order", pattern=r"order-(\d{4})\d+", replace_with=r"order-\1…")
    redactor = Redactor(RedactionSettings(query_filters=[pattern]))
    assert redactor.text("see order-12345678").text == "see order-1234…"


def test_disabled_turns_off_the_built_ins_only() -> None:
    settings = RedactionSettings(
        enabled=False, query_filters=[RedactionPattern(name="x", pattern="secret-project")]
    )
    redactor = Redactor(settings)
    result = redactor.text(f"password={LOG_PASSWORD} in secret-project")
    assert result.text == f"password={LOG_PASSWORD} in [REDACTED]"
    assert redactor.structured({"kind": "Secret", "data": {"a": "b"}}) == (
        {"kind": "Secret", "data": {"a": "b"}},
        0,
    )


def test_an_invalid_pattern_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError) as error:
        RedactionSettings.model_validate(
            {"query_filters": [{"name": "broken-ip", "pattern": r"10\.(\d+"}]}
        )
    message = str(error.value)
    assert "broken-ip" in message and "not a valid Python regular expression" in message


def test_a_pattern_matching_nothing_at_all_is_refused() -> None:
    with pytest.raises(ValidationError, match="matches the empty string"):
        RedactionPattern(name="greedy", pattern=r"\d*")


def test_a_replacement_naming_a_missing_group_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a valid replacement"):
        RedactionPattern(name="g", pattern=r"order-\d+", replace_with=r"\2")


def test_settings_forbid_unknown_keys_and_are_frozen() -> None:
    with pytest.raises(ValidationError):
        RedactionSettings.model_validate({"enable": True})
    with pytest.raises(ValidationError):
        RedactionPattern.model_validate({"name": "a", "pattern": "b", "replace": "c"})
    with pytest.raises(ValidationError):
        RedactionSettings().enabled = False


# --- robustness -----------------------------------------------------------------------------


def test_a_failure_inside_withholds_the_whole_text_and_logs_no_secret(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(text: str) -> tuple[str, int]:
        raise RuntimeError(f"boom near {text}")

    monkeypatch.setattr(redaction, "_env_values", broken)
    with caplog.at_level(logging.ERROR, logger="ols.safety.redaction"):
        result = Redactor().text(DEPLOYMENT_YAML)
    assert result.text == marker(SecretKind.WITHHELD) and result.count == 1
    assert "RuntimeError" in caplog.text and DB_PASSWORD not in caplog.text


def test_deep_nesting_does_not_crash_the_process() -> None:
    # libyaml's composer recurses in C: past ~20,000 levels it kills the process outright,
    # which no `except` can catch. Run it apart so a crash fails this test, not the session.
    script = """
from ols.safety.redaction import Redactor
for text in ["[" * 100_000 + "kind: Secret", "- " * 60_000 + "kind: Secret",
             '{"kind": "Secret", "data": ' * 30_000]:
    assert Redactor().text(text).text
print("survived")
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "survived"


def test_a_large_result_is_redacted_quickly(redactor: Redactor) -> None:
    pods = "".join(
        DEPLOYMENT_YAML.replace("name: billing", f"name: billing-{i}") + "---\n" for i in range(110)
    )
    secrets = "".join(
        SECRET_YAML.replace("db-credentials", f"db-{i}") + "---\n" for i in range(110)
    )
    logs = AUTH_PROXY_LOG * 70
    text = pods + secrets + logs
    assert len(text) > 200_000
    started = time.perf_counter()
    result = redactor.text(text)
    elapsed = time.perf_counter() - started
    assert DB_PASSWORD not in result.text and DB_PASSWORD_B64 not in result.text
    assert LOG_PASSWORD not in result.text
    assert elapsed < 2.0, f"{elapsed:.2f}s for {len(text)} characters"


FRAGMENTS = [
    "apiVersion: v1\n",
    "kind: Secret\n",
    "kind: SecretList\n",
    "kind: List\n",
    "items:\n",
    "data:\n",
    "stringData:\n",
    "  password: b2xz\n",
    "  username: YWRtaW4=\n",
    "- ",
    "  ",
    "    ",
    "metadata:\n",
    "  name: db\n",
    "---\n",
    "- name: DB_PASSWORD\n",
    "  value: xyz\n",
    "value: 'q'\n",
    "  valueFrom:\n",
    "password=hunter2 ",
    "token: ",
    "Bearer ",
    JWT,
    " ",
    "sha256~abcdefghijklmnop",
    "-----BEGIN RSA PRIVATE KEY-----\n",
    "MIIEpAIBAAKCAQEA\n",
    "-----END RSA PRIVATE KEY-----\n",
    "https://user:pw@host/",
    '"',
    "'",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "=",
    "\n",
    "|\n",
    '"password": "x"',
    '{"kind":"Secret","data":{"a":"b"}}',
    "kubectl.kubernetes.io/last-applied-configuration: ",
    "authorization=",
    "AKIA",
    "AKIAIOSFODNN7EXAMPLE",
    "\\",
    '\\"',
    "[REDACTED",
    "]",
    "#",
    "\r\n",
    "\t",
    "  - name: API_TOKEN\n",
    "    value: |\n",
    "      line\n",
    '"name": "DB_PASSWORD", ',
    '"value": "v"',
    "client-key-data: ",
    "{name: SECRET_KEY, value: x}",
    "...\n",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.sampled_from(FRAGMENTS),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["kind", "data", "name", "value", "password", "items", "x", "token"])
            | st.text(max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=40).map("".join))
def test_any_text_is_redacted_without_error_and_redacting_again_changes_nothing(
    text: str,
) -> None:
    redactor = Redactor()
    once = redactor.text(text)
    assert once.text != marker(SecretKind.WITHHELD)  # the fail-closed path was not needed
    twice = redactor.text(once.text)
    assert twice.text == once.text
    assert twice.count == 0


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_is_redacted_without_error_and_redacting_again_changes_nothing(
    value: Any,
) -> None:
    redactor = Redactor()
    once, _ = redactor.structured(value)
    assert once != marker(SecretKind.WITHHELD)
    assert redactor.structured(once) == (once, 0)
    text = json.dumps(value)
    assert redactor.text(redactor.text(text).text).count == 0


@pytest.mark.parametrize(
    ("pattern", "hints"),
    [(pattern, hints) for pattern, _, hints in redaction._RULES],
    ids=lambda value: value.pattern[:30] if isinstance(value, re.Pattern) else None,
)
def test_every_rule_hint_is_in_every_text_its_pattern_matches(
    pattern: re.Pattern[str], hints: tuple[str, ...]
) -> None:
    """A rule runs only when one of its hints is in the lower-cased text; a hint that some
    match could lack would let that secret through."""

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(st.from_regex(pattern))
    def check(text: str) -> None:
        match = pattern.search(text)
        assert match is not None
        assert any(hint in match.group(0).lower() for hint in hints), (match.group(0), hints)

    check()


_HINT_ALPHABET = st.sampled_from(
    # ASCII letters of the hint words, and characters whose case folding differs in re
    # and in str.lower() (dotted/dotless i, long s, Kelvin sign)
    [*"aAbBeEgGhHkKpPsStTxXyYoOiIlL_~:/-", "\u0130", "\u0131", "\u017f", "\u212a", " "]
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(_HINT_ALPHABET, max_size=12),
            st.sampled_from(redaction._ANY_HINT_WORDS).map(
                lambda w: "".join(c.upper() if i % 2 else c for i, c in enumerate(w))
            ),
        ),
        max_size=6,
    ).map("".join)
)
def test_the_quick_hint_check_agrees_with_the_hint_pattern(text: str) -> None:
    """Redaction is skipped when no hint is found: the `in` check on ASCII text must find
    a hint wherever the case-insensitive pattern does (and nowhere else)."""
    assert redaction._has_any_hint(text) == (redaction._ANY_HINT.search(text) is not None)


def test_the_quick_hint_check_covers_every_word_of_the_pattern() -> None:
    for word in redaction._ANY_HINT_WORDS:
        assert redaction._ANY_HINT.fullmatch(word), word
        assert redaction._has_any_hint(f"xx {word.upper()} xx")
    for alternative in redaction._ANY_HINT.pattern.removeprefix("(?i)").split("|"):
        expanded = (
            [alternative.replace("[pousr]", c) for c in "pousr"]
            if "[pousr]" in alternative
            else [alternative]
        )
        assert set(expanded) <= set(redaction._ANY_HINT_WORDS), alternative
