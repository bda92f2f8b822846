"""The tool loop with a documentation retriever: what reaches the model, and failures."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from ols.agent.events import TurnEnd
from ols.agent.loop import REFERENCE_BUDGET_RATIO, ToolLoop
from ols.agent.settings import AgentSettings
from ols.llm.client import LlmClient
from ols.llm.settings import LlmSettings
from ols.llm.tokens import count_tokens
from ols.retrieval.index import DocsIndex, index_runbooks
from ols.retrieval.retriever import RetrievedContext, Retriever
from ols.retrieval.settings import RetrievalSettings
from ols.tools.manager import ToolManager
from tests.conftest import SandboxHandle
from tests.support.scripted_llm import ScriptedLLM, reply
from tests.tools.conftest import token, tool_config


def _run(
    sandbox: SandboxHandle, llm: ScriptedLLM, retriever: Retriever, context_window: int
) -> TurnEnd:
    async def main() -> TurnEnd:
        client = LlmClient(
            LlmSettings(
                url=llm.url, model=llm.model, context_window=context_window, max_output_tokens=256
            )
        )
        async with ToolManager(tool_config(sandbox, "streamable_http")) as tools:
            loop = ToolLoop(client, tools, AgentSettings(), context_window, retriever=retriever)
            end = None
            async for event in loop.run(token(sandbox, "bob"), "pod evicted, disk pressure"):
                if isinstance(event, TurnEnd):
                    end = event
        await client.close()
        assert end is not None
        return end

    return asyncio.run(main())


class _BrokenRetriever(Retriever):
    def retrieve(
        self,
        question: str,
        earlier_questions: Sequence[str] = (),
        budget_tokens: int | None = None,
    ) -> RetrievedContext:
        raise RuntimeError("the index broke")


def test_a_small_window_gets_a_small_share_of_references(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    index_runbooks(tmp_path)
    retriever = Retriever(DocsIndex.load(tmp_path), RetrievalSettings(max_tokens=5000))
    scripted_llm.script(reply("Evicted for disk."))
    end = _run(sandbox, scripted_llm, retriever, context_window=4000)
    system = scripted_llm.requests[0].messages[0]["content"]
    reference = system[system.index("Reference material") :]
    assert count_tokens(reference) <= 4000 * REFERENCE_BUDGET_RATIO + 20
    assert end.referenced_documents[0]["doc_url"] == "runbooks/evictions.md"


def test_a_failing_retriever_does_not_stop_the_answer(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    index_runbooks(tmp_path)
    retriever = _BrokenRetriever(DocsIndex.load(tmp_path), RetrievalSettings())
    scripted_llm.script(reply("Answered anyway."))
    end = _run(sandbox, scripted_llm, retriever, context_window=32000)
    assert end.answer == "Answered anyway."
    assert end.referenced_documents == []
    assert "Reference material" not in scripted_llm.requests[0].text()
