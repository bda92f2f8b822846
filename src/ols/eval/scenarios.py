"""Evaluation scenarios: the YAML format, its loader, and the OpenShift Lightspeed importer.

A scenario is one conversation with the service, as one sandbox user, in one sandbox world,
and what a good run of it looks like (docs/evaluation.md has the format with examples).
Files hold a list of scenarios; a directory is read in file-name order, so scenarios that
change the cluster (approved writes) can be placed last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ols.eval.scripted_llm import Step, reply, tool_calls

BUILTIN_SCENARIOS = Path(__file__).parent / "scenarios"

WORLDS: dict[str, tuple[str, ...]] = {
    # world name -> the extra `ols sandbox up` arguments that make it
    "kubernetes": (),
    "openshift": ("--flavour", "openshift"),
}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pattern(_Strict):
    """Text that must (or must not) appear: a case-insensitive substring, a regular
    expression (`regex`), or any one of several alternatives (`any_of`)."""

    text: str | None = None
    regex: str | None = None
    any_of: tuple[Pattern, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"text": value}
        if isinstance(value, list):
            return {"any_of": value}
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Pattern:
        given = [x for x in (self.text, self.regex, self.any_of) if x is not None]
        if len(given) != 1:
            raise ValueError("a pattern is a string, {regex: ...} or a list of alternatives")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"bad regular expression {self.regex!r}: {exc}") from exc
        if self.text is not None and not self.text.strip():
            raise ValueError("an empty pattern matches everything")
        return self

    def found_in(self, text: str) -> bool:
        if self.text is not None:
            return self.text.casefold() in text.casefold()
        if self.regex is not None:
            return re.search(self.regex, text, re.IGNORECASE | re.MULTILINE) is not None
        return any(p.found_in(text) for p in self.any_of or ())

    def describe(self) -> str:
        if self.text is not None:
            return self.text
        if self.regex is not None:
            return f"/{self.regex}/"
        return " | ".join(p.describe() for p in self.any_of or ())


class ExpectedCall(_Strict):
    """A tool call that should be made: the name and a subset of its arguments. Without a
    name, any tool called with those arguments counts (for instance any call that looks
    into `namespace: team-b`, however the model chose to look).

    With `match: regex` each expected argument value is a regular expression the actual
    value (as text) must match in full (OpenShift Lightspeed's evaluation semantics)."""

    name: str | None = Field(default=None, min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)
    match: Literal["equal", "regex"] = "equal"

    @model_validator(mode="after")
    def _name_or_args(self) -> ExpectedCall:
        if self.name is None and not self.args:
            raise ValueError("an expected call needs a name, arguments, or both")
        return self

    def matches(self, name: str, args: dict[str, Any]) -> bool:
        if self.name is not None and name != self.name:
            return False
        for key, want in self.args.items():
            if key not in args:
                return False
            have = args[key]
            if self.match == "regex":
                text = have if isinstance(have, str) else yaml.safe_dump(have).strip()
                if re.fullmatch(str(want), text) is None:
                    return False
            elif have != want:
                return False
        return True

    def describe(self) -> str:
        name = self.name or "any tool"
        if not self.args:
            return name
        shown = ", ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{name}({shown})"


class Approval(_Strict):
    """Whether the run must ask for approval, and what the harness then decides."""

    expected: bool = False
    tool: str | None = None
    """The tool the approval must be for (any, when unset)."""
    decision: Literal["approve", "reject"] = "reject"
    reason: str | None = None


class Turn(_Strict):
    question: str = Field(min_length=1)
    facts: tuple[Pattern, ...] = ()
    """What this turn's answer must state."""


class Expectations(_Strict):
    tools: tuple[ExpectedCall, ...] = ()
    """Calls the run should make, in any order, in any turn."""
    forbidden_tools: tuple[str, ...] = ()
    """Tools that must not even be asked for."""
    facts: tuple[Pattern, ...] = ()
    """What the final answer must state."""
    evidence: tuple[Pattern, ...] = ()
    """What the tool results must contain: the data the answer rests on was fetched."""
    absent: tuple[Pattern, ...] = ()
    """What must appear nowhere: not in an answer, not in a tool result, not (with the
    scripted LLM, which records it) in anything sent to the model."""
    approval: Approval = Approval()
    max_rounds: int | None = Field(default=None, ge=1)
    """At most this many LLM rounds in a turn."""


class Scenario(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)
    category: str = Field(min_length=1)
    description: str = ""
    world: str = "kubernetes"
    user: str = "alice"
    turns: tuple[Turn, ...] = Field(min_length=1)
    expect: Expectations = Expectations()
    script: tuple[dict[str, Any], ...] | None = None
    """Steps for the scripted LLM (`ols eval --scripted`), consumed across all turns."""
    source: str = ""

    @model_validator(mode="before")
    @classmethod
    def _question_shorthand(cls, value: Any) -> Any:
        """`question:` + `follow_ups:` is shorthand for `turns:`."""
        if not isinstance(value, dict) or "question" not in value:
            return value
        value = dict(value)
        if "turns" in value:
            raise ValueError("give either question/follow_ups or turns, not both")
        first: dict[str, Any] = {"question": value.pop("question")}
        follow_ups = value.pop("follow_ups", None) or []
        if not isinstance(follow_ups, list):
            raise ValueError("follow_ups is a list")
        value["turns"] = [
            first,
            *(f if isinstance(f, dict) else {"question": f} for f in follow_ups),
        ]
        return value

    @field_validator("world")
    @classmethod
    def _known_world(cls, world: str) -> str:
        if world not in WORLDS:
            raise ValueError(f"unknown world {world!r}; known: {', '.join(sorted(WORLDS))}")
        return world

    @field_validator("script")
    @classmethod
    def _valid_script(cls, script: tuple[dict[str, Any], ...] | None) -> Any:
        if script is not None:
            for index, data in enumerate(script):
                try:
                    script_step(data)
                except ValueError as exc:
                    raise ValueError(f"script step {index + 1}: {exc}") from exc
        return script

    def steps(self) -> list[Step]:
        return [script_step(data) for data in self.script or ()]


def script_step(data: Any) -> Step:
    """One scripted-LLM step from YAML: `{reply: TEXT}` or `{tool_calls: [{name, args}]}`
    (with optional `text`, `input_tokens`, `output_tokens`)."""
    if not isinstance(data, dict):
        raise ValueError("a step is a mapping with `reply` or `tool_calls`")
    extra = set(data) - {"reply", "tool_calls", "text", "input_tokens", "output_tokens"}
    if extra:
        raise ValueError(f"unknown step keys: {', '.join(sorted(extra))}")
    tokens: dict[str, int] = {}
    for key in ("input_tokens", "output_tokens"):
        if key in data:
            if not isinstance(data[key], int) or data[key] < 0:
                raise ValueError(f"{key} is a whole number")
            tokens[key] = data[key]
    if ("reply" in data) == ("tool_calls" in data):
        raise ValueError("a step has exactly one of `reply` and `tool_calls`")
    if "reply" in data:
        if not isinstance(data["reply"], str) or "text" in data:
            raise ValueError("`reply` is the answer's text")
        return reply(data["reply"], **tokens)
    calls = data["tool_calls"]
    if not isinstance(calls, list) or not calls:
        raise ValueError("`tool_calls` is a non-empty list of {name, args}")
    pairs: list[tuple[str, dict[str, Any]]] = []
    for call in calls:
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise ValueError("each tool call has a `name`")
        args = call.get("args", {})
        if not isinstance(args, dict) or set(call) - {"name", "args"}:
            raise ValueError("each tool call is {name, args} with args a mapping")
        pairs.append((call["name"], args))
    text = data.get("text", "")
    if not isinstance(text, str):
        raise ValueError("`text` is a string")
    return tool_calls(*pairs, text=text, **tokens)


# --- loading -----------------------------------------------------------------------------


def load_scenarios(paths: Iterable[Path]) -> list[Scenario]:
    """Scenarios from files and directories (`*.yaml`, `*.yml`, in name order).

    Raises ScenarioError naming the file and the scenario on the first bad one, and on
    two scenarios with one id."""
    scenarios: list[Scenario] = []
    for path in _files(paths):
        scenarios.extend(_load_file(path))
    _check_unique(scenarios)
    return scenarios


def load_ols_conversations(path: Path, *, user: str = "alice") -> list[Scenario]:
    """OpenShift Lightspeed evaluation data (lightspeed-evaluation's conversation format) as
    scenarios: each conversation group becomes one scenario whose turns are its queries.

    Scored without a judge model: `expected_keywords` (each inner list: any one of them)
    become facts of the turn, `expected_tool_calls` (the first alternative set) become
    expected calls with regex arguments. `expected_response`, metrics and setup scripts
    need a judge or a live cluster and are ignored (the description says so)."""
    data = _read_yaml(path)
    if not isinstance(data, list):
        raise ScenarioError(f"{path}: expected a list of conversation groups")
    scenarios: list[Scenario] = []
    for index, group in enumerate(data):
        where = f"{path}: conversation group {index + 1}"
        if not isinstance(group, dict):
            raise ScenarioError(f"{where}: not a mapping")
        turns_data = group.get("turns", group.get("conversation"))
        if not isinstance(turns_data, list) or not turns_data:
            raise ScenarioError(f"{where}: no turns")
        group_id = str(group.get("conversation_group_id") or f"group-{index + 1}")
        turns: list[dict[str, Any]] = []
        calls: list[dict[str, Any]] = []
        ignored: set[str] = set()
        for turn in turns_data:
            if not isinstance(turn, dict) or not isinstance(turn.get("query"), str):
                raise ScenarioError(f"{where}: every turn needs a `query`")
            facts = [list(k) for k in turn.get("expected_keywords") or [] if isinstance(k, list)]
            turns.append({"question": turn["query"], "facts": facts})
            calls.extend(_ols_calls(turn.get("expected_tool_calls"), where))
            ignored |= {
                key
                for key in ("expected_response", "turn_metrics", "verify_script", "contexts")
                if turn.get(key)
            }
        ignored |= {k for k in ("setup_script", "cleanup_script") if group.get(k)}
        description = str(group.get("description") or "")
        if ignored:
            description += f" (not scored here: {', '.join(sorted(ignored))})"
        raw = {
            "id": _slug(group_id),
            "category": str(group.get("tag") or "ols-import"),
            "description": description.strip(),
            "user": user,
            "turns": turns,
            "expect": {"tools": calls},
        }
        scenarios.append(_validate(raw, where, str(path)))
    _check_unique(scenarios)
    return scenarios


def _ols_calls(value: Any, where: str) -> list[dict[str, Any]]:
    """The first alternative set of lightspeed-evaluation's expected_tool_calls, flattened."""
    if not value:
        return []
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: expected_tool_calls is a list")
    first = value[0]
    # single set: [[call, ...], ...]; several sets: [[[call, ...], ...], ...]
    sequences = value if first and isinstance(first, list) and isinstance(first[0], dict) else first
    calls: list[dict[str, Any]] = []
    for sequence in sequences if isinstance(sequences, list) else []:
        for call in sequence if isinstance(sequence, list) else []:
            if not isinstance(call, dict) or not call.get("tool_name"):
                raise ScenarioError(f"{where}: a tool call without tool_name")
            args = call.get("arguments") or {}
            calls.append({"name": call["tool_name"], "args": args, "match": "regex"})
    return calls


def _files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            if not found:
                raise ScenarioError(f"{path}: no .yaml scenario files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ScenarioError(f"{path}: no such file or directory")
    return files


def _load_file(path: Path) -> list[Scenario]:
    data = _read_yaml(path)
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ScenarioError(f"{path}: expected a list of scenarios")
    return [_validate(item, f"{path}: scenario {i + 1}", str(path)) for i, item in enumerate(data)]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc


def _validate(item: Any, where: str, source: str) -> Scenario:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        where = f"{where} ({item['id']})"
    if isinstance(item, dict):
        item = {**item, "source": source}
    try:
        return Scenario.model_validate(item)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'scenario'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ScenarioError(f"{where}: {problems}") from None


def _check_unique(scenarios: list[Scenario]) -> None:
    seen: dict[str, str] = {}
    for scenario in scenarios:
        if scenario.id in seen:
            raise ScenarioError(
                f"scenario id {scenario.id!r} appears twice "
                f"({seen[scenario.id]}, {scenario.source})"
            )
        seen[scenario.id] = scenario.source


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return (slug or "conversation")[:80]
