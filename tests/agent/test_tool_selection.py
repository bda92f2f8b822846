"""Tool filtering on the labelled tool questions, against kubernetes-mcp-server's real
catalogue (the pinned binary, as the service lists it for a sandbox user)."""

from __future__ import annotations

import asyncio

import pytest

from ols.agent.tool_filter import CORE_READ_TOOLS, ToolFilter, ToolFilterSettings
from ols.agent.tool_filter_eval import (
    ToolQuestion,
    evaluate_tool_filter,
    load_tool_questions,
    schema_tokens,
)
from ols.auth.token import UserToken
from ols.config import OlsConfig
from ols.tools.catalogue import ToolSpec
from ols.tools.manager import ToolManager
from tests.conftest import SandboxHandle


@pytest.fixture(scope="module")
def catalogue(sandbox: SandboxHandle) -> dict[str, ToolSpec]:
    config = OlsConfig.model_validate(
        {
            "mcp_servers": [
                {
                    "name": "kubernetes",
                    "transport": "streamable_http",
                    "url": sandbox.mcp_url,
                    "headers": {"Authorization": "kubernetes"},
                }
            ],
            "cluster": {"api_url": sandbox.api_url, "ca_file": sandbox.ca_file},
        }
    )

    async def listing() -> dict[str, ToolSpec]:
        async with ToolManager(config) as manager:
            return dict((await manager.catalogue(UserToken(sandbox.token("admin")))).tools)

    tools = asyncio.run(listing())
    assert len(tools) == 19
    return tools


def test_the_labelled_set_is_big_enough_and_names_only_real_tools(
    catalogue: dict[str, ToolSpec],
) -> None:
    questions = load_tool_questions()
    assert len(questions) >= 50
    assert sum(q.held_out for q in questions) >= 20
    assert sum(bool(q.earlier) for q in questions) >= 8
    named = {
        t
        for q in questions
        for need in q.tools
        for t in ([need] if isinstance(need, str) else need)
    }
    assert named <= set(catalogue)
    # every tool of the catalogue is needed by some question except the cluster-wide pod list
    assert set(catalogue) - named <= {"pods_list"}


def test_every_needed_tool_is_offered_at_well_under_half_the_catalogue(
    catalogue: dict[str, ToolSpec],
) -> None:
    report = evaluate_tool_filter(
        ToolFilter(ToolFilterSettings()), catalogue, load_tool_questions()
    )
    assert report.misses == []
    assert report.tuned.recall == report.held_out.recall == 1.0
    assert report.all.mean_tokens < 0.4 * report.catalogue_tokens


def test_the_set_fails_a_filter_without_its_ranking(catalogue: dict[str, ToolSpec]) -> None:
    questions = load_tool_questions()
    core_only = ToolFilter(ToolFilterSettings(k=0, k_write=0))
    assert evaluate_tool_filter(core_only, catalogue, questions).all.recall < 0.6
    # without the words ols adds (kinds, write verbs), descriptions alone miss questions
    bare = ToolFilterSettings(keywords={name: "" for name in catalogue})
    assert evaluate_tool_filter(ToolFilter(bare), catalogue, questions).all.recall < 0.95
    # and filtering off offers everything: full recall at the catalogue's full size
    off = evaluate_tool_filter(ToolFilter(ToolFilterSettings(enabled=False)), catalogue, questions)
    assert off.all.recall == 1.0
    assert off.all.mean_tokens == off.catalogue_tokens


def test_a_missed_tool_is_reported(catalogue: dict[str, ToolSpec]) -> None:
    question = ToolQuestion(
        question="which namespaces exist?", tools=("pods_exec", ("nodes_log", "pods_run"))
    )
    report = evaluate_tool_filter(ToolFilter(ToolFilterSettings()), catalogue, [question])
    assert report.all.recall == 0.0
    ((missed_question, missed, offered),) = report.misses
    assert missed_question is question
    assert missed == ["pods_exec", "nodes_log or pods_run"]
    assert set(CORE_READ_TOOLS) <= set(offered)


def test_schema_tokens_match_the_unfiltered_prompt(catalogue: dict[str, ToolSpec]) -> None:
    # bench/prompt_footprint.py measured 4,159 tokens of schemas for the default catalogue
    assert 4000 < schema_tokens(list(catalogue.values())) < 4400
    assert schema_tokens([]) == 0
