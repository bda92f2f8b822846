"""The `ols` command line. Each command is a thin shell over one part; the sandbox part is
imported only when an `ols sandbox` command runs, so the product never loads it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ols.tools.server_config import ServerConfig

app = typer.Typer(
    no_args_is_help=True, help="ols: answers about your cluster, using your own permissions."
)
sandbox_app = typer.Typer(no_args_is_help=True, help="The local sandbox Kubernetes API.")
mcp_server_app = typer.Typer(no_args_is_help=True, help="kubernetes-mcp-server settings.")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(mcp_server_app, name="mcp-server")


class FlavourChoice(StrEnum):
    openshift = "openshift"
    kubernetes = "kubernetes"


class ModeChoice(StrEnum):
    stdio = "stdio"
    http = "http"


@sandbox_app.command("up")
def sandbox_up(
    state_dir: Annotated[
        Path, typer.Option(help="Where kubeconfigs, sandbox.json and the audit log go.")
    ],
    port: Annotated[int, typer.Option(help="HTTPS port on 127.0.0.1; 0 picks a free one.")] = 0,
    flavour: Annotated[
        FlavourChoice, typer.Option(help="openshift serves the project and route APIs too.")
    ] = FlavourChoice.openshift,
    fixtures: Annotated[
        list[Path] | None,
        typer.Option(
            help="A fixture file or directory to load after the built-in ones; repeatable."
        ),
    ] = None,
    default_world: Annotated[
        bool,
        typer.Option(
            help="Load the built-in world (users, team-a, team-b...). "
            "--no-default-world keeps only system RBAC and your fixtures."
        ),
    ] = True,
    mcp: Annotated[
        bool,
        typer.Option(help="Start kubernetes-mcp-server (streamable HTTP) against the sandbox."),
    ] = True,
) -> None:
    """Run the sandbox API (and kubernetes-mcp-server) in the foreground until interrupted."""
    from ols_sandbox.runner import SandboxOptions, up

    options = SandboxOptions(
        state_dir=state_dir.resolve(),
        port=port,
        flavour=flavour.value,
        fixtures=tuple(fixtures or ()),
        default_world=default_world,
        start_mcp=mcp,
    )
    raise typer.Exit(up(options))


@mcp_server_app.command("config")
def mcp_server_config(
    mode: Annotated[
        ModeChoice,
        typer.Option(
            help="stdio: one process per user; "
            "http: a shared server that requires each user's token."
        ),
    ] = ModeChoice.http,
    port: Annotated[int, typer.Option(help="HTTP mode: the port to listen on.")] = 8080,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(
            help="The kubeconfig the server reads (in HTTP mode one without credentials)."
        ),
    ] = None,
) -> None:
    """Print the kubernetes-mcp-server TOML configuration ols runs the server with."""
    config = ServerConfig(
        mode.value, kubeconfig=kubeconfig, port=port if mode is ModeChoice.http else None
    )
    typer.echo(config.render(), nl=False)


def main() -> None:
    app()
