"""Decoding Kubernetes protobuf request envelopes (k8s\\x00 + runtime.Unknown)."""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ols_sandbox.protobuf import PROTOBUF_CONTENT_TYPE, ProtobufError, decode_object

# ---------------------------------------------------------------------------
# A tiny protobuf encoder, enough to build what client-go sends
# ---------------------------------------------------------------------------


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def ld(number: int, payload: bytes | str) -> bytes:
    """A length-delimited field (string, bytes or embedded message)."""
    data = payload.encode() if isinstance(payload, str) else payload
    return key(number, 2) + varint(len(data)) + data


def vi(number: int, value: int) -> bytes:
    """A varint field; a negative value is sent as Go sends it, 64-bit two's complement."""
    return key(number, 0) + varint(value & 0xFFFF_FFFF_FFFF_FFFF)


def f64(number: int, value: float) -> bytes:
    return key(number, 1) + struct.pack("<d", value)


def f32(number: int, value: int) -> bytes:
    return key(number, 5) + struct.pack("<I", value)


def msg(*fields: bytes) -> bytes:
    return b"".join(fields)


def string_map(number: int, entries: Iterable[tuple[str, str]]) -> bytes:
    return b"".join(ld(number, msg(ld(1, k), ld(2, v))) for k, v in entries)


def object_meta(
    name: str = "",
    namespace: str = "",
    labels: Iterable[tuple[str, str]] = (),
    annotations: Iterable[tuple[str, str]] = (),
    generate_name: str = "",
) -> bytes:
    # gogo-protobuf writes proto2 strings even when empty, like this.
    return msg(
        ld(1, name),
        ld(2, generate_name),
        ld(3, namespace),
        ld(4, ""),  # selfLink: skipped
        ld(5, "uid-ignored"),  # uid: skipped
        vi(7, 3),  # generation: skipped
        ld(8, msg(vi(1, 0), vi(2, 0))),  # creationTimestamp: skipped
        string_map(11, labels),
        string_map(12, annotations),
    )


def envelope(api_version: str, kind: str, raw: bytes, *extra: bytes) -> bytes:
    unknown = msg(
        ld(1, msg(ld(1, api_version), ld(2, kind))),
        ld(2, raw),
        ld(3, ""),
        ld(4, ""),
        *extra,
    )
    return b"k8s\x00" + unknown


def resource_attributes(**values: str) -> bytes:
    order = ["namespace", "verb", "group", "version", "resource", "subresource", "name"]
    return msg(*(ld(i + 1, values.get(name, "")) for i, name in enumerate(order)))


def quantity(value: str) -> bytes:
    """resource.Quantity: a message whose field 1 is the string form."""
    return msg(ld(1, value))


def quantity_map(number: int, entries: Iterable[tuple[str, str]]) -> bytes:
    return b"".join(ld(number, msg(ld(1, k), ld(2, quantity(v)))) for k, v in entries)


def int_or_string(value: int | str) -> bytes:
    """intstr.IntOrString as gogo writes it: type (0 int, 1 string), intVal, strVal."""
    if isinstance(value, str):
        return msg(vi(1, 1), vi(2, 0), ld(3, value))
    return msg(vi(1, 0), vi(2, value), ld(3, ""))


def local_ref(name: str) -> bytes:
    """An embedded LocalObjectReference."""
    return msg(ld(1, name))


