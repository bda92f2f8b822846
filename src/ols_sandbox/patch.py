"""Applying PATCH bodies and server-side apply to stored objects.

This module owns the four ways kube-apiserver changes an object from a client
body: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via the ``jsonpatch``
library), Kubernetes strategic merge patch, and a stand-in for server-side
apply. Each function takes the stored object and the decoded body and returns
a new dict; inputs are never mutated. Failures raise PatchError whose message
reads like kube-apiserver's, for the Status body kubectl prints.

Strategic merge patch follows k8s.io/apimachinery/pkg/util/strategicpatch
(mergeMap / mergeSlice / normalizeElementOrder), with the patch metadata that
k8s.io/api's Go struct tags carry replaced by a small table keyed on the field
path (see ``_list_strategy``). Checking that ``metadata.name`` did not change is
the caller's job; this module only applies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import jsonpatch

__all__ = [
    "PatchError",
    "apply_json_patch",
    "apply_merge_patch",
    "apply_server_side_apply",
    "apply_strategic_merge_patch",
]


class PatchError(ValueError):
    """A patch kube-apiserver would refuse; ``str(e)`` is the Status message."""


# ---------------------------------------------------------------------------
# Helpers shared by every patch type
# ---------------------------------------------------------------------------


def _copy_json(value: Any) -> Any:
    """Deep-copy a JSON-like value into plain dicts and lists.

    Copying up front is what keeps every public function from mutating its
    inputs, while the merge code below is free to work in place.
    """
    if isinstance(value, Mapping):
        return {str(k): _copy_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy_json(v) for v in value]
    return value


def _go_type(value: Any) -> str:
    # reflect.TypeOf(...) of a value decoded by encoding/json into interface{}.
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "<nil>"


def _json_kind(value: Any) -> str:
    # The word encoding/json uses in "cannot unmarshal X into Go value ...".
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _go_v(value: Any) -> str:
    """Format like Go's ``%v`` on decoded JSON, for messages that embed values."""
    if isinstance(value, Mapping):
        inner = " ".join(f"{k}:{_go_v(value[k])}" for k in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(_go_v(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        # Go prints an integral float64 without a fraction, up to 1e21.
        return str(int(value))
    return str(value)


def _go_equal(left: Any, right: Any) -> bool:
    """Go's ``==`` on two interface{} JSON scalars.

    Python says True == 1; Go compares a bool and a float64 as different.
    Maps and slices are not comparable in Go, so they never match here.
    """
    if isinstance(left, Mapping | list) or isinstance(right, Mapping | list):
        return False
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if (left is None) != (right is None):
        return False
    return bool(left == right)


def _require_object(patch: Any) -> dict[str, Any]:
    if not isinstance(patch, Mapping):
        raise PatchError(
            f"json: cannot unmarshal {_json_kind(patch)} into Go value of type "
            "map[string]interface {}"
        )
    copied: dict[str, Any] = _copy_json(patch)
    return copied


# ---------------------------------------------------------------------------
# JSON merge patch (RFC 7386)
# ---------------------------------------------------------------------------


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result: dict[str, Any] = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def apply_merge_patch(original: Mapping[str, Any], patch: Any) -> dict[str, Any]:
    """Apply an RFC 7386 JSON merge patch: maps merge, ``null`` deletes, lists replace."""
    if patch is None:
        # evanphx/json-patch's ErrBadJSONPatch, what kube-apiserver reports.
        raise PatchError("Invalid JSON Patch")
    patched = _merge_patch(_copy_json(original), _require_object(patch))
    result: dict[str, Any] = patched
    return result


# ---------------------------------------------------------------------------
# JSON patch (RFC 6902)
# ---------------------------------------------------------------------------

_JSON_PATCH_OPS: Final = ("add", "remove", "replace", "move", "copy", "test")


def _decode_pointer_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _find_container(doc: Any, path: str) -> tuple[Any, str] | None:
    """evanphx/json-patch findObject: the parent container of ``path`` and the last key.

    Like kube-apiserver's json-patch (v4), a path with fewer than two segments
    (the document root) has no parent and so is reported as missing.
    """
    parts = path.split("/")
    if len(parts) < 2:
        return None
    current = doc
    for raw in parts[1:-1]:
        token = _decode_pointer_token(raw)
        if isinstance(current, dict):
            if token not in current:
                return None
            current = current[token]
        elif isinstance(current, list):
            if not token.isdigit() or int(token) >= len(current):
                return None
            current = current[int(token)]
        else:
            return None
        if not isinstance(current, dict | list):
            return None
    return current, _decode_pointer_token(parts[-1])


def _has_key(container: Any, key: str) -> bool:
    if isinstance(container, dict):
        return key in container
    return key.isdigit() and int(key) < len(container)


def _index_error(container: Any, key: str) -> str:
    if not key.lstrip("-").isdigit():
        return (
            f"value was not a proper array index: '{key}': "
            f'strconv.Atoi: parsing "{key}": invalid syntax'
        )
    return f"Unable to access invalid index: {int(key)}: invalid index referenced"


def _explain_json_patch_failure(kind: str, op: Mapping[str, Any], doc: Any, detail: str) -> str:
    """Word a failed operation the way evanphx/json-patch (v4) does."""
    path = str(op.get("path", ""))
    if kind in ("move", "copy"):
        source = str(op.get("from", ""))
        found = _find_container(doc, source)
        if found is None:
            return (
                f"{kind} operation does not apply: doc is missing from path: "
                f"{source}: missing value"
            )
        container, key = found
        if not _has_key(container, key):
            if isinstance(container, list):
                return f"error in {kind} for from: '{source}': {_index_error(container, key)}"
            return (
                f"error in {kind} for path: '{key}': "
                f"Unable to remove nonexistent key: {key}: missing value"
            )
        if _find_container(doc, path) is None:
            return (
                f"{kind} operation does not apply: doc is missing destination path: "
                f"{path}: missing value"
            )
        return f"error in {kind} for path: '{path}': {detail}"

    found = _find_container(doc, path)
    if found is None:
        if kind in ("add", "remove"):
            return f'{kind} operation does not apply: doc is missing path: "{path}": missing value'
        if kind == "test":
            return f"test operation does not apply: is missing path: {path}: missing value"
        return f"{kind} operation does not apply: doc is missing path: {path}: missing value"
    container, key = found
    if kind == "replace":
        return f"replace operation does not apply: doc is missing key: {path}: missing value"
    if kind == "test":
        return f"testing value {path} failed: test failed"
    if isinstance(container, list):
        return f"error in {kind} for path: '{path}': {_index_error(container, key)}"
    if kind == "remove":
        return (
            f"error in remove for path: '{path}': "
            f"Unable to remove nonexistent key: {key}: missing value"
        )
    return f"error in {kind} for path: '{path}': {detail}"


_JSON_PATCH_FAILURES: Final = (
    jsonpatch.JsonPatchException,
    jsonpatch.JsonPointerException,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
)


def apply_json_patch(original: Mapping[str, Any], patch: Any) -> dict[str, Any]:
    """Apply an RFC 6902 JSON patch, one operation at a time.

    Operations run one by one so a failure can be worded like kube-apiserver's
    json-patch library words it (naming the operation and path).
    """
    if not isinstance(patch, list | tuple):
        raise PatchError(
            f"json: cannot unmarshal {_json_kind(patch)} into Go value of type jsonpatch.Patch"
        )
    doc: Any = _copy_json(original)
    for raw_op in patch:
        if not isinstance(raw_op, Mapping):
            kind_word = "null" if raw_op is None else _json_kind(raw_op)
            raise PatchError(
                f"json: cannot unmarshal {kind_word} into Go value of type jsonpatch.Operation"
            )
        op: dict[str, Any] = _copy_json(raw_op)
        kind = op.get("op")
        if not isinstance(kind, str) or kind not in _JSON_PATCH_OPS:
            shown = kind if isinstance(kind, str) else "unknown"
            raise PatchError(f"Unexpected kind: {shown}")
        if not isinstance(op.get("path"), str):
            raise PatchError(f"{kind} operation failed to decode path: missing value")
        if kind in ("move", "copy") and not isinstance(op.get("from"), str):
            raise PatchError(f"{kind} operation failed to decode from: missing value")
        if kind in ("add", "replace", "test"):
            # Go's json-patch treats an absent value as null; the Python
            # library insists on the member.
            op.setdefault("value", None)
        # Refuse what Go's json-patch refuses before the Python library gets a
        # say: a missing parent, and the document root as a target.
        if kind in ("move", "copy"):
            if _find_container(doc, op["from"]) is None or len(op["path"].split("/")) < 2:
                raise PatchError(_explain_json_patch_failure(kind, op, doc, ""))
        elif _find_container(doc, op["path"]) is None:
            raise PatchError(_explain_json_patch_failure(kind, op, doc, ""))
        try:
            doc = jsonpatch.JsonPatch([op]).apply(doc, in_place=True)
        except _JSON_PATCH_FAILURES as err:
            raise PatchError(_explain_json_patch_failure(kind, op, doc, str(err))) from err
    if not isinstance(doc, dict):
        raise PatchError(
            f"json: cannot unmarshal {_json_kind(doc)} into Go value of type "
            "map[string]interface {}"
        )
    result: dict[str, Any] = doc
    return result


# ---------------------------------------------------------------------------
# Strategic merge patch and server-side apply
# ---------------------------------------------------------------------------

_DIRECTIVE: Final = "$patch"
_RETAIN_KEYS: Final = "$retainKeys"
_SET_ELEMENT_ORDER: Final = "$setElementOrder"
_DELETE_FROM_PRIMITIVE_LIST: Final = "$deleteFromPrimitiveList"

_CONTAINER_LISTS: Final = frozenset({"containers", "initContainers", "ephemeralContainers"})

# patchMergeKey by field name, as tagged in k8s.io/api core/v1 and meta/v1.
# Names that mean different things in different places (ports, finalizers,
# addresses, ...) are decided by path in _list_strategy instead.
_MERGE_KEY_BY_NAME: Final[Mapping[str, str]] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "ownerReferences": "uid",
    "schedulingGates": "name",
    "resourceClaims": "name",
}


@dataclass(frozen=True)
class _ListStrategy:
    """How a list field merges: by a key, as a set of scalars, or replaced whole."""

    mode: Literal["merge", "set", "replace"]
    key: str = ""


_REPLACE: Final = _ListStrategy("replace")
_SET: Final = _ListStrategy("set")


def _list_strategy(path: tuple[str, ...], root_kind: str, items: Sequence[Any]) -> _ListStrategy:
    """The patch strategy of the list at ``path`` (field names; list items are transparent).

    Stands in for strategicpatch's lookup of Go struct tags. Lists not named
    here (tolerations, subjects, rules, args, ...) are atomic: replaced.
    """
    name = path[-1] if path else ""
    parent = path[-2] if len(path) >= 2 else ""
    if name == "ports":
        if parent in _CONTAINER_LISTS:
            return _ListStrategy("merge", "containerPort")
        if path == ("spec", "ports") and _is_service_shaped(root_kind, items):
            return _ListStrategy("merge", "port")
        # NetworkPolicy, EndpointSlice, ... ports are atomic.
        return _REPLACE
    if name == "finalizers":
        # ObjectMeta.finalizers merges; Namespace spec.finalizers is atomic.
        return _SET if parent == "metadata" else _REPLACE
    if name in ("podIPs", "hostIPs"):
        return _ListStrategy("merge", "ip") if parent == "status" else _REPLACE
    if path == ("status", "addresses") and root_kind in ("Node", ""):
        return _ListStrategy("merge", "type")
    if path == ("spec", "podCIDRs"):
        return _SET
    key = _MERGE_KEY_BY_NAME.get(name)
    return _ListStrategy("merge", key) if key else _REPLACE


def _is_service_shaped(root_kind: str, items: Sequence[Any]) -> bool:
    if root_kind:
        return root_kind == "Service"
    # No kind to go by: Service ports carry "port", container ports never do
    # at this path.
    dicts = [item for item in items if isinstance(item, dict) and _DIRECTIVE not in item]
    return bool(dicts) and all("port" in item for item in dicts)


def _category(value: Any) -> str:
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "list"
    return "scalar"


def _extract_key(directive_key: str, prefix: str, error: str) -> str:
    head, sep, rest = directive_key.partition("/")
    if not sep or head != prefix:
        raise PatchError(error)
    return rest


def _no_merge_key(item: Mapping[str, Any], key: str) -> PatchError:
    return PatchError(f"map: {_go_v(item)} does not contain declared merge key: {key}")


class _Merger:
    """One strategic merge (``directives=True``) or apply (``directives=False``).

    Works in place on private copies made by the public functions.
    """

    def __init__(self, root_kind: str, *, directives: bool) -> None:
        self._root_kind = root_kind
        self._directives = directives

    # -- values that arrive without anything to merge into ------------------

    def clean(self, value: Any, path: tuple[str, ...]) -> Any:
        """A patch value with nothing under it, minus directives and nulls.

        Upstream stores such values raw and lets decoding into Go structs drop
        nulls and directive keys; with plain dicts that has to happen here.
        """
        if isinstance(value, dict):
            return self.merge_map({}, value, path)
        if isinstance(value, list):
            strategy = _list_strategy(path, self._root_kind, value)
            return [
                self.clean(item, path)
                for item in value
                # A $patch item of a new keyed list has nothing to act on.
                if not (
                    self._directives
                    and strategy.mode == "merge"
                    and isinstance(item, dict)
                    and _DIRECTIVE in item
                )
            ]
        return value

    # -- maps ---------------------------------------------------------------

    def merge_map(
        self, original: dict[str, Any], patch: dict[str, Any], path: tuple[str, ...]
    ) -> dict[str, Any]:
        if self._directives:
            if _DIRECTIVE in patch:
                return self._map_directive(patch, path)
            self._apply_retain_keys(original, patch)
            self._apply_set_element_order(original, patch, path)

        for key, patch_value in patch.items():
            is_delete_list = False
            if self._directives and key.startswith(_DELETE_FROM_PRIMITIVE_LIST):
                key = _extract_key(
                    key,
                    _DELETE_FROM_PRIMITIVE_LIST,
                    "invalid patch format of primitive list",
                )
                is_delete_list = True
                if not isinstance(patch_value, list):
                    raise PatchError("invalid patch format of primitive list")
                if not isinstance(original.get(key), list):
                    # Nothing to delete from. (Upstream would store the
                    # deletion list itself as the field's value.)
                    continue
            if patch_value is None:
                original.pop(key, None)
                continue
            child = (*path, key)
            if key not in original or _category(original[key]) != _category(patch_value):
                original[key] = self.clean(patch_value, child)
            elif isinstance(patch_value, dict):
                original[key] = self.merge_map(original[key], patch_value, child)
            elif isinstance(patch_value, list):
                original[key] = self.merge_list(
                    original[key], patch_value, child, is_delete_list=is_delete_list
                )
            else:
                original[key] = patch_value
        return original

    def _map_directive(self, patch: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
        directive = patch[_DIRECTIVE]
        if directive == "replace":
            rest = {k: v for k, v in patch.items() if k != _DIRECTIVE}
            return self.merge_map({}, rest, path)
        if directive == "delete":
            # Upstream leaves an empty map behind rather than removing the key.
            return {}
        raise PatchError(f"unknown patch type: {_go_v(directive)} in map: {_go_v(patch)}")

    def _apply_retain_keys(self, original: dict[str, Any], patch: dict[str, Any]) -> None:
        if _RETAIN_KEYS not in patch:
            return
        retain = patch.pop(_RETAIN_KEYS)
        if not isinstance(retain, list):
            raise PatchError("invalid patch format of retainKeys")
        # Every key the patch sets must be retained, or the patch contradicts itself.
        for key, value in patch.items():
            if value is None or key.startswith((_DELETE_FROM_PRIMITIVE_LIST, _SET_ELEMENT_ORDER)):
                continue
            if not any(_go_equal(key, kept) for kept in retain):
                raise PatchError("invalid patch format of retainKeys")
        for key in list(original):
            if not any(_go_equal(key, kept) for kept in retain):
                del original[key]

    def _apply_set_element_order(
        self, original: dict[str, Any], patch: dict[str, Any], path: tuple[str, ...]
    ) -> None:
        for directive_key in [k for k in patch if k.startswith(_SET_ELEMENT_ORDER)]:
            order = patch.pop(directive_key)
            field = _extract_key(
                directive_key,
                _SET_ELEMENT_ORDER,
                "invalid patch format of setElementOrder list",
            )
            if not isinstance(order, list):
                raise PatchError(f"expected a []interface {{}}, but received a {_go_type(order)}")
            found_original = field in original
            found_patch = field in patch
            original_list = original.get(field)
            patch_list = patch.pop(field, None)
            for present, value in ((found_original, original_list), (found_patch, patch_list)):
                if present and not isinstance(value, list):
                    raise PatchError(
                        f"expected a []interface {{}}, but received a {_go_type(value)}"
                    )
            if not found_original and not found_patch:
                continue
            child = (*path, field)
            base: list[Any] = original_list if isinstance(original_list, list) else []
            if isinstance(patch_list, list):
                merged = (
                    self.merge_list(base, patch_list, child, is_delete_list=False)
                    if found_original
                    else self.clean(patch_list, child)
                )
            else:
                merged = base
            strategy = _list_strategy(child, self._root_kind, [*base, *order])
            original[field] = self._order_by_directive(merged, order, base, strategy)

    def _order_by_directive(
        self,
        merged: list[Any],
        order: list[Any],
        server_order: list[Any],
        strategy: _ListStrategy,
    ) -> list[Any]:
        if strategy.mode == "merge":
            key = strategy.key
            for item in [*merged, *order]:
                if not isinstance(item, dict):
                    raise PatchError(
                        f"expected a map[string]interface {{}}, but received a {_go_type(item)}"
                    )
                if key not in item:
                    raise _no_merge_key(item, key)
        elif any(isinstance(item, dict | list) for item in merged):
            # Ordering an atomic list of objects is undefined upstream; keep it.
            return merged
        in_order, server_only = _partition(merged, order, strategy.key)
        return _normalize_element_order(in_order, server_only, order, server_order, strategy.key)

    # -- lists --------------------------------------------------------------

    def merge_list(
        self,
        original: list[Any],
        patch: list[Any],
        path: tuple[str, ...],
        *,
        is_delete_list: bool,
    ) -> list[Any]:
        strategy = _list_strategy(path, self._root_kind, [*original, *patch])
        if is_delete_list:
            return [v for v in original if not any(_go_equal(v, d) for d in patch)]
        if strategy.mode == "replace":
            return [self.clean(item, path) for item in patch]
        if not original and not patch:
            return original
        for item in [*original, *patch]:
            if isinstance(item, list):
                raise PatchError("lists of lists are not supported")
        if strategy.mode == "set":
            return self._merge_scalars(original, patch)
        if not self._directives:
            return self._apply_keyed(original, patch, path, strategy.key)
        return self._merge_keyed(original, patch, path, strategy.key)

    def _merge_scalars(self, original: list[Any], patch: list[Any]) -> list[Any]:
        if any(isinstance(item, dict) for item in [*original, *patch]):
            raise PatchError("cannot merge lists without merge key for type string")
        merged: list[Any] = []
        for value in [*original, *patch]:
            if not any(_go_equal(value, seen) for seen in merged):
                merged.append(value)
        if not self._directives:
            # Apply keeps what was there and appends what is new.
            return merged
        in_patch, server_only = _partition(merged, patch, "")
        return _normalize_element_order(in_patch, server_only, patch, original, "")

    def _merge_keyed(
        self, original: list[Any], patch: list[Any], path: tuple[str, ...], key: str
    ) -> list[Any]:
        for item in [*original, *patch]:
            if not isinstance(item, dict):
                raise PatchError(
                    f"expected a map[string]interface {{}}, but received a {_go_type(item)}"
                )
        # mergeSliceWithSpecialElements: $patch items delete or replace.
        plain: list[dict[str, Any]] = []
        replace = False
        for item in patch:
            if _DIRECTIVE not in item:
                plain.append(item)
                continue
            directive = item[_DIRECTIVE]
            if directive == "delete":
                if key not in item:
                    raise _no_merge_key(item, key)
                original = [o for o in original if not (key in o and _go_equal(o[key], item[key]))]
            elif directive == "replace":
                replace = True
            elif directive == "merge":
                raise PatchError("merging lists cannot yet be specified in the patch")
            else:
                raise PatchError(f"unknown patch type: {_go_v(directive)} in map: {_go_v(item)}")
        if replace:
            return [self.clean(item, path) for item in plain]

        merged = list(original)
        for item in plain:
            if key not in item:
                raise _no_merge_key(item, key)
            index = _find_by_key(merged, key, item[key])
            if index is None:
                merged.append(self.clean(item, path))
            else:
                merged[index] = self.merge_map(merged[index], item, path)
        in_patch, server_only = _partition(merged, plain, key)
        return _normalize_element_order(in_patch, server_only, plain, original, key)

    def _apply_keyed(
        self, original: list[Any], applied: list[Any], path: tuple[str, ...], key: str
    ) -> list[Any]:
        merged = list(original)
        for position, item in enumerate(applied):
            if not isinstance(item, dict) or key not in item:
                where = "." + ".".join(path)
                raise PatchError(
                    f"{where}: element {position}: associative list with keys has an element "
                    f'that omits key field "{key}" (and doesn\'t have default value)'
                )
            index = _find_by_key(merged, key, item[key])
            if index is None or not isinstance(merged[index], dict):
                merged.append(self.clean(item, path))
            else:
                merged[index] = self.merge_map(merged[index], item, path)
        return merged


def _find_by_key(items: Sequence[Any], key: str, value: Any) -> int | None:
    for index, item in enumerate(items):
        if isinstance(item, dict) and key in item and _go_equal(item[key], value):
            return index
    return None


def _identity(item: Any, key: str) -> Any:
    # What index() compares: the merge key value for maps, the item itself otherwise.
    return item.get(key) if key and isinstance(item, dict) else item


def _index_in(items: Sequence[Any], item: Any, key: str) -> int:
    wanted = _identity(item, key)
    for index, candidate in enumerate(items):
        if _go_equal(wanted, _identity(candidate, key)):
            return index
    return -1


def _partition(merged: list[Any], by: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    """Split ``merged`` into items present in ``by`` and server-only items."""
    present: list[Any] = []
    server_only: list[Any] = []
    for item in merged:
        (present if _index_in(by, item, key) >= 0 else server_only).append(item)
    return present, server_only


def _sorted_by(items: list[Any], order: list[Any], key: str) -> list[Any]:
    # normalizeSliceOrder: stable sort by position in ``order``. Items missing
    # from ``order`` cannot occur for well-formed patches; they keep their
    # relative order at the end.
    def position(item: Any) -> float:
        index = _index_in(order, item, key)
        return index if index >= 0 else math.inf

    return sorted(items, key=position)


def _normalize_element_order(
    patch_items: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    key: str,
) -> list[Any]:
    """strategicpatch.normalizeElementOrder, including its interleaving rule.

    Server-only items go in front of a patch item only when both appear in the
    live list and the server-only one came first there. So without
    $setElementOrder a brand-new item lands *before* the remaining server-only
    items - real kube-apiserver puts a container added by
    ``kubectl patch --type strategic`` first, and so do we.
    """
    right = _sorted_by(patch_items, patch_order, key)
    left = _sorted_by(server_only, server_order, key)
    result: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            result.append(right[j])
            j += 1
        elif j >= len(right):
            result.append(left[i])
            i += 1
        else:
            li = _index_in(server_order, left[i], key)
            ri = _index_in(server_order, right[j], key)
            if li >= 0 and ri >= 0 and li < ri:
                result.append(left[i])
                i += 1
            else:
                result.append(right[j])
                j += 1
    return result


def _root_kind(*objects: Mapping[str, Any] | None) -> str:
    for obj in objects:
        if obj is not None and isinstance(obj.get("kind"), str) and obj["kind"]:
            kind: str = obj["kind"]
            return kind
    return ""


def apply_strategic_merge_patch(original: Mapping[str, Any], patch: Any) -> dict[str, Any]:
    """Apply a Kubernetes strategic merge patch.

    Maps merge recursively and ``null`` deletes a key. Lists with a merge key
    (containers by name, env by name, volumeMounts by mountPath, container ports
    by containerPort, Service ``spec.ports`` by port, ...) merge item by item;
    ``metadata.finalizers`` merges as a set; other lists are replaced. The
    directives ``$patch`` (replace/delete, on maps and list items),
    ``$retainKeys``, ``$setElementOrder/<field>`` and
    ``$deleteFromPrimitiveList/<field>`` are honoured and never stored.
    """
    if patch is None:
        # encoding/json turns a "null" body into an empty map: nothing changes.
        copied: dict[str, Any] = _copy_json(original)
        return copied
    patch_map = _require_object(patch)
    merger = _Merger(_root_kind(original, patch_map), directives=True)
    return merger.merge_map(_copy_json(original), patch_map, ())


def apply_server_side_apply(
    original: Mapping[str, Any] | None, applied: Mapping[str, Any]
) -> dict[str, Any]:
    """Merge an applied configuration into the live object (no managedFields).

    A stand-in for server-side apply: creates from ``applied`` when there is no
    live object, otherwise deep-merges it in with the strategic-merge list
    semantics (keyed lists merge by key, new items appended; set lists union;
    atomic lists replaced) and no ``$`` directives. ``null`` removes a field.
    Field ownership and conflicts are out of scope.
    """
    applied_map = _require_object(applied)
    if original is None:
        return applied_map
    merger = _Merger(_root_kind(applied_map, original), directives=False)
    return merger.merge_map(_copy_json(original), applied_map, ())
