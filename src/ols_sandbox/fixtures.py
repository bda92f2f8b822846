"""Sandbox fixtures: the YAML files that describe the world the sandbox API server serves.

This module owns the fixture *format* and its loader.  Nothing in the sandbox
reconciles, so everything a client can see (objects and their statuses, users,
pod and node logs, metrics) comes from these files exactly as written.

Where fixtures come from
========================

``load_fixtures(paths, now=...)`` reads each path in order.  A path is either a
YAML file or a directory, in which case its ``*.yaml`` and ``*.yml`` files are
read sorted by file name (subdirectories are not descended into).  The server
passes ``BOOTSTRAP_DIR`` (system RBAC such as ``cluster-admin``) first, then a
world: ``WORLD_DIR`` by default, or the user's own directory.

Every file may hold several YAML documents separated by ``---``.  Empty
documents are skipped.  A document whose ``kind`` is ``List`` contributes each
entry of its ``items`` as if it were a document of its own.

YAML is read the way kubectl reads it into JSON: an unquoted date or time
(``2026-11-25T10:00:00Z``) stays a string, a mapping key must be a string
(quote ``"1": x``), and a key repeated in one mapping is an error rather than
silently overwriting the first.

Kubernetes objects
==================

Every other document is a Kubernetes object, written as ``kubectl get -o yaml``
would show it.  It must have ``apiVersion``, ``kind`` and ``metadata.name``, all
non-empty strings.  ``metadata.namespace`` is kept exactly as given (nothing is
defaulted to ``default``).

* Relative time: any string value anywhere in an object that is exactly
  ``now``, or ``now-`` followed by one or more ``<integer><unit>`` parts with
  unit ``s``, ``m``, ``h`` or ``d`` (``now-90s``, ``now-1h30m``, ``now-2d``),
  is replaced by that instant as an RFC 3339 UTC time without fractions
  (``2026-11-25T10:00:00Z``).  Use it for creation times, condition transition
  times, event times, so that the world keeps its age whenever it is loaded.
* An object without ``metadata.creationTimestamp`` gets ``now``.
* Overrides: a later document with the same apiVersion, kind, namespace and
  name replaces the earlier one entirely, including its sandbox extras.  This
  is how a world overrides the bootstrap files.
* Namespaces that objects live in but that no ``v1`` ``Namespace`` document
  defines are created as ``Active`` namespaces.

Sandbox extras on objects
=========================

An object may carry a top-level ``sandbox:`` key.  It is removed before the
object is stored, and holds what a real cluster keeps outside the API objects:

On a ``v1`` ``Pod``::

    sandbox:
      logs:          {<container>: <text>}               # kubectl logs
      previousLogs:  {<container>: <text>}               # kubectl logs --previous
      usage:         {<container>: {cpu: 5m, memory: 10Mi}}   # kubectl top pod

Container names must be in the pod's ``spec.containers``,
``spec.initContainers`` or ``spec.ephemeralContainers``, and the pod must set
``metadata.namespace``.

On a ``v1`` ``Node``::

    sandbox:
      usage: {cpu: 412m, memory: 3187Mi}     # kubectl top node
      logs:  {<query>: <text>}               # GET /api/v1/nodes/<node>/proxy/logs/?query=<query>

Usage values are Kubernetes quantities (``250m``, ``2``, ``64Mi``).  A
``sandbox`` key on any other kind, or an unknown key inside it, is an error.

Users
=====

A document with ``apiVersion: sandbox.ols.dev/v1`` and ``kind: User`` is not a
Kubernetes object: it declares someone who can log in to the sandbox::

    apiVersion: sandbox.ols.dev/v1
    kind: User
    metadata:
      name: alice               # handle: kubeconfig-alice, keys in sandbox.json
    spec:                       # every field is optional
      username: alice           # the Kubernetes username; defaults to the handle
      uid: ...                  # defaults to a UUID derived from the username
      groups: [team-a]          # system:authenticated is added by the server
      token: ...                # omit it to get a fresh random token at each start

A later User with the same handle replaces the earlier one.  Two users may not
share a token.

Errors
======

Anything wrong raises ``FixtureError`` whose message names the file, the
document number (1-based, counting every document in the file, empty ones
included), what is wrong and how to fix it.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from ols_sandbox.yamlio import JsonYamlLoader

BOOTSTRAP_DIR: Path = Path(__file__).parent / "fixtures" / "bootstrap"
WORLD_DIR: Path = Path(__file__).parent / "fixtures" / "world"

SANDBOX_API_VERSION = "sandbox.ols.dev/v1"

_FIXTURE_SUFFIXES = (".yaml", ".yml")
_RELATIVE_TIME = re.compile(r"now(?:-((?:[0-9]+[smhd])+))?")
_RELATIVE_TIME_PART = re.compile(r"([0-9]+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The forms the Kubernetes quantity parser accepts; checked here so that a typo
# such as "64MB" fails at load time instead of in `kubectl top`.
_QUANTITY = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?"
)
# The handle becomes part of file names (kubeconfig-<handle>), so keep it to
# characters that are safe in any file system and need no quoting in a shell.
_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_USER_SPEC_KEYS = frozenset({"username", "uid", "groups", "token"})
_USER_TOP_LEVEL_KEYS = frozenset({"apiVersion", "kind", "metadata", "spec"})
_POD_EXTRAS = frozenset({"logs", "previousLogs", "usage"})
_NODE_EXTRAS = frozenset({"logs", "usage"})
_USAGE_KEYS = frozenset({"cpu", "memory"})


class FixtureError(ValueError):
    """A fixture file cannot be loaded; the message says where, what and how to fix it."""


@dataclass(frozen=True)
class SandboxUser:
    """Someone who can authenticate to the sandbox API server with a bearer token."""

    name: str
    username: str
    uid: str
    groups: tuple[str, ...]
    token: str | None


@dataclass
class Fixtures:
    """Everything the sandbox serves, as loaded from the fixture files."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    users: list[SandboxUser] = field(default_factory=list)
    pod_logs: dict[tuple[str, str, str], str] = field(default_factory=dict)
    previous_logs: dict[tuple[str, str, str], str] = field(default_factory=dict)
    pod_usage: dict[tuple[str, str], dict[str, dict[str, str]]] = field(default_factory=dict)
    node_usage: dict[str, dict[str, str]] = field(default_factory=dict)
    node_logs: dict[tuple[str, str], str] = field(default_factory=dict)


