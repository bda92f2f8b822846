"""Label and field selectors, parsed and matched the way kube-apiserver does it.

This module owns the ``labelSelector`` and ``fieldSelector`` query parameters
of list, watch and deletecollection requests: turning the text into a selector
object, rejecting what kube-apiserver 1.32 rejects with the message it uses
(the message becomes a 400 BadRequest Status that kubectl prints verbatim), and
deciding whether a given object matches.

The label selector grammar, its lexer quirks and its error texts follow
k8s.io/apimachinery/pkg/labels/selector.go; label key and value validation
follows k8s.io/apimachinery/pkg/util/validation. The field selector grammar
follows k8s.io/apimachinery/pkg/fields/selector.go, and the per-resource field
labels follow the two upstream layers that decide them: the scheme's field
label conversion funcs (which labels a kind accepts, and the error text when it
does not) and the registry strategies' ``ToSelectableFields`` (what value each
label reads from an object).

Pure functions and frozen values only; nothing here does I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import Any, Final, Literal

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "LabelSelector",
    "Requirement",
    "SelectorError",
    "parse_field_selector",
    "parse_label_selector",
]


class SelectorError(ValueError):
    """A selector kube-apiserver would refuse; ``str(e)`` is the 400 Status message."""


# ---------------------------------------------------------------------------
# Go-compatible formatting helpers
# ---------------------------------------------------------------------------

_GO_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def _go_quote(text: str) -> str:
    """Quote like Go's ``%q`` so field errors print values exactly as upstream does."""
    out: list[str] = ['"']
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _byte_len(text: str) -> int:
    # Go measures label lengths with len(string), which counts UTF-8 bytes.
    return len(text.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------
# Label key / value validation (k8s.io/apimachinery/pkg/util/validation)
# ---------------------------------------------------------------------------

_QUALIFIED_NAME_FMT: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_ERR: Final = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_QUALIFIED_NAME_MAX: Final = 63
_LABEL_VALUE_FMT: Final = "(" + _QUALIFIED_NAME_FMT + ")?"
_LABEL_VALUE_ERR: Final = (
    "a valid label must be an empty string or consist of alphanumeric characters, "
    "'-', '_' or '.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_MAX: Final = 63
_DNS1123_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT: Final = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_ERR: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MAX: Final = 253

# fullmatch, not "^...$": Python's "$" also matches before a trailing newline,
# Go's does not.
_QUALIFIED_NAME_RE: Final = re.compile(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE: Final = re.compile(_LABEL_VALUE_FMT)
_DNS1123_SUBDOMAIN_RE: Final = re.compile(_DNS1123_SUBDOMAIN_FMT)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # Reproduces validation.RegexError byte for byte, including the doubled
    # space before "or" that real kube-apiserver messages carry.
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    text = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errs: list[str] = []
    if _byte_len(value) > _DNS1123_SUBDOMAIN_MAX:
        errs.append(_max_len_error(_DNS1123_SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def _qualified_name_errors(value: str) -> list[str]:
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in _dns1123_subdomain_errors(prefix))
    else:
        return [
            "a qualified name "
            + _regex_error(_QUALIFIED_NAME_ERR, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > _QUALIFIED_NAME_MAX:
        errs.append("name part " + _max_len_error(_QUALIFIED_NAME_MAX))
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        errs.append(
            "name part "
            + _regex_error(_QUALIFIED_NAME_ERR, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def _label_value_errors(value: str) -> list[str]:
    errs: list[str] = []
    if _byte_len(value) > _LABEL_VALUE_MAX:
        errs.append(_max_len_error(_LABEL_VALUE_MAX))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(
            _regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errs


def _invalid(field_path: str, value: str, detail: str) -> str:
    # field.Invalid(...).Error(); the parser's path is a nil *field.Path, which
    # Go prints as "<nil>" - hence the odd prefix real clusters show.
    return f"{field_path}: Invalid value: {_go_quote(value)}: {detail}"


def _aggregate(messages: list[str]) -> str:
    # utilerrors.NewAggregate(...).Error(): one message bare, several bracketed.
    unique: list[str] = []
    for message in messages:
        if message not in unique:
            unique.append(message)
    if len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"


# ---------------------------------------------------------------------------
# Label selectors
# ---------------------------------------------------------------------------

LabelOperator = Literal["in", "notin", "=", "==", "!=", "exists", "!", "gt", "lt"]

# The order matters: it is the list printed in "expected: ..." errors.
_BINARY_OPERATORS: Final = ("in", "notin", "=", "==", "!=", "gt", "lt")
_INT64_RE: Final = re.compile(r"[+-]?[0-9]+")


def _parse_int64(text: str) -> int | None:
    # strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range.
    if not _INT64_RE.fullmatch(text):
        return None
    value = int(text)
    if not -(2**63) <= value < 2**63:
        return None
    return value


@dataclass(frozen=True)
class Requirement:
    """One ``key <op> values`` clause of a label selector."""

    key: str
    operator: LabelOperator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Apply the clause with labels.Requirement.Matches semantics."""
        present = self.key in labels
        if self.operator in ("in", "=", "=="):
            return present and labels[self.key] in self.values
        if self.operator in ("notin", "!="):
            return not present or labels[self.key] not in self.values
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        # gt / lt: both sides must parse as int64, otherwise no match.
        if not present or len(self.values) != 1:
            return False
        have = _parse_int64(labels[self.key])
        want = _parse_int64(self.values[0])
        if have is None or want is None:
            return False
        return have > want if self.operator == "gt" else have < want

    def __str__(self) -> str:
        if self.operator == "exists":
            return self.key
        if self.operator == "!":
            return "!" + self.key
        symbol = {"gt": ">", "lt": "<", "in": " in ", "notin": " notin "}.get(
            self.operator, self.operator
        )
        joined = ",".join(sorted(self.values))
        if self.operator in ("in", "notin"):
            return f"{self.key}{symbol}({joined})"
        return f"{self.key}{symbol}{joined}"


@dataclass(frozen=True)
class LabelSelector:
    """A parsed label selector: every requirement must hold (AND)."""

    requirements: tuple[Requirement, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything."""
        return not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object carrying ``labels`` is selected."""
        current: Mapping[str, str] = labels if labels is not None else {}
        return all(r.matches(current) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


class _Tok(IntEnum):
    # Same names and order as labels.Token; ERROR is 0 like upstream, which the
    # special-symbol scanner relies on.
    ERROR = 0
    END = 1
    CLOSED_PAR = 2
    COMMA = 3
    DOES_NOT_EXIST = 4
    DOUBLE_EQUALS = 5
    EQUALS = 6
    GREATER_THAN = 7
    IDENTIFIER = 8
    IN = 9
    LESS_THAN = 10
    NOT_EQUALS = 11
    NOT_IN = 12
    OPEN_PAR = 13


_STRING_TO_TOKEN: Final = {
    ")": _Tok.CLOSED_PAR,
    ",": _Tok.COMMA,
    "!": _Tok.DOES_NOT_EXIST,
    "==": _Tok.DOUBLE_EQUALS,
    "=": _Tok.EQUALS,
    ">": _Tok.GREATER_THAN,
    "in": _Tok.IN,
    "<": _Tok.LESS_THAN,
    "!=": _Tok.NOT_EQUALS,
    "notin": _Tok.NOT_IN,
    "(": _Tok.OPEN_PAR,
}
_SPECIAL: Final = frozenset("=!(),><")
# Only these four: Go's lexer does not treat other Unicode space as a delimiter.
_WHITESPACE: Final = frozenset(" \t\r\n")
_EOF: Final = "\0"


class _Lexer:
    """A transcription of labels.Lexer; Go's read() yields NUL at end of input."""

    def __init__(self, text: str) -> None:
        self._s = text
        self._pos = 0

    def _read(self) -> str:
        if self._pos < len(self._s):
            ch = self._s[self._pos]
            self._pos += 1
            return ch
        return _EOF

    def _unread(self) -> None:
        self._pos -= 1

    def _scan_id_or_keyword(self) -> tuple[_Tok, str]:
        buf: list[str] = []
        while True:
            ch = self._read()
            if ch == _EOF:
                break
            if ch in _SPECIAL or ch in _WHITESPACE:
                self._unread()
                break
            buf.append(ch)
        text = "".join(buf)
        return _STRING_TO_TOKEN.get(text, _Tok.IDENTIFIER), text

    def _scan_special_symbol(self) -> tuple[_Tok, str]:
        last: tuple[_Tok, str] = (_Tok.ERROR, "")
        buf = ""
        while True:
            ch = self._read()
            if ch == _EOF:
                break
            if ch in _SPECIAL:
                buf += ch
                token = _STRING_TO_TOKEN.get(buf)
                if token is not None:
                    last = (token, buf)
                elif last[0] != _Tok.ERROR:
                    self._unread()
                    break
            else:
                self._unread()
                break
        if last[0] == _Tok.ERROR:
            return _Tok.ERROR, f"error expected: keyword found '{buf}'"
        return last

    def lex(self) -> tuple[_Tok, str]:
        ch = self._read()
        while ch in _WHITESPACE:
            ch = self._read()
        if ch == _EOF:
            return _Tok.END, ""
        self._unread()
        if ch in _SPECIAL:
            return self._scan_special_symbol()
        return self._scan_id_or_keyword()


class _Parser:
    """A transcription of labels.Parser, so error texts and edge cases line up."""

    def __init__(self, text: str) -> None:
        lexer = _Lexer(text)
        self._items: list[tuple[_Tok, str]] = []
        while True:
            item = lexer.lex()
            self._items.append(item)
            if item[0] == _Tok.END:
                break
        self._pos = 0

    def _lookahead(self, values_context: bool) -> tuple[_Tok, str]:
        token, literal = self._items[self._pos]
        # In a value position "in" and "notin" are plain identifiers.
        if values_context and token in (_Tok.IN, _Tok.NOT_IN):
            token = _Tok.IDENTIFIER
        return token, literal

    def _consume(self, values_context: bool) -> tuple[_Tok, str]:
        item = self._lookahead(values_context)
        self._pos += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            token, literal = self._lookahead(True)
            if token in (_Tok.IDENTIFIER, _Tok.DOES_NOT_EXIST):
                try:
                    requirements.append(self._parse_requirement())
                except SelectorError as err:
                    raise SelectorError(f"unable to parse requirement: {err}") from None
                token, literal = self._consume(True)
                if token == _Tok.END:
                    return requirements
                if token == _Tok.COMMA:
                    next_token, next_literal = self._lookahead(True)
                    if next_token not in (_Tok.IDENTIFIER, _Tok.DOES_NOT_EXIST):
                        raise SelectorError(
                            f"found '{next_literal}', expected: identifier after ','"
                        )
                    continue
                raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            if token == _Tok.END:
                return requirements
            raise SelectorError(f"found '{literal}', expected: !, identifier, or 'end of string'")

    def _parse_requirement(self) -> Requirement:
        key, operator = self._parse_key_and_infer_operator()
        if operator in ("exists", "!"):
            return _new_requirement(key, operator, [])
        operator = self._parse_operator()
        set_based = operator in ("in", "notin")
        values = self._parse_values() if set_based else self._parse_exact_value()
        # sets.String.List(): deduplicated and sorted.
        return _new_requirement(key, operator, sorted(values))

    def _parse_key_and_infer_operator(self) -> tuple[str, LabelOperator | None]:
        operator: LabelOperator | None = None
        token, literal = self._consume(True)
        if token == _Tok.DOES_NOT_EXIST:
            operator = "!"
            token, literal = self._consume(True)
        if token != _Tok.IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        key_errors = _qualified_name_errors(literal)
        if key_errors:
            raise SelectorError(_invalid("<nil>", literal, "; ".join(key_errors)))
        next_token, _ = self._lookahead(True)
        if next_token in (_Tok.END, _Tok.COMMA) and operator != "!":
            operator = "exists"
        return literal, operator

    def _parse_operator(self) -> LabelOperator:
        token, literal = self._consume(False)
        operators: dict[_Tok, LabelOperator] = {
            _Tok.IN: "in",
            _Tok.EQUALS: "=",
            _Tok.DOUBLE_EQUALS: "==",
            _Tok.GREATER_THAN: "gt",
            _Tok.LESS_THAN: "lt",
            _Tok.NOT_IN: "notin",
            _Tok.NOT_EQUALS: "!=",
        }
        if token not in operators:
            raise SelectorError(f"found '{literal}', expected: {', '.join(_BINARY_OPERATORS)}")
        return operators[token]

    def _parse_values(self) -> set[str]:
        token, literal = self._consume(True)
        if token != _Tok.OPEN_PAR:
            raise SelectorError(f"found '{literal}' expected: '('")
        token, literal = self._lookahead(True)
        if token in (_Tok.IDENTIFIER, _Tok.COMMA):
            values = self._parse_identifiers_list()
            closing, _ = self._consume(True)
            if closing != _Tok.CLOSED_PAR:
                # Upstream reports the token after "(", not the offending one.
                raise SelectorError(f"found '{literal}', expected: ')'")
            return values
        if token == _Tok.CLOSED_PAR:
            self._consume(True)
            return {""}
        raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")

    def _parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            token, literal = self._consume(True)
            if token == _Tok.IDENTIFIER:
                values.add(literal)
                next_token, next_literal = self._lookahead(True)
                if next_token == _Tok.COMMA:
                    continue
                if next_token == _Tok.CLOSED_PAR:
                    return values
                raise SelectorError(f"found '{next_literal}', expected: ',' or ')'")
            if token == _Tok.COMMA:
                # "(," ",)" and ",," each stand for an empty value.
                if not values:
                    values.add("")
                next_token, _ = self._lookahead(True)
                if next_token == _Tok.CLOSED_PAR:
                    values.add("")
                    return values
                if next_token == _Tok.COMMA:
                    values.add("")
                continue
            raise SelectorError(f"found '{literal}', expected: ',', or identifier")

    def _parse_exact_value(self) -> set[str]:
        token, _ = self._lookahead(True)
        if token in (_Tok.END, _Tok.COMMA):
            return {""}
        token, literal = self._consume(True)
        if token == _Tok.IDENTIFIER:
            return {literal}
        raise SelectorError(f"found '{literal}', expected: identifier")


def _new_requirement(key: str, operator: LabelOperator, values: list[str]) -> Requirement:
    """labels.NewRequirement, for what the parser can still get wrong: the values.

    The key was validated already and the grammar fixes each operator's arity,
    so only the integer check of gt/lt and label-value validation remain.
    """
    errors: list[str] = []
    if operator in ("gt", "lt"):
        for index, value in enumerate(values):
            if _parse_int64(value) is None:
                errors.append(
                    _invalid(
                        f"values[{index}]",
                        value,
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    for index, value in enumerate(values):
        value_errors = _label_value_errors(value)
        if value_errors:
            errors.append(_invalid(f"values[{index}][{key}]", value, "; ".join(value_errors)))
    if errors:
        raise SelectorError(_aggregate(errors))
    return Requirement(key=key, operator=operator, values=tuple(values))


def parse_label_selector(text: str) -> LabelSelector:
    """Parse a ``labelSelector`` query value like labels.Parse.

    Accepts ``""``, ``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``,
    ``a``, ``!a``, ``a>1`` and ``a<1``; commas AND the clauses. Raises
    SelectorError with kube-apiserver's wording otherwise.
    """
    requirements = _Parser(text).parse()
    # Upstream sorts by key (sort.Sort is not stable; ours is, which only makes
    # the string form deterministic).
    requirements.sort(key=lambda r: r.key)
    return LabelSelector(tuple(requirements))


# ---------------------------------------------------------------------------
# Field selectors
# ---------------------------------------------------------------------------

FieldOperator = Literal["=", "==", "!="]
_ValueKind = Literal["string", "bool", "int"]
_PathPart = str | int


@dataclass(frozen=True)
class _FieldSource:
    """Where one canonical field label reads its value in the served JSON object."""

    path: tuple[_PathPart, ...]
    # How an absent field reads: upstream's ToSelectableFields always sets every
    # key from a typed struct, so a missing bool is "false" and a count is "0".
    kind: _ValueKind = "string"
    # Consulted when ``path`` yields "" (core Event "source" falls back to the
    # reporting controller, like event/strategy.go).
    fallback: tuple[_PathPart, ...] | None = None


@dataclass(frozen=True)
class FieldRequirement:
    """One ``field <op> value`` clause, with the label already canonicalised."""

    field: str
    operator: FieldOperator
    value: str
    source: _FieldSource | None = None

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Compare the object's field value with ``value`` as strings."""
        # A label accepted by the conversion func but never set by
        # ToSelectableFields (pods' status.podIPs) reads "" upstream.
        actual = _field_value(obj, self.source) if self.source is not None else ""
        if self.operator == "!=":
            return actual != self.value
        return actual == self.value


@dataclass(frozen=True)
class FieldSelector:
    """A parsed, per-resource validated field selector (clauses are ANDed)."""

    requirements: tuple[FieldRequirement, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything."""
        return not self.requirements

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether ``obj`` (the object as served in JSON) is selected."""
        return all(r.matches(obj) for r in self.requirements)

    def requires_exact_match(self, field: str) -> str | None:
        """The value an ``=``/``==`` clause pins ``field`` to, if any (e.g. metadata.name)."""
        for requirement in self.requirements:
            if requirement.field == field and requirement.operator != "!=":
                return requirement.value
        return None

    def __str__(self) -> str:
        return ",".join(
            f"{r.field}{'!=' if r.operator == '!=' else '='}{_escape_field_value(r.value)}"
            for r in self.requirements
        )


def _lookup(obj: Any, path: Iterable[_PathPart]) -> Any:
    current = obj
    for part in path:
        if isinstance(part, int):
            if not isinstance(current, list) or not -len(current) <= part < len(current):
                return None
            current = current[part]
        else:
            if not isinstance(current, Mapping):
                return None
            current = current.get(part)
    return current


def _stringify(value: Any, kind: _ValueKind) -> str:
    if value is None:
        return {"string": "", "bool": "false", "int": "0"}[kind]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        # JSON numbers may arrive as floats; Go formats the typed int32.
        return str(int(value))
    if isinstance(value, str):
        return value
    return ""


def _field_value(obj: Mapping[str, Any], source: _FieldSource) -> str:
    value = _stringify(_lookup(obj, source.path), source.kind)
    if value == "" and source.fallback is not None:
        value = _stringify(_lookup(obj, source.fallback), source.kind)
    return value


@dataclass(frozen=True)
class _Rules:
    """One kind's field-label contract: accepted labels, their sources, the error."""

    accepted: Mapping[str, str]  # label as sent -> canonical label
    sources: Mapping[str, _FieldSource]  # canonical label -> where its value lives
    reject: Callable[[str], str]


def _not_supported(label: str) -> str:
    # The text most core/v1 conversion funcs use (pods, nodes, events, ...).
    return f"field label not supported: {label}"


def _default_reject(label: str) -> str:
    # runtime.DefaultMetaV1FieldSelectorConversion, used for every kind without
    # a registered conversion func (configmaps, deployments, replicasets, CRs).
    return (
        f"{_go_quote(label)} is not a known field selector: "
        'only "metadata.name", "metadata.namespace"'
    )


def _s(*path: _PathPart, fallback: tuple[_PathPart, ...] | None = None) -> _FieldSource:
    return _FieldSource(path=path, fallback=fallback)


def _rules(
    *,
    namespaced: bool,
    fields: Mapping[str, _FieldSource | None],
    aliases: Mapping[str, str] | None = None,
    reject: Callable[[str], str] = _not_supported,
) -> _Rules:
    accepted: dict[str, str] = {"metadata.name": "metadata.name"}
    sources: dict[str, _FieldSource] = {"metadata.name": _s("metadata", "name")}
    if namespaced:
        # Cluster-scoped kinds' conversion funcs reject metadata.namespace.
        accepted["metadata.namespace"] = "metadata.namespace"
        sources["metadata.namespace"] = _s("metadata", "namespace")
    for label, source in fields.items():
        accepted[label] = label
        if source is not None:
            sources[label] = source
    for alias, canonical in (aliases or {}).items():
        accepted[alias] = canonical
    return _Rules(MappingProxyType(accepted), MappingProxyType(sources), reject)


_CORE_EVENT_FIELDS: Final[Mapping[str, _FieldSource | None]] = {
    "involvedObject.kind": _s("involvedObject", "kind"),
    "involvedObject.namespace": _s("involvedObject", "namespace"),
    "involvedObject.name": _s("involvedObject", "name"),
    "involvedObject.uid": _s("involvedObject", "uid"),
    "involvedObject.apiVersion": _s("involvedObject", "apiVersion"),
    "involvedObject.resourceVersion": _s("involvedObject", "resourceVersion"),
    "involvedObject.fieldPath": _s("involvedObject", "fieldPath"),
    "reason": _s("reason"),
    # core/v1 Event serialises ReportingController as "reportingComponent".
    "reportingComponent": _s("reportingComponent"),
    "source": _s("source", "component", fallback=("reportingComponent",)),
    "type": _s("type"),
}

# Keyed by (API group, plural resource). Sources: pkg/apis/*/v*/conversion.go for
# what is accepted, pkg/registry/**/strategy.go for what each label reads.
_FIELD_RULES: Final[Mapping[tuple[str, str], _Rules]] = MappingProxyType(
    {
        ("", "pods"): _rules(
            namespaced=True,
            fields={
                "spec.nodeName": _s("spec", "nodeName"),
                "spec.restartPolicy": _s("spec", "restartPolicy"),
                "spec.schedulerName": _s("spec", "schedulerName"),
                "spec.serviceAccountName": _s("spec", "serviceAccountName"),
                "spec.hostNetwork": _FieldSource(("spec", "hostNetwork"), "bool"),
                "status.phase": _s("status", "phase"),
                "status.podIP": _s("status", "podIP", fallback=("status", "podIPs", 0, "ip")),
                # Accepted by the conversion func but never selectable upstream.
                "status.podIPs": None,
                "status.nominatedNodeName": _s("status", "nominatedNodeName"),
            },
            # Legacy spelling still accepted by kube-apiserver.
            aliases={"spec.host": "spec.nodeName"},
        ),
        ("", "nodes"): _rules(
            namespaced=False,
            fields={"spec.unschedulable": _FieldSource(("spec", "unschedulable"), "bool")},
        ),
        ("", "namespaces"): _rules(
            namespaced=False, fields={"status.phase": _s("status", "phase")}
        ),
        ("", "secrets"): _rules(namespaced=True, fields={"type": _s("type")}),
        ("", "services"): _rules(
            namespaced=True,
            fields={"spec.clusterIP": _s("spec", "clusterIP"), "spec.type": _s("spec", "type")},
        ),
        ("", "replicationcontrollers"): _rules(
            namespaced=True,
            fields={"status.replicas": _FieldSource(("status", "replicas"), "int")},
        ),
        ("", "events"): _rules(namespaced=True, fields=_CORE_EVENT_FIELDS),
        # events.k8s.io/v1 shares the core Event storage: its labels are renamed
        # to the core ones (regarding.* -> involvedObject.*), and the core
        # spellings are rejected. The served JSON uses the events.k8s.io names.
        ("events.k8s.io", "events"): _rules(
            namespaced=True,
            fields={"reason": _s("reason"), "type": _s("type")},
            aliases={
                "regarding.kind": "involvedObject.kind",
                "regarding.namespace": "involvedObject.namespace",
                "regarding.name": "involvedObject.name",
                "regarding.uid": "involvedObject.uid",
                "regarding.apiVersion": "involvedObject.apiVersion",
                "regarding.resourceVersion": "involvedObject.resourceVersion",
                "regarding.fieldPath": "involvedObject.fieldPath",
                "reportingController": "reportingComponent",
                "source": "source",
            },
        ),
        ("batch", "jobs"): _rules(
            namespaced=True,
            # The label says "successful", the field is status.succeeded.
            fields={"status.successful": _FieldSource(("status", "succeeded"), "int")},
            reject=lambda label: f"field label {_go_quote(label)} not supported for Job",
        ),
        ("certificates.k8s.io", "certificatesigningrequests"): _rules(
            namespaced=False, fields={"spec.signerName": _s("spec", "signerName")}
        ),
    }
)

_EVENTS_V1_SOURCES: Final[Mapping[str, _FieldSource]] = MappingProxyType(
    {
        "involvedObject.kind": _s("regarding", "kind"),
        "involvedObject.namespace": _s("regarding", "namespace"),
        "involvedObject.name": _s("regarding", "name"),
        "involvedObject.uid": _s("regarding", "uid"),
        "involvedObject.apiVersion": _s("regarding", "apiVersion"),
        "involvedObject.resourceVersion": _s("regarding", "resourceVersion"),
        "involvedObject.fieldPath": _s("regarding", "fieldPath"),
        "reportingComponent": _s("reportingController"),
        "source": _s("deprecatedSource", "component", fallback=("reportingController",)),
    }
)

_DEFAULT_RULES: Final = _rules(namespaced=True, fields={}, reject=_default_reject)


def _rules_for(group: str, resource: str) -> tuple[_Rules, Mapping[str, _FieldSource]]:
    rules = _FIELD_RULES.get((group, resource), _DEFAULT_RULES)
    sources: Mapping[str, _FieldSource] = rules.sources
    if (group, resource) == ("events.k8s.io", "events"):
        sources = {**rules.sources, **_EVENTS_V1_SOURCES}
    return rules, sources


def _split_terms(text: str) -> list[str]:
    # Commas split terms unless backslash-escaped (fields.splitTerms).
    if not text:
        return []
    terms: list[str] = []
    start = 0
    in_slash = False
    for index, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:index])
            start = index + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, FieldOperator, str] | None:
    # The first operator occurrence wins; at one position "!=" beats "==" beats "=".
    for index in range(len(term)):
        rest = term[index:]
        for operator in ("!=", "==", "="):
            if rest.startswith(operator):
                return term[:index], operator, term[index + len(operator) :]
    return None


def _unescape_field_value(value: str) -> str:
    if not any(ch in value for ch in "\\,="):
        return value
    out: list[str] = []
    in_slash = False
    for ch in value:
        if in_slash:
            if ch not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            # Go formats the rune with %v, i.e. as its code point number.
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if in_slash:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _escape_field_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def parse_field_selector(text: str, *, group: str, resource: str) -> FieldSelector:
    """Parse a ``fieldSelector`` for ``group``/``resource`` (plural, e.g. "pods").

    Supports ``=``, ``==`` and ``!=`` with backslash escapes in values; commas
    AND the clauses. Unlike label selectors, whitespace is not trimmed (upstream
    does not either). Raises SelectorError with kube-apiserver's message for a
    malformed selector or a field label the resource does not support.
    """
    parsed: list[tuple[str, FieldOperator, str]] = []
    # Upstream sorts the raw terms first, so the first error reported is the
    # first in sorted order, not in the order written.
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        label, operator, raw_value = split
        parsed.append((label, operator, _unescape_field_value(raw_value)))

    rules, sources = _rules_for(group, resource)
    requirements: list[FieldRequirement] = []
    for label, operator, value in parsed:
        canonical = rules.accepted.get(label)
        if canonical is None:
            raise SelectorError(rules.reject(label))
        requirements.append(
            FieldRequirement(
                field=canonical, operator=operator, value=value, source=sources.get(canonical)
            )
        )
    return FieldSelector(tuple(requirements))
