"""Decoding the Kubernetes protobuf request bodies typed Go clients send.

Typed client-go clients prefer ``application/vnd.kubernetes.protobuf`` for
built-in kinds, so ``kubectl auth can-i``, ``kubectl auth whoami``, the
``kubectl create <kind>`` subcommands and kubernetes-mcp-server's access checks
POST protobuf even though the sandbox otherwise speaks JSON. This module owns
turning such a body into the dict the JSON API would have received, for the
kinds listed in ``_KINDS``; everything else is refused with a message telling
the client to send JSON.

The envelope is k8s.io/apimachinery's protobuf serializer: the magic prefix
``k8s\\x00`` followed by a ``runtime.Unknown`` message (typeMeta, raw,
contentEncoding, contentType) whose ``raw`` bytes are the object's own message.

Decoding is one generic wire-format walker (``_decode``) driven by a table of
message schemas: each schema maps a field number to its JSON name and type (a
scalar, a sub-message, a list or a map of either). Field numbers come from the
upstream generated.proto files of authorization/v1, authentication/v1, core/v1,
apps/v1, batch/v1, rbac/v1, meta/v1, util/intstr, api/resource and runtime.
Fields not in a schema are skipped, as gogo-protobuf skips unknown fields.

Pure functions only; nothing here does I/O.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple

__all__ = ["PROTOBUF_CONTENT_TYPE", "ProtobufError", "decode_object"]

PROTOBUF_CONTENT_TYPE: Final = "application/vnd.kubernetes.protobuf"

_MAGIC: Final = b"k8s\x00"


class ProtobufError(ValueError):
    """A body that cannot be decoded; ``str(e)`` is the 400 Status message."""


# ---------------------------------------------------------------------------
# Wire format
# ---------------------------------------------------------------------------

_VARINT: Final = 0
_FIXED64: Final = 1
_LENGTH_DELIMITED: Final = 2
_FIXED32: Final = 5


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if shift >= 64:
            # gogo-protobuf's ErrIntOverflowGenerated.
            raise ProtobufError("unable to decode protobuf body: proto: integer overflow")
        if pos >= len(data):
            raise ProtobufError("unable to decode protobuf body: unexpected EOF")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7


class _WireField(NamedTuple):
    """One field as found on the wire."""

    number: int
    wire_type: int
    payload: bytes = b""  # the bytes of a length-delimited field
    value: int = 0  # the unsigned 64-bit value of a varint field


def _fields(data: bytes, message: str) -> list[_WireField]:
    """Split a message into its fields, in wire order.

    Fixed-width payloads are skipped over (no field we read is fixed-width),
    so unknown fields of any supported wire type pass through harmlessly.
    """
    out: list[_WireField] = []
    pos = 0
    while pos < len(data):
        tag, pos = _read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 0x7
        if number <= 0 or number > 0x1FFFFFFF:
            raise ProtobufError(
                f"unable to decode protobuf body: proto: {message}: illegal tag {number} "
                f"(wire type {wire_type})"
            )
        if wire_type == _VARINT:
            value, pos = _read_varint(data, pos)
            out.append(_WireField(number, wire_type, b"", value))
        elif wire_type in (_FIXED64, _FIXED32):
            size = 8 if wire_type == _FIXED64 else 4
            if pos + size > len(data):
                raise ProtobufError("unable to decode protobuf body: unexpected EOF")
            pos += size
            out.append(_WireField(number, wire_type, b"", 0))
        elif wire_type == _LENGTH_DELIMITED:
            length, pos = _read_varint(data, pos)
            if length >= 1 << 63:
                raise ProtobufError(
                    "unable to decode protobuf body: "
                    "proto: negative length found during unmarshaling"
                )
            if pos + length > len(data):
                raise ProtobufError("unable to decode protobuf body: unexpected EOF")
            out.append(_WireField(number, wire_type, data[pos : pos + length], 0))
            pos += length
        else:
            # Groups (3, 4) and the unused types 6, 7 never occur in
            # Kubernetes messages; upstream rejects them too.
            raise ProtobufError(
                f"unable to decode protobuf body: proto: illegal wireType {wire_type}"
            )
    return out


def _text(payload: bytes) -> str:
    # Go keeps invalid UTF-8 in the string and JSON-encodes it as U+FFFD;
    # replacing here gives the same dict the JSON route would see.
    return payload.decode("utf-8", errors="replace")


def _signed(value: int, bits: int) -> int:
    # Go's int32(v) / int64(v) of the decoded uint64: keep the low bits, two's complement.
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------

# A scalar field's protobuf type. "bytes" becomes a base64 string, as Go's JSON
# encoding of []byte does.
_Scalar = Literal["string", "bytes", "int32", "int64", "bool"]
_VARINT_SCALARS: Final = frozenset({"int32", "int64", "bool"})
_ZERO: Final[Mapping[str, Any]] = {"string": "", "bytes": "", "int32": 0, "int64": 0, "bool": False}


@dataclass(frozen=True)
class _Message:
    """The fields we read from one message type; everything else is skipped."""

    name: str  # the Go type name, used in wire-type error messages
    fields: Mapping[int, _Field]
    # For messages whose JSON form is not an object (Quantity, IntOrString,
    # ExtraValue): turns the decoded dict into that JSON value.
    json: Callable[[dict[str, Any]], Any] | None = None


@dataclass(frozen=True)
class _Field:
    """One field: its JSON name, its type and shape.

    ``keep`` marks fields whose JSON form shows the zero value too: Go pointers
    (``*int32``, ``*bool``, ``*Struct``: present means set, even to zero or
    empty) and fields without ``omitempty`` that gogo-protobuf always writes
    (``containerPort``, ``port``). Other fields are dropped at their zero value,
    as ``omitempty`` does. ``inline`` marks an embedded Go struct whose JSON
    fields sit in the parent object (``json:",inline"``).
    """

    name: str
    type: _Scalar | _Message
    shape: Literal["single", "repeated", "map"] = "single"
    keep: bool = False
    inline: bool = False


def _one(name: str, type_: _Scalar | _Message, *, keep: bool = False) -> _Field:
    return _Field(name, type_, "single", keep)


def _list(name: str, type_: _Scalar | _Message) -> _Field:
    return _Field(name, type_, "repeated")


def _map(name: str, value: _Scalar | _Message) -> _Field:
    """A ``map<string, V>``: repeated entry messages with key 1 and value 2."""
    return _Field(name, value, "map")


def _inline(name: str, message: _Message) -> _Field:
    return _Field(name, message, "single", inline=True)


def _kind(name: str, fields: Mapping[int, _Field]) -> _Message:
    """A top-level kind: ObjectMeta is field 1 in all of them."""
    return _Message(name, {1: _one("metadata", _OBJECT_META), **fields})


# -- meta/v1, api/resource, util/intstr ---------------------------------------

# ObjectMeta: what a create request meaningfully carries. uid, selfLink,
# generation and the timestamps are server-set and skipped like unknown fields.
_OWNER_REFERENCE: Final = _Message(
    "OwnerReference",
    {
        5: _one("apiVersion", "string", keep=True),
        1: _one("kind", "string", keep=True),
        3: _one("name", "string", keep=True),
        4: _one("uid", "string", keep=True),
        6: _one("controller", "bool", keep=True),
        7: _one("blockOwnerDeletion", "bool", keep=True),
    },
)
_OBJECT_META: Final = _Message(
    "ObjectMeta",
    {
        1: _one("name", "string"),
        2: _one("generateName", "string"),
        3: _one("namespace", "string"),
        6: _one("resourceVersion", "string"),
        11: _map("labels", "string"),
        12: _map("annotations", "string"),
        13: _list("ownerReferences", _OWNER_REFERENCE),
        14: _list("finalizers", "string"),
    },
)
_LABEL_SELECTOR: Final = _Message(
    "LabelSelector",
    {
        1: _map("matchLabels", "string"),
        2: _list(
            "matchExpressions",
            _Message(
                "LabelSelectorRequirement",
                {
                    1: _one("key", "string", keep=True),
                    2: _one("operator", "string", keep=True),
                    3: _list("values", "string"),
                },
            ),
        ),
    },
)
# resource.Quantity is a message holding its string form; JSON shows the string.
# An empty message is the zero Quantity, "0".
_QUANTITY: Final = _Message(
    "Quantity", {1: _one("string", "string", keep=True)}, json=lambda d: d.get("string", "0")
)
# intstr.IntOrString: type 1 means the string form, otherwise the int.
_INT_OR_STRING: Final = _Message(
    "IntOrString",
    {
        1: _one("type", "int64", keep=True),
        2: _one("intVal", "int32", keep=True),
        3: _one("strVal", "string", keep=True),
    },
    json=lambda d: d.get("strVal", "") if d.get("type") == 1 else d.get("intVal", 0),
)

# -- authorization/v1, authentication/v1 --------------------------------------

# ResourceAttributes 8 (fieldSelector) and 9 (labelSelector) are alpha-gated
# and deliberately skipped.
_RESOURCE_ATTRIBUTES: Final = _Message(
    "ResourceAttributes",
    {
        1: _one("namespace", "string"),
        2: _one("verb", "string"),
        3: _one("group", "string"),
        4: _one("version", "string"),
        5: _one("resource", "string"),
        6: _one("subresource", "string"),
        7: _one("name", "string"),
    },
)
_NON_RESOURCE_ATTRIBUTES: Final = _Message(
    "NonResourceAttributes", {1: _one("path", "string"), 2: _one("verb", "string")}
)
# ExtraValue is a message wrapping a list; JSON shows the list.
_EXTRA_VALUE: Final = _Message(
    "ExtraValue", {1: _list("items", "string")}, json=lambda d: d.get("items", [])
)

# -- core/v1: pods and their containers ---------------------------------------

_LOCAL_OBJECT_REFERENCE: Final = _Message("LocalObjectReference", {1: _one("name", "string")})
_KEY_TO_PATH: Final = _Message(
    "KeyToPath",
    {
        1: _one("key", "string", keep=True),
        2: _one("path", "string", keep=True),
        3: _one("mode", "int32", keep=True),
    },
)


def _key_selector(name: str) -> _Message:
    # ConfigMapKeySelector and SecretKeySelector embed LocalObjectReference.
    return _Message(
        name,
        {
            1: _inline("localObjectReference", _LOCAL_OBJECT_REFERENCE),
            2: _one("key", "string", keep=True),
            3: _one("optional", "bool", keep=True),
        },
    )


def _env_source(name: str) -> _Message:
    # ConfigMapEnvSource and SecretEnvSource embed LocalObjectReference.
    return _Message(
        name,
        {
            1: _inline("localObjectReference", _LOCAL_OBJECT_REFERENCE),
            2: _one("optional", "bool", keep=True),
        },
    )


_ENV_VAR_SOURCE: Final = _Message(
    "EnvVarSource",
    {
        1: _one(
            "fieldRef",
            _Message(
                "ObjectFieldSelector",
                {1: _one("apiVersion", "string"), 2: _one("fieldPath", "string", keep=True)},
            ),
            keep=True,
        ),
        2: _one(
            "resourceFieldRef",
            _Message(
                "ResourceFieldSelector",
                {
                    1: _one("containerName", "string"),
                    2: _one("resource", "string", keep=True),
                    3: _one("divisor", _QUANTITY),
                },
            ),
            keep=True,
        ),
        3: _one("configMapKeyRef", _key_selector("ConfigMapKeySelector"), keep=True),
        4: _one("secretKeyRef", _key_selector("SecretKeySelector"), keep=True),
    },
)
_ENV_VAR: Final = _Message(
    "EnvVar",
    {
        1: _one("name", "string", keep=True),
        2: _one("value", "string"),
        3: _one("valueFrom", _ENV_VAR_SOURCE, keep=True),
    },
)
_ENV_FROM_SOURCE: Final = _Message(
    "EnvFromSource",
    {
        1: _one("prefix", "string"),
        2: _one("configMapRef", _env_source("ConfigMapEnvSource"), keep=True),
        3: _one("secretRef", _env_source("SecretEnvSource"), keep=True),
    },
)
_CONTAINER_PORT: Final = _Message(
    "ContainerPort",
    {
        1: _one("name", "string"),
        2: _one("hostPort", "int32"),
        3: _one("containerPort", "int32", keep=True),
        4: _one("protocol", "string"),
        5: _one("hostIP", "string"),
    },
)
_RESOURCE_REQUIREMENTS: Final = _Message(
    "ResourceRequirements", {1: _map("limits", _QUANTITY), 2: _map("requests", _QUANTITY)}
)
_VOLUME_MOUNT: Final = _Message(
    "VolumeMount",
    {
        1: _one("name", "string", keep=True),
        2: _one("readOnly", "bool"),
        7: _one("recursiveReadOnly", "string", keep=True),
        3: _one("mountPath", "string", keep=True),
        4: _one("subPath", "string"),
        5: _one("mountPropagation", "string", keep=True),
        6: _one("subPathExpr", "string"),
    },
)
_PROBE: Final = _Message(
    "Probe",
    {
        1: _inline(
            "handler",
            _Message(
                "ProbeHandler",
                {
                    1: _one(
                        "exec", _Message("ExecAction", {1: _list("command", "string")}), keep=True
                    ),
                    2: _one(
                        "httpGet",
                        _Message(
                            "HTTPGetAction",
                            {
                                1: _one("path", "string"),
                                2: _one("port", _INT_OR_STRING, keep=True),
                                3: _one("host", "string"),
                                4: _one("scheme", "string"),
                                5: _list(
                                    "httpHeaders",
                                    _Message(
                                        "HTTPHeader",
                                        {
                                            1: _one("name", "string", keep=True),
                                            2: _one("value", "string", keep=True),
                                        },
                                    ),
                                ),
                            },
                        ),
                        keep=True,
                    ),
                    3: _one(
                        "tcpSocket",
                        _Message(
                            "TCPSocketAction",
                            {1: _one("port", _INT_OR_STRING, keep=True), 2: _one("host", "string")},
                        ),
                        keep=True,
                    ),
                    4: _one(
                        "grpc",
                        _Message(
                            "GRPCAction",
                            {
                                1: _one("port", "int32", keep=True),
                                2: _one("service", "string", keep=True),
                            },
                        ),
                        keep=True,
                    ),
                },
            ),
        ),
        2: _one("initialDelaySeconds", "int32"),
        3: _one("timeoutSeconds", "int32"),
        4: _one("periodSeconds", "int32"),
        5: _one("successThreshold", "int32"),
        6: _one("failureThreshold", "int32"),
        7: _one("terminationGracePeriodSeconds", "int64", keep=True),
    },
)
_SECCOMP_PROFILE: Final = _Message(
    "SeccompProfile",
    {1: _one("type", "string", keep=True), 2: _one("localhostProfile", "string", keep=True)},
)
_SECURITY_CONTEXT: Final = _Message(
    "SecurityContext",
    {
        1: _one(
            "capabilities",
            _Message("Capabilities", {1: _list("add", "string"), 2: _list("drop", "string")}),
            keep=True,
        ),
        2: _one("privileged", "bool", keep=True),
        4: _one("runAsUser", "int64", keep=True),
        8: _one("runAsGroup", "int64", keep=True),
        5: _one("runAsNonRoot", "bool", keep=True),
        6: _one("readOnlyRootFilesystem", "bool", keep=True),
        7: _one("allowPrivilegeEscalation", "bool", keep=True),
        9: _one("procMount", "string", keep=True),
        11: _one("seccompProfile", _SECCOMP_PROFILE, keep=True),
    },
)
_CONTAINER: Final = _Message(
    "Container",
    {
        1: _one("name", "string", keep=True),
        2: _one("image", "string"),
        3: _list("command", "string"),
        4: _list("args", "string"),
        5: _one("workingDir", "string"),
        6: _list("ports", _CONTAINER_PORT),
        19: _list("envFrom", _ENV_FROM_SOURCE),
        7: _list("env", _ENV_VAR),
        8: _one("resources", _RESOURCE_REQUIREMENTS),
        24: _one("restartPolicy", "string", keep=True),
        9: _list("volumeMounts", _VOLUME_MOUNT),
        10: _one("livenessProbe", _PROBE, keep=True),
        11: _one("readinessProbe", _PROBE, keep=True),
        22: _one("startupProbe", _PROBE, keep=True),
        13: _one("terminationMessagePath", "string"),
        20: _one("terminationMessagePolicy", "string"),
        14: _one("imagePullPolicy", "string"),
        15: _one("securityContext", _SECURITY_CONTEXT, keep=True),
        16: _one("stdin", "bool"),
        17: _one("stdinOnce", "bool"),
        18: _one("tty", "bool"),
    },
)
# VolumeSource: only the kinds of volume the sandbox's workloads use; a volume
# of another kind keeps its name and loses its source.
_VOLUME_SOURCE: Final = _Message(
    "VolumeSource",
    {
        2: _one(
            "emptyDir",
            _Message(
                "EmptyDirVolumeSource",
                {1: _one("medium", "string"), 2: _one("sizeLimit", _QUANTITY, keep=True)},
            ),
            keep=True,
        ),
        6: _one(
            "secret",
            _Message(
                "SecretVolumeSource",
                {
                    1: _one("secretName", "string"),
                    2: _list("items", _KEY_TO_PATH),
                    3: _one("defaultMode", "int32", keep=True),
                    4: _one("optional", "bool", keep=True),
                },
            ),
            keep=True,
        ),
        10: _one(
            "persistentVolumeClaim",
            _Message(
                "PersistentVolumeClaimVolumeSource",
                {1: _one("claimName", "string", keep=True), 2: _one("readOnly", "bool")},
            ),
            keep=True,
        ),
        19: _one(
            "configMap",
            _Message(
                "ConfigMapVolumeSource",
                {
                    1: _inline("localObjectReference", _LOCAL_OBJECT_REFERENCE),
                    2: _list("items", _KEY_TO_PATH),
                    3: _one("defaultMode", "int32", keep=True),
                    4: _one("optional", "bool", keep=True),
                },
            ),
            keep=True,
        ),
    },
)
_VOLUME: Final = _Message(
    "Volume", {1: _one("name", "string", keep=True), 2: _inline("volumeSource", _VOLUME_SOURCE)}
)
_TOLERATION: Final = _Message(
    "Toleration",
    {
        1: _one("key", "string"),
        2: _one("operator", "string"),
        3: _one("value", "string"),
        4: _one("effect", "string"),
        5: _one("tolerationSeconds", "int64", keep=True),
    },
)
_POD_SECURITY_CONTEXT: Final = _Message(
    "PodSecurityContext",
    {
        2: _one("runAsUser", "int64", keep=True),
        6: _one("runAsGroup", "int64", keep=True),
        3: _one("runAsNonRoot", "bool", keep=True),
        4: _list("supplementalGroups", "int64"),
        5: _one("fsGroup", "int64", keep=True),
        9: _one("fsGroupChangePolicy", "string", keep=True),
        10: _one("seccompProfile", _SECCOMP_PROFILE, keep=True),
    },
)
_POD_SPEC: Final = _Message(
    "PodSpec",
    {
        1: _list("volumes", _VOLUME),
        20: _list("initContainers", _CONTAINER),
        2: _list("containers", _CONTAINER),
        3: _one("restartPolicy", "string"),
        4: _one("terminationGracePeriodSeconds", "int64", keep=True),
        5: _one("activeDeadlineSeconds", "int64", keep=True),
        6: _one("dnsPolicy", "string"),
        7: _map("nodeSelector", "string"),
        8: _one("serviceAccountName", "string"),
        9: _one("serviceAccount", "string"),
        21: _one("automountServiceAccountToken", "bool", keep=True),
        10: _one("nodeName", "string"),
        11: _one("hostNetwork", "bool"),
        12: _one("hostPID", "bool"),
        13: _one("hostIPC", "bool"),
        14: _one("securityContext", _POD_SECURITY_CONTEXT, keep=True),
        15: _list("imagePullSecrets", _LOCAL_OBJECT_REFERENCE),
        16: _one("hostname", "string"),
        17: _one("subdomain", "string"),
        19: _one("schedulerName", "string"),
        22: _list("tolerations", _TOLERATION),
        24: _one("priorityClassName", "string"),
        25: _one("priority", "int32", keep=True),
        29: _one("runtimeClassName", "string", keep=True),
        30: _one("enableServiceLinks", "bool", keep=True),
    },
)
_POD_TEMPLATE_SPEC: Final = _Message(
    "PodTemplateSpec", {1: _one("metadata", _OBJECT_META), 2: _one("spec", _POD_SPEC)}
)

# -- core/v1: services and the rest -------------------------------------------

_SERVICE_SPEC: Final = _Message(
    "ServiceSpec",
    {
        1: _list(
            "ports",
            _Message(
                "ServicePort",
                {
                    1: _one("name", "string"),
                    2: _one("protocol", "string"),
                    6: _one("appProtocol", "string", keep=True),
                    3: _one("port", "int32", keep=True),
                    4: _one("targetPort", _INT_OR_STRING),
                    5: _one("nodePort", "int32"),
                },
            ),
        ),
        2: _map("selector", "string"),
        3: _one("clusterIP", "string"),
        18: _list("clusterIPs", "string"),
        4: _one("type", "string"),
        5: _list("externalIPs", "string"),
        7: _one("sessionAffinity", "string"),
        8: _one("loadBalancerIP", "string"),
        9: _list("loadBalancerSourceRanges", "string"),
        10: _one("externalName", "string"),
        11: _one("externalTrafficPolicy", "string"),
        12: _one("healthCheckNodePort", "int32"),
        13: _one("publishNotReadyAddresses", "bool"),
        14: _one(
            "sessionAffinityConfig",
            _Message(
                "SessionAffinityConfig",
                {
                    1: _one(
                        "clientIP",
                        _Message("ClientIPConfig", {1: _one("timeoutSeconds", "int32", keep=True)}),
                        keep=True,
                    )
                },
            ),
            keep=True,
        ),
        19: _list("ipFamilies", "string"),
        17: _one("ipFamilyPolicy", "string", keep=True),
        20: _one("allocateLoadBalancerNodePorts", "bool", keep=True),
        21: _one("loadBalancerClass", "string", keep=True),
        22: _one("internalTrafficPolicy", "string", keep=True),
    },
)
_OBJECT_REFERENCE: Final = _Message(
    "ObjectReference",
    {
        1: _one("kind", "string"),
        2: _one("namespace", "string"),
        3: _one("name", "string"),
        4: _one("uid", "string"),
        5: _one("apiVersion", "string"),
        6: _one("resourceVersion", "string"),
        7: _one("fieldPath", "string"),
    },
)

# -- apps/v1, batch/v1 ---------------------------------------------------------

_DEPLOYMENT_SPEC: Final = _Message(
    "DeploymentSpec",
    {
        1: _one("replicas", "int32", keep=True),
        2: _one("selector", _LABEL_SELECTOR, keep=True),
        3: _one("template", _POD_TEMPLATE_SPEC),
        4: _one(
            "strategy",
            _Message(
                "DeploymentStrategy",
                {
                    1: _one("type", "string"),
                    2: _one(
                        "rollingUpdate",
                        _Message(
                            "RollingUpdateDeployment",
                            {
                                1: _one("maxUnavailable", _INT_OR_STRING, keep=True),
                                2: _one("maxSurge", _INT_OR_STRING, keep=True),
                            },
                        ),
                        keep=True,
                    ),
                },
            ),
        ),
        5: _one("minReadySeconds", "int32"),
        6: _one("revisionHistoryLimit", "int32", keep=True),
        7: _one("paused", "bool"),
        9: _one("progressDeadlineSeconds", "int32", keep=True),
    },
)
_JOB_SPEC: Final = _Message(
    "JobSpec",
    {
        1: _one("parallelism", "int32", keep=True),
        2: _one("completions", "int32", keep=True),
        3: _one("activeDeadlineSeconds", "int64", keep=True),
        7: _one("backoffLimit", "int32", keep=True),
        12: _one("backoffLimitPerIndex", "int32", keep=True),
        13: _one("maxFailedIndexes", "int32", keep=True),
        4: _one("selector", _LABEL_SELECTOR, keep=True),
        5: _one("manualSelector", "bool", keep=True),
        6: _one("template", _POD_TEMPLATE_SPEC),
        8: _one("ttlSecondsAfterFinished", "int32", keep=True),
        9: _one("completionMode", "string", keep=True),
        10: _one("suspend", "bool", keep=True),
        14: _one("podReplacementPolicy", "string", keep=True),
        15: _one("managedBy", "string", keep=True),
    },
)
_CRON_JOB_SPEC: Final = _Message(
    "CronJobSpec",
    {
        1: _one("schedule", "string", keep=True),
        8: _one("timeZone", "string", keep=True),
        2: _one("startingDeadlineSeconds", "int64", keep=True),
        3: _one("concurrencyPolicy", "string"),
        4: _one("suspend", "bool", keep=True),
        5: _one(
            "jobTemplate",
            _Message(
                "JobTemplateSpec", {1: _one("metadata", _OBJECT_META), 2: _one("spec", _JOB_SPEC)}
            ),
        ),
        6: _one("successfulJobsHistoryLimit", "int32", keep=True),
        7: _one("failedJobsHistoryLimit", "int32", keep=True),
    },
)

# -- rbac/v1 -------------------------------------------------------------------

_POLICY_RULE: Final = _Message(
    "PolicyRule",
    {
        1: _list("verbs", "string"),
        2: _list("apiGroups", "string"),
        3: _list("resources", "string"),
        4: _list("resourceNames", "string"),
        5: _list("nonResourceURLs", "string"),
    },
)
_BINDING_FIELDS: Final[Mapping[int, _Field]] = {
    2: _list(
        "subjects",
        _Message(
            "Subject",
            {
                1: _one("kind", "string", keep=True),
                2: _one("apiGroup", "string"),
                3: _one("name", "string", keep=True),
                4: _one("namespace", "string"),
            },
        ),
    ),
    3: _one(
        "roleRef",
        _Message(
            "RoleRef",
            {
                1: _one("apiGroup", "string", keep=True),
                2: _one("kind", "string", keep=True),
                3: _one("name", "string", keep=True),
            },
        ),
    ),
}

# -- the kinds accepted as protobuf -------------------------------------------


def _with_spec(name: str, spec: _Message | None) -> _Message:
    # metadata = 1, spec = 2 (status = 3 is never sent by a create).
    return _kind(name, {} if spec is None else {2: _one("spec", spec)})


_KINDS: Final[Mapping[tuple[str, str], _Message]] = {
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): _with_spec(
        "SelfSubjectAccessReview",
        _Message(
            "SelfSubjectAccessReviewSpec",
            {
                1: _one("resourceAttributes", _RESOURCE_ATTRIBUTES),
                2: _one("nonResourceAttributes", _NON_RESOURCE_ATTRIBUTES),
            },
        ),
    ),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): _with_spec(
        "SelfSubjectRulesReview",
        _Message("SelfSubjectRulesReviewSpec", {1: _one("namespace", "string")}),
    ),
    ("authorization.k8s.io/v1", "SubjectAccessReview"): _with_spec(
        "SubjectAccessReview",
        _Message(
            "SubjectAccessReviewSpec",
            {
                1: _one("resourceAttributes", _RESOURCE_ATTRIBUTES),
                2: _one("nonResourceAttributes", _NON_RESOURCE_ATTRIBUTES),
                3: _one("user", "string"),
                4: _list("groups", "string"),
                5: _map("extra", _EXTRA_VALUE),
                6: _one("uid", "string"),
            },
        ),
    ),
    ("authentication.k8s.io/v1", "TokenReview"): _with_spec(
        "TokenReview",
        _Message("TokenReviewSpec", {1: _one("token", "string"), 2: _list("audiences", "string")}),
    ),
    # SelfSubjectReview is metadata (1) and status (2); a request carries no spec.
    ("authentication.k8s.io/v1", "SelfSubjectReview"): _with_spec("SelfSubjectReview", None),
    ("v1", "Namespace"): _with_spec(
        "Namespace", _Message("NamespaceSpec", {1: _list("finalizers", "string")})
    ),
    ("v1", "ConfigMap"): _kind(
        "ConfigMap",
        {
            4: _one("immutable", "bool", keep=True),
            2: _map("data", "string"),
            3: _map("binaryData", "bytes"),
        },
    ),
    ("v1", "Secret"): _kind(
        "Secret",
        {
            5: _one("immutable", "bool", keep=True),
            2: _map("data", "bytes"),
            4: _map("stringData", "string"),
            3: _one("type", "string"),
        },
    ),
    ("v1", "Service"): _with_spec("Service", _SERVICE_SPEC),
    ("v1", "ServiceAccount"): _kind(
        "ServiceAccount",
        {
            2: _list("secrets", _OBJECT_REFERENCE),
            3: _list("imagePullSecrets", _LOCAL_OBJECT_REFERENCE),
            4: _one("automountServiceAccountToken", "bool", keep=True),
        },
    ),
    ("apps/v1", "Deployment"): _with_spec("Deployment", _DEPLOYMENT_SPEC),
    ("batch/v1", "Job"): _with_spec("Job", _JOB_SPEC),
    ("batch/v1", "CronJob"): _with_spec("CronJob", _CRON_JOB_SPEC),
    ("rbac.authorization.k8s.io/v1", "Role"): _kind("Role", {2: _list("rules", _POLICY_RULE)}),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): _kind(
        "ClusterRole",
        {
            2: _list("rules", _POLICY_RULE),
            3: _one(
                "aggregationRule",
                _Message("AggregationRule", {1: _list("clusterRoleSelectors", _LABEL_SELECTOR)}),
                keep=True,
            ),
        },
    ),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): _kind("RoleBinding", _BINDING_FIELDS),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): _kind(
        "ClusterRoleBinding", _BINDING_FIELDS
    ),
}


def _accepted() -> str:
    """E.g. "A, B (g/v1), C (v1) and D (x/v1)": the kinds grouped by apiVersion."""
    by_version: dict[str, list[str]] = {}
    for api_version, kind in _KINDS:
        by_version.setdefault(api_version, []).append(kind)
    groups = [f"{', '.join(kinds)} ({version})" for version, kinds in by_version.items()]
    return groups[0] if len(groups) == 1 else f"{', '.join(groups[:-1])} and {groups[-1]}"


_ACCEPTED: Final = _accepted()

_TYPE_META: Final = _Message(
    "TypeMeta", {1: _one("apiVersion", "string"), 2: _one("kind", "string")}
)


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def _wrong_wire_type(wire_type: int, field_name: str, message_name: str) -> ProtobufError:
    return ProtobufError(
        f"unable to decode protobuf body: proto: wrong wireType = {wire_type} "
        f"for field {field_name} of {message_name}"
    )


def _scalar(kind: _Scalar, field: _WireField, field_name: str, message_name: str) -> Any:
    """One scalar value; varint types want wire type 0, the others 2."""
    expected = _VARINT if kind in _VARINT_SCALARS else _LENGTH_DELIMITED
    if field.wire_type != expected:
        raise _wrong_wire_type(field.wire_type, field_name, message_name)
    if kind == "string":
        return _text(field.payload)
    if kind == "bytes":
        return base64.b64encode(field.payload).decode("ascii")
    if kind == "int32":
        return _signed(field.value, 32)
    if kind == "int64":
        return _signed(field.value, 64)
    return field.value != 0  # bool


def _packed(kind: _Scalar, field: _WireField, field_name: str, message_name: str) -> list[Any]:
    """A repeated varint field: one element, or a packed run of them."""
    if field.wire_type != _LENGTH_DELIMITED or kind not in _VARINT_SCALARS:
        return [_scalar(kind, field, field_name, message_name)]
    items: list[Any] = []
    pos = 0
    while pos < len(field.payload):
        value, pos = _read_varint(field.payload, pos)
        items.append(_scalar(kind, _WireField(field.number, _VARINT, value=value), "", ""))
    return items


def _message_value(field: _WireField, spec: _Field, message: _Message) -> Any:
    """A sub-message decoded on its own (a list item or a converted message)."""
    assert isinstance(spec.type, _Message)
    if field.wire_type != _LENGTH_DELIMITED:
        raise _wrong_wire_type(field.wire_type, spec.name, message.name)
    decoded = _decode(field.payload, spec.type, {})
    return spec.type.json(decoded) if spec.type.json is not None else decoded


def _map_entry(field: _WireField, spec: _Field, message: _Message) -> tuple[str, Any]:
    """A ``map<string, V>`` entry message: key is field 1, the value field 2."""
    entry_name = f"{message.name}.{spec.name} entry"
    if field.wire_type != _LENGTH_DELIMITED:
        raise _wrong_wire_type(field.wire_type, spec.name, message.name)
    entry = _Message(
        entry_name, {1: _one("key", "string", keep=True), 2: _one("value", spec.type, keep=True)}
    )
    decoded = _decode(field.payload, entry, {})
    if "value" in decoded:
        value = decoded["value"]
    elif isinstance(spec.type, _Message):
        # An absent message value is the zero message.
        value = spec.type.json({}) if spec.type.json is not None else {}
    else:
        value = _ZERO[spec.type]
    return decoded.get("key", ""), value


def _is_zero(value: Any) -> bool:
    return (
        value is False
        or (type(value) is int and value == 0)
        or (isinstance(value, str | list | dict) and not value)
    )


def _decode(payload: bytes, message: _Message, out: dict[str, Any]) -> dict[str, Any]:
    """Decode ``payload`` into ``out`` with protobuf's merge rules, then omit zero values.

    A repeated singular field keeps its last value, a repeated sub-message
    merges into the earlier one (a message with a JSON conversion, such as
    Quantity, keeps the last), lists and maps accumulate. Zero values (empty
    strings, lists, maps and sub-messages, 0, false) of fields not marked
    ``keep`` are then dropped, as the JSON form's omitempty does: gogo-protobuf
    writes every non-pointer field, even when empty. Map entries and list items
    are kept as they are (a label may have an empty value).
    """
    for field in _fields(payload, message.name):
        spec = message.fields.get(field.number)
        if spec is None:
            continue
        sub = spec.type if isinstance(spec.type, _Message) else None
        if spec.shape == "map":
            key, value = _map_entry(field, spec, message)
            out.setdefault(spec.name, {})[key] = value
        elif spec.shape == "repeated":
            items = out.setdefault(spec.name, [])
            if sub is not None:
                items.append(_message_value(field, spec, message))
            else:
                assert not isinstance(spec.type, _Message)
                items.extend(_packed(spec.type, field, spec.name, message.name))
        elif sub is None:
            assert not isinstance(spec.type, _Message)
            out[spec.name] = _scalar(spec.type, field, spec.name, message.name)
        elif spec.inline:
            # An embedded Go struct: its fields are the parent's in JSON.
            if field.wire_type != _LENGTH_DELIMITED:
                raise _wrong_wire_type(field.wire_type, spec.name, message.name)
            _decode(field.payload, sub, out)
        elif sub.json is not None:
            out[spec.name] = _message_value(field, spec, message)
        else:
            if field.wire_type != _LENGTH_DELIMITED:
                raise _wrong_wire_type(field.wire_type, spec.name, message.name)
            existing = out.get(spec.name)
            target: dict[str, Any] = existing if isinstance(existing, dict) else {}
            out[spec.name] = _decode(field.payload, sub, target)
    for spec in message.fields.values():
        if not spec.keep and not spec.inline and spec.name in out and _is_zero(out[spec.name]):
            del out[spec.name]
    return out


def _decode_envelope(data: bytes) -> tuple[str, str, str, bytes]:
    """runtime.Unknown: typeMeta = 1, raw = 2, contentEncoding = 3, contentType = 4."""
    type_meta: dict[str, Any] = {}
    raw = b""
    encoding = ""
    for field in _fields(data, "Unknown"):
        if field.number == 1:
            if field.wire_type != _LENGTH_DELIMITED:
                raise _wrong_wire_type(field.wire_type, "typeMeta", "Unknown")
            type_meta = _decode(field.payload, _TYPE_META, type_meta)
        elif field.number == 2:
            if field.wire_type != _LENGTH_DELIMITED:
                raise _wrong_wire_type(field.wire_type, "raw", "Unknown")
            raw = field.payload
        elif field.number == 3:
            if field.wire_type != _LENGTH_DELIMITED:
                raise _wrong_wire_type(field.wire_type, "contentEncoding", "Unknown")
            encoding = _text(field.payload)
        elif field.number == 4 and field.wire_type != _LENGTH_DELIMITED:
            # contentType names the raw bytes' format; for a k8s\x00 envelope
            # it is protobuf (or empty), so it is read only to be checked.
            raise _wrong_wire_type(field.wire_type, "contentType", "Unknown")
    return type_meta.get("apiVersion", ""), type_meta.get("kind", ""), encoding, raw


def decode_object(body: bytes) -> dict[str, Any]:
    """Decode a ``k8s\\x00``-prefixed protobuf request body into its JSON-shaped dict.

    Returns e.g. ``{"apiVersion": "authorization.k8s.io/v1", "kind":
    "SelfSubjectAccessReview", "spec": {"resourceAttributes": {...}}}`` with
    zero-valued optional fields omitted. Raises ProtobufError for a missing
    prefix, malformed or truncated bytes, a content encoding, or a kind outside
    ``_KINDS``.
    """
    if not body:
        raise ProtobufError("unable to decode protobuf body: empty data")
    if not bytes(body[: len(_MAGIC)]) == _MAGIC:
        # The protobuf serializer's own wording, prefix printed as Go's %v of []byte.
        raise ProtobufError(
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
        )
    api_version, kind, encoding, raw = _decode_envelope(bytes(body[len(_MAGIC) :]))
    if encoding:
        raise ProtobufError(
            f'unable to decode protobuf body for kind "{kind}": '
            f'unsupported content encoding "{encoding}"; send JSON'
        )
    message = _KINDS.get((api_version, kind))
    if message is None:
        # Name the apiVersion too when the kind is right but the version is not.
        known_kind = any(known == kind for _, known in _KINDS)
        where = f' in apiVersion "{api_version}"' if known_kind else ""
        raise ProtobufError(
            f'unable to decode protobuf body for kind "{kind}"{where}: only {_ACCEPTED} '
            "are accepted as protobuf; send JSON"
        )
    decoded = _decode(raw, message, {})
    return {"apiVersion": api_version, "kind": kind, **decoded}
