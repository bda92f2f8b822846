"""Decoding Kubernetes protobuf request envelopes (k8s\\x00 + runtime.Unknown)."""

from __future__ import annotations

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
    return key(number, 0) + varint(value)


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
            "SelfSubjectReview (authentication.k8s.io/v1) and Namespace (v1) are accepted as "
            "protobuf; send JSON",
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
