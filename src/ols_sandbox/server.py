"""The sandbox's HTTP front: authentication, authorization, routing, encoding and audit.

One ASGI callable (`SandboxApi`) serves every path, so no framework router turns odd
methods or paths into non-Kubernetes error bodies: every failure is a `Status`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import yaml
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from ols_sandbox import errors, reviews, views
from ols_sandbox.catalog import Catalog, ResourceType
from ols_sandbox.fixtures import Fixtures
from ols_sandbox.protobuf import PROTOBUF_CONTENT_TYPE, ProtobufError, decode_object
from ols_sandbox.rbac import Attributes, UserInfo, authorize, has_namespace_binding
from ols_sandbox.requests import RequestInfo, parse_request
from ols_sandbox.resources import PATCH_TYPES, Resources
from ols_sandbox.store import Store
from ols_sandbox.tables import build_table
from ols_sandbox.yamlio import load_json_compatible

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 3 * 1024 * 1024  # kube-apiserver's request body limit
PUBLIC_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version"})
VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "ols-sandbox",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.23.8",
    "compiler": "gc",
    "platform": "linux/amd64",
}
AGGREGATED_DISCOVERY_GROUP = "apidiscovery.k8s.io"
AGGREGATED_KIND = "APIGroupDiscoveryList"
AGGREGATED_VERSIONS = ("v2", "v2beta1")
_JSON_BODY_TYPES = ("application/json", "application/yaml", PROTOBUF_CONTENT_TYPE)


class AuditLog:
    """One JSON line per request: who, what, where, outcome. Never a token or a body."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] = path.open("a", encoding="utf-8", buffering=1)

    def record(
        self, user: UserInfo | None, info: RequestInfo | None, request: Request, code: int
    ) -> None:
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "user": user.username if user else None,
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "code": code,
        }
        if info is not None:
            entry["verb"] = info.verb
            if info.resource_request:
                entry.update(
                    group=info.group,
                    resource=info.resource,
                    subresource=info.subresource,
                    namespace=info.namespace,
                    name=info.name,
                )
        self._file.write(json.dumps(entry) + "\n")

    def close(self) -> None:
        self._file.close()


def aggregated_discovery_version(accept: str) -> str | None:
    """The aggregated discovery version (v2, v2beta1) an Accept header asks for before any
    plain JSON, or None for the legacy documents (kube-apiserver's negotiation: the first
    media range it can serve wins; protobuf discovery is not served here)."""
    for media_range in accept.split(","):
        media_type, *raw_params = (part.strip() for part in media_range.split(";"))
        media_type = media_type.lower()
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in raw_params)}
        if (
            media_type == "application/json"
            and params.get("g") == AGGREGATED_DISCOVERY_GROUP
            and params.get("as") == AGGREGATED_KIND
            and params.get("v") in AGGREGATED_VERSIONS
        ):
            return params["v"]
        if media_type in ("application/json", "application/*", "*/*") and "as" not in params:
            return None
    return None


def _json(body: Any, code: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), code, media_type="application/json")


def _status_response(error: errors.ApiError) -> Response:
    return _json(error.status(), error.code)


def _wants_table(request: Request) -> bool:
    return "as=Table" in request.headers.get("accept", "")


@dataclass
class Identities:
    """The static token table: bearer token -> user."""

    by_token: Mapping[str, UserInfo]

    def lookup(self, token: str) -> UserInfo | None:
        return self.by_token.get(token)