def default_user_uid(username: str) -> str:
    """The uid a user gets when the fixture gives none: stable across restarts."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ols-sandbox:" + username))


# --- YAML parsing -------------------------------------------------------------


# --- error reporting ------------------------------------------------------------


@dataclass
class _Where:
    """Where a document comes from, for error messages."""

    path: Path
    document: int
    item: int | None = None
    what: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: document {self.document}"
        if self.item is not None:
            text += f", List item {self.item}"
        if self.what:
            text += f" ({self.what})"
        return text


def _error(where: _Where | Path, problem: str, fix: str) -> FixtureError:
    return FixtureError(f"{where}: {problem}. {fix}")


# --- loading ---------------------------------------------------------------------


@dataclass
class _Extras:
    """A pod's or node's sandbox extras, kept with the object so an override drops them."""

    logs: dict[str, str] = field(default_factory=dict)
    previous_logs: dict[str, str] = field(default_factory=dict)
    pod_usage: dict[str, dict[str, str]] = field(default_factory=dict)
    node_usage: dict[str, str] | None = None


@dataclass
class _Loaded:
    obj: dict[str, Any]
    extras: _Extras | None


@dataclass
class _LoadedUser:
    user: SandboxUser
    where: _Where


_ObjectKey = tuple[str, str, str | None, str]


def load_fixtures(paths: Sequence[Path], *, now: datetime) -> Fixtures:
    """Load fixture files and directories, in order; later documents override earlier ones.

    ``now`` is the instant relative times (``now-5m``) are resolved against; a
    naive datetime is taken to be UTC and fractions of a second are dropped.
    Paths are not implied: pass ``[BOOTSTRAP_DIR, WORLD_DIR]`` for the default
    world.  See the module docstring for the format.
    """
    now = _utc_seconds(now)
    objects: dict[_ObjectKey, _Loaded] = {}
    users: dict[str, _LoadedUser] = {}
    for file in _fixture_files(paths):
        for where, document in _documents(file):
            if document.get("apiVersion") == SANDBOX_API_VERSION:
                loaded_user = _load_user(document, where)
                users[loaded_user.user.name] = loaded_user
            else:
                key, loaded = _load_object(document, where, now)
                objects[key] = loaded
    _check_unique_tokens(list(users.values()))
    return _assemble(list(objects.values()), [u.user for u in users.values()], now)


def _utc_seconds(now: datetime) -> datetime:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(microsecond=0)


def _fixture_files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                (p for p in path.iterdir() if p.suffix in _FIXTURE_SUFFIXES and p.is_file()),
                key=lambda p: p.name,
            )
        elif path.is_file():
            yield path
        else:
            raise _error(
                path,
                "no such file or directory",
                "Fix: give an existing fixture file or a directory of *.yaml files.",
            )


def _documents(file: Path) -> Iterator[tuple[_Where, dict[str, Any]]]:
    """Yield each non-empty document of a file as a mapping, with where it came from."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(file, f"cannot be read: {exc}", "Fix: save it as UTF-8 text.") from exc
    number = 0
    stream = yaml.load_all(text, Loader=JsonYamlLoader)
    while True:
        try:
            document = next(stream)
        except StopIteration:
            return
        except yaml.YAMLError as exc:
            raise _yaml_error(file, number + 1, exc) from exc
        number += 1
        if document is None:
            continue
        where = _Where(file, number)
        if not isinstance(document, dict):
            raise _error(
                where,
                f"is a {_type_name(document)}, not a mapping",
                "Fix: each document must be a Kubernetes object or a sandbox User.",
            )
        if document.get("kind") == "List":
            yield from _list_items(document, where)
        else:
            yield where, _check_json(document, where)


