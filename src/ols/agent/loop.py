"""`run_tool_loop`: question + history + tools -> rounds of LLM and tool calls -> answer.

- At most `max_rounds` rounds; on the last one the tools are withheld, so the model answers.
- A round's tool calls run concurrently; results are reported as they finish and fed back
  in the order the model asked for them.
- Unknown tools and bad arguments go back to the model as errors; the loop continues.
- The same call with the same arguments twice in one turn is answered from the first result.
- Tool output has a budget (a share of the context window), spent per round and split
  evenly across the round's calls; results over their share are cut at a line boundary.
- Whether a call may run at all is the `ToolGate`'s decision, not the loop's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ols.agent.events import (
    AgentEvent,
    TokenEvent,
    ToolCallEvent,
    ToolCallRecord,
    ToolResultEvent,
    ToolResultRecord,
    TurnEnd,
)
from ols.agent.prompts import SYSTEM_PROMPT
from ols.agent.settings import AgentSettings
from ols.auth.token import UserToken
from ols.llm.client import LlmClient
from ols.llm.tokens import BYTES_PER_TOKEN, count_message_tokens, count_tokens
from ols.llm.types import LlmTurn, TextDelta, ToolCallRequest, TurnComplete
from ols.tools.catalogue import ToolSpec
from ols.tools.manager import NoUserToken, ToolManager
from ols.tools.results import ToolResult, truncate_text

DO_NOT_RETRY = "Do not retry this exact tool call."


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    reason: str = ""


ToolGate = Callable[[ToolSpec, Mapping[str, Any]], Awaitable[GateDecision]]


async def read_only_gate(spec: ToolSpec, arguments: Mapping[str, Any]) -> GateDecision:
    """Until approvals exist, only read-only tools run: a tool that may change the cluster
    needs a recorded approval by the user, which this gate cannot give."""
    if spec.read_only:
        return GateDecision(True)
    return GateDecision(
        False,
        f"{spec.name} may change the cluster, so it runs only after the user approves it, and "
        "this service cannot ask for approval yet. Tell the user the exact change you would "
        f"make instead. {DO_NOT_RETRY}",
    )


def _openai_tools(specs: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": spec.name,
                "description": spec.description,
                "parameters": dict(spec.input_schema),
            },
        }
        for spec in specs
    ]


def _call_key(name: str, arguments: Mapping[str, Any]) -> str:
    return name + "\x00" + json.dumps(arguments, sort_keys=True, default=str)


def history_messages(
    turns: Sequence[tuple[str, str]], budget_tokens: int
) -> tuple[list[dict[str, Any]], bool]:
    """The most recent (question, answer) pairs that fit the budget; whether any were cut."""
    kept: list[dict[str, Any]] = []
    used = 0
    for query, response in reversed(turns):
        pair = [{"role": "user", "content": query}, {"role": "assistant", "content": response}]
        cost = count_message_tokens(pair)
        if used + cost > budget_tokens:
            return kept, True
        kept = pair + kept
        used += cost
    return kept, False


@dataclass
class _Round:
    number: int
    budget_bytes_per_call: int


class ToolLoop:
    def __init__(
        self,
        llm: LlmClient,
        tools: ToolManager,
        settings: AgentSettings,
        context_window: int,
        gate: ToolGate = read_only_gate,
    ) -> None:
        self.llm = llm
        self.tools = tools
        self.settings = settings
        self.context_window = context_window
        self.gate = gate

    async def run(
        self,
        token: UserToken | None,
        question: str,
        history: Sequence[tuple[str, str]] = (),
    ) -> AsyncIterator[AgentEvent]:
        catalogue = {}
        if token is not None:
            try:
                catalogue = (await self.tools.catalogue(token)).tools
            except NoUserToken:
                catalogue = {}
        specs = sorted(catalogue.values(), key=lambda s: s.name)
        tool_defs = _openai_tools(specs)
        past, truncated = history_messages(
            history, int(self.context_window * self.settings.history_budget_ratio)
        )
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            *past,
            {"role": "user", "content": question},
        ]
        tool_budget = int(self.context_window * self.settings.tool_budget_ratio)
        calls: list[ToolCallRecord] = []
        results: list[ToolResultRecord] = []
        seen: dict[str, ToolResultRecord] = {}
        input_tokens = output_tokens = 0
        answer = ""
        rounds = 0
        for number in range(1, self.settings.max_rounds + 1):
            rounds = number
            last = number == self.settings.max_rounds
            offered = tool_defs if tool_defs and not last else None
            turn: LlmTurn | None = None
            async for event in self.llm.stream(messages, offered):
                if isinstance(event, TextDelta):
                    yield TokenEvent(event.text)
                elif isinstance(event, TurnComplete):
                    turn = event.turn
            assert turn is not None  # the client always ends a stream with TurnComplete
            input_tokens += turn.usage.input_tokens
            output_tokens += turn.usage.output_tokens
            if not turn.tool_calls or offered is None:
                answer = turn.text
                break
            messages.append(_assistant_message(turn))
            per_call = max(
                int(tool_budget * self.settings.round_cap_fraction) // len(turn.tool_calls), 0
            )
            this_round = _Round(number, per_call * BYTES_PER_TOKEN)
            records = [self._record(call, number, catalogue) for call in turn.tool_calls]
            for record in records:
                calls.append(record)
                yield ToolCallEvent(record)
            finished: dict[str, ToolResultRecord] = {}
            async for result in self._run_round(
                token, turn.tool_calls, records, catalogue, seen, this_round
            ):
                finished[result.id] = result
                yield ToolResultEvent(result)
            for record in records:
                result = finished[record.id]
                results.append(result)
                tool_budget -= count_tokens(result.content)
                messages.append(
                    {"role": "tool", "tool_call_id": record.id, "content": result.content}
                )
            tool_budget = max(tool_budget, 0)
        if not answer:
            answer = (
                "I could not reach an answer within the allowed number of steps. Here is what "
                "I looked at: " + ", ".join(c.name for c in calls)
                if calls
                else "I could not produce an answer. Please rephrase the question."
            )
        yield TurnEnd(answer, calls, results, input_tokens, output_tokens, truncated, rounds)

    @staticmethod
    def _record(
        call: ToolCallRequest, number: int, catalogue: Mapping[str, ToolSpec]
    ) -> ToolCallRecord:
        spec = catalogue.get(call.name)
        return ToolCallRecord(
            id=call.id,
            name=call.name,
            args=dict(call.arguments),
            round=number,
            server_name=spec.server if spec else None,
            tool_meta={"annotations": spec.annotations.as_hints()} if spec else {},
        )

    async def _run_round(
        self,
        token: UserToken | None,
        requests: Sequence[ToolCallRequest],
        records: Sequence[ToolCallRecord],
        catalogue: Mapping[str, ToolSpec],
        seen: dict[str, ToolResultRecord],
        this_round: _Round,
    ) -> AsyncIterator[ToolResultRecord]:
        """Run the round's calls concurrently, yielding results as they finish."""
        pending: list[asyncio.Task[ToolResultRecord]] = []
        in_round: dict[str, asyncio.Task[ToolResultRecord]] = {}
        for request, record in zip(requests, records, strict=True):
            key = _call_key(request.name, request.arguments)
            if request.parse_error is None and key in seen:
                yield _repeat(record, seen[key])
                continue
            if request.parse_error is None and key in in_round:
                pending.append(asyncio.create_task(_repeat_after(record, in_round[key])))
                continue
            task = asyncio.create_task(
                self._run_one(token, request, record, catalogue.get(request.name), this_round)
            )
            if request.parse_error is None:
                in_round[key] = task
            pending.append(task)
        for next_done in asyncio.as_completed(pending):
            result = await next_done
            yield result
        for key, task in in_round.items():
            seen[key] = task.result()

    async def _run_one(
        self,
        token: UserToken | None,
        request: ToolCallRequest,
        record: ToolCallRecord,
        spec: ToolSpec | None,
        this_round: _Round,
    ) -> ToolResultRecord:
        if request.parse_error is not None:
            return _refused(
                record,
                "invalid_arguments",
                f"The arguments of {request.name} are not a JSON object "
                f"({request.parse_error}). {DO_NOT_RETRY}",
            )
        if spec is not None:
            decision = await self.gate(spec, request.arguments)
            if not decision.allowed:
                return _refused(record, "not_approved", decision.reason)
        outcome = await self.tools.call_tool(token, request.name, request.arguments)
        return _from_tool_result(record, outcome, this_round.budget_bytes_per_call)


