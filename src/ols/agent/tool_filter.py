"""Tool filtering: offer the model the tools a question needs, not the whole catalogue.

Every tool's name, description and JSON schema is sent with every request; with
kubernetes-mcp-server's core toolset that is most of the prompt. Per turn, `ToolFilter`
ranks the catalogue against the question (and the conversation's earlier questions) with
the lexical ranker documentation retrieval uses (`ols.retrieval.ranking.Bm25Ranker`, BM25
over the tools' names, titles and descriptions) and offers the `k` best plus a core of
read tools that are always there. It changes what is offered, nothing else: a call the
model makes still goes through the catalogue, the schema check and the approval gate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from ols.retrieval.ranking import Bm25Ranker
from ols.tools.catalogue import ToolSpec

CORE_READ_TOOLS = (
    "pods_list_in_namespace",
    "pods_get",
    "pods_log",
    "events_list",
    "resources_get",
    "resources_list",
)


class ToolFilterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    """Off: every tool of the catalogue is offered with every request."""
    k: int = Field(default=3, ge=0, le=100)
    """At most how many tools the ranker adds to the ones always offered."""
    min_score_ratio: float = Field(default=0.5, ge=0.0, le=1.0)
    """A ranked tool is added only if it scores at least this share of the best score (the
    best of all tools, the always-offered ones included): no tools for words that barely
    match."""
    always: tuple[str, ...] = CORE_READ_TOOLS
    """Offered whatever the question (those the catalogue has)."""


class ToolFilter:
    def __init__(self, settings: ToolFilterSettings) -> None:
        self.settings = settings
        # the catalogue the ranker was built for (the same dict while the listing is cached)
        self._for: Mapping[str, ToolSpec] | None = None
        self._names: list[str] = []
        self._ranker: Bm25Ranker | None = None

    def select(self, catalogue: Mapping[str, ToolSpec], queries: Sequence[str]) -> list[str] | None:
        """The names to offer, sorted; None means all (off, or nothing to leave out)."""
        always = [name for name in self.settings.always if name in catalogue]
        if not self.settings.enabled or len(catalogue) <= len(always) + self.settings.k:
            return None
        chosen = set(always)
        query = "\n".join(q for q in queries if q)
        ranked = self._ranked(catalogue).rank(query, self.settings.k + len(always))
        best = ranked[0][1] if ranked else 0.0
        for index, score in ranked:
            if len(chosen) >= len(always) + self.settings.k:
                break
            if score >= best * self.settings.min_score_ratio:
                chosen.add(self._names[index])
        return sorted(chosen)

    def _ranked(self, catalogue: Mapping[str, ToolSpec]) -> Bm25Ranker:
        if self._ranker is None or self._for is not catalogue:
            self._names = sorted(catalogue)
            self._ranker = Bm25Ranker([_text(catalogue[name]) for name in self._names])
            self._for = catalogue
        return self._ranker


def _text(spec: ToolSpec) -> str:
    return f"{spec.name} {spec.title or ''} {spec.description}"
