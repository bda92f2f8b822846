"""Running scenarios through the real HTTP API, as each scenario's user.

`Evaluation.run()` starts what the scenarios need (one sandbox + MCP server per world, the
service, and with `scripted` the scripted LLM), asks every question with `/v1/query`,
decides approvals with `/v1/tool-approvals/decision` as the scenario says, and returns a
`RunRecord` and a `Score` per scenario. Scenarios of one world run in order and share that
world's cluster, so a write one scenario approves is seen by the next.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from ols.eval.scenarios import WORLDS, Scenario
from ols.eval.scoring import ApprovalRecord, CallRecord, RunRecord, Score, TurnRecord, score
from ols.eval.scripted_llm import ScriptedLLM
from ols.eval.stack import Sandbox, Service, start_sandbox, start_service

MAX_DECISION_ROUNDS = 10
"""Approval round trips within one turn before the harness gives up on it."""
HTTP_TIMEOUT_S = 300.0


@dataclass
class Result:
    scenario: Scenario
    run: RunRecord
    score: Score


Progress = Callable[[str, Scenario, Result | None], None]
"""Called with ("start", scenario, None) and ("done", scenario, result)."""


class Evaluation:
    def __init__(
        self,
        scenarios: list[Scenario],
        *,
        llm: dict[str, Any] | None = None,
        scripted: bool = False,
        work_dir: Path | None = None,
        progress: Progress | None = None,
        docs: bool = True,
        tool_filter: bool = True,
    ) -> None:
        if scripted == (llm is not None):
            raise ValueError("give either llm settings or scripted=True")
        if scripted:
            unscripted = [s.id for s in scenarios if s.script is None]
            if unscripted:
                raise ValueError(
                    f"--scripted needs a script in every scenario; none in: {', '.join(unscripted)}"
                )
        self.scenarios = scenarios
        self.llm = llm
        self.scripted = scripted
        self.work_dir = work_dir
        self.progress = progress or (lambda *_: None)
        self.docs = docs
        self.tool_filter = tool_filter

    def run(self) -> list[Result]:
        with tempfile.TemporaryDirectory(prefix="ols-eval-") as tmp:
            work = self.work_dir or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            scripted_llm = ScriptedLLM(count_prompt_tokens=True) if self.scripted else None
            if scripted_llm is not None:
                scripted_llm.start()
            try:
                llm = self.llm or _scripted_settings(scripted_llm)
                results: dict[str, Result] = {}
                for world in _worlds_in_order(self.scenarios):
                    group = [s for s in self.scenarios if s.world == world]
                    results.update(self._run_world(world, group, work, llm, scripted_llm))
                return [results[s.id] for s in self.scenarios]
            finally:
                if scripted_llm is not None:
                    scripted_llm.stop()

    def _run_world(
        self,
        world: str,
        scenarios: list[Scenario],
        work: Path,
        llm: dict[str, Any],
        scripted_llm: ScriptedLLM | None,
    ) -> dict[str, Result]:
        state = work / world
        state.mkdir(parents=True, exist_ok=True)
        sandbox = start_sandbox(state / "sandbox", *WORLDS[world])
        try:
            service = start_service(
                sandbox, state / "ols.sqlite3", llm, docs=self.docs, tool_filter=self.tool_filter
            )
            try:
                results: dict[str, Result] = {}
                for scenario in scenarios:
                    self.progress("start", scenario, None)
                    run = run_scenario(service, sandbox, scenario, scripted_llm)
                    result = Result(scenario, run, score(scenario, run))
                    results[scenario.id] = result
                    self.progress("done", scenario, result)
                return results
            finally:
                service.stop()
        finally:
            sandbox.stop()


def run_scenario(
    service: Service, sandbox: Sandbox, scenario: Scenario, scripted_llm: ScriptedLLM | None
) -> RunRecord:
    record = RunRecord(scenario.id)
    if scripted_llm is not None:
        scripted_llm.reset()
        scripted_llm.script(*scenario.steps())
    try:
        token = sandbox.token(scenario.user)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx2.Client(base_url=service.url, headers=headers, timeout=HTTP_TIMEOUT_S) as http:
            conversation_id: str | None = None
            for index, turn in enumerate(scenario.turns):
                conversation_id = _run_turn(
                    http, scenario, index, turn.question, conversation_id, record
                )
    except _TurnFailed as exc:
        record.error = str(exc)
    except httpx2.HTTPError as exc:
        record.error = f"the service did not answer: {type(exc).__name__}: {exc}"
    except Exception as exc:  # one scenario's failure is reported, not fatal
        record.error = f"{type(exc).__name__}: {exc}"
    if scripted_llm is not None:
        requests = scripted_llm.requests
        record.model_inputs = [request.text() for request in requests]
        record.unoffered_calls = [name for r in requests for name in r.unoffered_calls()]
        record.prompt_parts = [request.prompt_parts() for request in requests]
        record.script_left = scripted_llm.remaining()
    return record


class _TurnFailed(Exception):
    pass


def _run_turn(
    http: httpx2.Client,
    scenario: Scenario,
    index: int,
    question: str,
    conversation_id: str | None,
    record: RunRecord,
) -> str:
    """Ask one question, deciding approvals as they come; returns the conversation id."""
    turn = TurnRecord(question)
    record.turns.append(turn)
    calls: dict[str, CallRecord] = {}
    started = time.perf_counter()
    try:
        body: dict[str, Any] = {"query": question}
        if conversation_id:
            body["conversation_id"] = conversation_id
        data = _post(http, "/v1/query", body)
        for _ in range(MAX_DECISION_ROUNDS):
            _collect(data, index, calls)
            pending = data.get("pending_approvals") or []
            if not pending:
                break
            data = _decide_all(http, scenario, index, pending, record)
        else:
            raise _TurnFailed(f"still asking for approvals after {MAX_DECISION_ROUNDS} decisions")
    finally:
        turn.seconds = time.perf_counter() - started
        record.calls.extend(calls.values())
        turn.rounds = max((c.round for c in calls.values()), default=0) + 1
    turn.answer = str(data.get("response") or "")
    turn.input_tokens = int(data.get("input_tokens") or 0)
    turn.output_tokens = int(data.get("output_tokens") or 0)
    turn.references = [str(doc.get("doc_title")) for doc in data.get("referenced_documents") or []]
    return str(data["conversation_id"])


def _decide_all(
    http: httpx2.Client,
    scenario: Scenario,
    index: int,
    pending: list[dict[str, Any]],
    record: RunRecord,
) -> dict[str, Any]:
    """Decide every pending approval; the last decision's answer continues the turn."""
    want = scenario.expect.approval
    data: dict[str, Any] = {}
    for item in pending:
        tool = str(item.get("tool_name"))
        approve = want.decision == "approve" and (want.tool is None or want.tool == tool)
        record.approvals.append(
            ApprovalRecord(
                tool, dict(item.get("tool_args") or {}), index, "approve" if approve else "reject"
            )
        )
        decision: dict[str, Any] = {"approval_id": item["approval_id"], "approved": approve}
        if not approve:
            decision["reason"] = want.reason or "not part of this evaluation scenario"
        data = _post(http, "/v1/tool-approvals/decision", decision)
    if "response" not in data:
        raise _TurnFailed("the last approval decision did not continue the turn")
    return data


