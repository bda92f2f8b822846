"""`ToolLoop`: question + history + tools -> rounds of LLM and tool calls -> answer.

- At most `max_rounds` rounds; on the last one the tools are withheld, so the model answers.
- A round's tool calls run concurrently; results are reported as they finish and fed back
  in the order the model asked for them.
- Unknown tools and bad arguments go back to the model as errors; the loop continues.
- The same call with the same arguments twice in one turn is answered from the first result.
- Tool output has a budget (a share of the context window), spent per round and split
  evenly across the round's calls; results over their share are cut at a line boundary.
- With a `Retriever`, the best documentation passages for the question (and the
  conversation's last questions) go into the system message as reference material, and
  the turn reports them as `referenced_documents`.
- Whether a call may run is the `ToolGate`'s decision: run, deny, or ask the user. Calls
  that need asking stop the turn after the round's other calls ran (`TurnSuspended`, whose
  state is plain JSON); `resume` continues it once the user decided.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from ols.agent.events import (
    AgentEvent,
    ApprovalRequired,
    PendingCall,
    TokenEvent,
    ToolCallEvent,
    ToolCallRecord,
    ToolResultEvent,
    ToolResultRecord,
    TurnEnd,
    TurnSuspended,
)
from ols.agent.prompts import SYSTEM_PROMPT
from ols.agent.settings import AgentSettings
from ols.agent.tool_filter import ToolFilter
from ols.auth.token import UserToken
from ols.llm.client import LlmClient
from ols.llm.tokens import BYTES_PER_TOKEN, count_message_tokens, count_tokens
from ols.llm.types import LlmTurn, TextDelta, ToolCallRequest, TurnComplete
from ols.retrieval.retriever import Retriever
from ols.tools.catalogue import ToolSpec
from ols.tools.manager import NoUserToken, ToolManager
from ols.tools.results import ToolResult, truncate_text

log = logging.getLogger(__name__)
DO_NOT_RETRY = "Do not retry this exact tool call."
# Reference passages never take more than this share of the context window, whatever
# retrieval.max_tokens says (small local models have small windows).
REFERENCE_BUDGET_RATIO = 0.15


@dataclass(frozen=True)
class GateDecision:
    verdict: Literal["run", "ask", "deny"]
    reason: str = ""


ToolGate = Callable[[ToolSpec, Mapping[str, Any]], Awaitable[GateDecision]]
# Told of every call's result as it is produced (the audit trail listens here).
ResultObserver = Callable[[ToolCallRecord, ToolResultRecord], Awaitable[None]]


async def read_only_gate(spec: ToolSpec, arguments: Mapping[str, Any]) -> GateDecision:
    """Run read-only tools; ask about everything else."""
    return GateDecision("run" if spec.read_only else "ask")


@dataclass
class TurnState:
    """Everything needed to continue a turn later, in another process: plain JSON."""

    messages: list[dict[str, Any]]
    calls: list[ToolCallRecord] = field(default_factory=list)
    results: list[ToolResultRecord] = field(default_factory=list)
    seen: dict[str, ToolResultRecord] = field(default_factory=dict)
    round: int = 0  # the last round that ran (or is suspended)
    input_tokens: int = 0
    output_tokens: int = 0
    truncated: bool = False
    tool_budget: int = 0
    # the suspended round
    round_order: list[str] = field(default_factory=list)
    round_results: dict[str, ToolResultRecord] = field(default_factory=dict)
    pending: list[PendingCall] = field(default_factory=list)
    budget_bytes_per_call: int = 0
    referenced_documents: list[dict[str, str]] = field(default_factory=list)
    offered: list[str] | None = None  # the tools offered this turn; None: all of them

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TurnState:
        return cls(
            messages=list(data["messages"]),
            calls=[ToolCallRecord(**c) for c in data["calls"]],
            results=[ToolResultRecord(**r) for r in data["results"]],
            seen={k: ToolResultRecord(**v) for k, v in data["seen"].items()},
            round=data["round"],
            input_tokens=data["input_tokens"],
            output_tokens=data["output_tokens"],
            truncated=data["truncated"],
            tool_budget=data["tool_budget"],
            round_order=list(data["round_order"]),
            round_results={k: ToolResultRecord(**v) for k, v in data["round_results"].items()},
            pending=[
                PendingCall(
                    call=ToolCallRecord(**p["call"]),
                    description=p["description"],
                    annotations=p["annotations"],
                )
                for p in data["pending"]
            ],
            budget_bytes_per_call=data["budget_bytes_per_call"],
            # states stored before retrieval existed have none
            referenced_documents=list(data.get("referenced_documents", [])),
            offered=data.get("offered"),  # states stored before tool filtering: all tools
        )


@dataclass(frozen=True)
class Decision:
    approved: bool
    reason: str = ""


def openai_tools(specs: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """The tools as the model is sent them (OpenAI function definitions)."""
    return [
        {
            "type": "function",
            "function": {
                "name": s.name,
                "description": s.description,
                "parameters": dict(s.input_schema),
            },
        }
        for s in specs
    ]


def call_key(name: str, arguments: Mapping[str, Any]) -> str:
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


class ToolLoop:
    def __init__(
        self,
        llm: LlmClient,
        tools: ToolManager,
        settings: AgentSettings,
        context_window: int,
        gate: ToolGate = read_only_gate,
        *,
        on_result: ResultObserver | None = None,
        max_concurrent_tool_calls: int = 8,
        retriever: Retriever | None = None,
        tool_filter: ToolFilter | None = None,
    ) -> None:
        self.llm = llm
        self.tools = tools
        self.settings = settings
        self.context_window = context_window
        self.gate = gate
        self._on_result = on_result
        self._concurrency = max_concurrent_tool_calls
        self._retriever = retriever
        # Pass one filter to every turn's loop: it ranks with an index of the catalogue it
        # builds once per listing, and building it is most of a tool-less turn's own work.
        self._filter = tool_filter or ToolFilter(settings.tool_filter)

    async def _observed(self, call: ToolCallRecord, result: ToolResultRecord) -> ToolResultEvent:
        if self._on_result is not None:
            await self._on_result(call, result)
        return ToolResultEvent(result)

    async def _catalogue(self, token: UserToken | None) -> dict[str, ToolSpec]:
        if token is None:
            return {}
        try:
            return (await self.tools.catalogue(token)).tools
        except NoUserToken:
            return {}

    async def run(
        self, token: UserToken | None, question: str, history: Sequence[tuple[str, str]] = ()
    ) -> AsyncIterator[AgentEvent]:
        past, truncated = history_messages(
            history, int(self.context_window * self.settings.history_budget_ratio)
        )
        system, references = SYSTEM_PROMPT, []
        if self._retriever is not None:
            # In the one system message: several system messages break some chat templates.
            try:
                context = await asyncio.to_thread(
                    self._retriever.retrieve,
                    question,
                    [q for q, _ in history],
                    int(self.context_window * REFERENCE_BUDGET_RATIO),
                )
            except Exception:  # documents help an answer; their failure must not stop one
                log.exception("documentation retrieval failed; answering without it")
            else:
                if context.passages:
                    system = f"{SYSTEM_PROMPT}\n{context.prompt_section()}"
                    references = context.referenced_documents()
        state = TurnState(
            messages=[
                {"role": "system", "content": system},
                *past,
                {"role": "user", "content": question},
            ],
            truncated=truncated,
            tool_budget=int(self.context_window * self.settings.tool_budget_ratio),
            referenced_documents=references,
        )
        catalogue = await self._catalogue(token)
        state.offered = self._filter.select(catalogue, [*(q for q, _ in history), question])
        async for event in self._rounds(token, state, catalogue):
            yield event

    async def resume(
        self, token: UserToken | None, state: TurnState, decisions: Mapping[str, Decision]
    ) -> AsyncIterator[AgentEvent]:
        """Continue a suspended turn: run the approved calls exactly as stored, report the
        declined ones to the model as declined, then go on with the next round."""
        catalogue = await self._catalogue(token)
        for pending in state.pending:
            call = pending.call
            decision = decisions.get(call.id, Decision(False, "no decision was recorded"))
            if decision.approved:
                result = await self._call(token, call, call.args, state.budget_bytes_per_call)
            else:
                why = f": {decision.reason}" if decision.reason else ""
                result = _refused(
                    call, "declined", f"The user declined this call{why}. {DO_NOT_RETRY}"
                )
            state.round_results[call.id] = result
            state.seen[call_key(call.name, call.args)] = result
            yield await self._observed(call, result)
        state.pending = []
        self._close_round(state)
        async for event in self._rounds(token, state, catalogue):
            yield event

    async def _rounds(
        self, token: UserToken | None, state: TurnState, catalogue: dict[str, ToolSpec]
    ) -> AsyncIterator[AgentEvent]:
        names = sorted(catalogue) if state.offered is None else state.offered
        tool_defs = openai_tools([catalogue[name] for name in names if name in catalogue])
        answer = ""
        while state.round < self.settings.max_rounds:
            state.round += 1
            last = state.round == self.settings.max_rounds
            offered = tool_defs if tool_defs and not last else None
            turn: LlmTurn | None = None
            async for event in self.llm.stream(state.messages, offered):
                if isinstance(event, TextDelta):
                    yield TokenEvent(event.text)
                elif isinstance(event, TurnComplete):
                    turn = event.turn
            assert turn is not None  # the client always ends a stream with TurnComplete
            state.input_tokens += turn.usage.input_tokens
            state.output_tokens += turn.usage.output_tokens
            if not turn.tool_calls or offered is None:
                answer = turn.text
                break
            state.messages.append(_assistant_message(turn))
            per_call = int(state.tool_budget * self.settings.round_cap_fraction) // len(
                turn.tool_calls
            )
            state.budget_bytes_per_call = max(per_call, 0) * BYTES_PER_TOKEN
            records = [_record(call, state.round, catalogue) for call in turn.tool_calls]
            state.round_order = [r.id for r in records]
            state.round_results = {}
            for record in records:
                state.calls.append(record)
                yield ToolCallEvent(record)
            async for result in self._run_round(token, turn.tool_calls, records, catalogue, state):
                yield result
            if state.pending:
                for pending in state.pending:
                    yield ApprovalRequired(pending)
                yield TurnSuspended(state)
                return
            self._close_round(state)
        if not answer:
            answer = (
                "I could not reach an answer within the allowed number of steps. I looked at: "
                + ", ".join(c.name for c in state.calls)
                if state.calls
                else "I could not produce an answer. Please rephrase the question."
            )
        yield TurnEnd(
            answer,
            state.calls,
            state.results,
            state.input_tokens,
            state.output_tokens,
            state.truncated,
            state.round,
            state.referenced_documents,
        )

    @staticmethod
    def _close_round(state: TurnState) -> None:
        """Feed the finished round's results to the model, in the order it asked."""
        for call_id in state.round_order:
            result = state.round_results[call_id]
            state.results.append(result)
            state.tool_budget = max(state.tool_budget - count_tokens(result.content), 0)
            state.messages.append(
                {"role": "tool", "tool_call_id": call_id, "content": result.content}
            )
        state.round_order = []
        state.round_results = {}

    async def _run_round(
        self,
        token: UserToken | None,
        requests: Sequence[ToolCallRequest],
        records: Sequence[ToolCallRecord],
        catalogue: Mapping[str, ToolSpec],
        state: TurnState,
    ) -> AsyncIterator[ToolResultEvent]:
        """Run the round's calls that may run, concurrently, yielding results as they
        finish; calls that need approval become `state.pending`."""
        tasks: list[asyncio.Task[ToolResultRecord]] = []
        in_round: dict[str, asyncio.Task[ToolResultRecord]] = {}
        by_id = {record.id: record for record in records}
        limit = asyncio.Semaphore(self._concurrency)
        for request, record in zip(requests, records, strict=True):
            key = call_key(request.name, request.arguments)
            spec = catalogue.get(request.name)
            if request.parse_error is not None:
                done = _refused(
                    record,
                    "invalid_arguments",
                    f"The arguments of {request.name} are not a JSON object "
                    f"({request.parse_error}). {DO_NOT_RETRY}",
                )
            elif key in state.seen:
                done = _repeat(record, state.seen[key])
            elif key in in_round:
                tasks.append(asyncio.create_task(_repeat_after(record, in_round[key])))
                continue
            else:
                decision = await self.gate(spec, request.arguments) if spec else None
                if decision is not None and decision.verdict == "deny":
                    done = _refused(
                        record,
                        "denied",
                        f"{request.name} is not allowed by this service's policy. "
                        f"{decision.reason} {DO_NOT_RETRY}".replace("  ", " "),
                    )
                elif decision is not None and decision.verdict == "ask":
                    assert spec is not None
                    state.pending.append(
                        PendingCall(
                            call=record,
                            description=spec.description,
                            annotations=spec.annotations.as_hints(),
                        )
                    )
                    continue
                else:
                    task = asyncio.create_task(
                        self._execute(token, request, record, state.budget_bytes_per_call, limit)
                    )
                    in_round[key] = task
                    tasks.append(task)
                    continue
            state.round_results[record.id] = done
            yield await self._observed(record, done)
        for next_done in asyncio.as_completed(tasks):
            result = await next_done
            state.round_results[result.id] = result
            yield await self._observed(by_id[result.id], result)
        for key, task in in_round.items():
            state.seen[key] = task.result()

    async def _execute(
        self,
        token: UserToken | None,
        request: ToolCallRequest,
        record: ToolCallRecord,
        budget_bytes: int,
        limit: asyncio.Semaphore,
    ) -> ToolResultRecord:
        async with limit:
            return await self._call(token, record, request.arguments, budget_bytes)

    async def _call(
        self,
        token: UserToken | None,
        record: ToolCallRecord,
        arguments: Mapping[str, Any],
        budget_bytes: int,
    ) -> ToolResultRecord:
        started = time.monotonic()
        outcome = await self.tools.call_tool(token, record.name, arguments)
        result = _from_tool_result(record, outcome, budget_bytes)
        return replace(result, duration_ms=round((time.monotonic() - started) * 1000, 3))


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
    if budget_bytes <= 0:
        text, cut = "[output withheld: the tool-output budget of this turn is spent]", True
    elif len(text.encode()) > budget_bytes:
        text, more_cut, _ = truncate_text(text, budget_bytes)
        cut = cut or more_cut
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