def _yaml_error(file: Path, document: int, exc: yaml.YAMLError) -> FixtureError:
    mark = getattr(exc, "problem_mark", None)
    position = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{context}: {problem}" if context else problem
    if "duplicate key" in problem:
        fix = "Fix: keep only one of the two keys (merge their contents)."
    else:
        fix = "Fix: correct the YAML at that line (indentation, quoting, a missing ':' or '-')."
    return FixtureError(f"{file}: document {document}{position}: invalid YAML: {detail}. {fix}")


def _list_items(document: dict[str, Any], where: _Where) -> Iterator[tuple[_Where, dict[str, Any]]]:
    items = document.get("items")
    if items is None:
        return
    if not isinstance(items, list):
        raise _error(
            where,
            f"List has items of type {_type_name(items)}",
            "Fix: make items a YAML list of objects.",
        )
    for index, item in enumerate(items, start=1):
        item_where = _Where(where.path, where.document, index)
        if not isinstance(item, dict):
            raise _error(
                item_where,
                f"is a {_type_name(item)}, not a mapping",
                "Fix: each List item must be a Kubernetes object or a sandbox User.",
            )
        if item.get("kind") == "List":
            raise _error(
                item_where,
                "is a List inside a List",
                "Fix: move its items up into the outer List.",
            )
        yield item_where, _check_json(item, item_where)


def _check_json(document: dict[str, Any], where: _Where) -> dict[str, Any]:
    """Reject what YAML allows but a JSON API object cannot hold, before it reaches the store."""

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if not isinstance(key, str):
                    raise _error(
                        where,
                        f"{path or 'the document'} has a {_type_name(key)} key {key!r}",
                        f'Fix: quote the key ("{key}").',
                    )
                walk(child, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, f"{path}[{index}]")
        elif isinstance(value, float) and not math.isfinite(value):
            raise _error(where, f"{path} is {value}, which JSON cannot represent", "Fix: quote it.")
        elif value is not None and not isinstance(value, str | int | float):
            raise _error(
                where,
                f"{path} is a {_type_name(value)}, which JSON cannot represent",
                "Fix: write it as a plain string, number, boolean, list or mapping.",
            )

    try:
        walk(document, "")
    except RecursionError as exc:
        raise _error(
            where,
            "is nested too deeply or refers to itself through a YAML alias",
            "Fix: remove the self-referencing alias.",
        ) from exc
    return document


