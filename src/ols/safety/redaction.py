"""Secrets out of everything the model sees: tool results (tables, YAML, JSON, logs) and the
user's own question, before they reach the LLM or the API response.

Structure stays: keys, names and quoting are kept, and each secret value becomes a marker
naming what it was, `[REDACTED:<kind>]` (kinds in `SecretKind`); anything looking for
redaction searches for `MARKER_PREFIX`. The detectors run until the text stops changing, so
redacting twice gives the same text as once. A failure inside withholds the whole text.

Built in:
- Secret objects (`kind: Secret`, also inside `kind: List` / `SecretList` items): every value
  under `data` / `stringData`, found by parsing YAML (JSON included) where the text parses,
  and also by a brace scanner for JSON (inside log lines, cut off) and by indentation for
  YAML (cut off, or nested in a block scalar). Structured data: any dict with
  `kind == "Secret"`.
- `kubectl.kubernetes.io/last-applied-configuration` annotations embedding a Secret or any
  other detected secret: the whole annotation value.
- Environment variables whose name looks secret (`DB_PASSWORD`, `API_TOKEN`, ...): the literal
  `value`, never `valueFrom`.
- `key=value`, `key: value` and `"key": "value"` fields whose key looks secret (password,
  token, client_secret, api_key, kubeconfig `client-key-data`, ...), `Authorization` values,
  URL passwords (`scheme://user:[REDACTED]@host`).
- Bearer tokens, JWTs, OpenShift `sha256~` tokens, PEM private key blocks, AWS access key
  ids, GitHub and Slack tokens.
Then the configured `extra_patterns` and `query_filters`, in that order.

Deliberately not caught: high-entropy strings in no secret position (base64 outside a
Secret, random ids); secrets passed as separate CLI words (`--password hunter2`); the data
of a Secret cut off upstream before its `kind` (kubectl prints `data` first), unless its
keys look secret; `data` of a flow-style YAML Secret inside a larger text; PEM keys that
are themselves base64-encoded outside a Secret; secret-looking keys in JSON escaped inside
another string (except last-applied-configuration).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

log = logging.getLogger(__name__)

MARKER_PREFIX = "[REDACTED"


class SecretKind(StrEnum):
    """What a marker replaced; the marker is `[REDACTED:<kind>]`."""

    SECRET_DATA = "secret-data"  # noqa: S105 - a Secret's data or stringData value
    CREDENTIAL = "credential"  # a password, key or token named by its field or variable
    TOKEN = "token"  # noqa: S105 - a bearer token, JWT, sha256~, GitHub or Slack token
    PRIVATE_KEY = "private-key"  # a PEM private key block
    CLOUD_KEY = "cloud-key"  # an AWS access key id
    WITHHELD = "withheld"  # the whole text: redaction itself failed, so nothing is shown


def marker(kind: SecretKind) -> str:
    return f"[REDACTED:{kind.value}]"


# --- settings -------------------------------------------------------------------------------


class RedactionPattern(BaseModel):
    """One user pattern (the reference's `query_filters` entry): `re.sub(pattern,
    replace_with, text)`, so `replace_with` may use `\\1` group references."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    pattern: str
    replace_with: str = "[REDACTED]"

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str, info: ValidationInfo) -> str:
        name = info.data.get("name", "?")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(
                f"redaction pattern {name!r}: {pattern!r} is not a valid Python regular "
                f"expression ({exc}); fix it or remove the pattern"
            ) from exc
        if compiled.search("") is not None:
            raise ValueError(
                f"redaction pattern {name!r}: {pattern!r} matches the empty string, so it "
                "would insert its replacement everywhere; make it match at least one character"
            )
        return pattern

    @field_validator("replace_with")
    @classmethod
    def _group_references_exist(cls, replace_with: str, info: ValidationInfo) -> str:
        pattern = info.data.get("pattern")
        if pattern is None:  # the pattern itself was refused: that error is enough
            return replace_with
        try:
            # An always-matching twin of the pattern has the same groups to refer to.
            twin = re.compile(pattern + "|").match("")
        except re.error:
            return replace_with
        if twin is not None:
            try:
                twin.expand(replace_with)
            except (re.error, IndexError) as exc:
                raise ValueError(
                    f"redaction pattern {info.data.get('name', '?')!r}: replace_with "
                    f"{replace_with!r} is not a valid replacement for {pattern!r} ({exc}); "
                    "refer only to groups the pattern has, or escape the backslash"
                ) from exc
        return replace_with


class RedactionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The built-in detectors; the configured patterns below apply either way.
    enabled: bool = True
    # Applied after the built-in ones, to tool output and questions alike.
    extra_patterns: list[RedactionPattern] = Field(default_factory=list)
    # The reference's name for filters on the question; here they apply to tool output too.
    query_filters: list[RedactionPattern] = Field(default_factory=list)


@dataclass(frozen=True)
class Redacted:
    text: str
    count: int  # how many values were replaced


# --- shared pieces --------------------------------------------------------------------------

_MAX_ROUNDS = 4
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# Cheap gate: text without any of these cannot match a built-in detector.
_ANY_HINT = re.compile(
    r"(?i)pass|pwd|secret|token|key|credential|auth|certificate|last-applied|eyj|sha256~"
    r"|gh[pousr]_|github_pat_|xox|akia|asia|bearer|://"
)
# The same words for `in` on lower-cased ASCII text (a few microseconds, against ~40 for
# the pattern on a pod list): for ASCII, lower() is exactly the pattern's case folding.
# Other text takes the pattern, whose Unicode case rules lower() does not reproduce.
_ANY_HINT_WORDS = (
    "pass", "pwd", "secret", "token", "key", "credential", "auth", "certificate",
    "last-applied", "eyj", "sha256~", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
    "xox", "akia", "asia", "bearer", "://",
)  # fmt: skip


def _has_any_hint(text: str) -> bool:
    """Whether `_ANY_HINT` matches somewhere in `text`."""
    if not text.isascii():
        return _ANY_HINT.search(text) is not None
    lowered = text.lower()
    return any(word in lowered for word in _ANY_HINT_WORDS)


_SECRET_KIND_HINT = re.compile(r"""\bkind\\?["']?[ \t]*:[ \t]*\\?["']?Secret(?:List)?(?![\w.-])""")
_EMBEDDED_SECRET_KIND = re.compile(r"""\\*["']?kind\\*["']?\s*:\s*\\*["']?Secret(?:List)?\b""")

# Environment variable names whose value is a secret.
_SECRET_ENV_NAME = re.compile(
    r"(?i)password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|credential|auth"
)
# Field names (any prefix) whose value is a secret: DB_PASSWORD, client_secret, accessToken.
_SENSITIVE_NAME_SUFFIX = (
    r"(?:password|passwd|passphrase|pwd|secret|token|credentials?"
    r"|(?:api|access|secret|private|account|signing|encryption)[_-]?key"
    r"|private[_-]?key[_-]?id|client[_-]?key[_-]?data|client[_-]?certificate[_-]?data)"
)
_SECRET_KEY = re.compile(r"(?i)[A-Za-z0-9_.-]*" + _SENSITIVE_NAME_SUFFIX)
_AUTHORIZATION_KEY = re.compile(r"(?i)(?:[A-Za-z0-9_.-]*[_.-])?authorization")

# Values a secret-looking key may carry that are no secret: flags, nulls, references.
_NOT_A_SECRET = re.compile(r"(?i)(?:true|false|null|none|nil|~|<none>|<unset>)\Z|\$[({]")


_MARKER = re.compile(r"\[REDACTED[^\]]*\]")


def _is_marked(value: str) -> bool:
    return value.lstrip("\\\"'").startswith(MARKER_PREFIX)


def _exempt(value: str) -> bool:
    return not value.strip() or _is_marked(value) or _NOT_A_SECRET.match(value) is not None


def _swap_group(match: re.Match[str], group: str, replacement: str) -> str:
    start = match.start()
    whole = match.group(0)
    return whole[: match.start(group) - start] + replacement + whole[match.end(group) - start :]


def _quoted_like(original: str, kind: SecretKind) -> str:
    """The marker, in the quotes the original value had (so JSON stays JSON)."""
    for quote in ('\\"', '"', "'"):
        if original.startswith(quote):
            return quote + marker(kind) + quote
    return marker(kind)


def _sub(
    pattern: re.Pattern[str], text: str, replace: Callable[[re.Match[str]], str | None]
) -> tuple[str, int]:
    """`pattern.sub`, counting only the matches `replace` changed (None keeps the match)."""
    count = 0

    def one(match: re.Match[str]) -> str:
        nonlocal count
        new = replace(match)
        if new is None or new == match.group(0):
            return match.group(0)
        count += 1
        return new

    return pattern.sub(one, text), count


# --- regex detectors, applied to any text ---------------------------------------------------

_PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    # the whole block; cut off before its END line: the base64 lines that follow
    r"(?:(?:(?!-----BEGIN )[\s\S])*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    r"|(?:(?:\r?\n|\\r?\\n)[ \t]*(?:[A-Za-z0-9+/=]+|(?:Proc-Type|DEK-Info):[^\n\\]*)?)*)"
)
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_OPENSHIFT_TOKEN = re.compile(r"sha256~[A-Za-z0-9_-]{8,}")
_GITHUB_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
)
_SLACK_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])xox[baprs]-[A-Za-z0-9-]{10,}")
_AWS_ACCESS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")
# "Bearer" then a token with a digit in it, so prose ("bearer authentication") stays.
_BEARER = re.compile(
    r"(?i)\bbearer[ \t]+(?P<value>(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,})"
)
_URL_PASSWORD = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@\"'<>\[\]]+:(?P<value>[^\s@/\"'<>]+)(?=@)"
)

_FIELD_VALUE = (
    r"(?P<value>\"(?:[^\"\\\n]|\\.)*\""  # "double quoted"
    r"|'[^'\n]*'"  # 'single quoted'
    r"|\\\"(?:[^\"\\\n]|\\[^\"\n])*\\\""  # \"quoted inside a JSON string\"
    r"|(?![\[{<(]|\\\")[^\s\"',;&}\]\\]+"  # plain, up to a delimiter
    r"|\"[^\"\n]*)"  # "unterminated (a cut-off line)
)
_SECRET_FIELD = re.compile(
    r"(?i)(?<![A-Za-z0-9_.-])(?P<kq>\\?[\"']|)(?P<key>[A-Za-z0-9_.-]*"
    + _SENSITIVE_NAME_SUFFIX
    + r")(?P=kq)[ \t]*[:=][ \t]*"
    + _FIELD_VALUE
)
_AUTHORIZATION_FIELD = re.compile(
    r"(?i)(?<![A-Za-z0-9_.-])(?P<kq>\\?[\"']|)(?:[A-Za-z0-9_.-]*[_.-])?authorization(?P=kq)"
    r"[ \t]*[:=][ \t]*(?P<vq>\\?[\"']|)(?:(?:bearer|basic|token|digest|negotiate)[ \t]+)?"
    r"(?P<value>(?!\[|(?:bearer|basic|token|digest|negotiate)[ \t])[^\s\"'\\,;]+)"
)


def _whole(kind: SecretKind) -> Callable[[re.Match[str]], str | None]:
    return lambda match: marker(kind)


def _value(kind: SecretKind) -> Callable[[re.Match[str]], str | None]:
    def replace(match: re.Match[str]) -> str | None:
        value = match.group("value")
        if _exempt(value):
            return None
        return _swap_group(match, "value", marker(kind))

    return replace


def _field_value(match: re.Match[str]) -> str | None:
    value = match.group("value")
    for quote in ('\\"', '"', "'"):
        if value.startswith(quote):
            inner = value[len(quote) :]
            if len(inner) >= len(quote) and inner.endswith(quote):
                inner = inner[: -len(quote)]
            if _exempt(inner):
                return None
            closing = quote if value.endswith(quote) and len(value) > len(quote) else ""
            replacement = quote + marker(SecretKind.CREDENTIAL) + closing
            return _swap_group(match, "value", replacement)
    if _exempt(value):
        return None
    return _swap_group(match, "value", marker(SecretKind.CREDENTIAL))


# Each rule with its hints: lower-case text the rule's pattern cannot match without (one
# of them) being in the lower-cased text. Checking them (`in`, microseconds) spares running
# a pattern that tries every position (up to a millisecond on a pod list). A hint must be a
# necessary condition of its pattern, never a guess; tests/safety checks the hints against
# every pattern's matches.
_RULES: tuple[
    tuple[re.Pattern[str], Callable[[re.Match[str]], str | None], tuple[str, ...]], ...
] = (
    (_PEM_PRIVATE_KEY, _whole(SecretKind.PRIVATE_KEY), ("private key",)),
    (_JWT, _whole(SecretKind.TOKEN), ("eyj",)),
    (_OPENSHIFT_TOKEN, _whole(SecretKind.TOKEN), ("sha256~",)),
    (_GITHUB_TOKEN, _whole(SecretKind.TOKEN), ("gh", "github_pat_")),
    (_SLACK_TOKEN, _whole(SecretKind.TOKEN), ("xox",)),
    (_AWS_ACCESS_KEY_ID, _whole(SecretKind.CLOUD_KEY), ("akia", "asia")),
    (_BEARER, _value(SecretKind.TOKEN), ("bearer",)),
    (_URL_PASSWORD, _value(SecretKind.CREDENTIAL), ("://",)),
    (_AUTHORIZATION_FIELD, _value(SecretKind.CREDENTIAL), ("authorization",)),
    (
        _SECRET_FIELD,
        _field_value,
        ("pass", "pwd", "secret", "token", "credential", "key", "certificate"),
    ),
)


# --- YAML by lines: the parts a parser is not needed for, and the fallback when it fails ----

_LINE_SHAPE = re.compile(r"( *)(-(?: +|(?=\r?$)))?")
_VALUE_LINE = re.compile(r"(?P<head> *(?:- +)?(?P<q>[\"']?)value(?P=q) *:)(?P<rest>(?: .*)?)\r?$")
_ENV_NAME_LINE = re.compile(
    r"(?P<lead> *(?:- +)?)(?P<q>[\"']?)name(?P=q) *: *(?P<nq>[\"']?)"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?P=nq) *(?:#.*)?\r?$"
)
_KIND_SECRET_LINE = re.compile(
    r"(?P<lead> *(?:- +)?)(?P<q>[\"']?)kind(?P=q) *: *(?P<vq>[\"']?)Secret(?P<list>List)?(?P=vq)"
    r" *,? *(?:#.*)?\r?$"
)
_DATA_LINE = re.compile(
    r"(?P<head>(?P<lead> *(?:- +)?)(?P<q>[\"']?)(?:data|stringData)(?P=q) *:)(?P<rest>(?: .*)?)\r?$"
)
_CHILD_LINE = re.compile(r"(?P<head> *(?P<q>[\"']?)[-._A-Za-z0-9]+(?P=q) *:)(?P<rest>(?: .*)?)\r?$")
_LAST_APPLIED_LINE = re.compile(
    r"(?P<head> *(?:- +)?(?P<q>[\"']?)kubectl\.kubernetes\.io/last-applied-configuration(?P=q)"
    r" *:)(?P<rest>(?: .*)?)\r?$"
)
_DOUBLE_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"")
_SINGLE_QUOTED = re.compile(r"'(?:[^']|'')*'")
_EMPTY_VALUES = {"~", "null", "{}", "[]", '""', "''"}
# One `key: value` inside a flow mapping (`data: {a: x, b: y}` or compact JSON).
_FLOW_VALUE = re.compile(
    r"(?P<head>[{,]\s*(?P<q>[\"']?)[-._A-Za-z0-9]+(?P=q)\s*:\s*)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"?|'(?:[^']|'')*'?|[^\s,{}\[\]\"'][^,{}\n]*)"
)


def _shape(line: str) -> tuple[int, int, bool]:
    """(indentation, column of the key, starts a sequence item) of one YAML line."""
    match = _LINE_SHAPE.match(line)
    assert match is not None  # the pattern matches every string
    indent = len(match.group(1))
    dash = match.group(2)
    return indent, indent + len(dash or ""), dash is not None


def _is_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _is_document_boundary(line: str) -> bool:
    return line.startswith(("---", "...")) and line[3:4] in ("", " ", "\r", "\t")


class _Lines:
    """A text as lines, with replacements and deletions applied at the end."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.edits: dict[int, str | None] = {}

    def __len__(self) -> int:
        return len(self.lines)

    def text(self) -> str:
        if not self.edits:
            return "\n".join(self.lines)
        kept = (self.edits.get(i, line) for i, line in enumerate(self.lines))
        return "\n".join(line for line in kept if line is not None)

    def continuation(self, index: int, column: int) -> int:
        """The last line after `index` that is more indented than `column` (or `index`)."""
        last = index
        for j in range(index + 1, len(self.lines)):
            line = self.lines[j]
            if _is_blank(line):
                continue
            if _shape(line)[0] <= column:
                break
            last = j
        return last

    def redact_value(self, index: int, column: int, head_end: int, kind: SecretKind) -> bool:
        """Replace the value of the `key: value` on line `index` (key at `column`, value after
        `head_end`), with any more-indented lines that continue it."""
        if index in self.edits:
            return False
        line = self.lines[index]
        cr = "\r" if line.endswith("\r") else ""
        head, rest = line[:head_end], line[head_end : len(line) - len(cr)]
        value = rest.strip()
        last = self.continuation(index, column)
        if _is_marked(value) or value in _EMPTY_VALUES or (not value and last == index):
            return False
        mark = marker(kind)
        if value.startswith(('"', "'")):
            closed = (_DOUBLE_QUOTED if value[0] == '"' else _SINGLE_QUOTED).match(value)
            if closed is not None:
                inner = closed.group(0)[1:-1]
                if not inner:
                    return False
                last = index  # a quoted scalar closed on its line has no continuation
                trailing = "," if value[closed.end() :].lstrip().startswith(",") else ""
                mark = value[0] + mark + value[0] + trailing
            else:
                mark = value[0] + mark + value[0]
        spacing = rest[: len(rest) - len(rest.lstrip())] or " "
        self.edits[index] = head + spacing + mark + cr
        for j in range(index + 1, last + 1):
            self.edits[j] = None
        return True


def _env_values(text: str) -> tuple[str, int]:
    """`- name: DB_PASSWORD` / `value: ...` pairs in block YAML, in either order."""
    if "name" not in text or "value" not in text:
        return text, 0
    lines = _Lines(text)
    mappings = _Mappings(lines.lines)
    count = 0
    for i, line in enumerate(lines.lines):
        if "name" not in line:
            continue
        match = _ENV_NAME_LINE.match(line)
        if match is None or not _SECRET_ENV_NAME.search(match.group("name")):
            continue
        column = len(match.group("lead"))
        for j in mappings.siblings(i, column, starts_item="-" in match.group("lead")):
            value = _VALUE_LINE.match(lines.lines[j])
            if value is not None and _shape(lines.lines[j])[1] == column:
                count += lines.redact_value(j, column, value.end("head"), SecretKind.CREDENTIAL)
    return lines.text(), count


class _Mappings:
    """Finds the other keys of the block mapping a key line belongs to, each mapping once:
    a second key line of a mapping already seen gives nothing (so malformed text with
    thousands of repeated keys stays linear)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.seen: dict[int, tuple[int, int]] = {}  # column -> (first, last) line of the last

    def siblings(self, index: int, column: int, *, starts_item: bool) -> list[int]:
        seen = self.seen.get(column)
        if seen is not None and seen[0] <= index <= seen[1]:
            return []
        lines = self.lines
        siblings: list[int] = []
        first = last = index
        for j in range(index + 1, len(lines)):
            line = lines[j]
            if _is_blank(line):
                continue
            if _is_document_boundary(line):
                break
            indent, _, dash = _shape(line)
            last = j
            if indent > column or (indent == column and dash):
                continue  # inside a sibling's value
            if indent < column:
                last = j - 1
                break
            siblings.append(j)
        for j in range(index - 1, -1, -1) if not starts_item else ():
            line = lines[j]
            if _is_blank(line):
                continue
            if _is_document_boundary(line):
                break
            indent, key_column, dash = _shape(line)
            if dash and key_column == column:
                siblings.append(j)  # the line that opens the item
                first = j
                break
            if indent > column or (indent == column and dash):
                continue
            if indent < column:
                break
            siblings.append(j)
            first = j
        self.seen[column] = (first, last)
        return siblings


def _secret_objects_by_lines(text: str) -> tuple[str, int]:
    """Values under `data:` / `stringData:` of each mapping that has a `kind: Secret` line,
    by indentation: for text that does not parse, and manifests inside block scalars."""
    lines = _Lines(text)
    mappings = _Mappings(lines.lines)
    count = 0
    every_data_key = False
    for i, line in enumerate(lines.lines):
        if "Secret" not in line:
            continue
        match = _KIND_SECRET_LINE.match(line)
        if match is None:
            continue
        if match.group("list"):
            every_data_key = True  # a SecretList: all its items are Secrets
            continue
        column = len(match.group("lead"))
        siblings = mappings.siblings(i, column, starts_item="-" in match.group("lead"))
        for j in [i, *siblings]:
            count += _redact_data_line(lines, j, column)[0]
    if every_data_key:
        done_until = -1  # data keys nested in a redacted data value need no second look
        for j, line in enumerate(lines.lines):
            if j > done_until and "ata" in line:
                n, done_until = _redact_data_line(lines, j, _shape(line)[1])
                count += n
    return lines.text(), count


def _redact_data_line(lines: _Lines, index: int, column: int) -> tuple[int, int]:
    """If line `index` is a `data:` / `stringData:` key at `column`, redact its values; how
    many, and the last line of the value."""
    match = _DATA_LINE.match(lines.lines[index])
    if match is None or _shape(lines.lines[index])[1] != column or index in lines.edits:
        return 0, index
    rest = match.group("rest").strip()
    if rest in ("", "{"):
        count = 0
        child_column: int | None = None
        last = index
        for j in range(index + 1, len(lines)):
            line = lines.lines[j]
            if _is_blank(line):
                continue
            indent = _shape(line)[0]
            if indent <= column:
                break
            last = j
            child_column = indent if child_column is None else child_column
            child = _CHILD_LINE.match(line)
            if indent == child_column and child is not None:
                count += lines.redact_value(j, indent, child.end("head"), SecretKind.SECRET_DATA)
        return count, last
    if rest.startswith("{"):
        head = match.end("head")
        line = lines.lines[index]
        new_rest, count = _sub(_FLOW_VALUE, line[head:], _flow_value)
        if count:
            lines.edits[index] = line[:head] + new_rest
        return count, index
    redacted = lines.redact_value(index, column, match.end("head"), SecretKind.SECRET_DATA)
    return int(redacted), index


def _flow_value(match: re.Match[str]) -> str | None:
    value = match.group("value").rstrip()
    if _exempt(value.strip("\"'")):
        return None
    quote = value[0] if value[0] in "\"'" else ""
    return match.group("head") + quote + marker(SecretKind.SECRET_DATA) + quote


# --- Secret objects in JSON text, by a tolerant scanner --------------------------------------

# Strings (whole, so braces inside them do not count) and braces; a string may be cut off.
_JSON_TOKEN = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"?|[{}]")
_JSON_KIND_SECRET = re.compile(r"\"kind\"\s*:\s*\"Secret(?:List)?\"")
_JSON_COLON = re.compile(r"\s*:\s*")


@dataclass
class _JsonObject:
    start: int
    is_data: bool  # the value of a "data" or "stringData" key
    kind: str | None = None
    data_spans: list[tuple[int, int]] = field(default_factory=list)


def _secret_objects_in_json(text: str) -> tuple[str, int]:
    """Data values of JSON objects with `"kind": "Secret"`, wherever the JSON sits (a whole
    result, a log line) and even if it is cut off: objects are matched by their braces."""
    if not _JSON_KIND_SECRET.search(text):
        return text, 0
    secret_spans: list[tuple[int, int]] = []
    every_data_span: list[tuple[int, int]] = []
    stack: list[_JsonObject] = []
    previous: re.Match[str] | None = None  # the string token before this one

    def close(obj: _JsonObject, end: int) -> None:
        if obj.kind == "Secret":
            secret_spans.extend(obj.data_spans)
        if obj.is_data and stack:
            stack[-1].data_spans.append((obj.start, end))
            every_data_span.append((obj.start, end))

    for token in _JSON_TOKEN.finditer(text):
        value = token.group(0)
        after_key = previous is not None and _JSON_COLON.fullmatch(
            text, previous.end(), token.start()
        )
        if value == "{":
            key = previous.group(0) if after_key and previous is not None else None
            stack.append(_JsonObject(token.start(), key in ('"data"', '"stringData"')))
            previous = None
        elif value == "}":
            if stack:
                close(stack.pop(), token.end())
            previous = None
        else:
            if after_key and previous is not None and previous.group(0) == '"kind"' and stack:
                stack[-1].kind = value.strip('"')
            previous = token
    while stack:  # cut off: what is open ends with the text
        close(stack.pop(), len(text))
    if re.search(r"\"kind\"\s*:\s*\"SecretList\"", text):
        secret_spans += every_data_span  # its items are Secrets, kind or not

    count = 0
    parts: list[str] = []
    position = 0
    for start, end in sorted(set(secret_spans)):
        if start < position:
            continue
        redacted, n = _sub(_FLOW_VALUE, text[start:end], _flow_value)
        parts += [text[position:start], redacted]
        position = end
        count += n
    parts.append(text[position:])
    return "".join(parts), count


# --- Secret objects, structure-aware --------------------------------------------------------

_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_PARSE_DEPTH = 1000  # Kubernetes objects nest a few dozen levels
_BRACKET = re.compile(r"[\[\]{}]")
_BLOCK_PREFIX = re.compile(r"^[ \t?:-]+", re.MULTILINE)  # each block level takes one of these
_NULL_TAG = "tag:yaml.org,2002:null"


class _SpanMismatch(Exception):
    """The parser's positions do not line up with the text: use the line fallback."""


def _scalar_of(node: yaml.MappingNode, key: str) -> str | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node.value if isinstance(value_node, yaml.ScalarNode) else None
    return None


def _secret_value_nodes(roots: Iterable[yaml.Node]) -> list[yaml.Node]:
    """The nodes holding a Secret's data values, anywhere in the documents."""
    found: list[yaml.Node] = []
    stack: list[tuple[yaml.Node, bool]] = [(root, False) for root in roots]
    seen: set[int] = set()
    while stack:
        node, is_secret = stack.pop()
        if id(node) in seen:  # aliases share nodes
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, False) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            kind = _scalar_of(node, "kind")
            is_secret = is_secret or kind == "Secret"
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if is_secret and key in ("data", "stringData"):
                    if isinstance(value_node, yaml.MappingNode):
                        found.extend(child for _, child in value_node.value)
                    else:
                        found.append(value_node)
                elif kind == "SecretList" and key == "items":
                    if isinstance(value_node, yaml.SequenceNode):
                        stack.extend((item, True) for item in value_node.value)
                else:
                    stack.append((value_node, False))
    return found


def _span(text: str, node: yaml.Node) -> tuple[int, int, str] | None:
    """Where a value node sits in the text and what replaces it; None to leave it."""
    start, end = node.start_mark.index, node.end_mark.index
    original = text[start:end].rstrip()
    end = start + len(original)
    if not original or _is_marked(original):
        return None
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG or node.value == "":
            return None
        style = node.style
        if style in ('"', "'"):
            if original[0] != style or original[-1] != style:
                raise _SpanMismatch
        elif style is None and "\n" not in original and original != node.value:
            raise _SpanMismatch
        return start, end, _quoted_like(original, SecretKind.SECRET_DATA)
    # a collection where a string belongs: a quoted marker is valid YAML and JSON
    return start, end, '"' + marker(SecretKind.SECRET_DATA) + '"'


def _too_deep_to_parse(text: str) -> bool:
    """Whether the text may nest deeper than `_MAX_PARSE_DEPTH`: libyaml's composer recurses
    in C and crashes the process (no exception) somewhere past 20,000 levels."""
    openers = text.count("[") + text.count("{")
    block = max((len(m.group(0)) for m in _BLOCK_PREFIX.finditer(text)), default=0)
    if openers + block <= _MAX_PARSE_DEPTH:
        return False
    depth = flow = 0
    for bracket in _BRACKET.finditer(text):  # brackets inside strings count too: an upper bound
        flow = flow + 1 if bracket.group(0) in "[{" else max(flow - 1, 0)
        depth = max(depth, flow)
    return depth + block > _MAX_PARSE_DEPTH


def _secret_objects_parsed(text: str) -> tuple[str, int] | None:
    """Secret data found by parsing the text as YAML (JSON included); None if it does not
    parse."""
    if _too_deep_to_parse(text):
        return None
    try:
        documents = list(yaml.compose_all(text, Loader=_YamlLoader))
        spans = [s for n in _secret_value_nodes(d for d in documents if d) if (s := _span(text, n))]
    except (yaml.YAMLError, _SpanMismatch, ValueError, RecursionError):
        return None
    spans.sort()
    parts: list[str] = []
    position = 0
    count = 0
    for start, end, replacement in spans:
        if start < position:  # overlapping (an alias): already replaced
            continue
        parts += [text[position:start], replacement]
        position = end
        count += 1
    parts.append(text[position:])
    return "".join(parts), count


def _log_failure(exc: Exception, what: str) -> None:
    # Type and place only: the message or a traceback's locals could quote the secret.
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    line = frame.tb_lineno if frame is not None else 0
    log.error(
        "redaction failed (%s at line %d); the %s is withheld", type(exc).__name__, line, what
    )


# --- the redactor ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _UserPattern:
    name: str
    pattern: re.Pattern[str]
    replace_with: str

    def apply(self, text: str) -> tuple[str, int]:
        def replace(match: re.Match[str]) -> str | None:
            if not match.group(0):
                return None
            try:
                return match.expand(self.replace_with)
            except (re.error, IndexError):
                return self.replace_with

        return _sub(self.pattern, text, replace)


class Redactor:
    """Redacts any text (`text`) and JSON-like data (`structured`); never raises."""

    def __init__(self, settings: RedactionSettings | None = None) -> None:
        self.settings = settings or RedactionSettings()
        self._user_patterns = tuple(
            _UserPattern(p.name, re.compile(p.pattern), p.replace_with)
            for p in (*self.settings.extra_patterns, *self.settings.query_filters)
        )

    def text(self, text: str) -> Redacted:
        try:
            redacted, count = self._text(text)
        except Exception as exc:
            # Fail closed: a text the redactor cannot handle is not shown at all.
            _log_failure(exc, "text")
            return Redacted(marker(SecretKind.WITHHELD), 1)
        return Redacted(redacted, count)

    def structured(self, value: Any) -> tuple[Any, int]:
        """A redacted deep copy of JSON-like data, and how many values were replaced."""
        counter = [0]
        try:
            return self._walk(value, counter, inside_secret=False), counter[0]
        except Exception as exc:
            _log_failure(exc, "structured content")
            return marker(SecretKind.WITHHELD), 1

    # -- text --

    def _text(self, text: str) -> tuple[str, int]:
        count = 0
        if self.settings.enabled and _has_any_hint(text):
            # Until nothing changes: one detector's marker can settle what another parses
            # (a token gone, and a cut-off JSON Secret parses differently), and redacting
            # the result again must find nothing new.
            for _ in range(_MAX_ROUNDS):
                redacted, n = self._builtin(text)
                if redacted == text:
                    break
                text, count = redacted, count + n
        for pattern in self._user_patterns:
            text, n = pattern.apply(text)
            count += n
        return text, count

    def _builtin(self, text: str, *, annotations: bool = True) -> tuple[str, int]:
        total = 0
        # The annotation first: it goes whole, so the Secret it embeds needs no other look.
        steps: list[Callable[[str], tuple[str, int]]] = [self._last_applied] if annotations else []
        steps += [self._secret_objects, _env_values, _env_pairs]
        for step in steps:
            text, n = step(text)
            total += n
        lowered = text.lower()
        for pattern, replace, hints in _RULES:
            if any(hint in lowered for hint in hints):
                text, n = _sub(pattern, text, replace)
                if n:
                    total += n
                    lowered = text.lower()
        return text, total

    def _secret_objects(self, text: str) -> tuple[str, int]:
        if "Secret" not in text or not _SECRET_KIND_HINT.search(text):
            return text, 0
        count = 0
        parsed = _secret_objects_parsed(text)
        if parsed is not None:
            text, count = parsed
        # The scanner and the lines as well, parsed or not: JSON inside a log line, a
        # manifest inside a block scalar, a cut-off result are only strings to the parser.
        for scan in (_secret_objects_in_json, _secret_objects_by_lines):
            text, n = scan(text)
            count += n
        return text, count

    def _last_applied(self, text: str) -> tuple[str, int]:
        if "last-applied-configuration" not in text:
            return text, 0
        text, count = _sub(_LAST_APPLIED_JSON, text, self._last_applied_json)
        lines = _Lines(text)
        for i, line in enumerate(lines.lines):
            match = _LAST_APPLIED_LINE.match(line) if "last-applied" in line else None
            if match is None or match.group("rest").strip().startswith('"'):
                continue  # a double-quoted value was handled as a JSON string
            column = _shape(line)[1]
            last = lines.continuation(i, column)
            value = "\n".join([match.group("rest"), *lines.lines[i + 1 : last + 1]])
            kind = self._last_applied_kind(value)
            if kind is not None:
                count += lines.redact_value(i, column, match.end("head"), kind)
        return lines.text(), count

    def _last_applied_json(self, match: re.Match[str]) -> str | None:
        body = match.group("body")
        try:
            decoded = json.loads('"' + body + '"')
        except ValueError:
            decoded = body
        kind = self._last_applied_kind(decoded)
        if kind is None:
            return None
        return match.group("head") + '"' + marker(kind) + '"'

    def _last_applied_kind(self, value: str) -> SecretKind | None:
        """What to redact the annotation as: it embeds a Secret, or another secret."""
        if _is_marked(value.strip()):
            return None
        if _EMBEDDED_SECRET_KIND.search(value):
            return SecretKind.SECRET_DATA
        if _has_any_hint(value) and self._builtin(value, annotations=False)[1]:
            return SecretKind.CREDENTIAL
        return None

    # -- structured --

    def _walk(self, value: Any, counter: list[int], *, inside_secret: bool) -> Any:
        if isinstance(value, dict):
            return self._walk_mapping(value, counter, inside_secret)
        if isinstance(value, list | tuple):
            items = [self._walk(item, counter, inside_secret=False) for item in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, str):
            redacted, n = self._text(value)
            counter[0] += n
            return redacted
        return value

    def _walk_mapping(self, value: dict[Any, Any], counter: list[int], is_secret: bool) -> Any:
        kind = value.get("kind")
        is_secret = is_secret or kind == "Secret"
        builtin = self.settings.enabled
        name = value.get("name")
        # Judged as it will read once redacted, so that a second pass judges the same.
        env_secret = (
            builtin
            and isinstance(name, str)
            and _SECRET_ENV_NAME.search(_MARKER.sub("", self._text(name)[0])) is not None
        )
        result: dict[Any, Any] = {}
        for key, item in value.items():
            replacement: SecretKind | None = None
            if builtin and is_secret and key in ("data", "stringData"):
                if isinstance(item, dict):
                    result[key] = {
                        k: self._replace(v, SecretKind.SECRET_DATA, counter)
                        for k, v in item.items()
                    }
                    continue
                replacement = SecretKind.SECRET_DATA
            elif builtin and kind == "SecretList" and key == "items" and isinstance(item, list):
                result[key] = [
                    self._walk(v, counter, inside_secret=isinstance(v, dict)) for v in item
                ]
                continue
            elif builtin and isinstance(key, str) and isinstance(item, str | int | float):
                if key == "value" and env_secret:
                    replacement = SecretKind.CREDENTIAL
                elif key == _LAST_APPLIED:
                    replacement = self._last_applied_kind(item) if isinstance(item, str) else None
                elif _SECRET_KEY.fullmatch(key) or _AUTHORIZATION_KEY.fullmatch(key):
                    replacement = SecretKind.CREDENTIAL
            if replacement is not None:
                result[key] = self._replace(item, replacement, counter)
            else:
                result[key] = self._walk(item, counter, inside_secret=False)
        return result

    def _replace(self, value: Any, kind: SecretKind, counter: list[int]) -> Any:
        if value is None or isinstance(value, bool) or (isinstance(value, str) and _exempt(value)):
            return value  # a flag or nothing: no secret to hide
        counter[0] += 1
        return marker(kind)


_LAST_APPLIED_JSON = re.compile(
    r"(?P<head>\"kubectl\.kubernetes\.io/last-applied-configuration\"\s*:\s*)"
    r"\"(?P<body>(?:[^\"\\]|\\.)*)\""
)
_ENV_NAME = r"(?P<nq>[\"']?)name(?P=nq)\s*:\s*(?P<vq>[\"']?)(?P<name>[A-Za-z_][\w.-]*)(?P=vq)"
_ENV_VALUE = (
    r"(?P<kq>[\"']?)value(?P=kq)\s*:\s*"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|(?![\[{])[^\s,{}\[\]\"']+)"
)
# JSON and flow-YAML env entries: {"name": "API_TOKEN", "value": "..."} in either order.
_ENV_PAIR = re.compile(
    r"(?<![\w-])(?:"
    + _ENV_NAME
    + r"\s*,\s*"
    + _ENV_VALUE
    + r"|"
    + _ENV_VALUE.replace("(?P<", "(?P<r_").replace("(?P=", "(?P=r_")
    + r"\s*,\s*"
    + _ENV_NAME.replace("(?P<", "(?P<r_").replace("(?P=", "(?P=r_")
    + r"(?![\w.-]))"
)


def _env_pair(match: re.Match[str]) -> str | None:
    prefix = "" if match.group("name") is not None else "r_"
    name = match.group(prefix + "name")
    value = match.group(prefix + "value")
    if not _SECRET_ENV_NAME.search(name) or _exempt(value.strip("\"'")):
        return None
    return _swap_group(match, prefix + "value", _quoted_like(value, SecretKind.CREDENTIAL))


def _env_pairs(text: str) -> tuple[str, int]:
    if "name" not in text or "value" not in text:  # the pattern needs both words
        return text, 0
    return _sub(_ENV_PAIR, text, _env_pair)
