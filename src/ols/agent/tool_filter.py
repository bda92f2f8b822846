"""Tool filtering: offer the model the tools a question needs, not the whole catalogue.

Every tool's name, description and JSON schema is sent with every request; with
kubernetes-mcp-server's core toolset that is most of the prompt. Per turn, `ToolFilter`
ranks the catalogue against the question (and the conversation's earlier questions) with
the lexical ranker documentation retrieval uses (`ols.retrieval.ranking.Bm25Ranker`, BM25
over each tool's name, title, description and the words ols adds for it, `TOOL_KEYWORDS`)
and offers the `k` best plus a core of read tools that are always there. Tools that are
not read-only are ranked only when the conversation asks for a change (`WRITE_WORDS`).
It changes what is offered, nothing else: a call the model makes still goes through the
catalogue, the schema check and the approval gate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from ols.retrieval.ranking import Bm25Ranker, Tokenizer
from ols.tools.catalogue import ToolSpec

CORE_READ_TOOLS = (
    "pods_list_in_namespace",
    "pods_get",
    "pods_log",
    "events_list",
    "resources_get",
)

# The kinds the generic resources_* tools serve; their descriptions name only a few, so a
# question about a CronJob or a PVC would otherwise not find them.
_KINDS = (
    "resource object kind deployment replicaset statefulset daemonset job cronjob configmap "
    "config map secret service endpoint endpointslice ingress route networkpolicy pvc "
    "persistentvolumeclaim persistentvolume volume claim storageclass storage node namespace "
    "serviceaccount account role rolebinding clusterrole clusterrolebinding binding "
    "horizontalpodautoscaler hpa autoscaler poddisruptionbudget pdb limitrange resourcequota "
    "quota crd customresourcedefinition operator "
    # as people write them: "network policies", "cron job", "persistent volume claim"
    "network policy stateful daemon replica set cron job persistent disruption budget "
    "limit range role binding cluster custom definition endpoint slice class"
)

# Words for the state objects report, which the get and list tools show.
_STATE = "status ready notready condition health healthy available bound"
# Fields questions ask about; the get and list tools show them for one object or many.
_FIELDS = "image replicas port selector schedule host hostname size label"

TOOL_KEYWORDS: dict[str, str] = {
    "resources_get": f"{_KINDS} {_STATE} {_FIELDS} spec yaml",
    "resources_list": f"{_KINDS} {_STATE} {_FIELDS} list all across many count exist",
    "resources_scale": "deployment statefulset replicaset replicas replica scale up down resize",
    "resources_delete": "delete remove",
    "resources_create_or_update": (
        "create update apply edit patch change set image env label annotate restart rollout "
        "manifest yaml add increase raise limit cordon uncordon unschedulable taint"
    ),
    "pods_delete": "delete remove kill restart recreate",
    "pods_exec": "exec shell command run inside container curl cat print env",
    "pods_run": "run start debug image container busybox",
    "pods_top": "top cpu memory usage metrics consumption most",
    "nodes_top": "top cpu memory usage metrics consumption most",
    "nodes_log": "kubelet journal system log",
    "nodes_stats_summary": "disk filesystem pressure usage stats",
    "pods_list": "all across cluster",
}
"""Words ols adds to a tool's text for ranking (by tool name); `agent.tool_filter.keywords`
adds to or replaces them."""

WRITE_WORDS = (
    "scale", "delete", "remove", "create", "apply", "run", "exec", "execute", "edit",
    "patch", "update", "change", "set", "restart", "rollout", "deploy", "install", "kill",
    "drain", "cordon", "uncordon", "label", "annotate", "add", "make", "bump", "increase",
    "decrease", "raise", "lower", "reduce", "start", "stop", "debug", "recreate", "resize",
)  # fmt: skip
"""A conversation with one of these words may be offered tools that are not read-only."""

# Words that say nothing about which tool is meant, beyond the documentation stopwords.
_TOOL_STOPWORDS = frozenset(Tokenizer().stopwords) | {
    "what", "which", "does", "do", "did", "show", "give", "tell", "can", "could", "i",
    "you", "please", "kubernetes", "cluster", "current", "provided", "specified", "any",
    "api",  # "the api pod" is a name; tools mention the Kubernetes API in passing
}  # fmt: skip
# camelCase is not split: "apiVersion" in the resources_* descriptions must not match "api".
_TOKENIZER = Tokenizer(_TOOL_STOPWORDS, split_camel_case=False)
# BM25's length discount, low: the generic tools' texts are long because they serve many
# kinds, and that must not bury them under short texts that match a word in passing.
LENGTH_WEIGHT = 0.3
_LETTERS = re.compile(r"[a-z]+")
# Names in a question (kube-system, web-7f8d9c6b45-r8zlt, shop.example.com, busybox:1.36,
# nicolaka/netshoot) say which object, not which tool: their parts would match tool texts
# in passing ("kube-system" is "kube" and "system", both in nodes_log's description).
_NAMES = re.compile(r"[A-Za-z0-9]+(?:[-./:][A-Za-z0-9]+)+")


class ToolFilterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    """Off: every tool of the catalogue is offered with every request."""
    k: int = Field(default=3, ge=0, le=100)
    """At most how many read-only tools the ranker adds to the ones always offered."""
    k_write: int = Field(default=2, ge=0, le=100)
    """... and at most how many that are not read-only, when the conversation asks for a
    change (`write_words`)."""
    min_score_ratio: float = Field(default=0.5, ge=0.0, le=1.0)
    """A ranked tool is added only if it scores at least this share of the best score (the
    best of all tools, the always-offered ones included): no tools for words that barely
    match."""
    always: tuple[str, ...] = CORE_READ_TOOLS
    """Offered whatever the question (those the catalogue has)."""
    keywords: dict[str, str] = Field(default_factory=dict)
    """Ranking words by tool name, over `TOOL_KEYWORDS`: a tool named here is ranked with
    these words instead of ols's ("" for none)."""
    write_words: tuple[str, ...] = WRITE_WORDS
    """Tools that are not read-only are ranked only when the conversation has one of
    these words (as written, not stemmed); empty: always ranked."""


