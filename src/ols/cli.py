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
docs_app = typer.Typer(
    no_args_is_help=True, help="The documentation and runbooks answers are grounded in."
)
app.add_typer(docs_app, name="docs")
db_app = typer.Typer(no_args_is_help=True, help="The database's schema (migrations).")
app.add_typer(db_app, name="db")

IndexOption = Annotated[
    Path | None,
    typer.Option("--index", help="The index directory (default: retrieval.index_dir)."),
]
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


def _catalogue(target: Any) -> Any:
    """The target user's tool catalogue; an error exits 1."""
    from ols.tools.manager import ToolManager

    async def run() -> Any:
        async with ToolManager(target.config) as manager:
            return await manager.catalogue(target.token)

    try:
        return asyncio.run(run())
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


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

    target = _target(config, sandbox, user, kubeconfig, token)
    catalogue = _catalogue(target)
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


@tools_app.command("filter-eval")
def tools_filter_eval(
    config: ConfigOption = None,
    sandbox: SandboxOption = None,
    user: UserOption = None,
    kubeconfig: KubeconfigOption = None,
    token: TokenOption = None,
    questions: Annotated[
        Path | None,
        typer.Option(help="Labelled tool questions YAML (default: the built-in set)."),
    ] = None,
    output: Annotated[OutputChoice, typer.Option(help="text or json.")] = OutputChoice.text,
) -> None:
    """Tool filtering on labelled questions: recall (every needed tool offered) and the mean
    estimated tokens of the offered schemas, against the user's catalogue and the
    configuration's agent.tool_filter (exit 1 when recall is below 1)."""
    from ols.agent.tool_filter import ToolFilter
    from ols.agent.tool_filter_eval import (
        DEFAULT_QUESTIONS,
        evaluate_tool_filter,
        load_tool_questions,
    )

    target = _target(config, sandbox, user, kubeconfig, token)
    try:
        labelled = load_tool_questions(questions or DEFAULT_QUESTIONS)
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc

    catalogue = _catalogue(target)
    if not catalogue.tools:
        typer.echo("error: the catalogue is empty: no tools to filter", err=True)
        raise typer.Exit(1)
    report = evaluate_tool_filter(
        ToolFilter(target.config.agent.tool_filter), catalogue.tools, labelled
    )
    if output is OutputChoice.json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for question, missed, offered in report.misses:
            typer.echo(f"miss: {question.question!r}: needs {missed}, offered {offered}")
        typer.echo(
            f"{len(catalogue.tools)} tools, {report.catalogue_tokens} estimated tokens of "
            "schemas unfiltered"
        )
        for label, score in (
            ("all", report.all),
            ("tuned", report.tuned),
            ("held out", report.held_out),
        ):
            typer.echo(
                f"{label:9} {score.questions:3} questions  recall {score.recall:.3f}  "
                f"mean offered {score.mean_tokens:.0f} tokens"
            )
    if report.all.recall < 1.0:
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
    docs_index: Annotated[
        Path | None,
        typer.Option(
            help="A documentation index (ols docs index); with --sandbox the default is "
            "DIR/docs-index, the shipped runbooks."
        ),
    ] = None,
) -> None:
    """Run the HTTP API. With --sandbox and an LLM URL no configuration file is needed."""
    import uvicorn

    from ols.api.app import create_app
    from ols.launch import service_config

    try:
        settings, service_token = service_config(
            config=config,
            sandbox=sandbox,
            llm_url=llm_url,
            llm_model=llm_model,
            port=port,
            docs_index=docs_index,
            sandbox_docs=True,
        )
        application = create_app(settings, service_token=service_token)
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    host, listen = settings.service.host, settings.service.port
    typer.echo(
        f"ols serving on http://{host}:{listen}: web chat at http://{host}:{listen}/, "
        f"API docs at http://{host}:{listen}/docs"
    )
    retriever = application.state.services.retriever
    if retriever is not None:
        index = retriever.index
        typer.echo(
            f"documentation index {settings.retrieval.index_dir}: {len(index.passages)} "
            f"passages from {index.documents} documents, loaded in "
            f"{index.load_seconds * 1000:.1f} ms"
        )
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
    from ols.retrieval.retriever import load_retriever
    from ols.tools.manager import ToolManager

    target = _target(config, sandbox, user, kubeconfig, None)
    settings = target.config
    overrides = llm_overrides(llm_url, llm_model)
    if overrides:
        llm_settings = settings.llm.model_copy(update=overrides)
        settings = settings.model_copy(update={"llm": llm_settings})

    if sandbox is not None and settings.retrieval.index_dir is None:
        from ols.launch import sandbox_docs_index

        retrieval = settings.retrieval.model_copy(update={"index_dir": sandbox_docs_index(sandbox)})
        settings = settings.model_copy(update={"retrieval": retrieval})

    async def run() -> int:
        llm = LlmClient(settings.llm)
        try:
            async with ToolManager(settings) as manager:
                redactor = manager.redactor
                loop = ToolLoop(
                    llm,
                    manager,
                    settings.agent,
                    settings.llm.context_window,
                    gate=policy_gate(settings.approvals),
                    retriever=load_retriever(
                        settings.retrieval, redact=lambda text: redactor.text(text).text
                    ),
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
                for document in event.referenced_documents:
                    typer.secho(
                        f"reference: {document['doc_title']} ({document['doc_url']})",
                        fg="blue",
                        err=True,
                    )
        return None

    try:
        raise typer.Exit(asyncio.run(run()))
    except (OlsError, LlmError) as exc:
        typer.echo(f"\nerror: {exc}", err=True)
        raise typer.Exit(1) from exc


class EvalFormat(StrEnum):
    ols = "ols"
    scenarios = "scenarios"


@app.command("eval")
def evaluate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="With --format ols: OpenShift Lightspeed evaluation YAML files."),
    ] = None,
    scenarios: Annotated[
        list[Path] | None,
        typer.Option(help="Scenario files or directories (default: the built-in set)."),
    ] = None,
    format_: Annotated[
        EvalFormat,
        typer.Option("--format", help="scenarios: ols's format; ols: Lightspeed's eval YAML."),
    ] = EvalFormat.scenarios,
    scripted: Annotated[
        bool, typer.Option(help="Answer with each scenario's stored script (no real model).")
    ] = False,
    llm_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL ($OLS_LLM_URL).")
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="Model name ($OLS_LLM_MODEL).")] = None,
    report: Annotated[
        Path, typer.Option(help="Where report.json and report.html are written.")
    ] = Path("eval-report"),
    only: Annotated[
        list[str] | None, typer.Option(help="Run only these scenario ids or categories.")
    ] = None,
    user: Annotated[
        str, typer.Option(help="With --format ols: the sandbox user who asks.")
    ] = "alice",
    work_dir: Annotated[
        Path | None, typer.Option(help="Keep the sandbox state and database here.")
    ] = None,
    docs: Annotated[
        bool, typer.Option(help="Ground answers in the shipped runbooks, as `make run` does.")
    ] = True,
    tool_filter: Annotated[
        bool, typer.Option(help="Offer the model only the tools a question needs (the default).")
    ] = True,
) -> None:
    """Run evaluation scenarios against the real service on a sandbox cluster, score them,
    and write a report (exit status 1 when a scenario fails)."""
    from rich.console import Console

    from ols.eval.report import print_summary, write_reports
    from ols.eval.runner import Evaluation, Result
    from ols.eval.scenarios import (
        BUILTIN_SCENARIOS,
        Scenario,
        ScenarioError,
        load_ols_conversations,
        load_scenarios,
    )
    from ols.launch import llm_overrides

    console = Console(stderr=True)
    try:
        if format_ is EvalFormat.ols:
            if not files or scenarios:
                raise ScenarioError("--format ols takes evaluation YAML files as arguments")
            loaded = [s for f in files for s in load_ols_conversations(f, user=user)]
        else:
            if files:
                raise ScenarioError("scenario files go in --scenarios (arguments: --format ols)")
            loaded = load_scenarios(scenarios or [BUILTIN_SCENARIOS])
    except ScenarioError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if only:
        loaded = [s for s in loaded if s.id in only or s.category in only]
        if not loaded:
            typer.echo(f"error: no scenario has the id or category {', '.join(only)}", err=True)
            raise typer.Exit(2)
    llm = None if scripted else llm_overrides(llm_url, llm_model)
    if llm is not None and not ({"url", "model"} <= set(llm)):
        typer.echo(
            "error: give --scripted, or a model with --llm-url and --llm-model "
            "(or OLS_LLM_URL and OLS_LLM_MODEL)",
            err=True,
        )
        raise typer.Exit(2)
    model = "scripted" if llm is None else str(llm["model"])
    total = len(loaded)
    done: list[Scenario] = []

    def progress(stage: str, scenario: Scenario, result: Result | None) -> None:
        position = f"[{len(done) + 1}/{total}]"
        if stage == "start":
            console.print(f"{position} {scenario.id} ({scenario.category}) ...", highlight=False)
            return
        done.append(scenario)
        assert result is not None
        verdict = "[green]pass[/]" if result.score.passed else "[red]FAIL[/]"
        console.print(f"      {verdict} in {result.score.seconds:.2f} s", highlight=False)

    try:
        evaluation = Evaluation(
            loaded,
            llm=llm,
            scripted=scripted,
            work_dir=work_dir,
            progress=progress,
            docs=docs,
            tool_filter=tool_filter,
        )
        console.print(f"ols eval: {total} scenarios, model {model}; starting the sandbox")
        results = evaluation.run()
    except (OlsError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    summary = print_summary(results, Console() if sys.stdout.isatty() else Console(width=150))
    json_path, html_path = write_reports(
        results, report, model=model, mode="scripted" if scripted else "model"
    )
    typer.echo(f"report: {json_path} and {html_path}")
    raise typer.Exit(0 if summary.passed == summary.scenarios else 1)


def _index_dir(index: Path | None, config: Path | None) -> Path:
    from ols.config import load_config

    if index is not None:
        return index
    configured = load_config(config).retrieval.index_dir if config else None
    if configured is None:
        raise OlsError("say where the index goes: --index DIR, or retrieval.index_dir in --config")
    return configured


@docs_app.command("index")
def docs_index(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or directories (Markdown, AsciiDoc, HTML, text). Default: what the "
            "index was built from last time, else ols's own runbooks."
        ),
    ] = None,
    index: IndexOption = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Prefix of each passage's URL, joined with its path under the directory "
            "(front matter `url:` wins). Default: retrieval.base_url."
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Build or update a documentation index; only changed files are read again."""
    from ols.config import load_config
    from ols.retrieval.index import DocsIndex, update_index

    try:
        index_dir = _index_dir(index, config)
        prefix = base_url or (load_config(config).retrieval.base_url if config else None)
        report = update_index(index_dir, paths or (), prefix)
        loaded = DocsIndex.load(index_dir)
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for path, why in report.skipped:
        typer.echo(f"warning: skipped {path}: {why}", err=True)
    typer.echo(f"indexed {index_dir}: {report.summary()}")
    typer.echo(f"loads in {loaded.load_seconds * 1000:.1f} ms")


@docs_app.command("search")
def docs_search(
    query: Annotated[str, typer.Argument(help="A question, as a user would ask it.")],
    index: IndexOption = None,
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 5,
    config: ConfigOption = None,
) -> None:
    """Print the passages a question retrieves, best first."""
    from ols.retrieval.index import DocsIndex

    try:
        found = DocsIndex.load(_index_dir(index, config)).search(query, k)
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for passage, score in found:
        typer.echo(f"{score:7.3f}  {passage.title}  ({passage.doc_url})")
    if not found:
        typer.echo("nothing matches", err=True)


@docs_app.command("eval")
def docs_eval(
    index: Annotated[
        Path | None,
        typer.Option(help="The index to evaluate (default: the shipped runbooks, freshly)."),
    ] = None,
    questions: Annotated[
        Path | None,
        typer.Option(help="Labelled questions YAML (default: the runbooks' own set)."),
    ] = None,
    threshold: Annotated[float, typer.Option(help="Exit 1 when recall@3 is below this.")] = 0.9,
) -> None:
    """Recall@1 and recall@3 of labelled questions against an index."""
    import tempfile

    from ols.retrieval.evaluation import default_questions, evaluate, load_questions
    from ols.retrieval.index import DocsIndex, index_runbooks

    try:
        labelled = load_questions(questions or default_questions())
        if index is None:
            with tempfile.TemporaryDirectory() as scratch:
                index_runbooks(Path(scratch))
                loaded = DocsIndex.load(Path(scratch))
        else:
            loaded = DocsIndex.load(index)
    except OlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    result = evaluate(loaded, labelled)
    for question, expected, found in result.misses:
        typer.echo(f"miss: {question!r}: expected {expected}, got {found}")
    typer.echo(
        f"{result.total} questions, {len(loaded.passages)} passages from "
        f"{loaded.documents} documents (loaded in {loaded.load_seconds * 1000:.1f} ms)"
    )
    typer.echo(f"recall@1 {result.recall_at(1):.3f}  recall@3 {result.recall_at(3):.3f}")
    if result.recall_at(3) < threshold:
        typer.echo(f"recall@3 is below the threshold {threshold}", err=True)
        raise typer.Exit(1)


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