# --- users -------------------------------------------------------------------------


def _load_user(document: dict[str, Any], where: _Where) -> _LoadedUser:
    kind = document.get("kind")
    if kind != "User":
        raise _error(
            where,
            f"{SANDBOX_API_VERSION} has no kind {kind!r}",
            "Fix: the only sandbox kind is User.",
        )
    name = _metadata_name(document, where)
    where.what = f"User {name}"
    unknown = sorted(set(document) - _USER_TOP_LEVEL_KEYS)
    if unknown:
        raise _error(
            where,
            f"unknown top-level key(s) {', '.join(unknown)}",
            "Fix: a User has only apiVersion, kind, metadata and spec "
            "(sandbox extras go on Pods and Nodes).",
        )
    if not _HANDLE.fullmatch(name):
        raise _error(
            where,
            f"metadata.name {name!r} is not usable as a handle",
            "Fix: use letters, digits, '.', '_' and '-', starting with a letter or digit.",
        )
    spec = document.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise _error(where, f"spec is a {_type_name(spec)}", "Fix: make spec a mapping.")
    unknown = sorted(set(spec) - _USER_SPEC_KEYS)
    if unknown:
        raise _error(
            where,
            f"unknown spec key(s) {', '.join(unknown)}",
            "Fix: a User spec has only username, uid, groups and token.",
        )
    username = _optional_string(spec, "username", where) or name
    uid = _optional_string(spec, "uid", where) or default_user_uid(username)
    token = _optional_string(spec, "token", where)
    if token is not None and re.search(r"\s", token):
        raise _error(
            where,
            "spec.token contains whitespace, which cannot be sent as a bearer token",
            "Fix: remove the whitespace.",
        )
    groups = spec.get("groups")
    if groups is None:
        groups = []
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        raise _error(
            where,
            "spec.groups is not a list of non-empty strings",
            "Fix: write it as a YAML list, e.g. groups: [team-a].",
        )
    return _LoadedUser(SandboxUser(name, username, uid, tuple(groups), token), where)


def _optional_string(spec: dict[str, Any], key: str, where: _Where) -> str | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _error(
            where,
            f"spec.{key} is {value!r}, not a non-empty string",
            f"Fix: quote it or remove spec.{key}.",
        )
    return value


def _check_unique_tokens(users: list[_LoadedUser]) -> None:
    # A token identifies exactly one user; a shared one would make authentication ambiguous.
    owners: dict[str, _LoadedUser] = {}
    for loaded in users:
        token = loaded.user.token
        if token is None:
            continue
        other = owners.get(token)
        if other is not None:
            raise _error(
                loaded.where,
                f"spec.token is the same as the token of User {other.user.name} ({other.where})",
                "Fix: give each user its own token, or omit token to get a random one.",
            )
        owners[token] = loaded


# --- objects -----------------------------------------------------------------------


def _metadata_name(document: dict[str, Any], where: _Where) -> str:
    for key in ("apiVersion", "kind"):
        value = document.get(key)
        if not isinstance(value, str) or not value:
            raise _error(
                where,
                f"{key} is missing or not a non-empty string",
                f"Fix: every document needs a {key}, e.g. "
                + ("apiVersion: v1." if key == "apiVersion" else "kind: Pod."),
            )
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        raise _error(
            where, "metadata is missing or not a mapping", "Fix: add metadata with a name."
        )
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise _error(
            where,
            "metadata.name is missing or not a non-empty string",
            "Fix: give the object a name (generateName is not supported in fixtures).",
        )
    return name


