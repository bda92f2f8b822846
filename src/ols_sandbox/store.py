"""The sandbox's object store: stored objects, the resourceVersion counter and watchers.

Stored objects are never mutated in place: every write stores a new dict, so readers may
hold references without copying. The store knows nothing about HTTP or authorization;
request semantics (defaults, conflicts, status handling) live in `resources.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ols_sandbox.catalog import ResourceType
from ols_sandbox.rbac import RbacObjects

ObjectKey = tuple[str, str]  # (namespace or "", name)
TypeKey = tuple[str, str]  # (group, resource)
_RBAC_GROUP = "rbac.authorization.k8s.io"


@dataclass
class WatchEvent:
    type: str  # ADDED | MODIFIED | DELETED
    object: Mapping[str, Any]


@dataclass
class _Watcher:
    type_key: TypeKey
    namespace: str | None
    queue: asyncio.Queue[WatchEvent] = field(default_factory=asyncio.Queue)


class Store:
    """In-memory objects by resource type, with a global resourceVersion like etcd's revision."""

    def __init__(self) -> None:
        self._objects: dict[TypeKey, dict[ObjectKey, Mapping[str, Any]]] = {}
        self._revision = 1
        self._watchers: list[_Watcher] = []
        self._rbac: RbacObjects | None = None

    @property
    def revision(self) -> str:
        return str(self._revision)

    def next_revision(self) -> str:
        self._revision += 1
        return str(self._revision)

    def get(self, t: ResourceType, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self._objects.get(t.key, {}).get((namespace, name))

    def list(self, t: ResourceType, namespace: str | None) -> list[Mapping[str, Any]]:
        """Objects of a type, in one namespace or all, sorted by namespace then name."""
        bucket = self._objects.get(t.key, {})
        keys = sorted(k for k in bucket if namespace is None or k[0] == namespace)
        return [bucket[k] for k in keys]

    def put(self, t: ResourceType, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """Store `obj` under a new resourceVersion and tell the watchers."""
        metadata = dict(obj.get("metadata") or {})
        metadata["resourceVersion"] = self.next_revision()
        stored = {**obj, "metadata": metadata}
        key = (metadata.get("namespace", "") if t.namespaced else "", metadata["name"])
        bucket = self._objects.setdefault(t.key, {})
        event = "MODIFIED" if key in bucket else "ADDED"
        bucket[key] = stored
        self._changed(t, event, stored)
        return stored

    def remove(self, t: ResourceType, namespace: str, name: str) -> Mapping[str, Any] | None:
        obj = self._objects.get(t.key, {}).pop((namespace, name), None)
        if obj is not None:
            metadata = {**obj["metadata"], "resourceVersion": self.next_revision()}
            obj = {**obj, "metadata": metadata}
            self._changed(t, "DELETED", obj)
        return obj

    def remove_namespace_contents(self, namespace: str, types: Sequence[ResourceType]) -> None:
        for t in types:
            if t.namespaced:
                for key in [k for k in self._objects.get(t.key, {}) if k[0] == namespace]:
                    self.remove(t, *key)

    def rbac_objects(self) -> RbacObjects:
        """RBAC objects, rebuilt only after an RBAC object changed (checked on every request)."""
        if self._rbac is None:
            roles = self._objects.get((_RBAC_GROUP, "roles"), {})
            cluster_roles = self._objects.get((_RBAC_GROUP, "clusterroles"), {})
            self._rbac = RbacObjects(
                roles=dict(roles),
                role_bindings=list(self._objects.get((_RBAC_GROUP, "rolebindings"), {}).values()),
                cluster_roles={name: obj for (_, name), obj in cluster_roles.items()},
                cluster_role_bindings=list(
                    self._objects.get((_RBAC_GROUP, "clusterrolebindings"), {}).values()
                ),
            )
        return self._rbac

    def watch(self, t: ResourceType, namespace: str | None) -> _Watcher:
        watcher = _Watcher(t.key, namespace)
        self._watchers.append(watcher)
        return watcher

    def unwatch(self, watcher: _Watcher) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)

    def _changed(self, t: ResourceType, event: str, obj: Mapping[str, Any]) -> None:
        if t.group == _RBAC_GROUP:
            self._rbac = None
        namespace = obj.get("metadata", {}).get("namespace", "")
        for watcher in self._watchers:
            if watcher.type_key == t.key and watcher.namespace in (None, namespace):
                watcher.queue.put_nowait(WatchEvent(event, obj))
