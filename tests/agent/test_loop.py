"""The tool loop on its own: budgets and history, with the real tool layer and the scripted
LLM."""

from __future__ import annotations

import asyncio

from ols.agent.events import TurnEnd
from ols.agent.loop import ToolLoop, history_messages
from ols.agent.settings import AgentSettings
from ols.llm.client import LlmClient
from ols.llm.settings import LlmSettings
from ols.tools.manager import ToolManager
from tests.conftest import SandboxHandle
from tests.support.scripted_llm import ScriptedLLM, reply, tool_calls
from tests.tools.conftest import token, tool_config


def _run(
    sandbox: SandboxHandle,
    llm: ScriptedLLM,
    question: str,
    *,
    context_window: int,
    history: list[tuple[str, str]] | None = None,
) -> TurnEnd:
    async def main() -> TurnEnd:
        client = LlmClient(
            LlmSettings(
                url=llm.url, model=llm.model, context_window=context_window, max_output_tokens=256
            )
        )
        async with ToolManager(tool_config(sandbox, "streamable_http")) as tools:
            loop = ToolLoop(client, tools, AgentSettings(), context_window)
            end = None
            async for event in loop.run(token(sandbox, "admin"), question, history or []):
                if isinstance(event, TurnEnd):
                    end = event
        await client.close()
        assert end is not None
        return end

    return asyncio.run(main())


def test_tool_output_is_cut_to_the_budget_of_the_window(
    sandbox: SandboxHandle, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.script(tool_calls(("events_list", {})), reply("summarised"))
    end = _run(sandbox, scripted_llm, "what happened?", context_window=4000)
    (result,) = end.tool_results
    assert result.status == "truncated"
    assert "[output truncated: the tool returned" in result.content
    sent = scripted_llm.requests[1].messages[-1]["content"]
    assert sent == result.content
    # 4000 tokens x 0.5 for tools x 0.6 for this round, at 3 bytes a token.
    assert len(sent.encode()) <= 4000 * 0.5 * 0.6 * 3


def test_history_is_kept_within_its_budget() -> None:
    turns = [(f"question {i} " + "x" * 400, f"answer {i} " + "y" * 400) for i in range(20)]
    kept, cut = history_messages(turns, budget_tokens=1000)
    assert cut
    assert kept[-1]["content"].startswith("answer 19")
    assert 0 < len(kept) < 40
    everything, cut_none = history_messages(turns[:2], budget_tokens=10_000)
    assert not cut_none and len(everything) == 4


def test_history_reaches_the_model(sandbox: SandboxHandle, scripted_llm: ScriptedLLM) -> None:
    scripted_llm.script(reply("again"))
    end = _run(
        sandbox,
        scripted_llm,
        "and now?",
        context_window=32000,
        history=[("what is up?", "the api pod crashes")],
    )
    assert end.answer == "again"
    roles = [m["role"] for m in scripted_llm.requests[0].messages]
    assert roles == ["system", "user", "assistant", "user"]
