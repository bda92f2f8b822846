"""Object semantics of stored resources: create, read, update, patch, delete, scale.

This is where kube-apiserver's generic registry behaviour lives: defaults set on create
(uid, creationTimestamp, generation), optimistic concurrency on resourceVersion, status
owned by the `status` subresource, name validation, label and field selectors, paging,
and namespace deletion taking its objects with it.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ols_sandbox import errors
from ols_sandbox.catalog import Catalog, ResourceType
from ols_sandbox.patch import (
    PatchError,
    apply_json_patch,
    apply_merge_patch,
    apply_server_side_apply,
    apply_strategic_merge_patch,
)
from ols_sandbox.selectors import SelectorError, parse_field_selector, parse_label_selector
from ols_sandbox.store import Store

Obj = dict[str, Any]

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_HELP = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_HELP = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
# Kinds whose names are DNS labels rather than subdomains.
_LABEL_NAMED = frozenset({"Namespace", "Service"})


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _default_status(t: ResourceType) -> Obj:
    if t.kind == "Pod":
        return {"phase": "Pending", "qosClass": "BestEffort"}
    if t.kind == "Namespace":
        return {"phase": "Active"}
    if t.kind == "Service":
        return {"loadBalancer": {}}
    return {}


def _has_status(t: ResourceType) -> bool:
    return t.subresource("status") is not None


class Resources:
    """Request semantics over the store for the stored (non-virtual) resource types."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self._namespaces = catalog.lookup("", "v1", "namespaces")

    # ---- reads -----------------------------------------------------------------------

    def get(self, t: ResourceType, namespace: str, name: str) -> Mapping[str, Any]:
        obj = self.store.get(t, namespace, name)
        if obj is None:
            raise errors.not_found(t.resource, t.group, name)
        return obj

    def select(
        self, t: ResourceType, namespace: str | None, query: Mapping[str, str]
    ) -> list[Mapping[str, Any]]:
        """Objects matching the query's labelSelector and fieldSelector."""
        return self.filter(t, self.store.list(t, namespace), query)

    def filter(
        self, t: ResourceType, objects: list[Mapping[str, Any]], query: Mapping[str, str]
    ) -> list[Mapping[str, Any]]:
        try:
            labels = parse_label_selector(query.get("labelSelector", ""))
            fields = parse_field_selector(
                query.get("fieldSelector", ""), group=t.group, resource=t.resource
            )
        except SelectorError as exc:
            raise errors.bad_request(str(exc)) from exc
        return [
            o
            for o in objects
            if labels.matches(o.get("metadata", {}).get("labels")) and fields.matches(o)
        ]

    def list_body(
        self, t: ResourceType, items: list[Mapping[str, Any]], query: Mapping[str, str]
    ) -> Obj:
        """A `<Kind>List` with `limit`/`continue` paging (continue is the next offset)."""
        offset = _decode_continue(query.get("continue", ""))
        limit = _int_param(query, "limit")
        metadata: Obj = {"resourceVersion": self.store.revision}
        page = items[offset:]
        if limit and limit > 0 and len(page) > limit:
            page = page[:limit]
            metadata["continue"] = _encode_continue(offset + limit)
            metadata["remainingItemCount"] = len(items) - offset - limit
        return {
            "kind": t.list_kind,
            "apiVersion": t.api_version,
            "metadata": metadata,
            "items": page,
        }

    # ---- writes ------------------------------------------------------------------------

    def create(
        self, t: ResourceType, namespace: str, body: Any, *, dry_run: bool = False
    ) -> Mapping[str, Any]:
        obj = self._normalise(t, namespace, body)
        metadata = obj["metadata"]
        if not metadata.get("name") and metadata.get("generateName"):
            metadata["name"] = metadata["generateName"] + uuid.uuid4().hex[:5]
        self._validate(t, obj)
        if t.namespaced:
            self._require_namespace(namespace)
        if self.store.get(t, namespace if t.namespaced else "", metadata["name"]) is not None:
            raise errors.already_exists(t.resource, t.group, metadata["name"])
        metadata["uid"] = str(uuid.uuid4())
        metadata["creationTimestamp"] = rfc3339(datetime.now(UTC))
        metadata.pop("resourceVersion", None)
        if "spec" in obj:
            metadata["generation"] = 1
        if _has_status(t):
            obj["status"] = _default_status(t)
        return obj if dry_run else self.store.put(t, obj)

    def update(
        self,
        t: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        *,
        subresource: str = "",
        dry_run: bool = False,
    ) -> Mapping[str, Any]:
        current = self.get(t, namespace, name)
        obj = self._normalise(t, namespace, body)
        if obj["metadata"].get("name") != name:
            raise errors.bad_request(
                f"the name of the object ({obj['metadata'].get('name')}) does not match the "
                f"name on the URL ({name})"
            )
        wanted_version = obj["metadata"].get("resourceVersion")
        if wanted_version and wanted_version != current["metadata"].get("resourceVersion"):
            raise errors.conflict(t.resource, t.group, name)
        return self._store_update(t, current, obj, subresource=subresource, dry_run=dry_run)

    def patch(
        self,
        t: ResourceType,
        namespace: str,
        name: str,
        patch_type: str,
        patch: Any,
        query: Mapping[str, str],
        *,
        subresource: str = "",
    ) -> tuple[Mapping[str, Any], bool]:
        """Apply a patch; returns the object and whether it was created (apply only)."""
        dry_run = query.get("dryRun") == "All"
        current = self.store.get(t, namespace, name)
        if patch_type == APPLY_PATCH:
            if not query.get("fieldManager"):
                raise errors.bad_request("PATCH /apply requires fieldManager to be set")
            if not isinstance(patch, dict):
                raise errors.bad_request("the body of an apply patch must be an object")
            if current is None:
                applied = {**patch, "metadata": {**(patch.get("metadata") or {}), "name": name}}
                return self.create(t, namespace, applied, dry_run=dry_run), True
        if current is None:
            raise errors.not_found(t.resource, t.group, name)
        try:
            patched = _apply_patch(patch_type, current, patch)
        except PatchError as exc:
            raise errors.ApiError(422, "Invalid", str(exc)) from exc
        obj = self._normalise(t, namespace, patched)
        if obj["metadata"].get("name") != name:
            raise errors.invalid(
                t.kind, t.group, name, ["metadata.name: Invalid value: field is immutable"]
            )
        wanted_version = _patched_version(patch)
        if wanted_version and wanted_version != current["metadata"].get("resourceVersion"):
            raise errors.conflict(t.resource, t.group, name)
        return self._store_update(t, current, obj, subresource=subresource, dry_run=dry_run), False

    def delete(
        self, t: ResourceType, namespace: str, name: str, *, dry_run: bool = False
    ) -> Mapping[str, Any]:
        obj = self.get(t, namespace, name)
        if dry_run:
            return obj
        if t.kind == "Namespace" and t.group == "":
            self.store.remove_namespace_contents(name, self.catalog.types)
            obj = {**obj, "status": {"phase": "Terminating"}}
        self.store.remove(t, namespace, name)
        return obj

    def delete_collection(
        self, t: ResourceType, namespace: str | None, query: Mapping[str, str]
    ) -> Obj:
        dry_run = query.get("dryRun") == "All"
        victims = self.select(t, namespace, query)
        for obj in victims:
            meta = obj["metadata"]
            self.delete(t, meta.get("namespace", ""), meta["name"], dry_run=dry_run)
        return {
            **self.list_body(t, victims, {}),
            "metadata": {"resourceVersion": self.store.revision},
        }

    # ---- scale -------------------------------------------------------------------------

    def get_scale(self, t: ResourceType, namespace: str, name: str) -> Obj:
        return _scale_of(self.get(t, namespace, name))

    def set_scale(
        self,
        t: ResourceType,
        namespace: str,
        name: str,
        new_scale: Any,
        *,
        dry_run: bool = False,
    ) -> Obj:
        current = self.get(t, namespace, name)
        if not isinstance(new_scale, dict) or not isinstance(new_scale.get("spec"), dict):
            raise errors.bad_request("the body must be a Scale object with spec.replicas")
        replicas = new_scale["spec"].get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.invalid(
                "Scale",
                "autoscaling",
                name,
                [f"spec.replicas: Invalid value: {replicas!r}: must be greater than or equal to 0"],
            )
        wanted_version = _patched_version(new_scale)
        if wanted_version and wanted_version != current["metadata"].get("resourceVersion"):
            raise errors.conflict(t.resource, t.group, name)
        updated = {**current, "spec": {**current.get("spec", {}), "replicas": replicas}}
        stored = self._store_update(t, current, updated, dry_run=dry_run)
        return _scale_of(stored)

    def patch_scale(
        self,
        t: ResourceType,
        namespace: str,
        name: str,
        patch_type: str,
        patch: Any,
        query: Mapping[str, str],
    ) -> Obj:
        current_scale = self.get_scale(t, namespace, name)
        try:
            patched = _apply_patch(patch_type, current_scale, patch)
        except PatchError as exc:
            raise errors.ApiError(422, "Invalid", str(exc)) from exc
        return self.set_scale(t, namespace, name, patched, dry_run=query.get("dryRun") == "All")

    # ---- helpers -----------------------------------------------------------------------

    def _store_update(
        self,
        t: ResourceType,
        current: Mapping[str, Any],
        obj: Obj,
        *,
        subresource: str = "",
        dry_run: bool = False,
    ) -> Mapping[str, Any]:
        if subresource == "status":
            # The status subresource changes status only.
            obj = {**current, "status": obj.get("status", {})}
        elif _has_status(t):
            # Writes to the main resource ignore status, as on a real API server.
            if "status" in current:
                obj["status"] = current["status"]
            else:
                obj.pop("status", None)
        metadata = {**obj["metadata"]}
        for kept in ("uid", "creationTimestamp"):
            if kept in current["metadata"]:
                metadata[kept] = current["metadata"][kept]
        if "generation" in current["metadata"]:
            changed = obj.get("spec") != current.get("spec")
            metadata["generation"] = current["metadata"]["generation"] + int(changed)
        obj = {**obj, "metadata": metadata}
        self._validate(t, obj)
        return obj if dry_run else self.store.put(t, obj)

    def _normalise(self, t: ResourceType, namespace: str, body: Any) -> Obj:
        """Check the body's shape and fill kind, apiVersion and namespace from the URL."""
        if not isinstance(body, dict):
            raise errors.bad_request(f"the body of the request must be a {t.kind} object")
        for key, expected in (("apiVersion", t.api_version), ("kind", t.kind)):
            given = body.get(key)
            if given not in (None, "", expected):
                raise errors.bad_request(
                    f"the {key} of the provided object ({given}) does not match the "
                    f"expected {key} ({expected})"
                )
        metadata = body.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise errors.bad_request("metadata must be an object")
        for field in ("labels", "annotations"):
            value = metadata.get(field)
            if value is not None and not (
                isinstance(value, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
            ):
                raise errors.bad_request(f"metadata.{field} must be a map of strings to strings")
        if not isinstance(metadata.get("name", ""), str):
            raise errors.bad_request("metadata.name must be a string")
        metadata = dict(metadata)
        if t.namespaced:
            given_ns = metadata.get("namespace")
            if given_ns and given_ns != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)
        return {**body, "apiVersion": t.api_version, "kind": t.kind, "metadata": metadata}

    def _validate(self, t: ResourceType, obj: Obj) -> None:
        name = obj["metadata"].get("name", "")
        problems: list[str] = []
        if not name:
            problems.append("metadata.name: Required value: name or generateName is required")
        elif t.kind in _LABEL_NAMED and not (len(name) <= 63 and _DNS_LABEL.match(name)):
            problems.append(f'metadata.name: Invalid value: "{name}": {_LABEL_HELP}')
        elif not (len(name) <= 253 and _DNS_SUBDOMAIN.match(name)):
            problems.append(f'metadata.name: Invalid value: "{name}": {_SUBDOMAIN_HELP}')
        spec = obj.get("spec")
        if spec is not None and not isinstance(spec, dict):
            raise errors.bad_request("spec must be an object")
        problems += _kind_problems(t.kind, spec or {})
        if problems:
            raise errors.invalid(t.kind, t.group, name, problems)

    def _require_namespace(self, namespace: str) -> None:
        if self._namespaces and self.store.get(self._namespaces, "", namespace) is None:
            raise errors.not_found("namespaces", "", namespace)