class SandboxApi:
    """The Kubernetes API of the sandbox as an ASGI application."""

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        fixtures: Fixtures,
        identities: Identities,
        audit: AuditLog,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.fixtures = fixtures
        self.identities = identities
        self.audit = audit
        self.resources = Resources(store, catalog)
        # Discovery bodies by (path, aggregated version): the same bytes for every request.
        self._discovery_bodies: dict[tuple[str, str | None], bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        user: UserInfo | None = None
        info: RequestInfo | None = None
        try:
            query = dict(request.query_params)
            user = self._authenticate(request)
            info = parse_request(request.method, request.url.path, query)
            self._authorize(user, info)
            response = await self._dispatch(request, info, user, query)
        except errors.ApiError as exc:
            response = _status_response(exc)
        except Exception:  # the sandbox answers with a Status, whatever went wrong
            log.exception("sandbox request failed: %s %s", request.method, request.url.path)
            response = _status_response(
                errors.ApiError(
                    500,
                    "InternalError",
                    "an error on the server has prevented the request from succeeding",
                )
            )
        self.audit.record(user, info, request, response.status_code)
        return response

    # ---- authentication and authorization ----------------------------------------------

    def _authenticate(self, request: Request) -> UserInfo | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            if request.url.path in PUBLIC_PATHS:
                return None
            raise errors.unauthorized()
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.unauthorized()
        user = self.identities.lookup(token.strip())
        if user is None:
            raise errors.unauthorized()
        return user

    def _authorize(self, user: UserInfo | None, info: RequestInfo) -> None:
        if user is None:
            return  # only public paths get here without a user
        if authorize(user, info.attributes, self.store.rbac_objects()):
            return
        if not info.resource_request:
            raise errors.forbidden_path(user.username, info.verb, info.path)
        raise errors.forbidden(
            user.username,
            info.verb,
            info.resource,
            info.group,
            info.namespace or None,
            info.name or None,
            info.subresource or None,
        )

    # ---- routing ----------------------------------------------------------------------

    async def _dispatch(
        self, request: Request, info: RequestInfo, user: UserInfo | None, query: dict[str, str]
    ) -> Response:
        if not info.resource_request:
            return self._non_resource(request, info)
        assert user is not None
        t = self.catalog.lookup(info.group, info.version, info.resource)
        if t is None:
            raise errors.path_not_found()
        if info.namespace and not t.namespaced and t.resource != "namespaces":
            raise errors.path_not_found()
        if t.namespaced and info.name and not info.namespace:
            raise errors.path_not_found()
        if info.subresource and t.subresource(info.subresource) is None:
            raise errors.path_not_found()
        namespace = info.namespace if t.namespaced else ""
        if t.virtual:
            return await self._virtual(request, info, t, user, namespace, query)
        if info.subresource:
            return await self._subresource(request, info, t, namespace, query)
        return await self._stored(request, info, t, namespace, query)

    def _non_resource(self, request: Request, info: RequestInfo) -> Response:
        if request.method not in ("GET", "HEAD"):
            raise errors.method_not_allowed()
        path = info.path.rstrip("/") or "/"
        if path == "/version":
            return _json(VERSION)
        if path in ("/healthz", "/livez", "/readyz"):
            return Response("ok", media_type="text/plain")
        version = (
            aggregated_discovery_version(request.headers.get("accept", ""))
            if path in self.catalog.aggregated
            else None
        )
        key = (path, version)
        body = self._discovery_bodies.get(key)
        if body is None:
            if version is not None:
                doc = {
                    **self.catalog.aggregated[path],
                    "apiVersion": f"{AGGREGATED_DISCOVERY_GROUP}/{version}",
                }
            elif path in self.catalog.discovery:
                doc = self.catalog.discovery[path]
            else:
                raise errors.path_not_found()
            body = json.dumps(doc, separators=(",", ":")).encode()
            self._discovery_bodies[key] = body
        media_type = (
            "application/json"
            if version is None
            else f"application/json;g={AGGREGATED_DISCOVERY_GROUP};v={version};as={AGGREGATED_KIND}"
        )
        return Response(body, media_type=media_type)

    async def _stored(
        self,
        request: Request,
        info: RequestInfo,
        t: ResourceType,
        namespace: str,
        query: dict[str, str],
    ) -> Response:
        method = request.method
        dry_run = query.get("dryRun") == "All"
        list_namespace = namespace if t.namespaced and info.namespace else None
        if method in ("GET", "HEAD") and info.name:
            return self._object_response(
                request, t, self.resources.get(t, namespace, info.name), query
            )
        if method in ("GET", "HEAD"):
            items = self.resources.select(t, list_namespace, query)
            if info.verb == "watch":
                return self._watch(request, t, list_namespace, items, query)
            return self._list_response(request, t, items, query)
        if method == "POST" and not info.name:
            body = await self._body(request)
            return _json(self.resources.create(t, namespace, body, dry_run=dry_run), 201)
        if method == "PUT" and info.name:
            body = await self._body(request)
            return _json(self.resources.update(t, namespace, info.name, body, dry_run=dry_run))
        if method == "PATCH" and info.name:
            patch_type, patch = await self._patch_body(request)
            obj, created = self.resources.patch(t, namespace, info.name, patch_type, patch, query)
            return _json(obj, 201 if created else 200)
        if method == "DELETE" and info.name:
            await self._optional_body(request)
            return _json(self.resources.delete(t, namespace, info.name, dry_run=dry_run))
        if method == "DELETE":
            return _json(self.resources.delete_collection(t, list_namespace, query))
        raise errors.method_not_allowed()

    async def _subresource(
        self,
        request: Request,
        info: RequestInfo,
        t: ResourceType,
        namespace: str,
        query: dict[str, str],
    ) -> Response:
        method = request.method
        sub = info.subresource
        dry_run = query.get("dryRun") == "All"
        if sub == "status":
            if method == "GET":
                return _json(self.resources.get(t, namespace, info.name))
            if method == "PUT":
                body = await self._body(request)
                return _json(
                    self.resources.update(
                        t, namespace, info.name, body, subresource="status", dry_run=dry_run
                    )
                )
            if method == "PATCH":
                patch_type, patch = await self._patch_body(request)
                obj, _ = self.resources.patch(
                    t, namespace, info.name, patch_type, patch, query, subresource="status"
                )
                return _json(obj)
        elif sub == "scale":
            if method == "GET":
                return _json(self.resources.get_scale(t, namespace, info.name))
            if method == "PUT":
                body = await self._body(request)
                return _json(
                    self.resources.set_scale(t, namespace, info.name, body, dry_run=dry_run)
                )
            if method == "PATCH":
                patch_type, patch = await self._patch_body(request)
                return _json(
                    self.resources.patch_scale(t, namespace, info.name, patch_type, patch, query)
                )
        elif sub == "log" and method == "GET":
            pod = self.resources.get(t, namespace, info.name)
            return Response(views.pod_log(pod, self.fixtures, query), media_type="text/plain")
        elif sub == "exec":
            self.resources.get(t, namespace, info.name)
            raise errors.bad_request(
                "the sandbox runs no containers, so exec is not available; read logs instead"
            )
        elif sub == "proxy" and method == "GET":
            node = self.resources.get(t, namespace, info.name)
            content_type, body = views.node_proxy(node, self.fixtures, info.extra, query)
            if content_type == "application/json":
                return _json(body)
            return Response(body, media_type=content_type)
        raise errors.method_not_allowed()

    async def _virtual(
        self,
        request: Request,
        info: RequestInfo,
        t: ResourceType,
        user: UserInfo,
        namespace: str,
        query: dict[str, str],
    ) -> Response:
        if "create" in t.verbs:  # the review kinds
            if request.method != "POST" or info.name:
                raise errors.method_not_allowed()
            return _json(self._review(t, user, await self._body(request)), 201)
        if request.method not in ("GET", "HEAD"):
            raise errors.method_not_allowed()
        items = self._view_items(t, user, namespace if info.namespace else None)
        if info.name:
            found = [o for o in items if o["metadata"]["name"] == info.name]
            if not found:
                if t.resource == "projects" and "system:masters" not in user.groups:
                    # OpenShift answers 403 for projects the caller cannot see, existing or not.
                    raise errors.forbidden(
                        user.username, "get", "projects", t.group, info.name, info.name, None
                    )
                raise errors.not_found(t.resource, t.group, info.name)
            return self._object_response(request, t, found[0], query)
        items = self.resources.filter(t, items, query)
        if info.verb == "watch":
            return self._watch(request, t, None, items, query, follow=False)
        return self._list_response(request, t, items, query)

    def _review(self, t: ResourceType, user: UserInfo, body: Any) -> dict[str, Any]:
        rbac = self.store.rbac_objects()
        if t.resource == "selfsubjectaccessreviews":
            return reviews.self_subject_access_review(user, body, rbac)
        if t.resource == "selfsubjectrulesreviews":
            return reviews.self_subject_rules_review(user, body, rbac)
        if t.resource == "subjectaccessreviews":
            return reviews.subject_access_review(body, rbac)
        if t.resource == "selfsubjectreviews":
            return reviews.self_subject_review(user, body)
        return reviews.token_review(body, self.identities.lookup)

    def _view_items(
        self, t: ResourceType, user: UserInfo, namespace: str | None
    ) -> list[Mapping[str, Any]]:
        core = self.catalog.lookup(
            "",
            "v1",
            {
                "Event": "events",
                "PodMetrics": "pods",
                "NodeMetrics": "nodes",
                "Project": "namespaces",
            }[t.kind],
        )
        assert core is not None
        sources = self.store.list(core, namespace)
        if t.kind == "Event":
            return [views.event_v1(e) for e in sources]
        if t.kind == "PodMetrics":
            return [m for p in sources if (m := views.pod_metrics(p, self.fixtures))]
        if t.kind == "NodeMetrics":
            return [m for n in sources if (m := views.node_metrics(n, self.fixtures))]
        rbac = self.store.rbac_objects()
        everything = authorize(user, Attributes(verb="list", resource="namespaces"), rbac)
        return [
            views.project_of(ns)
            for ns in sources
            if everything or has_namespace_binding(user, ns["metadata"]["name"], rbac)
        ]

    # ---- encoding ---------------------------------------------------------------------

    def _object_response(
        self, request: Request, t: ResourceType, obj: Mapping[str, Any], query: Mapping[str, str]
    ) -> Response:
        if _wants_table(request):
            return _json(self._table(t, [obj], query))
        return _json(obj)

    def _list_response(
        self,
        request: Request,
        t: ResourceType,
        items: list[Mapping[str, Any]],
        query: Mapping[str, str],
    ) -> Response:
        body = self.resources.list_body(t, items, query)
        if _wants_table(request):
            table = self._table(t, body["items"], query)
            table["metadata"] = body["metadata"]
            return _json(table)
        return _json(body)

    def _table(
        self, t: ResourceType, objects: list[Mapping[str, Any]], query: Mapping[str, str]
    ) -> dict[str, Any]:
        include_object = query.get("includeObject") or "Metadata"
        if include_object not in ("None", "Metadata", "Object"):
            raise errors.bad_request(
                f'invalid includeObject "{include_object}": use None, Metadata or Object'
            )
        return build_table(
            t.resource,
            t.group,
            objects,
            include_object=include_object,
            resource_version=self.store.revision,
        )

    def _watch(
        self,
        request: Request,
        t: ResourceType,
        namespace: str | None,
        initial: list[Mapping[str, Any]],
        query: dict[str, str],
        *,
        follow: bool = True,
    ) -> Response:
        """Newline-delimited watch events: current objects (unless resuming) then changes."""
        table = _wants_table(request)
        resuming = query.get("resourceVersion", "") not in ("", "0")
        try:
            timeout = min(float(query.get("timeoutSeconds") or 1800), 1800.0)
        except ValueError as exc:
            raise errors.bad_request("timeoutSeconds must be a number") from exc
        watcher = self.store.watch(t, namespace) if follow else None

        def encode(kind: str, obj: Mapping[str, Any]) -> bytes:
            payload = self._table(t, [obj], query) if table else obj
            return (json.dumps({"type": kind, "object": payload}) + "\n").encode()

        async def events() -> AsyncIterator[bytes]:
            try:
                if not resuming:
                    for obj in initial:
                        yield encode("ADDED", obj)
                if watcher is None:
                    return
                loop = asyncio.get_running_loop()
                deadline = loop.time() + timeout
                while (remaining := deadline - loop.time()) > 0:
                    try:
                        event = await asyncio.wait_for(watcher.queue.get(), remaining)
                    except TimeoutError:
                        return
                    if self.resources.filter(t, [event.object], query):
                        yield encode(event.type, event.object)
            finally:
                if watcher is not None:
                    self.store.unwatch(watcher)

        return StreamingResponse(events(), media_type="application/json")

    # ---- bodies -----------------------------------------------------------------------

    async def _raw_body(self, request: Request) -> bytes:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise errors.ApiError(
                    413,
                    "RequestEntityTooLarge",
                    f"Request entity too large: limit is {MAX_BODY_BYTES}",
                )
        return body

    async def _body(self, request: Request) -> Any:
        content_type = request.headers.get("content-type", "application/json")
        media = content_type.split(";")[0].strip().lower() or "application/json"
        if media not in _JSON_BODY_TYPES:
            raise errors.unsupported_media_type(content_type)
        return self._decode(media, await self._raw_body(request))

    async def _optional_body(self, request: Request) -> None:
        raw = await self._raw_body(request)
        if raw.strip():
            media = request.headers.get("content-type", "application/json").split(";")[0]
            self._decode(media.strip().lower() or "application/json", raw)

    async def _patch_body(self, request: Request) -> tuple[str, Any]:
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media not in PATCH_TYPES:
            raise errors.unsupported_media_type(content_type or "<none>")
        raw = await self._raw_body(request)
        return media, self._decode(
            "application/yaml" if media.endswith("yaml") else "application/json", raw
        )

    @staticmethod
    def _decode(media: str, raw: bytes) -> Any:
        if media == PROTOBUF_CONTENT_TYPE:
            try:
                return decode_object(raw)
            except ProtobufError as exc:
                raise errors.bad_request(str(exc)) from exc
        try:
            if media == "application/yaml":
                return load_json_compatible(raw.decode("utf-8"))
            return json.loads(raw)
        except RecursionError as exc:
            raise errors.bad_request("the body of the request is nested too deeply") from exc
        except (ValueError, yaml.YAMLError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise errors.bad_request(
                f"the body of the request could not be decoded: {reason}"
            ) from exc
