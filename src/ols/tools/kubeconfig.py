"""Kubeconfig documents: the one place that turns an API URL, its CA and (optionally) a
user's token into credentials a Kubernetes client can use."""

from __future__ import annotations

import base64
from typing import Any

import yaml


def render_kubeconfig(
    api_url: str, ca_pem: bytes, *, user: str, token: str | None, cluster: str = "cluster"
) -> str:
    """A kubeconfig with one cluster, one user and one context.

    `token=None` gives a user with no credentials at all: a client using it can reach the
    API but acts as nobody.
    """
    credentials: dict[str, Any] = {"token": token} if token else {}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster,
                "cluster": {
                    "server": api_url,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": f"{user}@{cluster}", "context": {"cluster": cluster, "user": user}}],
        "current-context": f"{user}@{cluster}",
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)