def web_container() -> bytes:
    """A core/v1 Container with every non-pointer field written, as gogo-protobuf does."""
    config_ref = msg(ld(1, local_ref("db-config")), ld(2, "host"))
    secret_ref = msg(ld(1, local_ref("db-secret")), ld(2, "password"), vi(3, 1))
    return msg(
        ld(1, "web"),
        ld(2, "nginx:1.27"),
        ld(3, "sleep"),
        ld(3, "3600"),
        ld(4, "--verbose"),
        ld(5, ""),
        ld(6, msg(ld(1, "http"), vi(2, 0), vi(3, 8080), ld(4, "TCP"), ld(5, ""))),
        ld(7, msg(ld(1, "MODE"), ld(2, "prod"))),
        ld(7, msg(ld(1, "DB_HOST"), ld(2, ""), ld(3, msg(ld(3, config_ref))))),
        ld(7, msg(ld(1, "DB_PASSWORD"), ld(2, ""), ld(3, msg(ld(4, secret_ref))))),
        ld(
            8,
            msg(
                quantity_map(1, [("cpu", "500m"), ("memory", "256Mi")]),
                quantity_map(2, [("cpu", "100m")]),
            ),
        ),
        ld(9, msg(ld(1, "config"), vi(2, 1), ld(3, "/etc/app"), ld(4, ""), ld(6, ""))),
        ld(13, "/dev/termination-log"),
        ld(14, "IfNotPresent"),
        vi(16, 0),
        vi(17, 0),
        vi(18, 0),
        ld(20, "File"),
    )


def web_pod_spec() -> bytes:
    volumes = msg(
        ld(
            1,
            msg(
                ld(1, "config"), ld(2, msg(ld(19, msg(ld(1, local_ref("app-config")), vi(3, 420)))))
            ),
        ),
        ld(1, msg(ld(1, "creds"), ld(2, msg(ld(6, msg(ld(1, "app-secret"))))))),
        ld(1, msg(ld(1, "scratch"), ld(2, msg(ld(2, msg(ld(1, ""))))))),
    )
    return msg(
        volumes,
        ld(2, web_container()),
        ld(3, "Always"),
        vi(4, 30),
        ld(6, "ClusterFirst"),
        string_map(7, [("disk", "ssd")]),
        ld(8, "web-sa"),
        ld(9, ""),
        ld(10, ""),
        vi(11, 0),
        vi(12, 0),
        vi(13, 0),
        ld(14, b""),  # an empty PodSecurityContext: a pointer, so it stays
        ld(19, "default-scheduler"),
    )


def web_deployment() -> bytes:
    template = msg(ld(1, object_meta(labels=[("app", "web")])), ld(2, web_pod_spec()))
    strategy = msg(
        ld(1, "RollingUpdate"),
        ld(2, msg(ld(1, int_or_string(0)), ld(2, int_or_string("25%")))),
    )
    spec = msg(
        vi(1, 3),
        ld(2, msg(string_map(1, [("app", "web")]))),
        ld(3, template),
        ld(4, strategy),
        vi(5, 0),
        vi(6, 10),
        vi(7, 0),
        vi(9, 600),
    )
    raw = msg(
        ld(1, object_meta(name="web", namespace="team-b", labels=[("app", "web")])), ld(2, spec)
    )
    return envelope("apps/v1", "Deployment", raw)


# ---------------------------------------------------------------------------
# The kinds that arrive as protobuf
# ---------------------------------------------------------------------------


def test_self_subject_access_review_like_kubectl_auth_can_i() -> None:
    raw = msg(
        ld(1, object_meta()),
        ld(
            2,
            msg(
                ld(
                    1,
                    resource_attributes(
                        namespace="team-a", verb="list", group="apps", resource="deployments"
                    ),
                )
            ),
        ),
        ld(3, msg(vi(1, 0), ld(2, ""))),  # an empty status: ignored
    )
    body = envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw)
    assert decode_object(body) == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": "team-a",
                "verb": "list",
                "group": "apps",
                "resource": "deployments",
            }
        },
    }


def test_self_subject_access_review_non_resource_and_subresource() -> None:
    raw = msg(
        ld(
            2,
            msg(
                ld(
                    1, resource_attributes(verb="get", resource="pods", subresource="log", name="p")
                ),
                ld(2, msg(ld(1, "/healthz"), ld(2, "get"))),
            ),
        ),
    )
    decoded = decode_object(envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw))
    assert decoded["spec"] == {
        "resourceAttributes": {
            "verb": "get",
            "resource": "pods",
            "subresource": "log",
            "name": "p",
        },
        "nonResourceAttributes": {"path": "/healthz", "verb": "get"},
    }