def _collect(data: dict[str, Any], turn: int, calls: dict[str, CallRecord]) -> None:
    for call in data.get("tool_calls") or []:
        key = str(call.get("id"))
        if key not in calls:
            calls[key] = CallRecord(
                name=str(call.get("name")),
                args=dict(call.get("args") or {}),
                turn=turn,
                round=int(call.get("round") or 0),
            )
    for result in data.get("tool_results") or []:
        known = calls.get(str(result.get("id")))
        if known is not None:
            known.status = str(result.get("status"))
            known.content = str(result.get("content") or "")


def _post(http: httpx2.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post(path, json=body)
    if response.status_code != 200:
        raise _TurnFailed(f"POST {path} answered {response.status_code}: {response.text[:500]}")
    data = response.json()
    if not isinstance(data, dict):
        raise _TurnFailed(f"POST {path} answered something that is not a JSON object")
    return data


def _scripted_settings(llm: ScriptedLLM | None) -> dict[str, Any]:
    assert llm is not None
    return {"url": llm.url, "model": llm.model, "max_retries": 0, "timeout_seconds": 30}


def _worlds_in_order(scenarios: list[Scenario]) -> list[str]:
    worlds: list[str] = []
    for scenario in scenarios:
        if scenario.world not in worlds:
            worlds.append(scenario.world)
    return worlds
