"""Decoding the few Kubernetes protobuf request bodies typed Go clients send.

Typed client-go clients prefer ``application/vnd.kubernetes.protobuf`` for
built-in kinds, so ``kubectl auth can-i``, ``kubectl auth whoami``,
``kubectl create namespace`` and kubernetes-mcp-server's access checks POST
protobuf even though the sandbox otherwise speaks JSON. This module owns
turning such a body into the dict the JSON API would have received, for the
handful of kinds that arrive that way; everything else is refused with a
message telling the client to send JSON.

The envelope is k8s.io/apimachinery's protobuf serializer: the magic prefix
``k8s\\x00`` followed by a ``runtime.Unknown`` message (typeMeta, raw,
contentEncoding, contentType) whose ``raw`` bytes are the object's own message.
Field numbers come from the upstream generated.proto files of
authorization/v1, authentication/v1, core/v1, meta/v1 and runtime.

Pure functions only; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

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


def _fields(data: bytes, message: str) -> list[tuple[int, int, bytes]]:
    """Split a message into (field number, wire type, payload) triples.

    Varint and fixed-width payloads are skipped over (their bytes are not
    needed: every field we read is length-delimited), so unknown fields of any
    supported wire type pass through harmlessly.
    """
    out: list[tuple[int, int, bytes]] = []
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
            _, pos = _read_varint(data, pos)
            out.append((number, wire_type, b""))
        elif wire_type in (_FIXED64, _FIXED32):
            size = 8 if wire_type == _FIXED64 else 4
            if pos + size > len(data):
                raise ProtobufError("unable to decode protobuf body: unexpected EOF")
            pos += size
            out.append((number, wire_type, b""))
        elif wire_type == _LENGTH_DELIMITED:
            length, pos = _read_varint(data, pos)
            if length >= 1 << 63:
                raise ProtobufError(
                    "unable to decode protobuf body: "
                    "proto: negative length found during unmarshaling"
                )
            if pos + length > len(data):
                raise ProtobufError("unable to decode protobuf body: unexpected EOF")
            out.append((number, wire_type, data[pos : pos + length]))
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


# ---------------------------------------------------------------------------
# Message schemas
# ---------------------------------------------------------------------------

_Kind = Literal["string", "strings", "message", "string_map", "extra_map"]


@dataclass(frozen=True)
class _Message:
    """The fields we read from one message type; everything else is skipped."""

    name: str  # the Go type name, used in wire-type error messages
    fields: Mapping[int, _Field]


@dataclass(frozen=True)
class _Field:
    """One field: its JSON name, its shape, and for sub-messages their schema."""

    name: str
    kind: _Kind
    message: _Message | None = None


def _sub(name: str, message: _Message) -> _Field:
    return _Field(name, "message", message)


# meta/v1 ObjectMeta: only what a create request meaningfully carries; the
# rest (uid, resourceVersion, timestamps, ownerReferences, ...) is server-set
# or irrelevant for these kinds, and is skipped like any unknown field.
_OBJECT_META: Final = _Message(
    "ObjectMeta",
    {
        1: _Field("name", "string"),
        2: _Field("generateName", "string"),
        3: _Field("namespace", "string"),
        11: _Field("labels", "string_map"),
        12: _Field("annotations", "string_map"),
    },
)

# authorization/v1. ResourceAttributes 8 (fieldSelector) and 9 (labelSelector)
# are alpha-gated and deliberately skipped.
_RESOURCE_ATTRIBUTES: Final = _Message(
    "ResourceAttributes",
    {
        1: _Field("namespace", "string"),
        2: _Field("verb", "string"),
        3: _Field("group", "string"),
        4: _Field("version", "string"),
        5: _Field("resource", "string"),
        6: _Field("subresource", "string"),
        7: _Field("name", "string"),
    },
)
_NON_RESOURCE_ATTRIBUTES: Final = _Message(
    "NonResourceAttributes", {1: _Field("path", "string"), 2: _Field("verb", "string")}
)
_EXTRA_VALUE: Final = _Message("ExtraValue", {1: _Field("items", "strings")})


def _object(name: str, spec: _Message | None) -> _Message:
    # Every kind here is metadata = 1, spec = 2 (status = 3 is never sent).
    fields: dict[int, _Field] = {1: _sub("metadata", _OBJECT_META)}
    if spec is not None:
        fields[2] = _sub("spec", spec)
    return _Message(name, fields)


_KINDS: Final[Mapping[tuple[str, str], _Message]] = {
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): _object(
        "SelfSubjectAccessReview",
        _Message(
            "SelfSubjectAccessReviewSpec",
            {
                1: _sub("resourceAttributes", _RESOURCE_ATTRIBUTES),
                2: _sub("nonResourceAttributes", _NON_RESOURCE_ATTRIBUTES),
            },
        ),
    ),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): _object(
        "SelfSubjectRulesReview",
        _Message("SelfSubjectRulesReviewSpec", {1: _Field("namespace", "string")}),
    ),
    ("authorization.k8s.io/v1", "SubjectAccessReview"): _object(
        "SubjectAccessReview",
        _Message(
            "SubjectAccessReviewSpec",
            {
                1: _sub("resourceAttributes", _RESOURCE_ATTRIBUTES),
                2: _sub("nonResourceAttributes", _NON_RESOURCE_ATTRIBUTES),
                3: _Field("user", "string"),
                4: _Field("groups", "strings"),
                5: _Field("extra", "extra_map"),
                6: _Field("uid", "string"),
            },
        ),
    ),
    ("authentication.k8s.io/v1", "TokenReview"): _object(
        "TokenReview",
        _Message(
            "TokenReviewSpec", {1: _Field("token", "string"), 2: _Field("audiences", "strings")}
        ),
    ),
    # SelfSubjectReview is metadata (1) and status (2); a request carries no spec.
    ("authentication.k8s.io/v1", "SelfSubjectReview"): _object("SelfSubjectReview", None),
    ("v1", "Namespace"): _object(
        "Namespace", _Message("NamespaceSpec", {1: _Field("finalizers", "strings")})
    ),
}
_ACCEPTED: Final = (
    "SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview "
    "(authorization.k8s.io/v1), TokenReview, SelfSubjectReview (authentication.k8s.io/v1) "
    "and Namespace (v1)"
)

_TYPE_META: Final = _Message(
    "TypeMeta", {1: _Field("apiVersion", "string"), 2: _Field("kind", "string")}
)


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def _expect_bytes(wire_type: int, field_name: str, message_name: str) -> None:
    # Every field we read is length-delimited; anything else is malformed.
    if wire_type != _LENGTH_DELIMITED:
        raise ProtobufError(
            f"unable to decode protobuf body: proto: wrong wireType = {wire_type} "
            f"for field {field_name} of {message_name}"
        )


def _map_entry(payload: bytes, entry_name: str) -> tuple[str, bytes]:
    """A map<string, V> entry message: key is field 1, the value's bytes field 2."""
    key = ""
    value = b""
    for number, wire_type, data in _fields(payload, entry_name):
        if number == 1:
            _expect_bytes(wire_type, "key", entry_name)
            key = _text(data)
        elif number == 2:
            _expect_bytes(wire_type, "value", entry_name)
            value = data
    return key, value