def test_subject_access_review_with_groups_extra_and_uid() -> None:
    extra = b"".join(
        ld(5, msg(ld(1, k), ld(2, msg(*(ld(1, item) for item in items)))))
        for k, items in [("scopes", ["a", "b"]), ("empty", [])]
    )
    spec = msg(
        ld(1, resource_attributes(verb="delete", resource="secrets", namespace="ns")),
        ld(3, "alice"),
        ld(4, "devs"),
        ld(4, "system:authenticated"),
        extra,
        ld(6, "uid-1"),
    )
    decoded = decode_object(
        envelope("authorization.k8s.io/v1", "SubjectAccessReview", msg(ld(2, spec)))
    )
    assert decoded["spec"] == {
        "resourceAttributes": {"namespace": "ns", "verb": "delete", "resource": "secrets"},
        "user": "alice",
        "groups": ["devs", "system:authenticated"],
        "extra": {"scopes": ["a", "b"], "empty": []},
        "uid": "uid-1",
    }


def test_self_subject_rules_review() -> None:
    body = envelope(
        "authorization.k8s.io/v1", "SelfSubjectRulesReview", msg(ld(2, msg(ld(1, "team-a"))))
    )
    assert decode_object(body) == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": "team-a"},
    }


def test_token_review_and_self_subject_review() -> None:
    token = envelope(
        "authentication.k8s.io/v1",
        "TokenReview",
        msg(ld(2, msg(ld(1, "s3cret"), ld(2, "https://kubernetes.default.svc"), ld(2, "x")))),
    )
    assert decode_object(token)["spec"] == {
        "token": "s3cret",
        "audiences": ["https://kubernetes.default.svc", "x"],
    }
    whoami = envelope(
        "authentication.k8s.io/v1", "SelfSubjectReview", msg(ld(1, object_meta()), ld(2, b""))
    )
    assert decode_object(whoami) == {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "SelfSubjectReview",
    }


def test_namespace_like_kubectl_create_namespace() -> None:
    raw = msg(
        ld(
            1,
            object_meta(
                name="team-z",
                labels=[("env", "dev"), ("empty", "")],
                annotations=[("note", "hi")],
            ),
        ),
        ld(2, msg(ld(1, "kubernetes"))),
        ld(3, msg(ld(1, ""))),
    )
    assert decode_object(envelope("v1", "Namespace", raw)) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "team-z",
            "labels": {"env": "dev", "empty": ""},
            "annotations": {"note": "hi"},
        },
        "spec": {"finalizers": ["kubernetes"]},
    }


def test_generate_name_and_namespace_survive() -> None:
    raw = msg(ld(1, object_meta(generate_name="ssar-", namespace="team-a")))
    decoded = decode_object(envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw))
    assert decoded["metadata"] == {"generateName": "ssar-", "namespace": "team-a"}


def test_unknown_fields_of_every_wire_type_are_skipped_at_every_level() -> None:
    noise = msg(vi(99, 2**63), f64(98, 1.5), f32(97, 7), ld(96, b"\xff\x00junk"))
    attrs = msg(resource_attributes(verb="get", resource="pods"), noise)
    spec = msg(noise, ld(1, attrs), noise)
    raw = msg(noise, ld(2, spec), noise)
    body = envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw, noise)
    assert decode_object(body)["spec"] == {
        "resourceAttributes": {"verb": "get", "resource": "pods"}
    }