def _load_object(
    document: dict[str, Any], where: _Where, now: datetime
) -> tuple[_ObjectKey, _Loaded]:
    name = _metadata_name(document, where)
    api_version: str = document["apiVersion"]
    kind: str = document["kind"]
    metadata: dict[str, Any] = document["metadata"]
    namespace = metadata.get("namespace")
    if namespace is not None and (not isinstance(namespace, str) or not namespace):
        raise _error(
            where,
            f"metadata.namespace is {namespace!r}, not a non-empty string",
            "Fix: give a namespace name, or remove metadata.namespace for a cluster-scoped kind.",
        )
    where.what = f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"

    extras: _Extras | None = None
    if "sandbox" in document:
        raw_extras = document.pop("sandbox")
        if api_version == "v1" and kind == "Pod":
            extras = _pod_extras(raw_extras, document, namespace, where)
        elif api_version == "v1" and kind == "Node":
            extras = _node_extras(raw_extras, where)
        else:
            raise _error(
                where,
                f"has a sandbox key, but {api_version} {kind} cannot have sandbox extras",
                "Fix: only v1 Pods (logs, previousLogs, usage) and v1 Nodes (usage, logs) "
                "take a sandbox key; remove it.",
            )

    obj: dict[str, Any] = _resolve_times(document, now, where, "")
    if obj["metadata"].get("creationTimestamp") is None:
        obj["metadata"]["creationTimestamp"] = _format_time(now)
    return (api_version, kind, namespace, name), _Loaded(obj, extras)


def _pod_extras(raw: Any, pod: dict[str, Any], namespace: str | None, where: _Where) -> _Extras:
    extras = _Extras()
    if raw is None:
        return extras
    section = _extras_mapping(raw, "sandbox", _POD_EXTRAS, where)
    if namespace is None:
        raise _error(
            where,
            "has sandbox extras but no metadata.namespace",
            "Fix: set metadata.namespace, which the logs and metrics are looked up by.",
        )
    containers = _container_names(pod)
    for key, target in (("logs", extras.logs), ("previousLogs", extras.previous_logs)):
        for container, text in _extras_mapping(
            section.get(key), f"sandbox.{key}", None, where
        ).items():
            _check_container(container, containers, f"sandbox.{key}", where)
            if not isinstance(text, str):
                raise _error(
                    where,
                    f"sandbox.{key}.{container} is a {_type_name(text)}, not text",
                    "Fix: write the log as a string, e.g. with a literal block (|).",
                )
            target[container] = text
    for container, usage in _extras_mapping(
        section.get("usage"), "sandbox.usage", None, where
    ).items():
        _check_container(container, containers, "sandbox.usage", where)
        extras.pod_usage[container] = _usage(usage, f"sandbox.usage.{container}", where)
    return extras


def _node_extras(raw: Any, where: _Where) -> _Extras:
    extras = _Extras()
    if raw is None:
        return extras
    section = _extras_mapping(raw, "sandbox", _NODE_EXTRAS, where)
    if section.get("usage") is not None:
        extras.node_usage = _usage(section["usage"], "sandbox.usage", where)
    for query, text in _extras_mapping(section.get("logs"), "sandbox.logs", None, where).items():
        if not isinstance(text, str):
            raise _error(
                where,
                f"sandbox.logs.{query} is a {_type_name(text)}, not text",
                "Fix: write the log as a string, e.g. with a literal block (|).",
            )
        extras.logs[query] = text
    return extras


def _extras_mapping(
    value: Any, path: str, allowed: frozenset[str] | None, where: _Where
) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _error(where, f"{path} is a {_type_name(value)}", f"Fix: make {path} a mapping.")
    if allowed is not None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise _error(
                where,
                f"{path} has unknown key(s) {', '.join(unknown)}",
                f"Fix: use only {', '.join(sorted(allowed))}.",
            )
    return value


def _container_names(pod: dict[str, Any]) -> list[str]:
    spec = pod.get("spec")
    names: list[str] = []
    if not isinstance(spec, dict):
        return names
    for key in ("initContainers", "containers", "ephemeralContainers"):
        entries = spec.get(key)
        if isinstance(entries, list):
            names += [c["name"] for c in entries if isinstance(c, dict) and "name" in c]
    return names