def _decode(payload: bytes, message: _Message, out: dict[str, Any]) -> dict[str, Any]:
    """Decode ``payload`` into ``out`` with protobuf's merge rules, then omit empties.

    A repeated singular field keeps its last value, a repeated sub-message
    merges into the earlier one, repeated and map fields accumulate. Empty
    strings, lists, maps and sub-messages are then dropped, as the JSON form's
    omitempty does: gogo-protobuf writes proto2 strings and nested messages
    even when empty. Map entries and list items are kept as they are (a label
    may have an empty value).
    """
    for number, wire_type, data in _fields(payload, message.name):
        spec = message.fields.get(number)
        if spec is None:
            continue
        _expect_bytes(wire_type, spec.name, message.name)
        if spec.kind == "string":
            out[spec.name] = _text(data)
        elif spec.kind == "strings":
            out.setdefault(spec.name, []).append(_text(data))
        elif spec.kind == "message" and spec.message is not None:
            existing = out.get(spec.name)
            target: dict[str, Any] = existing if isinstance(existing, dict) else {}
            out[spec.name] = _decode(data, spec.message, target)
        elif spec.kind == "string_map":
            key, value = _map_entry(data, f"{message.name}.{spec.name} entry")
            out.setdefault(spec.name, {})[key] = _text(value)
        elif spec.kind == "extra_map":
            key, value = _map_entry(data, f"{message.name}.{spec.name} entry")
            items = _decode(value, _EXTRA_VALUE, {})
            out.setdefault(spec.name, {})[key] = items.get("items", [])
    for spec in message.fields.values():
        if out.get(spec.name) in ("", [], {}):
            del out[spec.name]
    return out


def _decode_envelope(data: bytes) -> tuple[str, str, str, bytes]:
    """runtime.Unknown: typeMeta = 1, raw = 2, contentEncoding = 3, contentType = 4."""
    type_meta: dict[str, Any] = {}
    raw = b""
    encoding = ""
    for number, wire_type, payload in _fields(data, "Unknown"):
        if number == 1:
            _expect_bytes(wire_type, "typeMeta", "Unknown")
            type_meta = _decode(payload, _TYPE_META, type_meta)
        elif number == 2:
            _expect_bytes(wire_type, "raw", "Unknown")
            raw = payload
        elif number == 3:
            _expect_bytes(wire_type, "contentEncoding", "Unknown")
            encoding = _text(payload)
        elif number == 4:
            # contentType names the raw bytes' format; for a k8s\x00 envelope
            # it is protobuf (or empty), so it is read only to be checked.
            _expect_bytes(wire_type, "contentType", "Unknown")
    return type_meta.get("apiVersion", ""), type_meta.get("kind", ""), encoding, raw


def decode_object(body: bytes) -> dict[str, Any]:
    """Decode a ``k8s\\x00``-prefixed protobuf request body into its JSON-shaped dict.

    Returns e.g. ``{"apiVersion": "authorization.k8s.io/v1", "kind":
    "SelfSubjectAccessReview", "spec": {"resourceAttributes": {...}}}`` with
    empty fields omitted. Raises ProtobufError for a missing prefix, malformed
    or truncated bytes, a content encoding, or a kind outside the short list
    above.
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