def test_protobuf_merge_semantics_for_repeated_fields() -> None:
    # A sub-message sent twice merges; a string sent twice keeps the last value.
    spec_a = msg(ld(1, msg(ld(2, "get"), ld(5, "pods"))))
    spec_b = msg(ld(1, msg(ld(2, "list"), ld(1, "team-a"))))
    raw = msg(ld(2, spec_a), ld(2, spec_b))
    decoded = decode_object(envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw))
    assert decoded["spec"]["resourceAttributes"] == {
        "verb": "list",
        "resource": "pods",
        "namespace": "team-a",
    }


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    raw = msg(ld(2, msg(ld(1, "\u00e9\x00".encode() + b"\xff"))))
    decoded = decode_object(envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview", raw))
    assert decoded["spec"]["namespace"] == "\u00e9\x00\ufffd"


def test_content_type_constant() -> None:
    assert PROTOBUF_CONTENT_TYPE == "application/vnd.kubernetes.protobuf"


# ---------------------------------------------------------------------------
# The kinds kubectl create sends
# ---------------------------------------------------------------------------


def test_config_map_like_kubectl_create_configmap() -> None:
    binary = b"\xff\x00\xfebin"
    raw = msg(
        ld(1, object_meta(name="settings", namespace="team-b")),
        string_map(2, [("mode", "prod"), ("empty", "")]),
        ld(3, msg(ld(1, "blob"), ld(2, binary))),
        ld(3, msg(ld(1, "none"), ld(2, b""))),
        vi(4, 1),
    )
    assert decode_object(envelope("v1", "ConfigMap", raw)) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "team-b"},
        "data": {"mode": "prod", "empty": ""},
        "binaryData": {"blob": base64.b64encode(binary).decode(), "none": ""},
        "immutable": True,
    }


def test_immutable_false_is_kept_because_it_is_a_pointer() -> None:
    decoded = decode_object(
        envelope("v1", "ConfigMap", msg(ld(1, object_meta(name="c")), vi(4, 0)))
    )
    assert decoded["immutable"] is False


def test_secret_like_kubectl_create_secret() -> None:
    raw = msg(
        ld(1, object_meta(name="creds")),
        ld(2, msg(ld(1, "password"), ld(2, b"s3cret\n"))),
        ld(2, msg(ld(1, "tls.key"), ld(2, b"\x00\x01\x02"))),
        ld(3, "kubernetes.io/tls"),
        string_map(4, [("plain", "text")]),
        vi(5, 0),
    )
    assert decode_object(envelope("v1", "Secret", raw)) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "data": {"password": "czNjcmV0Cg==", "tls.key": "AAEC"},
        "type": "kubernetes.io/tls",
        "stringData": {"plain": "text"},
        "immutable": False,
    }


def test_secret_generic_without_type_has_no_type() -> None:
    raw = msg(ld(1, object_meta(name="s")), ld(2, msg(ld(1, "p"), ld(2, b"q"))), ld(3, ""))
    assert decode_object(envelope("v1", "Secret", raw)) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"p": "cQ=="},
    }


def test_deployment_with_container_env_resources_ports_and_volumes() -> None:
    assert decode_object(web_deployment()) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "team-b", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "volumes": [
                        {"name": "config", "configMap": {"name": "app-config", "defaultMode": 420}},
                        {"name": "creds", "secret": {"secretName": "app-secret"}},
                        {"name": "scratch", "emptyDir": {}},
                    ],
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "command": ["sleep", "3600"],
                            "args": ["--verbose"],
                            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                            "env": [
                                {"name": "MODE", "value": "prod"},
                                {
                                    "name": "DB_HOST",
                                    "valueFrom": {
                                        "configMapKeyRef": {"name": "db-config", "key": "host"}
                                    },
                                },
                                {
                                    "name": "DB_PASSWORD",
                                    "valueFrom": {
                                        "secretKeyRef": {
                                            "name": "db-secret",
                                            "key": "password",
                                            "optional": True,
                                        }
                                    },
                                },
                            ],
                            "resources": {
                                "limits": {"cpu": "500m", "memory": "256Mi"},
                                "requests": {"cpu": "100m"},
                            },
                            "volumeMounts": [
                                {"name": "config", "readOnly": True, "mountPath": "/etc/app"}
                            ],
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File",
                            "imagePullPolicy": "IfNotPresent",
                        }
                    ],
                    "restartPolicy": "Always",
                    "terminationGracePeriodSeconds": 30,
                    "dnsPolicy": "ClusterFirst",
                    "nodeSelector": {"disk": "ssd"},
                    "serviceAccountName": "web-sa",
                    "securityContext": {},
                    "schedulerName": "default-scheduler",
                },
            },
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
    }