class ToolFilter:
    def __init__(self, settings: ToolFilterSettings) -> None:
        self.settings = settings
        self._keywords = {**TOOL_KEYWORDS, **settings.keywords}
        self._write_words = frozenset(word.lower() for word in settings.write_words)
        # the catalogue the ranker was built for (the same dict while the listing is cached)
        self._for: Mapping[str, ToolSpec] | None = None
        self._names: list[str] = []
        self._ranker: Bm25Ranker | None = None

    def select(self, catalogue: Mapping[str, ToolSpec], queries: Sequence[str]) -> list[str] | None:
        """The names to offer, sorted; None means all (off, or nothing to leave out)."""
        settings = self.settings
        always = [name for name in settings.always if name in catalogue]
        if not settings.enabled or len(catalogue) <= len(always) + settings.k + settings.k_write:
            return None
        chosen = set(always)
        query = _NAMES.sub(" ", "\n".join(q for q in queries if q))
        writes = not self._write_words or self.wants_change(query)
        ranked = [
            (self._names[i], s) for i, s in self._ranked(catalogue).rank(query, len(catalogue))
        ]
        eligible = [(n, s) for n, s in ranked if writes or catalogue[n].read_only or n in chosen]
        best = eligible[0][1] if eligible else 0.0
        # Read-only tools and the others have their own quotas, so a word like "run" in "the
        # last run of the cronjob" may bring pods_run but not push out the cronjob lister.
        # Without write words there is one ranking: k tools of any kind.
        room = {True: settings.k, False: settings.k_write}
        added = {True: 0, False: 0}
        for name, score in eligible:
            read = catalogue[name].read_only or not self._write_words
            if name in chosen or added[read] >= room[read]:
                continue
            if score >= best * settings.min_score_ratio:
                chosen.add(name)
                added[read] += 1
        return sorted(chosen)

    def wants_change(self, query: str) -> bool:
        """Whether `query` asks for a change: has one of `write_words` as written, so
        "restart it" does and "keeps restarting" or "was deleted" do not."""
        return not self._write_words.isdisjoint(_LETTERS.findall(query.lower()))

    def _ranked(self, catalogue: Mapping[str, ToolSpec]) -> Bm25Ranker:
        if self._ranker is None or self._for is not catalogue:
            self._names = sorted(catalogue)
            texts = [self._text(catalogue[name]) for name in self._names]
            self._ranker = Bm25Ranker(texts, tokenizer=_TOKENIZER, length_weight=LENGTH_WEIGHT)
            self._for = catalogue
        return self._ranker

    def _text(self, spec: ToolSpec) -> str:
        extra = self._keywords.get(spec.remote_name, self._keywords.get(spec.name, ""))
        return f"{spec.name} {spec.title or ''} {spec.description} {extra}"
