"""Authenticating callers of the HTTP API.

`k8s` (the default): the caller's bearer token is reviewed by the cluster (TokenReview), then
the cluster is asked whether that user may `get` the non-resource path `/ols-access`
(SubjectAccessReview), as OpenShift Lightspeed does. The service makes both reviews with
its own service-account token; that token is used for nothing else (never for tools).
`noop`: development only; anyone is accepted, and tools still need the caller's token.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2

from ols.auth.settings import ACCESS_PATH
from ols.auth.token import UserToken
from ols.errors import OlsError

log = logging.getLogger(__name__)

REVIEW_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class AuthenticatedUser:
    user_id: str
    username: str
    token: UserToken | None  # what the tool layer runs tools with
    skip_user_id_check: bool = False


class AuthError(OlsError):
    """The caller is not authenticated (401) or not allowed (403)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


class Authenticator(Protocol):
    async def authenticate(self, authorization: str | None) -> AuthenticatedUser: ...

    async def close(self) -> None: ...


def bearer_token(authorization: str | None) -> UserToken | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return UserToken.optional(value)


class NoopAuthenticator:
    """INSECURE, development only: everyone is accepted. A bearer token, if sent, is kept for
    tool calls (without one, no tool runs)."""

    def __init__(self) -> None:
        log.warning(
            "authentication module 'noop': every caller is accepted. Never use it "
            "where anyone else can reach the service."
        )

    async def authenticate(self, authorization: str | None) -> AuthenticatedUser:
        token = bearer_token(authorization)
        user_id = f"noop-{token.fingerprint}" if token else "noop-anonymous"
        return AuthenticatedUser(user_id, user_id, token, skip_user_id_check=True)

    async def close(self) -> None:
        return None


class KubernetesAuthenticator:
    def __init__(
        self,
        api_url: str,
        ca_pem: bytes | None,
        service_token: UserToken,
        access_path: str = ACCESS_PATH,
    ) -> None:
        context = ssl.create_default_context()
        if ca_pem is not None:
            context.load_verify_locations(cadata=ca_pem.decode())
        self._client = httpx2.AsyncClient(
            base_url=api_url,
            verify=context,
            timeout=10,
            headers={"Authorization": f"Bearer {service_token.reveal()}"},
        )
        self._access_path = access_path
        self._cache: dict[str, tuple[float, AuthenticatedUser]] = {}

    async def close(self) -> None:
        await self._client.aclose()

    async def authenticate(self, authorization: str | None) -> AuthenticatedUser:
        token = bearer_token(authorization)
        if token is None:
            raise AuthError(401, "Unauthorized: No auth header found")
        key = hashlib.sha256(token.reveal().encode()).hexdigest()
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < REVIEW_CACHE_SECONDS:
            return cached[1]
        user = await self._review(token)
        self._cache[key] = (time.monotonic(), user)
        if len(self._cache) > 10_000:
            self._cache.clear()
        return user

    async def _review(self, token: UserToken) -> AuthenticatedUser:
        review = await self._post(
            "/apis/authentication.k8s.io/v1/tokenreviews",
            {
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenReview",
                "spec": {"token": token.reveal()},
            },
        )
        status = review.get("status") or {}
        if not status.get("authenticated"):
            raise AuthError(403, "Forbidden: the token is invalid or expired")
        user = status.get("user") or {}
        username = str(user.get("username", ""))
        access = await self._post(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SubjectAccessReview",
                "spec": {
                    "user": username,
                    "groups": user.get("groups") or [],
                    "uid": user.get("uid", ""),
                    "extra": user.get("extra") or {},
                    "nonResourceAttributes": {"path": self._access_path, "verb": "get"},
                },
            },
        )
        if not (access.get("status") or {}).get("allowed"):
            raise AuthError(
                403,
                f"Forbidden: {username} may not use this service "
                f"(needs get on {self._access_path})",
            )
        return AuthenticatedUser(str(user.get("uid") or username), username, token)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._client.post(path, json=body)
        except httpx2.HTTPError as exc:
            raise AuthError(
                503, f"the cluster could not review the token: {type(exc).__name__}"
            ) from exc
        if response.status_code >= 400:
            # The service account may lack system:auth-delegator; say so without echoing a token.
            raise AuthError(
                503,
                f"the cluster refused the service's review request ({response.status_code}); "
                "the service account needs create on tokenreviews and subjectaccessreviews",
            )
        result: dict[str, Any] = response.json()
        return result