def test_pointer_zeros_stay_and_omitempty_zeros_go() -> None:
    # replicas and revisionHistoryLimit are *int32: a sent 0 means 0. minReadySeconds
    # and paused are plain omitempty fields, and gogo-protobuf always writes them.
    spec = msg(vi(1, 0), vi(5, 0), vi(6, 0), vi(7, 0))
    decoded = decode_object(envelope("apps/v1", "Deployment", msg(ld(2, spec))))
    assert decoded["spec"] == {"replicas": 0, "revisionHistoryLimit": 0}


def test_negative_and_oversized_integers_decode_as_go_does() -> None:
    assert len(vi(9, -5)) == 11  # tag + the 10-byte two's complement varint
    spec = msg(vi(9, -5), vi(1, 2**32 + 7))  # int32(v) keeps the low 32 bits
    pod = msg(ld(2, msg(vi(4, -1), ld(14, msg(vi(2, 2**63))))))
    decoded = decode_object(envelope("apps/v1", "Deployment", msg(ld(2, msg(spec, ld(3, pod))))))
    assert decoded["spec"]["progressDeadlineSeconds"] == -5
    assert decoded["spec"]["replicas"] == 7
    pod_spec = decoded["spec"]["template"]["spec"]
    assert pod_spec["terminationGracePeriodSeconds"] == -1
    assert pod_spec["securityContext"] == {"runAsUser": -(2**63)}


def test_repeated_int64_packed_or_not() -> None:
    packed = ld(4, varint(1000) + varint(2000))
    pod = msg(ld(14, msg(packed, vi(4, 3000))))
    decoded = decode_object(envelope("batch/v1", "Job", msg(ld(2, msg(ld(6, msg(ld(2, pod))))))))
    groups = decoded["spec"]["template"]["spec"]["securityContext"]["supplementalGroups"]
    assert groups == [1000, 2000, 3000]


def test_probe_handler_is_inline_and_quantity_defaults_to_zero() -> None:
    probe = msg(ld(1, msg(ld(2, msg(ld(1, "/healthz"), ld(2, int_or_string("http")))))), vi(4, 5))
    container = msg(
        ld(1, "c"),
        ld(10, probe),
        ld(8, msg(ld(1, msg(ld(1, "cpu"))))),  # a limits entry without a value
    )
    pod = msg(ld(2, container))
    decoded = decode_object(envelope("batch/v1", "Job", msg(ld(2, msg(ld(6, msg(ld(2, pod))))))))
    (got,) = decoded["spec"]["template"]["spec"]["containers"]
    assert got == {
        "name": "c",
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
        "resources": {"limits": {"cpu": "0"}},
    }


def test_service_with_int_and_string_target_ports() -> None:
    ports = msg(
        ld(1, msg(ld(1, "web"), ld(2, "TCP"), vi(3, 80), ld(4, int_or_string(8080)), vi(5, 0))),
        ld(
            1,
            msg(
                ld(1, "metrics"),
                ld(2, "TCP"),
                vi(3, 9090),
                ld(4, int_or_string("http")),
                vi(5, 30090),
            ),
        ),
    )
    spec = msg(
        ports,
        string_map(2, [("app", "web")]),
        ld(3, ""),
        ld(4, "NodePort"),
        ld(7, ""),
        ld(10, ""),
        vi(12, 0),
        vi(13, 0),
    )
    raw = msg(ld(1, object_meta(name="web")), ld(2, spec), ld(3, msg(ld(1, b""))))
    assert decode_object(envelope("v1", "Service", raw)) == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "ports": [
                {"name": "web", "protocol": "TCP", "port": 80, "targetPort": 8080},
                {
                    "name": "metrics",
                    "protocol": "TCP",
                    "port": 9090,
                    "targetPort": "http",
                    "nodePort": 30090,
                },
            ],
            "selector": {"app": "web"},
            "type": "NodePort",
        },
    }


