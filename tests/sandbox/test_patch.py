"""Merge patch, JSON patch, strategic merge patch and the server-side apply stand-in."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ols_sandbox.patch import (
    PatchError,
    apply_json_patch,
    apply_merge_patch,
    apply_server_side_apply,
    apply_strategic_merge_patch,
)


def _pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "labels": {"app": "web", "tier": "front"},
            "finalizers": ["a.example.com/x"],
            "ownerReferences": [{"uid": "u1", "kind": "ReplicaSet", "name": "web"}],
        },
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx:1",
                    "ports": [{"containerPort": 80, "name": "http"}],
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "volumeMounts": [{"mountPath": "/data", "name": "data"}],
                    "args": ["--one", "--two"],
                },
                {"name": "sidecar", "image": "busybox"},
            ],
            "tolerations": [{"key": "k1", "operator": "Exists"}],
            "volumes": [{"name": "data", "emptyDir": {}}],
        },
        "status": {"conditions": [{"type": "Ready", "status": "False"}]},
    }


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = obj["spec"]["containers"]
    return containers


# ---------------------------------------------------------------------------
# JSON merge patch
# ---------------------------------------------------------------------------


def test_merge_patch_merges_maps_deletes_nulls_and_replaces_lists() -> None:
    original = _pod()
    snapshot = copy.deepcopy(original)
    patch = {
        "metadata": {"labels": {"tier": None, "new": "yes"}, "finalizers": None},
        "spec": {"containers": [{"name": "only"}]},
        "status": {"phase": "Running"},
    }
    result = apply_merge_patch(original, patch)
    assert result["metadata"]["labels"] == {"app": "web", "new": "yes"}
    assert "finalizers" not in result["metadata"]
    assert result["spec"]["containers"] == [{"name": "only"}]
    assert result["spec"]["tolerations"] == snapshot["spec"]["tolerations"]
    assert result["status"] == {"conditions": snapshot["status"]["conditions"], "phase": "Running"}
    assert original == snapshot  # inputs are never mutated
    result["metadata"]["labels"]["app"] = "changed"
    assert original["metadata"]["labels"]["app"] == "web"


def test_merge_patch_creates_nested_maps_without_nulls() -> None:
    result = apply_merge_patch({"a": 1}, {"b": {"c": {"d": None, "e": 2}}, "a": None})
    assert result == {"b": {"c": {"e": 2}}}


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (None, "Invalid JSON Patch"),
        ([1], "json: cannot unmarshal array into Go value of type map[string]interface {}"),
        ("x", "json: cannot unmarshal string into Go value of type map[string]interface {}"),
    ],
)
def test_merge_patch_rejects_non_objects(patch: Any, message: str) -> None:
    with pytest.raises(PatchError) as info:
        apply_merge_patch({"a": 1}, patch)
    assert str(info.value) == message


_json_scalar = st.one_of(st.booleans(), st.integers(-5, 5), st.text(max_size=3))
_json_value = st.recursive(
    _json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)
_json_object = st.dictionaries(st.text(max_size=3), _json_value, max_size=4)


def _merge_diff(source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """The RFC 7386 patch that turns ``source`` into ``target`` (no nulls in either)."""
    patch: dict[str, Any] = {}
    for key in source.keys() - target.keys():
        patch[key] = None
    for key, value in target.items():
        if key not in source:
            patch[key] = value
        elif isinstance(value, dict) and isinstance(source[key], dict):
            sub = _merge_diff(source[key], value)
            if sub:
                patch[key] = sub
        elif value != source[key] or type(value) is not type(source[key]):
            patch[key] = value
    return patch


@settings(max_examples=300, deadline=None)
@given(_json_object, _json_object)
def test_merge_patch_of_a_diff_gives_the_target(
    source: dict[str, Any], target: dict[str, Any]
) -> None:
    snapshot = copy.deepcopy(source)
    assert apply_merge_patch(source, _merge_diff(source, target)) == target
    assert source == snapshot


# ---------------------------------------------------------------------------
# JSON patch
# ---------------------------------------------------------------------------


def test_json_patch_applies_operations_in_order() -> None:
    original = _pod()
    snapshot = copy.deepcopy(original)
    patch = [
        {"op": "test", "path": "/metadata/name", "value": "web-1"},
        {"op": "add", "path": "/metadata/annotations", "value": {}},
        {"op": "add", "path": "/metadata/annotations/a~1b", "value": "1"},
        {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:2"},
        {"op": "remove", "path": "/spec/containers/1"},
        {"op": "add", "path": "/spec/containers/-", "value": {"name": "late"}},
        {"op": "copy", "from": "/metadata/labels/app", "path": "/metadata/labels/copy"},
        {"op": "move", "from": "/metadata/labels/tier", "path": "/metadata/labels/level"},
        {"op": "add", "path": "/metadata/labels/nothing"},  # value omitted: null, like Go
    ]
    result = apply_json_patch(original, patch)
    assert result["metadata"]["annotations"] == {"a/b": "1"}
    assert [c["name"] for c in _containers(result)] == ["web", "late"]
    assert _containers(result)[0]["image"] == "nginx:2"
    assert result["metadata"]["labels"] == {
        "app": "web",
        "copy": "web",
        "level": "front",
        "nothing": None,
    }
    assert original == snapshot


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            [{"op": "add", "path": "/metadata/annotations/x", "value": "1"}],
            'add operation does not apply: doc is missing path: "/metadata/annotations/x": '
            "missing value",
        ),
        (
            [{"op": "replace", "path": "/spec/nope", "value": 1}],
            "replace operation does not apply: doc is missing key: /spec/nope: missing value",
        ),
        (
            [{"op": "replace", "path": "/nope/deeper", "value": 1}],
            "replace operation does not apply: doc is missing path: /nope/deeper: missing value",
        ),
        (
            [{"op": "remove", "path": "/metadata/nope"}],
            "error in remove for path: '/metadata/nope': Unable to remove nonexistent key: "
            "nope: missing value",
        ),
        (
            [{"op": "remove", "path": "/spec/containers/7"}],
            "error in remove for path: '/spec/containers/7': Unable to access invalid index: 7: "
            "invalid index referenced",
        ),
        (
            [{"op": "add", "path": "/spec/containers/9", "value": {}}],
            "error in add for path: '/spec/containers/9': Unable to access invalid index: 9: "
            "invalid index referenced",
        ),
        (
            [{"op": "test", "path": "/metadata/name", "value": "other"}],
            "testing value /metadata/name failed: test failed",
        ),
        (
            [{"op": "move", "from": "/metadata/nope", "path": "/metadata/x"}],
            "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value",
        ),
        (
            [{"op": "copy", "from": "/nope/x", "path": "/metadata/x"}],
            "copy operation does not apply: doc is missing from path: /nope/x: missing value",
        ),
        (
            [{"op": "replace", "path": "", "value": {}}],
            "replace operation does not apply: doc is missing path: : missing value",
        ),
        ([{"op": "bogus", "path": "/a"}], "Unexpected kind: bogus"),
        ([{"path": "/a"}], "Unexpected kind: unknown"),
        ([{"op": "add", "value": 1}], "add operation failed to decode path: missing value"),
        (
            {"op": "add"},
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        ),
        ([3], "json: cannot unmarshal number into Go value of type jsonpatch.Operation"),
    ],
)
def test_json_patch_errors_read_like_kube_apiserver(patch: Any, message: str) -> None:
    original = _pod()
    snapshot = copy.deepcopy(original)
    with pytest.raises(PatchError) as info:
        apply_json_patch(original, patch)
    assert str(info.value) == message
    assert original == snapshot


# ---------------------------------------------------------------------------
# Strategic merge patch
# ---------------------------------------------------------------------------


def test_smp_merges_containers_by_name_and_nested_lists_by_their_keys() -> None:
    original = _pod()
    snapshot = copy.deepcopy(original)
    patch = {
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx:2",
                    "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}],
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "volumeMounts": [{"mountPath": "/data", "readOnly": True}],
                    "args": ["--three"],
                }
            ]
        }
    }
    result = apply_strategic_merge_patch(original, patch)
    web, sidecar = _containers(result)
    assert web["image"] == "nginx:2"
    assert sidecar == {"name": "sidecar", "image": "busybox"}
    assert {e["name"]: e["value"] for e in web["env"]} == {"A": "1", "B": "two", "C": "3"}
    assert web["ports"] == [{"containerPort": 80, "name": "http", "protocol": "TCP"}]
    assert web["volumeMounts"] == [{"mountPath": "/data", "name": "data", "readOnly": True}]
    assert web["args"] == ["--three"]  # lists without a merge key are replaced
    assert original == snapshot


def test_smp_new_list_items_go_where_kube_apiserver_puts_them() -> None:
    # Without $setElementOrder upstream places new items before the server-only
    # ones (kubectl patch adding a container shows it first).
    result = apply_strategic_merge_patch(
        _pod(), {"spec": {"containers": [{"name": "extra", "image": "redis"}]}}
    )
    assert [c["name"] for c in _containers(result)] == ["extra", "web", "sidecar"]
    # Patched existing items keep their place; new ones follow the last of them.
    result = apply_strategic_merge_patch(
        _pod(),
        {"spec": {"containers": [{"name": "web", "image": "x"}, {"name": "extra"}]}},
    )
    assert [c["name"] for c in _containers(result)] == ["web", "extra", "sidecar"]


def test_smp_set_element_order_decides_the_order() -> None:
    patch = {
        "spec": {
            "$setElementOrder/containers": [
                {"name": "sidecar"},
                {"name": "extra"},
                {"name": "web"},
            ],
            "containers": [{"name": "extra", "image": "redis"}],
        }
    }
    result = apply_strategic_merge_patch(_pod(), patch)
    assert [c["name"] for c in _containers(result)] == ["sidecar", "extra", "web"]
    assert not any(k.startswith("$") for k in result["spec"])


def test_smp_patch_delete_and_replace_directives() -> None:
    deleted = apply_strategic_merge_patch(
        _pod(), {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}
    )
    assert [c["name"] for c in _containers(deleted)] == ["web"]

    replaced = apply_strategic_merge_patch(
        _pod(), {"spec": {"containers": [{"name": "solo"}, {"$patch": "replace"}]}}
    )
    assert _containers(replaced) == [{"name": "solo"}]

    map_replaced = apply_strategic_merge_patch(
        _pod(), {"metadata": {"labels": {"$patch": "replace", "only": "this"}}}
    )
    assert map_replaced["metadata"]["labels"] == {"only": "this"}

    map_deleted = apply_strategic_merge_patch(
        _pod(), {"metadata": {"labels": {"$patch": "delete"}}}
    )
    assert map_deleted["metadata"]["labels"] == {}


def test_smp_primitive_lists_finalizers_and_deletions() -> None:
    result = apply_strategic_merge_patch(
        _pod(),
        {"metadata": {"finalizers": ["b.example.com/y", "a.example.com/x"], "labels": None}},
    )
    assert result["metadata"]["finalizers"] == ["b.example.com/y", "a.example.com/x"]
    assert "labels" not in result["metadata"]

    removed = apply_strategic_merge_patch(
        _pod(), {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a.example.com/x"]}}
    )
    assert removed["metadata"]["finalizers"] == []
    assert "$deleteFromPrimitiveList/finalizers" not in removed["metadata"]

    # Deleting from a list the object does not have changes nothing.
    untouched = apply_strategic_merge_patch(
        _pod(), {"spec": {"$deleteFromPrimitiveList/finalizers": ["x"]}}
    )
    assert "finalizers" not in untouched["spec"]


def test_smp_atomic_lists_are_replaced() -> None:
    result = apply_strategic_merge_patch(
        _pod(), {"spec": {"tolerations": [{"key": "k2", "operator": "Exists"}]}}
    )
    assert result["spec"]["tolerations"] == [{"key": "k2", "operator": "Exists"}]


def test_smp_keys_for_conditions_owner_references_and_volumes() -> None:
    result = apply_strategic_merge_patch(
        _pod(),
        {
            "metadata": {"ownerReferences": [{"uid": "u1", "controller": True}]},
            "spec": {"volumes": [{"name": "cache", "emptyDir": {}}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        },
    )
    assert result["metadata"]["ownerReferences"] == [
        {"uid": "u1", "kind": "ReplicaSet", "name": "web", "controller": True}
    ]
    assert [v["name"] for v in result["spec"]["volumes"]] == ["cache", "data"]
    assert result["status"]["conditions"] == [{"type": "Ready", "status": "True"}]


def test_smp_ports_key_depends_on_where_the_list_is() -> None:
    service = {
        "kind": "Service",
        "spec": {"ports": [{"port": 80, "name": "http", "targetPort": 8080}]},
    }
    result = apply_strategic_merge_patch(
        service, {"spec": {"ports": [{"port": 80, "name": "web"}]}}
    )
    assert result["spec"]["ports"] == [{"port": 80, "name": "web", "targetPort": 8080}]
    added = apply_strategic_merge_patch(service, {"spec": {"ports": [{"port": 443}]}})
    assert [p["port"] for p in added["spec"]["ports"]] == [443, 80]

    # Without a kind, Service-shaped ports (carrying "port") still merge by port.
    kindless = {"spec": {"ports": [{"port": 80, "name": "http"}]}}
    merged = apply_strategic_merge_patch(kindless, {"spec": {"ports": [{"port": 80, "x": 1}]}})
    assert merged["spec"]["ports"] == [{"port": 80, "name": "http", "x": 1}]

    # A NetworkPolicy's ports are atomic.
    policy = {"kind": "NetworkPolicy", "spec": {"ingress": [{"ports": [{"port": 80}]}]}}
    replaced = apply_strategic_merge_patch(
        policy, {"spec": {"ingress": [{"ports": [{"port": 443}]}]}}
    )
    assert replaced["spec"]["ingress"] == [{"ports": [{"port": 443}]}]


def test_smp_retain_keys_clears_the_other_union_members() -> None:
    deployment = {
        "kind": "Deployment",
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}},
    }
    result = apply_strategic_merge_patch(
        deployment, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    )
    assert result["spec"]["strategy"] == {"type": "Recreate"}
    with pytest.raises(PatchError, match="invalid patch format of retainKeys"):
        apply_strategic_merge_patch(
            deployment, {"spec": {"strategy": {"$retainKeys": ["type"], "other": 1}}}
        )


def test_smp_new_values_are_stored_without_directives_or_nulls() -> None:
    result = apply_strategic_merge_patch(
        {"kind": "Pod"},
        {
            "spec": {
                "containers": [
                    {"name": "a", "image": None, "env": [{"name": "X", "$patch": "delete"}]},
                    {"$patch": "replace"},
                ]
            }
        },
    )
    assert result == {"kind": "Pod", "spec": {"containers": [{"name": "a", "env": []}]}}


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            {"spec": {"containers": [{"image": "x"}]}},
            "map: map[image:x] does not contain declared merge key: name",
        ),
        (
            {"spec": {"containers": [{"$patch": "delete"}]}},
            "map: map[$patch:delete] does not contain declared merge key: name",
        ),
        (
            {"spec": {"$patch": "explode"}},
            "unknown patch type: explode in map: map[$patch:explode]",
        ),
        (
            {"spec": {"containers": [{"name": "web", "$patch": "merge"}]}},
            "merging lists cannot yet be specified in the patch",
        ),
        (
            {"spec": {"$setElementOrder/volumes": "x"}},
            "expected a []interface {}, but received a string",
        ),
        ({"spec": {"$setElementOrder": []}}, "invalid patch format of setElementOrder list"),
        ([1, 2], "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ],
)
def test_smp_errors_read_like_kube_apiserver(patch: Any, message: str) -> None:
    original = _pod()
    snapshot = copy.deepcopy(original)
    with pytest.raises(PatchError) as info:
        apply_strategic_merge_patch(original, patch)
    assert str(info.value) == message
    assert original == snapshot


def test_smp_null_patch_changes_nothing() -> None:
    assert apply_strategic_merge_patch(_pod(), None) == _pod()


_map_only = st.recursive(
    _json_scalar,
    lambda inner: st.dictionaries(
        st.sampled_from(["a", "b", "c", "spec", "name"]), inner, max_size=3
    ),
    max_leaves=10,
)
_map_patch = st.dictionaries(st.sampled_from(["a", "b", "metadata", "spec"]), _map_only, max_size=3)


@settings(max_examples=300, deadline=None)
@given(_map_patch, _map_patch)
def test_smp_without_lists_or_directives_is_a_merge_patch(
    original: dict[str, Any], patch: dict[str, Any]
) -> None:
    snapshot = copy.deepcopy((original, patch))
    once = apply_strategic_merge_patch(original, patch)
    assert once == apply_merge_patch(original, patch)
    assert apply_strategic_merge_patch(once, patch) == once  # idempotent
    assert (original, patch) == snapshot


_names = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True, max_size=5)


@settings(max_examples=300, deadline=None)
@given(_names, _names)
def test_smp_keyed_list_merge_keeps_every_name_once(live: list[str], patched: list[str]) -> None:
    original = {"kind": "Pod", "spec": {"containers": [{"name": n, "from": "live"} for n in live]}}
    patch = {"spec": {"containers": [{"name": n, "from": "patch"} for n in patched]}}
    result = _containers(apply_strategic_merge_patch(original, patch))
    names = [c["name"] for c in result]
    assert sorted(names) == sorted(set(live) | set(patched))
    for container in result:
        assert container["from"] == ("patch" if container["name"] in patched else "live")
    # Relative order of the live items and of the patch items is preserved.
    assert [n for n in names if n in live and n not in patched] == [
        n for n in live if n not in patched
    ]
    assert [n for n in names if n in patched] == patched
    # With $setElementOrder the result follows it exactly.
    order = sorted(set(live) | set(patched), reverse=True)
    ordered = {
        "spec": {**patch["spec"], "$setElementOrder/containers": [{"name": n} for n in order]}
    }
    assert [c["name"] for c in _containers(apply_strategic_merge_patch(original, ordered))] == order


# ---------------------------------------------------------------------------
# Server-side apply stand-in
# ---------------------------------------------------------------------------


def test_apply_creates_from_the_applied_object() -> None:
    applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}
    created = apply_server_side_apply(None, applied)
    assert created == applied
    created["data"]["k"] = "v"
    assert applied["data"] == {}


def test_apply_merges_with_list_semantics_and_appends_new_items() -> None:
    original = _pod()
    snapshot = copy.deepcopy(original)
    applied = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "labels": {"tier": None}, "finalizers": ["b/y"]},
        "spec": {
            "containers": [
                {"name": "extra", "image": "redis"},
                {"name": "web", "image": "nginx:3", "env": [{"name": "Z", "value": "z"}]},
            ],
            "tolerations": [],
            "$patch": "not-a-directive-here",
        },
    }
    result = apply_server_side_apply(original, applied)
    assert [c["name"] for c in _containers(result)] == ["web", "sidecar", "extra"]
    web = _containers(result)[0]
    assert web["image"] == "nginx:3"
    assert [e["name"] for e in web["env"]] == ["A", "B", "Z"]
    assert result["metadata"]["labels"] == {"app": "web"}
    assert result["metadata"]["finalizers"] == ["a.example.com/x", "b/y"]
    assert result["spec"]["tolerations"] == []
    assert result["spec"]["$patch"] == "not-a-directive-here"
    assert original == snapshot


def test_apply_requires_keys_in_associative_lists() -> None:
    with pytest.raises(PatchError) as info:
        apply_server_side_apply(_pod(), {"spec": {"containers": [{"image": "x"}]}})
    assert str(info.value) == (
        ".spec.containers: element 0: associative list with keys has an element that omits "
        'key field "name" (and doesn\'t have default value)'
    )


_directive_keys = st.sampled_from(
    [
        "spec",
        "metadata",
        "containers",
        "name",
        "image",
        "env",
        "ports",
        "port",
        "finalizers",
        "$patch",
        "$retainKeys",
        "$setElementOrder/containers",
        "$setElementOrder/finalizers",
        "$deleteFromPrimitiveList/finalizers",
        "$setElementOrder",
    ]
)
_directive_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(["delete", "replace", "web"])
)
_hostile = st.recursive(
    _directive_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_directive_keys, inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_directive_keys, _hostile, max_size=4))
def test_patches_of_any_shape_only_raise_patch_error(patch: dict[str, Any]) -> None:
    original = _pod()
    for apply in (apply_strategic_merge_patch, apply_server_side_apply, apply_merge_patch):
        try:
            assert isinstance(apply(original, patch), dict)
        except PatchError as err:
            assert str(err)
    assert original == _pod()


def test_smp_set_element_order_for_a_primitive_list() -> None:
    result = apply_strategic_merge_patch(
        _pod(),
        {
            "metadata": {
                "$setElementOrder/finalizers": ["z/new", "a.example.com/x"],
                "finalizers": ["z/new"],
            }
        },
    )
    assert result["metadata"]["finalizers"] == ["z/new", "a.example.com/x"]
