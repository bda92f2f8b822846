"""Label and field selector parsing, matching and kube-apiserver error wording."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ols_sandbox.selectors import (
    LabelSelector,
    SelectorError,
    parse_field_selector,
    parse_label_selector,
)

# ---------------------------------------------------------------------------
# Label selectors: parsing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("a=b", "a=b"),
        ("a==b", "a==b"),
        ("a!=b", "a!=b"),
        ("a in (x,y)", "a in (x,y)"),
        ("a notin (x)", "a notin (x)"),
        ("a", "a"),
        ("!a", "!a"),
        ("a>1", "a>1"),
        ("a<1", "a<1"),
        ("a=", "a="),
        # whitespace tolerant, values sorted and deduplicated, keys sorted
        ("  b = 2 ,\ta in ( y , x, y )\n", "a in (x,y),b=2"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        # "in"/"notin" are identifiers where a key or value is expected
        ("in in (in,notin)", "in in (in,notin)"),
        ("example.com/app=web", "example.com/app=web"),
    ],
)
def test_parse_label_selector_accepts_upstream_grammar(text: str, canonical: str) -> None:
    assert str(parse_label_selector(text)) == canonical


def test_parse_label_selector_structure() -> None:
    selector = parse_label_selector("tier notin (db),app in (web,api),!legacy,env")
    assert [(r.key, r.operator, r.values) for r in selector.requirements] == [
        ("app", "in", ("api", "web")),
        ("env", "exists", ()),
        ("legacy", "!", ()),
        ("tier", "notin", ("db",)),
    ]
    assert not selector.empty
    assert parse_label_selector("").empty


# Messages copied from kube-apiserver responses and upstream tests.
_NAME_PART_REGEX = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "app:monolith",
            'unable to parse requirement: <nil>: Invalid value: "app:monolith": name part '
            + _NAME_PART_REGEX,
        ),
        (
            "*bar",
            'unable to parse requirement: <nil>: Invalid value: "*bar": name part '
            + _NAME_PART_REGEX,
        ),
        (
            "a/b/c ?=? def",
            'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name '
            + _NAME_PART_REGEX
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ),
        (
            "app.kubernetes_io/name=x",
            'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": '
            "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            "characters, '-' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        (
            "app=-web",
            'unable to parse requirement: values[0][app]: Invalid value: "-web": a valid label '
            "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
            "'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
        (
            "a>x",
            'unable to parse requirement: values[0]: Invalid value: "x": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a in x", "unable to parse requirement: found 'x' expected: '('"),
        ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        ("a,", "found '', expected: identifier after ','"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("a=b=c", "found '=', expected: ',' or 'end of string'"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ],
)
def test_parse_label_selector_errors_match_kube_apiserver(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as info:
        parse_label_selector(text)
    assert str(info.value) == message


def test_overlong_label_key_and_value_are_rejected() -> None:
    with pytest.raises(SelectorError, match="name part must be no more than 63 characters"):
        parse_label_selector("k" * 64)
    with pytest.raises(SelectorError, match=r"values\[0\]\[k\].*must be no more than 63"):
        parse_label_selector("k=" + "v" * 64)
    assert parse_label_selector("k=" + "v" * 63).requirements[0].values == ("v" * 63,)


# ---------------------------------------------------------------------------
# Label selectors: matching
# ---------------------------------------------------------------------------

_LABELS = {"app": "web", "tier": "front", "replicas": "3"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app!=db", True),
        ("app!=web", False),
        ("missing!=x", True),
        ("app in (db,web)", True),
        ("app in (db)", False),
        ("missing in (x)", False),
        ("app notin (db)", True),
        ("app notin (web)", False),
        ("missing notin (x)", True),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("!app", False),
        ("replicas>2", True),
        ("replicas>3", False),
        ("replicas<4", True),
        ("app>1", False),  # a non-integer label never satisfies gt/lt
        ("missing<9", False),
        ("app=web,tier=front", True),
        ("app=web,tier=back", False),
    ],
)
def test_label_selector_matching(text: str, expected: bool) -> None:
    assert parse_label_selector(text).matches(_LABELS) is expected


def test_label_selector_matches_none_as_no_labels() -> None:
    assert parse_label_selector("!app").matches(None)
    assert not parse_label_selector("app").matches(None)
    assert LabelSelector().matches(None)


# ---------------------------------------------------------------------------
# Field selectors
# ---------------------------------------------------------------------------

_POD: dict[str, Any] = {
    "metadata": {"name": "web-1", "namespace": "team-a"},
    "spec": {"nodeName": "node-a", "restartPolicy": "Always", "serviceAccountName": "default"},
    "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.7"}]},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("metadata.name=web-1", True),
        ("metadata.name==web-1", True),
        ("metadata.name!=web-1", False),
        ("metadata.namespace=team-a,status.phase=Running", True),
        ("status.phase=Pending", False),
        ("spec.nodeName=node-a", True),
        ("spec.host=node-a", True),  # legacy alias of spec.nodeName
        ("spec.hostNetwork=false", True),  # absent bool reads "false"
        ("spec.hostNetwork=", False),
        ("spec.schedulerName=", True),  # absent string reads ""
        ("status.podIP=10.0.0.7", True),  # falls back to status.podIPs[0].ip
        ("status.nominatedNodeName!=x", True),
        ("status.podIPs=10.0.0.7", False),  # accepted upstream, never selectable
    ],
)
def test_pod_field_selectors(text: str, expected: bool) -> None:
    assert parse_field_selector(text, group="", resource="pods").matches(_POD) is expected


@pytest.mark.parametrize(
    ("group", "resource", "text", "message"),
    [
        ("", "pods", "spec.nonsense=1", "field label not supported: spec.nonsense"),
        (
            "",
            "configmaps",
            "spec.foo=1",
            '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
        # apps/v1 registers no conversion func, so ReplicaSets reject status.replicas.
        (
            "apps",
            "replicasets",
            "status.replicas=0",
            '"status.replicas" is not a known field selector: '
            'only "metadata.name", "metadata.namespace"',
        ),
        # Cluster-scoped kinds with a conversion func reject metadata.namespace.
        ("", "nodes", "metadata.namespace=x", "field label not supported: metadata.namespace"),
        ("", "namespaces", "metadata.namespace=x", "field label not supported: metadata.namespace"),
        ("batch", "jobs", "status.active=1", 'field label "status.active" not supported for Job'),
        (
            "events.k8s.io",
            "events",
            "involvedObject.name=x",
            "field label not supported: involvedObject.name",
        ),
        (
            "",
            "pods",
            "status.phase",
            "invalid selector: 'status.phase'; can't understand 'status.phase'",
        ),
        (
            "",
            "pods",
            "metadata.name=a=b",
            "invalid field selector: unescaped character in value: 61",
        ),
        ("", "pods", "metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("", "pods", "metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"),
        # Whitespace is not trimmed: the label is "status.phase ".
        ("", "pods", "status.phase =Running", "field label not supported: status.phase "),
        # Terms are sorted before conversion, so "a.b" is reported before "z.z".
        ("", "pods", "z.z=1,a.b=2", "field label not supported: a.b"),
    ],
)
def test_field_selector_errors_match_kube_apiserver(
    group: str, resource: str, text: str, message: str
) -> None:
    with pytest.raises(SelectorError) as info:
        parse_field_selector(text, group=group, resource=resource)
    assert str(info.value) == message


def test_field_selector_escapes_and_exact_match() -> None:
    selector = parse_field_selector("metadata.name=a\\,b\\=c\\\\", group="", resource="configmaps")
    assert selector.requires_exact_match("metadata.name") == "a,b=c\\"
    assert selector.matches({"metadata": {"name": "a,b=c\\"}})
    assert not selector.matches({"metadata": {"name": "a"}})
    assert str(selector) == "metadata.name=a\\,b\\=c\\\\"
    assert parse_field_selector(",,", group="", resource="pods").empty


def test_field_selector_typed_defaults_and_renamed_fields() -> None:
    node = parse_field_selector("spec.unschedulable=false", group="", resource="nodes")
    assert node.matches({"metadata": {"name": "n"}, "spec": {}})
    assert not node.matches({"spec": {"unschedulable": True}})

    rc = parse_field_selector("status.replicas=0", group="", resource="replicationcontrollers")
    assert rc.matches({"status": {}})
    assert not rc.matches({"status": {"replicas": 2}})

    # Jobs: the label says "successful", the object says "succeeded".
    job = parse_field_selector("status.successful=2", group="batch", resource="jobs")
    assert job.matches({"status": {"succeeded": 2}})
    assert not job.matches({"status": {"successful": 2}})

    secret = parse_field_selector("type=kubernetes.io/tls", group="", resource="secrets")
    assert secret.matches({"type": "kubernetes.io/tls"})

    ns = parse_field_selector("status.phase=Active", group="", resource="namespaces")
    assert ns.matches({"status": {"phase": "Active"}})


def test_core_event_field_selectors() -> None:
    event = {
        "metadata": {"name": "e1", "namespace": "team-a"},
        "involvedObject": {"kind": "Pod", "name": "web-1", "uid": "u1"},
        "reason": "BackOff",
        "type": "Warning",
        "reportingComponent": "kubelet",
    }

    def sel(text: str) -> bool:
        return parse_field_selector(text, group="", resource="events").matches(event)

    assert sel("involvedObject.kind=Pod,involvedObject.name=web-1,involvedObject.uid=u1")
    assert sel("reason=BackOff,type=Warning,reportingComponent=kubelet")
    # "source" is source.component, falling back to the reporting component.
    assert sel("source=kubelet")
    assert not parse_field_selector("source=kubelet", group="", resource="events").matches(
        {**event, "source": {"component": "scheduler"}}
    )
    with pytest.raises(SelectorError, match=r"field label not supported: regarding\.kind"):
        parse_field_selector("regarding.kind=Pod", group="", resource="events")


def test_events_k8s_io_field_selectors_read_the_v1_shape() -> None:
    event = {
        "metadata": {"name": "e1", "namespace": "team-a"},
        "regarding": {"kind": "Pod", "name": "web-1"},
        "reason": "Pulled",
        "type": "Normal",
        "reportingController": "kubelet",
    }
    selector = parse_field_selector(
        "regarding.kind=Pod,regarding.name=web-1,reportingController=kubelet,source=kubelet",
        group="events.k8s.io",
        resource="events",
    )
    assert selector.matches(event)
    assert not selector.matches({**event, "regarding": {"kind": "Node", "name": "web-1"}})


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

_SELECTOR_ALPHABET = st.sampled_from([*"abcxyz019-_./=!(),<> \t\n\\:*", "in", "notin"])
_selector_text = st.one_of(
    st.text(max_size=40),
    st.lists(_SELECTOR_ALPHABET, max_size=25).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_selector_text)
def test_label_parser_only_raises_selector_error(text: str) -> None:
    try:
        selector = parse_label_selector(text)
    except SelectorError as err:
        assert str(err)
        return
    # Whatever parses prints back to something that parses to the same selector.
    assert parse_label_selector(str(selector)) == selector


@settings(max_examples=400, deadline=None)
@given(
    _selector_text,
    st.sampled_from(
        [("", "pods"), ("", "events"), ("events.k8s.io", "events"), ("batch", "jobs"), ("", "x")]
    ),
)
def test_field_parser_only_raises_selector_error(text: str, where: tuple[str, str]) -> None:
    group, resource = where
    try:
        selector = parse_field_selector(text, group=group, resource=resource)
    except SelectorError as err:
        assert str(err)
        return
    assert isinstance(selector.matches(_POD), bool)


_label_key = st.from_regex(r"[a-z]([a-z0-9.-]{0,8}[a-z0-9])?", fullmatch=True)
_label_value = st.from_regex(r"([A-Za-z0-9]([A-Za-z0-9_.-]{0,8}[A-Za-z0-9])?)?", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_label_key, _label_value, min_size=1, max_size=5))
def test_equality_selector_built_from_labels_matches_them(labels: dict[str, str]) -> None:
    text = ",".join(f"{k}={v}" for k, v in labels.items())
    selector = parse_label_selector(text)
    assert selector.matches(labels)
    key = next(iter(labels))
    assert not selector.matches({**labels, key: labels[key] + "x"})
    assert not selector.matches({k: v for k, v in labels.items() if k != key})
    negated = parse_label_selector(f"{key} notin ({labels[key]})")
    assert not negated.matches(labels)