def test_external_name_service_and_service_account() -> None:
    service = msg(
        ld(1, object_meta(name="ext")), ld(2, msg(ld(4, "ExternalName"), ld(10, "example.com")))
    )
    assert decode_object(envelope("v1", "Service", service))["spec"] == {
        "type": "ExternalName",
        "externalName": "example.com",
    }
    account = msg(
        ld(1, object_meta(name="builder", namespace="team-b")),
        ld(2, msg(ld(1, "Secret"), ld(3, "builder-token"))),
        ld(3, local_ref("registry")),
        vi(4, 0),
    )
    assert decode_object(envelope("v1", "ServiceAccount", account)) == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "builder", "namespace": "team-b"},
        "secrets": [{"kind": "Secret", "name": "builder-token"}],
        "imagePullSecrets": [{"name": "registry"}],
        "automountServiceAccountToken": False,
    }


def test_job_and_cron_job_like_kubectl_create() -> None:
    pod = msg(ld(2, msg(ld(1, "j"), ld(2, "busybox"), ld(3, "echo"), ld(3, "hi"))), ld(3, "Never"))
    job_spec = msg(vi(1, 2), vi(2, 4), vi(7, 0), ld(6, msg(ld(1, object_meta()), ld(2, pod))))
    job = decode_object(
        envelope("batch/v1", "Job", msg(ld(1, object_meta(name="j")), ld(2, job_spec)))
    )
    assert job["spec"] == {
        "parallelism": 2,
        "completions": 4,
        "backoffLimit": 0,
        "template": {
            "spec": {
                "containers": [{"name": "j", "image": "busybox", "command": ["echo", "hi"]}],
                "restartPolicy": "Never",
            }
        },
    }
    cron_spec = msg(
        ld(1, "*/1 * * * *"),
        ld(3, "Forbid"),
        vi(4, 1),
        ld(5, msg(ld(1, object_meta(name="c")), ld(2, job_spec))),
        vi(6, 3),
    )
    cron = decode_object(
        envelope("batch/v1", "CronJob", msg(ld(1, object_meta(name="c")), ld(2, cron_spec)))
    )
    assert cron["spec"] == {
        "schedule": "*/1 * * * *",
        "concurrencyPolicy": "Forbid",
        "suspend": True,
        "jobTemplate": {"metadata": {"name": "c"}, "spec": job["spec"]},
        "successfulJobsHistoryLimit": 3,
    }


def test_role_and_cluster_role_like_kubectl_create() -> None:
    rule = msg(ld(1, "get"), ld(1, "list"), ld(2, ""), ld(3, "pods"), ld(4, "p1"))
    role = decode_object(
        envelope(
            "rbac.authorization.k8s.io/v1", "Role", msg(ld(1, object_meta(name="r")), ld(2, rule))
        )
    )
    assert role == {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "r"},
        "rules": [
            {
                "verbs": ["get", "list"],
                "apiGroups": [""],
                "resources": ["pods"],
                "resourceNames": ["p1"],
            }
        ],
    }
    aggregation = msg(ld(1, msg(string_map(1, [("rbac.example.com/aggregate", "true")]))))
    cluster_role = decode_object(
        envelope(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            msg(
                ld(1, object_meta(name="cr")),
                ld(2, msg(ld(1, "get"), ld(5, "/healthz"))),
                ld(3, aggregation),
            ),
        )
    )
    assert cluster_role["rules"] == [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]
    assert cluster_role["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate": "true"}}]
    }


def test_role_binding_like_kubectl_create_rolebinding() -> None:
    subjects = msg(
        ld(2, msg(ld(1, "User"), ld(2, "rbac.authorization.k8s.io"), ld(3, "bob"), ld(4, ""))),
        ld(2, msg(ld(1, "ServiceAccount"), ld(2, ""), ld(3, "builder"), ld(4, "team-b"))),
    )
    role_ref = ld(3, msg(ld(1, "rbac.authorization.k8s.io"), ld(2, "Role"), ld(3, "r")))
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        raw = msg(ld(1, object_meta(name="rb")), subjects, role_ref)
        assert decode_object(envelope("rbac.authorization.k8s.io/v1", kind, raw)) == {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": kind,
            "metadata": {"name": "rb"},
            "subjects": [
                {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"},
                {"kind": "ServiceAccount", "name": "builder", "namespace": "team-b"},
            ],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        }


def test_object_meta_resource_version_owner_references_and_finalizers() -> None:
    owner = msg(ld(1, "Deployment"), ld(3, "web"), ld(4, "u-1"), ld(5, "apps/v1"), vi(6, 1))
    meta = msg(object_meta(name="cm"), ld(6, "42"), ld(13, owner), ld(14, "example.com/hold"))
    decoded = decode_object(envelope("v1", "ConfigMap", msg(ld(1, meta))))
    assert decoded["metadata"] == {
        "name": "cm",
        "resourceVersion": "42",
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "web",
                "uid": "u-1",
                "controller": True,
            }
        ],
        "finalizers": ["example.com/hold"],
    }