def _check_container(container: str, containers: list[str], path: str, where: _Where) -> None:
    if container not in containers:
        known = ", ".join(containers) or "none"
        raise _error(
            where,
            f"{path} names container {container!r}, which is not in the pod spec "
            f"(containers: {known})",
            "Fix: use one of the pod's container names, or add the container to spec.containers.",
        )


def _usage(value: Any, path: str, where: _Where) -> dict[str, str]:
    usage = _extras_mapping(value, path, _USAGE_KEYS, where)
    result: dict[str, str] = {}
    for key in sorted(_USAGE_KEYS):
        quantity = usage.get(key)
        # An unquoted `cpu: 2` is an int in YAML; Kubernetes accepts it, so do we.
        if isinstance(quantity, int) and not isinstance(quantity, bool):
            quantity = str(quantity)
        if not isinstance(quantity, str) or not _QUANTITY.fullmatch(quantity):
            raise _error(
                where,
                f"{path}.{key} is {quantity!r}, not a Kubernetes quantity",
                f"Fix: give {key} like {'250m' if key == 'cpu' else '64Mi'}.",
            )
        result[key] = quantity
    return result


def _resolve_times(value: Any, now: datetime, where: _Where, path: str) -> Any:
    """Copy a document, turning relative times into RFC 3339 strings.

    It always builds new containers, so YAML aliases that share one dict in two
    places end up as independent copies the store can modify safely.
    """
    if isinstance(value, dict):
        return {
            k: _resolve_times(v, now, where, f"{path}.{k}" if path else k) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_resolve_times(v, now, where, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        match = _RELATIVE_TIME.fullmatch(value)
        if match:
            seconds = sum(
                int(amount) * _UNIT_SECONDS[unit]
                for amount, unit in _RELATIVE_TIME_PART.findall(match.group(1) or "")
            )
            try:
                return _format_time(now - timedelta(seconds=seconds))
            except OverflowError as exc:
                raise _error(
                    where,
                    f"{path} is {value!r}, which is too far in the past",
                    "Fix: use a smaller relative time.",
                ) from exc
    return value


def _format_time(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- assembling the result ------------------------------------------------------------


def _assemble(loaded: list[_Loaded], users: list[SandboxUser], now: datetime) -> Fixtures:
    fixtures = Fixtures(users=users)
    defined_namespaces: set[str] = set()
    used_namespaces: list[str] = []
    for entry in loaded:
        obj = entry.obj
        metadata: Mapping[str, Any] = obj["metadata"]
        name: str = metadata["name"]
        namespace = metadata.get("namespace")
        fixtures.objects.append(obj)
        if obj["apiVersion"] == "v1" and obj["kind"] == "Namespace":
            defined_namespaces.add(name)
        if isinstance(namespace, str) and namespace not in used_namespaces:
            used_namespaces.append(namespace)
        extras = entry.extras
        if extras is None:
            continue
        if obj["kind"] == "Pod":
            assert isinstance(namespace, str)  # checked when the extras were read
            for container, text in extras.logs.items():
                fixtures.pod_logs[(namespace, name, container)] = text
            for container, text in extras.previous_logs.items():
                fixtures.previous_logs[(namespace, name, container)] = text
            if extras.pod_usage:
                fixtures.pod_usage[(namespace, name)] = extras.pod_usage
        else:
            if extras.node_usage is not None:
                fixtures.node_usage[name] = extras.node_usage
            for query, text in extras.logs.items():
                fixtures.node_logs[(name, query)] = text
    for namespace in used_namespaces:
        if namespace not in defined_namespaces:
            fixtures.objects.append(
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": namespace, "creationTimestamp": _format_time(now)},
                    "status": {"phase": "Active"},
                }
            )
    return fixtures


def _type_name(value: Any) -> str:
    names = {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "number"}
    return names.get(type(value), type(value).__name__)
