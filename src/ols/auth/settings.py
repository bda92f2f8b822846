"""Settings of caller authentication."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

ACCESS_PATH = "/ols-access"


class AuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    module: Literal["k8s", "noop"] = "k8s"
    # The service's own token for TokenReview/SubjectAccessReview (never used for tools).
    service_token_file: Path | None = None
    access_path: str = ACCESS_PATH
    # A header an authenticating proxy in front sets to the user's own access token (OpenShift's
    # oauth-proxy with --pass-access-token: X-Forwarded-Access-Token). Used when a request has
    # no `Authorization: Bearer`; the token is reviewed exactly like a bearer token.
    forwarded_token_header: str | None = None