# ---------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------

_SSAR = envelope(
    "authorization.k8s.io/v1",
    "SelfSubjectAccessReview",
    msg(ld(2, msg(ld(1, resource_attributes(verb="get", resource="pods"))))),
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "unable to decode protobuf body: empty data"),
        (
            b'{"kind": "Pod"}',
            "provided data does not appear to be a protobuf message, "
            "expected prefix [107 56 115 0]",
        ),
        (b"k8s", "provided data does not appear to be a protobuf message"),
        (b"k8s\x00\xff\xff", "unable to decode protobuf body: unexpected EOF"),
        (_SSAR[:-3], "unable to decode protobuf body: unexpected EOF"),
        (b"k8s\x00" + key(1, 3), "unable to decode protobuf body: proto: illegal wireType 3"),
        (b"k8s\x00" + b"\x00", "unable to decode protobuf body: proto: Unknown: illegal tag 0"),
        (b"k8s\x00" + b"\xff" * 11, "unable to decode protobuf body: proto: integer overflow"),
        (b"k8s\x00" + vi(2, 5), "proto: wrong wireType = 0 for field raw of Unknown"),
        (b"k8s\x00" + key(5, 1) + b"\x00" * 7, "unable to decode protobuf body: unexpected EOF"),
        (
            envelope("v1", "Pod", b""),
            'unable to decode protobuf body for kind "Pod": only SelfSubjectAccessReview, '
            "SelfSubjectRulesReview, SubjectAccessReview (authorization.k8s.io/v1), TokenReview, "
            "SelfSubjectReview (authentication.k8s.io/v1), Namespace, ConfigMap, Secret, "
            "Service, ServiceAccount (v1), Deployment (apps/v1), Job, CronJob (batch/v1) and "
            "Role, ClusterRole, RoleBinding, ClusterRoleBinding (rbac.authorization.k8s.io/v1) "
            "are accepted as protobuf; send JSON",
        ),
        (
            envelope("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview", b""),
            'for kind "SelfSubjectAccessReview" in apiVersion "authorization.k8s.io/v1beta1": only',
        ),
        (b"k8s\x00", 'unable to decode protobuf body for kind "": only'),
        (
            b"k8s\x00" + msg(ld(1, msg(ld(1, "v1"), ld(2, "Namespace"))), ld(3, "gzip")),
            'unable to decode protobuf body for kind "Namespace": unsupported content '
            'encoding "gzip"; send JSON',
        ),
        (
            envelope("v1", "Namespace", msg(ld(1, msg(vi(1, 4))))),
            "proto: wrong wireType = 0 for field name of ObjectMeta",
        ),
        (
            envelope("v1", "Namespace", msg(ld(1, msg(ld(11, msg(vi(1, 1))))))),
            "proto: wrong wireType = 0 for field key of ObjectMeta.labels entry",
        ),
        (
            envelope("apps/v1beta1", "Deployment", b""),
            'for kind "Deployment" in apiVersion "apps/v1beta1": only',
        ),
        (
            envelope("apps/v1", "Deployment", msg(ld(2, msg(ld(1, b"\x03"))))),
            "proto: wrong wireType = 2 for field replicas of DeploymentSpec",
        ),
        (
            envelope("v1", "ConfigMap", msg(ld(4, b"\x01"))),
            "proto: wrong wireType = 2 for field immutable of ConfigMap",
        ),
        (
            envelope("v1", "Secret", msg(ld(2, msg(ld(1, "k"), vi(2, 1))))),
            "proto: wrong wireType = 0 for field value of Secret.data entry",
        ),
        (
            envelope("v1", "Service", msg(ld(2, msg(ld(1, msg(vi(4, 80))))))),
            "proto: wrong wireType = 0 for field targetPort of ServicePort",
        ),
        (
            envelope("v1", "Service", msg(ld(2, msg(vi(1, 80))))),
            "proto: wrong wireType = 0 for field ports of ServiceSpec",
        ),
        (
            envelope(
                "batch/v1", "Job", msg(ld(2, msg(ld(6, msg(ld(2, msg(ld(14, ld(4, b"\xff")))))))))
            ),
            "unable to decode protobuf body: unexpected EOF",
        ),
    ],
)
def test_malformed_or_unsupported_bodies_raise_protobuf_error(body: bytes, message: str) -> None:
    with pytest.raises(ProtobufError) as info:
        decode_object(body)
    assert message in str(info.value)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