def _assistant_message(turn: LlmTurn) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": turn.text or None,
        "tool_calls": [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.raw_arguments},
            }
            for c in turn.tool_calls
        ],
    }


def _refused(record: ToolCallRecord, error: str, message: str) -> ToolResultRecord:
    return ToolResultRecord(
        record.id, record.name, "error", message, record.round, record.server_name, error
    )


def _from_tool_result(
    record: ToolCallRecord, outcome: ToolResult, budget_bytes: int
) -> ToolResultRecord:
    text = outcome.text
    cut = outcome.truncated
    if budget_bytes > 0 and len(text.encode()) > budget_bytes:
        text, more_cut, _ = truncate_text(text, budget_bytes)
        cut = cut or more_cut
    elif budget_bytes <= 0:
        text, cut = "[output withheld: the tool-output budget of this turn is spent]", True
    if not outcome.ok:
        text = f"ERROR ({outcome.error}): {text}"
        if outcome.error in ("unknown_tool", "invalid_arguments"):
            text += f" {DO_NOT_RETRY}"
    status = "error" if not outcome.ok else ("truncated" if cut else "success")
    return ToolResultRecord(
        record.id,
        record.name,
        status,
        text,
        record.round,
        outcome.server or record.server_name,
        outcome.error,
        outcome.structured_content if not cut else None,
    )


def _repeat(record: ToolCallRecord, earlier: ToolResultRecord) -> ToolResultRecord:
    note = (
        f"[Same call as earlier in this turn (round {earlier.round}); its result is "
        "repeated here, not run again.]\n"
    )
    return ToolResultRecord(
        record.id,
        record.name,
        earlier.status,
        note + earlier.content,
        record.round,
        earlier.server_name,
        earlier.error,
    )


async def _repeat_after(
    record: ToolCallRecord, first: asyncio.Task[ToolResultRecord]
) -> ToolResultRecord:
    return _repeat(record, await first)