def _kind_problems(kind: str, spec: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    if kind == "Pod" and not spec.get("containers"):
        problems.append("spec.containers: Required value")
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        selector = spec.get("selector")
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if not isinstance(selector, dict) or not selector:
            problems.append("spec.selector: Required value")
        else:
            wanted = selector.get("matchLabels") or {}
            if any(template_labels.get(k) != v for k, v in wanted.items()):
                problems.append(
                    "spec.template.metadata.labels: Invalid value: "
                    f"{template_labels!r}: `selector` does not match template `labels`"
                )
        replicas = spec.get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            problems.append(
                f"spec.replicas: Invalid value: {replicas!r}: must be greater than or equal to 0"
            )
    return problems


def _apply_patch(patch_type: str, current: Mapping[str, Any], patch: Any) -> Obj:
    if patch_type == MERGE_PATCH:
        return apply_merge_patch(current, patch)
    if patch_type == JSON_PATCH:
        return apply_json_patch(current, patch)
    if patch_type == STRATEGIC_MERGE_PATCH:
        return apply_strategic_merge_patch(current, patch)
    return apply_server_side_apply(current, patch)


def _patched_version(patch: Any) -> str:
    if isinstance(patch, dict):
        metadata = patch.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("resourceVersion"), str):
            return str(metadata["resourceVersion"])
    return ""


def _scale_of(obj: Mapping[str, Any]) -> Obj:
    metadata = obj["metadata"]
    spec = obj.get("spec") or {}
    match_labels = (spec.get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: metadata[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in metadata
        },
        "spec": {"replicas": spec.get("replicas", 1)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(match_labels.items())),
        },
    }


def _int_param(query: Mapping[str, str], key: str) -> int | None:
    raw = query.get(key)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise errors.bad_request(f'invalid value for "{key}": {raw!r} is not an integer') from exc


def _encode_continue(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_continue(token: str) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except ValueError as exc:
        raise errors.bad_request("continue key is not valid: please restart the list") from exc
