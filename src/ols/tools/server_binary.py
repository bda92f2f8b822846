"""Where the kubernetes-mcp-server binary is.

`make tools` installs the pinned release from the npm registry into the project's
`.tools/` folder; a configured path or `OLS_KUBERNETES_MCP_SERVER` wins over that.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ols.errors import ServerBinaryMissing

PINNED_VERSION = "0.0.67"
ENV_VAR = "OLS_KUBERNETES_MCP_SERVER"
BINARY_NAME = "kubernetes-mcp-server"
# src/ols/tools/server_binary.py -> the project root, for a checkout installed in place.
PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_LOCATION = PROJECT_ROOT / ".tools" / "bin" / BINARY_NAME


def find_server_binary(configured: str | os.PathLike[str] | None = None) -> Path:
    """The binary to run: the configured path, then $OLS_KUBERNETES_MCP_SERVER, then the
    project's `.tools/bin`, then PATH."""
    explicit = configured or os.environ.get(ENV_VAR)
    if explicit:
        path = Path(explicit).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise ServerBinaryMissing(
            f"kubernetes-mcp-server is not an executable file at {path} "
            f"(from {'the configuration' if configured else '$' + ENV_VAR}); fix the path, "
            "or unset it and run `make tools` to install the pinned "
            f"{PINNED_VERSION} release into .tools/"
        )
    if DEFAULT_LOCATION.is_file() and os.access(DEFAULT_LOCATION, os.X_OK):
        return DEFAULT_LOCATION
    on_path = shutil.which(BINARY_NAME)
    if on_path:
        return Path(on_path)
    raise ServerBinaryMissing(
        f"kubernetes-mcp-server was not found in {DEFAULT_LOCATION.parent} or on PATH; run "
        f"`make tools` in the ols checkout (installs the pinned {PINNED_VERSION} release from "
        f"the npm registry) or set {ENV_VAR} to the binary's path"
    )
