"""The tool catalogue: every server's tools with their schema and annotations, under the
names the LLM sees.

A missing annotation counts against the tool: only `readOnlyHint: true` makes a tool
read-only, and everything else needs the user's approval before it runs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import jsonschema_rs

from ols.tools.settings import McpServerSettings


@dataclass(frozen=True)
class ToolAnnotations:
    read_only: bool | None = None
    destructive: bool | None = None
    idempotent: bool | None = None
    open_world: bool | None = None

    def as_hints(self) -> dict[str, bool | None]:
        """MCP's own names, as shown to users and in API responses."""
        return {
            "readOnlyHint": self.read_only,
            "destructiveHint": self.destructive,
            "idempotentHint": self.idempotent,
            "openWorldHint": self.open_world,
        }


@dataclass(frozen=True)
class ToolSpec:
    name: str  # what the LLM and users call it (server-prefixed on a clash)
    server: str
    remote_name: str  # what the server calls it
    description: str
    input_schema: Mapping[str, Any]
    annotations: ToolAnnotations
    title: str | None = None
    _validator: Any = field(default=None, compare=False, repr=False)

    @property
    def read_only(self) -> bool:
        return self.annotations.read_only is True

    @property
    def needs_approval(self) -> bool:
        return not self.read_only

    def argument_problems(self, arguments: Mapping[str, Any]) -> list[str]:
        """Why `arguments` cannot be sent as JSON or do not fit the input schema (empty when
        neither)."""
        data = dict(arguments)
        try:
            # What cannot go over the wire: a lone surrogate (json.loads makes one of a
            # model's "\ud800" escape), NaN or infinity. Sent, it would break the session.
            json.dumps(data, ensure_ascii=False, allow_nan=False).encode()
            errors = [] if self._validator is None else self._validator.iter_errors(data)
            problems = []
            for error in errors:  # the validator raises ValueError on a non-string key
                where = "/".join(str(p) for p in error.instance_path)
                problems.append(f"{where}: {error.message}" if where else error.message)
        except (TypeError, ValueError) as exc:
            return [f"the arguments are not valid JSON data ({exc})"]
        return sorted(problems)


def _validator_for(schema: Mapping[str, Any]) -> Any:
    # jsonschema-rs rather than jsonschema: the check runs before every tool call, and the
    # compiled Rust validator takes well under a microsecond where jsonschema took 8 µs warm
    # and ~90 µs on a cold cache between calls (bench/README.md, the stdio call profile).
    # Draft 2020-12 unless the schema names its own `$schema`; the schema itself is checked
    # when compiled, and a remote `$ref` is never fetched (offline: nothing downloads at
    # run time).
    try:
        return jsonschema_rs.validator_for(dict(schema), offline=True)
    except ValueError:  # jsonschema_rs.ValidationError is one
        return None  # a server with a broken schema still gets its calls; the server checks


def tool_spec(server: str, tool: Any, exposed_name: str | None = None) -> ToolSpec:
    """A ToolSpec from an `mcp` SDK Tool."""
    hints = tool.annotations
    annotations = ToolAnnotations(
        read_only=getattr(hints, "read_only_hint", None),
        destructive=getattr(hints, "destructive_hint", None),
        idempotent=getattr(hints, "idempotent_hint", None),
        open_world=getattr(hints, "open_world_hint", None),
    )
    schema = dict(tool.input_schema or {"type": "object"})
    return ToolSpec(
        name=exposed_name or tool.name,
        server=server,
        remote_name=tool.name,
        description=tool.description or "",
        input_schema=schema,
        annotations=annotations,
        title=getattr(tool, "title", None),
        _validator=_validator_for(schema),
    )


def allowed(settings: McpServerSettings, tool_name: str) -> bool:
    if settings.allowed_tools and tool_name not in settings.allowed_tools:
        return False
    return tool_name not in settings.denied_tools


def merge_servers(listings: Iterable[tuple[str, Sequence[ToolSpec]]]) -> dict[str, ToolSpec]:
    """One name space over all servers: a name two servers share becomes `<server>__<name>`
    for both, so neither silently shadows the other."""
    listings = list(listings)
    counts = Counter(spec.remote_name for _, specs in listings for spec in specs)
    merged: dict[str, ToolSpec] = {}
    for server, specs in listings:
        for spec in specs:
            clash = counts[spec.remote_name] > 1
            name = f"{server}__{spec.remote_name}" if clash else spec.remote_name
            merged[name] = replace(spec, name=name)
    return merged
