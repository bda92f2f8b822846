"""The `ols` command line. Each command is a thin shell over one part; the sandbox part is
imported only when an `ols sandbox` command runs, so the product never loads it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ols.errors import OlsError
from ols.tools.server_config import ServerConfig

app = typer.Typer(
    no_args_is_help=True, help="ols: answers about your cluster, using your own permissions."
)
sandbox_app = typer.Typer(no_args_is_help=True, help="The local sandbox Kubernetes API.")
mcp_server_app = typer.Typer(no_args_is_help=True, help="kubernetes-mcp-server settings.")
app.add_typer(sandbox_app, name="sandbox")
tools_app = typer.Typer(no_args_is_help=True, help="List and call MCP tools as a user.")
app.add_typer(mcp_server_app, name="mcp-server")
app.add_typer(tools_app, name="tools")
db_app = typer.Typer(no_args_is_help=True, help="The database's schema (migrations).")
app.add_typer(db_app, name="db")

ConfigOption = Annotated[
    Path | None, typer.Option(help="An ols configuration file (mcp_servers...).")
]
SandboxOption = Annotated[
    Path | None, typer.Option(help="A sandbox state directory (ols sandbox up --state-dir).")
]
UserOption = Annotated[str | None, typer.Option(help="A sandbox user (with --sandbox).")]
KubeconfigOption = Annotated[
    Path | None, typer.Option(help="Use this kubeconfig's server, CA and token (stdio server).")
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        help="A bearer token (prefer --kubeconfig: a token on the command line shows in ps)."
    ),
]


class FlavourChoice(StrEnum):
    openshift = "openshift"
    kubernetes = "kubernetes"


class OutputChoice(StrEnum):
    text = "text"
    json = "json"


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


@sandbox_app.command("token")
def sandbox_token(
    user: Annotated[str, typer.Argument(help="A sandbox user: admin, alice, bob...")],
    state_dir: Annotated[Path, typer.Option(help="The sandbox state directory.")],
) -> None:
    """Print a sandbox user's token (for curl against the service)."""
    from ols.launch import sandbox_info

    try:
        users = sandbox_info(state_dir).get("users") or {}
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if user not in users:
        typer.echo(f"error: no sandbox user {user!r}; there are {sorted(users)}", err=True)
        raise typer.Exit(2)
    typer.echo(users[user]["token"])


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
    bind_address: Annotated[
        str,
        typer.Option(
            help="HTTP mode: the address to listen on (0.0.0.0 in a pod behind a Service "
            "and a NetworkPolicy)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Print the kubernetes-mcp-server TOML configuration ols runs the server with."""
    config = ServerConfig(
        mode.value,
        kubeconfig=kubeconfig,
        port=port if mode is ModeChoice.http else None,
        bind_address=bind_address,
    )
    typer.echo(config.render(), nl=False)


def _target(
    config: Path | None,
    sandbox: Path | None,
    user: str | None,
    kubeconfig: Path | None,
    token: str | None,
) -> Any:
    from ols.tools.targets import resolve_target

    try:
        return resolve_target(
            config=config, sandbox=sandbox, user=user, kubeconfig=kubeconfig, token=token
        )
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@tools_app.command("list")
def tools_list(
    config: ConfigOption = None,
    sandbox: SandboxOption = None,
    user: UserOption = None,
    kubeconfig: KubeconfigOption = None,
    token: TokenOption = None,
) -> None:
    """Print every tool with its server, annotations and whether it needs approval."""
    from rich.console import Console
    from rich.table import Table

    from ols.approvals.policy import verdict
    from ols.tools.manager import ToolManager

    target = _target(config, sandbox, user, kubeconfig, token)

    async def run() -> Any:
        async with ToolManager(target.config) as manager:
            return await manager.catalogue(target.token)

    try:
        catalogue = asyncio.run(run())
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    table = Table("tool", "server", "RO", "D", "I", "OW", "approval", box=None)
    table.columns[0].no_wrap = True

    def hint(value: bool | None) -> str:
        return "-" if value is None else ("y" if value else "n")

    for name, spec in sorted(catalogue.tools.items()):
        a = spec.annotations
        table.add_row(
            name,
            spec.server,
            hint(a.read_only),
            hint(a.destructive),
            hint(a.idempotent),
            hint(a.open_world),
            {"run": "-", "ask": "needed", "deny": "denied"}[verdict(spec, target.config.approvals)],
        )
    Console().print(table)
    typer.echo(
        "RO/D/I/OW: readOnly/destructive/idempotent/openWorld hints (y, n, - unset). "
        "approval: what the approval policy says (needed, denied, - runs without asking)."
    )
    for problem in catalogue.problems:
        typer.echo(f"warning: {problem.server}: {problem.message}", err=True)
    if catalogue.problems and not catalogue.tools:
        raise typer.Exit(1)


@tools_app.command("call")
def tools_call(
    name: Annotated[str, typer.Argument(help="The tool's name, as `ols tools list` shows it.")],
    args: Annotated[str, typer.Option("--args", help="The arguments as a JSON object.")] = "{}",
    approve: Annotated[
        bool, typer.Option(help="Approve a tool that is not read-only without asking.")
    ] = False,
    output: Annotated[
        OutputChoice, typer.Option(help="text: the result's text; json: the whole result.")
    ] = OutputChoice.text,
    config: ConfigOption = None,
    sandbox: SandboxOption = None,
    user: UserOption = None,
    kubeconfig: KubeconfigOption = None,
    token: TokenOption = None,
) -> None:
    """Run one tool as the user and print its result (exit status 1 on failure)."""
    from ols.approvals.policy import verdict
    from ols.tools.manager import ToolManager

    try:
        arguments = json.loads(args)
    except ValueError as exc:
        typer.echo(f"error: --args is not valid JSON: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not isinstance(arguments, dict):
        typer.echo(
            'error: --args must be a JSON object, like \'{"namespace": "team-a"}\'', err=True
        )
        raise typer.Exit(2)
    target = _target(config, sandbox, user, kubeconfig, token)

    async def run() -> Any:
        async with ToolManager(target.config) as manager:
            catalogue = await manager.catalogue(target.token)
            spec = catalogue.tools.get(name)
            decided = verdict(spec, target.config.approvals) if spec is not None else "run"
            if decided == "deny":
                return "denied"
            if decided == "ask" and not approve:
                assert spec is not None
                if not _confirm(name, arguments, spec.annotations.as_hints()):
                    return None
            return await manager.call_tool(target.token, name, arguments)

    try:
        result = asyncio.run(run())
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if result == "denied":
        typer.echo(f"refused: the approval policy denies {name} (approvals.always_deny)", err=True)
        raise typer.Exit(1)
    if result is None:
        typer.echo(
            f"refused: {name} is not read-only; approve it at the prompt or pass --approve",
            err=True,
        )
        raise typer.Exit(1)
    if output is OutputChoice.json:
        typer.echo(json.dumps(dataclasses.asdict(result), indent=2, default=str))
    elif result.ok:
        typer.echo(result.text)
    if not result.ok:
        if output is OutputChoice.text:
            typer.echo(f"error ({result.error}): {result.text}", err=True)
        raise typer.Exit(1)


def _confirm(name: str, arguments: dict[str, Any], hints: dict[str, bool | None]) -> bool:
    """Ask on a terminal; without one, refuse."""
    if not sys.stdin.isatty():
        return False
    typer.echo(f"{name} is not read-only ({', '.join(f'{k}={v}' for k, v in hints.items())}).")
    typer.echo(f"arguments: {json.dumps(arguments, indent=2)}")
    return typer.confirm("Run it?", default=False)


@app.command("serve")
def serve(
    config: ConfigOption = None,
    sandbox: SandboxOption = None,
    llm_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL ($OLS_LLM_URL).")
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="Model name ($OLS_LLM_MODEL).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8080).")] = None,
) -> None:
    """Run the HTTP API. With --sandbox and an LLM URL no configuration file is needed."""
    import uvicorn

    from ols.api.app import create_app
    from ols.launch import service_config

    try:
        settings, service_token = service_config(
            config=config, sandbox=sandbox, llm_url=llm_url, llm_model=llm_model, port=port
        )
        application = create_app(settings, service_token=service_token)
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    host, listen = settings.service.host, settings.service.port
    typer.echo(f"ols serving on http://{host}:{listen} (docs: http://{host}:{listen}/docs)")
    if settings.llm.url is None:
        typer.echo(
            "note: no LLM configured (OLS_LLM_URL, OLS_LLM_MODEL): queries answer 503", err=True
        )
    uvicorn.run(application, host=host, port=listen, log_level="warning")


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="What you want to know about your cluster.")],
    config: ConfigOption = None,
    sandbox: SandboxOption = None,
    user: UserOption = None,
    kubeconfig: KubeconfigOption = None,
    llm_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL ($OLS_LLM_URL).")
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="Model name ($OLS_LLM_MODEL).")] = None,
) -> None:
    """Ask one question; the answer streams, and every tool call shows as it happens."""
    from ols.agent.events import (
        ApprovalRequired,
        TokenEvent,
        ToolCallEvent,
        ToolResultEvent,
        TurnEnd,
        TurnSuspended,
    )
    from ols.agent.gates import policy_gate
    from ols.agent.loop import Decision, ToolLoop
    from ols.launch import llm_overrides
    from ols.llm.client import LlmClient
    from ols.llm.errors import LlmError
    from ols.tools.manager import ToolManager

    target = _target(config, sandbox, user, kubeconfig, None)
    settings = target.config
    overrides = llm_overrides(llm_url, llm_model)
    if overrides:
        llm_settings = settings.llm.model_copy(update=overrides)
        settings = settings.model_copy(update={"llm": llm_settings})

    async def run() -> int:
        llm = LlmClient(settings.llm)
        try:
            async with ToolManager(settings) as manager:
                loop = ToolLoop(
                    llm,
                    manager,
                    settings.agent,
                    settings.llm.context_window,
                    gate=policy_gate(settings.approvals),
                )
                events = loop.run(target.token, question)
                while events is not None:
                    events = await show(loop, events)
        finally:
            await llm.close()
        return 0

    async def show(loop: Any, events: Any) -> Any:
        """Print one stretch of the turn; the next stretch after approvals, if any."""
        decisions: dict[str, Decision] = {}
        async for event in events:
            if isinstance(event, TokenEvent):
                typer.echo(event.text, nl=False)
            elif isinstance(event, ToolCallEvent):
                call = event.call
                typer.secho(f"\n→ {call.name} {json.dumps(call.args)}", fg="cyan", err=True)
            elif isinstance(event, ToolResultEvent):
                result = event.result
                first = result.content.strip().splitlines()[:1]
                typer.secho(
                    f"  {result.status}: {first[0][:160] if first else ''}",
                    fg="green" if result.status != "error" else "red",
                    err=True,
                )
            elif isinstance(event, ApprovalRequired):
                call = event.pending.call
                approved = _confirm(call.name, call.args, event.pending.annotations)
                reason = "" if approved else "declined at the prompt"
                decisions[call.id] = Decision(approved, reason)
            elif isinstance(event, TurnSuspended):
                return loop.resume(target.token, event.state, decisions)
            elif isinstance(event, TurnEnd):
                typer.echo("")
        return None

    try:
        raise typer.Exit(asyncio.run(run()))
    except (OlsError, LlmError) as exc:
        typer.echo(f"\nerror: {exc}", err=True)
        raise typer.Exit(1) from exc


def _database_command(config: Path | None, sandbox: Path | None, migrate: bool) -> None:
    from ols.launch import service_config
    from ols.storage.database import Database
    from ols.storage.migrate import head

    async def run() -> str:
        database = Database(settings.database.url)
        try:
            return await database.prepare(migrate=migrate)
        finally:
            await database.close()

    try:
        settings, _ = service_config(config=config, sandbox=sandbox)
        revision = asyncio.run(run())
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"schema revision {revision} (this version's newest: {head()})")


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None, sandbox: SandboxOption = None) -> None:
    """Upgrade the database's schema to this version's newest revision ($OLS_DATABASE_URL,
    else database.url). Safe to run while replicas start: they take turns."""
    _database_command(config, sandbox, migrate=True)


@db_app.command("check")
def db_check(config: ConfigOption = None, sandbox: SandboxOption = None) -> None:
    """Check that the schema is at this version's newest revision (exit status 1 if not)."""
    _database_command(config, sandbox, migrate=False)


def main() -> None:
    app()