def _decode_or_error(body: bytes) -> dict[str, Any] | None:
    try:
        return decode_object(body)
    except ProtobufError as err:
        assert str(err)
        return None


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_protobuf_error(data: bytes) -> None:
    _decode_or_error(data)
    _decode_or_error(b"k8s\x00" + data)
    result = _decode_or_error(_SSAR[:-20] + data)
    assert result is None or result["kind"] == "SelfSubjectAccessReview"


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=60), st.integers(min_value=0, max_value=len(_SSAR)))
def test_corrupted_valid_bodies_only_raise_protobuf_error(noise: bytes, at: int) -> None:
    _decode_or_error(_SSAR[:at] + noise + _SSAR[at:])
    _decode_or_error(_SSAR[:at])


_DEPLOYMENT = web_deployment()


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=60), st.integers(min_value=0, max_value=len(_DEPLOYMENT)))
def test_corrupted_deployments_only_raise_protobuf_error(noise: bytes, at: int) -> None:
    result = _decode_or_error(_DEPLOYMENT[:at] + noise + _DEPLOYMENT[at:])
    assert result is None or result["kind"] == "Deployment"
    _decode_or_error(_DEPLOYMENT[:at])


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
)
def test_integers_and_bools_round_trip(int32: int, int64: int, flag: bool) -> None:
    spec = msg(vi(2, int32), vi(3, int64), vi(10, int(flag)))
    decoded = decode_object(envelope("batch/v1", "Job", msg(ld(2, spec))))
    assert decoded["spec"] == {
        "completions": int32,
        "activeDeadlineSeconds": int64,
        "suspend": flag,
    }


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=10), st.binary(max_size=40), max_size=4))
def test_secret_bytes_round_trip_through_base64(data: dict[str, bytes]) -> None:
    raw = msg(*(ld(2, msg(ld(1, k), ld(2, v))) for k, v in data.items()))
    decoded = decode_object(envelope("v1", "Secret", raw))
    got = {k: base64.b64decode(v) for k, v in decoded.get("data", {}).items()}
    assert got == data


_text = st.text(max_size=20)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            name: _text
            for name in ("namespace", "verb", "group", "version", "resource", "subresource")
        }
    ),
    st.dictionaries(st.text(min_size=1, max_size=10), _text, max_size=4),
)
def test_encoded_fields_round_trip(attrs: dict[str, str], labels: dict[str, str]) -> None:
    raw = msg(
        ld(1, object_meta(name="n", labels=labels.items())),
        ld(2, msg(ld(1, resource_attributes(**attrs)))),
    )
    decoded = decode_object(envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw))
    expected_attrs = {k: v for k, v in attrs.items() if v}
    if expected_attrs:
        assert decoded["spec"]["resourceAttributes"] == expected_attrs
    else:
        assert "spec" not in decoded
    expected_meta: dict[str, Any] = {"name": "n"}
    if labels:
        expected_meta["labels"] = labels
    assert decoded["metadata"] == expected_meta
