"""The FastAPI application: `create_app(config)`.

The app owns the long-lived parts for its lifetime (tool sessions, the LLM client, the
database, the authenticator) and hands each request to them. Route handlers stay thin.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

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
from ols.agent.gates import policy_gate
from ols.agent.loop import Decision, ToolLoop, TurnState
from ols.agent.tool_filter import ToolFilter
from ols.api.metrics import Metrics
from ols.api.middleware import BodySizeLimit, RequestMetrics
from ols.api.models import (
    ApprovalDecisionRequest,
    ConversationUpdateRequest,
    ErrorResponse,
    FeedbackRequest,
    LLMRequest,
    LLMResponse,
    ReferencedDocument,
)
from ols.api.web import add_web_routes
from ols.approvals.policy import warn_if_unguarded
from ols.approvals.store import ApprovalConflict, ApprovalNotFound, ApprovalStore
from ols.auth.authenticator import (
    AuthenticatedUser,
    Authenticator,
    AuthError,
    KubernetesAuthenticator,
    NoopAuthenticator,
    bearer_token,
)
from ols.auth.token import UserToken
from ols.config import OlsConfig
from ols.errors import ConfigurationError
from ols.llm.client import LlmClient
from ols.llm.errors import LlmError
from ols.retrieval.retriever import Retriever, load_retriever
from ols.safety.audit import AuditTrail, ToolCallAudit
from ols.safety.limits import RateLimiter
from ols.safety.log_scrubbing import install_log_scrubbing
from ols.storage.conversations import ConversationNotFound, ConversationStore, StoredTurn
from ols.storage.database import Database
from ols.tools.manager import ToolManager

log = logging.getLogger(__name__)
IN_CLUSTER_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


@dataclass
class Services:
    config: OlsConfig
    tools: ToolManager
    database: Database
    store: ConversationStore
    approvals: ApprovalStore
    audit: AuditTrail
    limiter: RateLimiter
    authenticator: Authenticator
    metrics: Metrics
    llm: LlmClient | None
    llm_problem: str | None
    retriever: Retriever | None = None  # None: no documentation index configured
    tool_filter: ToolFilter | None = None  # shared by every turn (it caches its ranker)

    def loop(
        self,
        user: AuthenticatedUser,
        conversation_id: str,
        approval_ids: Mapping[str, str] | None = None,
    ) -> ToolLoop:
        """A tool loop for one user's turn, or 503 when no LLM is configured."""
        if self.llm is None:
            raise HTTPException(
                503,
                _detail(
                    "No LLM is configured, so the service cannot answer yet",
                    f"{self.llm_problem} (set OLS_LLM_URL and OLS_LLM_MODEL, or llm.url and "
                    "llm.model in the configuration, then restart)",
                ),
            )
        redactor = self.tools.redactor

        async def audit(call: ToolCallRecord, result: ToolResultRecord) -> None:
            arguments, _ = redactor.structured(call.args)
            await self.audit.record(
                ToolCallAudit(
                    user_id=user.user_id,
                    conversation_id=conversation_id,
                    tool=call.name,
                    server=result.server_name,
                    arguments=arguments,
                    outcome=result.error or result.status,
                    duration_ms=result.duration_ms,
                    approval_id=(approval_ids or {}).get(call.id),
                    round=call.round,
                )
            )

        return ToolLoop(
            self.llm,
            self.tools,
            self.config.agent,
            self.config.llm.context_window,
            gate=policy_gate(self.config.approvals),
            on_result=audit,
            max_concurrent_tool_calls=self.config.safety.limits.max_concurrent_tool_calls,
            retriever=self.retriever,
            tool_filter=self.tool_filter,
        )

    def llm_labels(self) -> tuple[str, str]:
        return ("openai-compatible", self.config.llm.model or "")

    async def close(self) -> None:
        await self.tools.close()
        if self.llm is not None:
            await self.llm.close()
        await self.authenticator.close()
        self.audit.close()
        await self.database.close()


def _authenticator(config: OlsConfig, service_token: UserToken | None) -> Authenticator:
    if config.auth.module == "noop":
        return NoopAuthenticator()
    token = service_token
    token_file = config.auth.service_token_file or (
        IN_CLUSTER_TOKEN if IN_CLUSTER_TOKEN.exists() else None
    )
    if token is None and token_file is not None:
        token = UserToken.optional(token_file.read_text())
    if token is None or not config.cluster.api_url:
        raise ConfigurationError(
            "authentication module k8s needs cluster.api_url and the service's own token "
            "(auth.service_token_file, or the in-cluster service account) to review callers' "
            "tokens; for local development only, set auth.module: noop"
        )
    return KubernetesAuthenticator(
        config.cluster.api_url, config.cluster.ca_pem(), token, config.auth.access_path
    )


def build_services(config: OlsConfig, *, service_token: UserToken | None = None) -> Services:
    metrics = Metrics()

    def observe(tool: str, outcome: str, seconds: float) -> None:
        metrics.tool_calls.labels(tool, outcome).inc()
        metrics.tool_duration.labels(tool, outcome).observe(seconds)

    llm: LlmClient | None = None
    problem: str | None = None
    try:
        llm = LlmClient(config.llm)
    except ConfigurationError as exc:
        problem = str(exc)
        log.warning("no LLM configured: %s", problem)
    warn_if_unguarded(config.approvals)
    tools = ToolManager(config, observer=observe)
    # Documentation passages go through the same redaction as tool output (docs/rag.md).
    retriever = load_retriever(config.retrieval, redact=lambda text: tools.redactor.text(text).text)
    database = Database(config.database.url)
    return Services(
        config=config,
        tools=tools,
        database=database,
        store=ConversationStore(database),
        approvals=ApprovalStore(database),
        audit=AuditTrail(database, config.safety.audit_log),
        limiter=RateLimiter(config.safety.limits.requests_per_minute),
        authenticator=_authenticator(config, service_token),
        metrics=metrics,
        llm=llm,
        llm_problem=problem,
        retriever=retriever,
        tool_filter=ToolFilter(config.agent.tool_filter),
    )


async def current_user(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> AuthenticatedUser:
    services: Services = request.app.state.services
    forwarded = services.config.auth.forwarded_token_header
    if forwarded and bearer_token(authorization) is None and request.headers.get(forwarded):
        # A proxy in front signed the user in and passes their token in its own header (it may
        # also send `Authorization: Basic`, which is never a token).
        authorization = f"Bearer {request.headers[forwarded]}"
    try:
        return await services.authenticator.authenticate(authorization)
    except AuthError as exc:
        raise HTTPException(exc.status_code, str(exc)) from exc


CurrentUser = Annotated[AuthenticatedUser, Depends(current_user)]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": description}
    for code, description in (
        (401, "No bearer token"),
        (403, "The token is invalid, or the user may not use the service"),
        (404, "Not found, or not the caller's"),
        (409, "The approval was already decided, expired, or its call changed"),
        (413, "The request, question or attachments are too large"),
        (429, "Too many requests; see Retry-After"),
        (503, "No LLM is configured, or it failed"),
    )
}


def _detail(response: str, cause: str) -> dict[str, str]:
    return {"response": response, "cause": cause}


def create_app(config: OlsConfig, *, service_token: UserToken | None = None) -> FastAPI:
    install_log_scrubbing()
    services = build_services(config, service_token=service_token)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            revision = await services.database.prepare(migrate=config.database.migrate_on_start)
            log.info("database %s at schema revision %s", services.database, revision)
            yield
        finally:
            await services.close()

    app = FastAPI(
        title="ols",
        version="0.1.0",
        lifespan=lifespan,
        description="Answers about your cluster, with your own permissions.",
        responses=ERROR_RESPONSES,
    )
    app.state.services = services

    limit = config.safety.limits.max_request_bytes
    app.add_middleware(
        BodySizeLimit,
        limit=limit,
        detail=_detail("Request too large", f"the body may be at most {limit} bytes"),
    )
    # Added last, so outermost: a 413 is counted too.
    app.add_middleware(RequestMetrics, metrics=services.metrics)

    async def history_of(
        user: AuthenticatedUser, conversation_id: str | None
    ) -> list[tuple[str, str]]:
        if conversation_id is None:
            return []
        try:
            turns = await services.store.history(user.user_id, conversation_id)
        except ConversationNotFound as exc:
            raise HTTPException(
                404, _detail("Conversation not found", f"no conversation {conversation_id}")
            ) from exc
        return [(t.query, t.response) for t in turns]

    async def begin(body: LLMRequest, user: AuthenticatedUser) -> tuple[_Turn, Any]:
        """Check limits, redact the question, load history: a turn ready to run."""
        _check_size(services, body)
        _rate_limit(services, user)
        history = await history_of(user, body.conversation_id)
        redactor = services.tools.redactor
        query = redactor.text(body.query).text
        turn = _Turn(
            body.conversation_id or services.store.new_id(),
            body.conversation_id is None,
            query,
        )
        loop = services.loop(user, turn.conversation_id)
        # Without attachments the full question is the query, already redacted.
        question = redactor.text(body.full_query()).text if body.attachments else query
        return turn, loop.run(user.token, question, history)

    @app.post("/v1/query", response_model=LLMResponse)
    async def query(body: LLMRequest, user: CurrentUser) -> LLMResponse:
        turn, events = await begin(body, user)
        return await _answer(services, user, turn, events)

    @app.post(
        "/v1/streaming_query",
        response_class=StreamingResponse,
        responses={
            200: {
                "description": "Server-Sent Events (media_type application/json) or "
                "the plain answer with labelled tool lines (text/plain)",
                "content": {"text/event-stream": {}, "text/plain": {}},
            }
        },
    )
    async def streaming_query(body: LLMRequest, user: CurrentUser) -> StreamingResponse:
        turn, run = await begin(body, user)
        json_mode = body.media_type == "application/json"
        events = _stream(services, user, turn, run, json_mode)
        return StreamingResponse(
            events, media_type="text/event-stream" if json_mode else "text/plain"
        )

    @app.post(
        "/v1/tool-approvals/decision",
        response_model=None,
        responses={
            200: {
                "description": "While other approvals of the turn are open: "
                "{approval_id, approved, remaining}. After the last one: the continued "
                "turn, as /v1/query answers it or, with Accept: text/event-stream, "
                "as /v1/streaming_query streams it",
                "content": {"application/json": {}, "text/event-stream": {}},
            }
        },
    )
    async def decide(
        body: ApprovalDecisionRequest,
        user: CurrentUser,
        accept: Annotated[str | None, Header()] = None,
    ) -> Any:
        _rate_limit(services, user)
        try:
            outcome = await services.approvals.decide(
                user_id=user.user_id,
                approval_id=body.approval_id,
                approved=body.approved,
                reason=body.reason,
            )
        except ApprovalNotFound as exc:
            raise HTTPException(
                404, _detail("Approval not found", f"no pending approval {body.approval_id}")
            ) from exc
        except ApprovalConflict as exc:
            raise HTTPException(409, _detail("The approval cannot be decided", str(exc))) from exc
        if outcome.resume is None:
            return {
                "approval_id": outcome.approval_id,
                "approved": outcome.approved,
                "remaining": outcome.remaining,
            }
        resume = outcome.resume
        loop = services.loop(user, resume.conversation_id, resume.approval_ids)
        state = TurnState.from_json(resume.state)
        decisions = {
            k: Decision(approved, reason) for k, (approved, reason) in resume.decisions.items()
        }
        turn = _Turn(resume.conversation_id, resume.create_conversation, resume.query)
        events = loop.resume(user.token, state, decisions)
        if accept and "text/event-stream" in accept:
            return StreamingResponse(
                _stream(services, user, turn, events, True), media_type="text/event-stream"
            )
        return await _answer(services, user, turn, events)

    @app.get("/v1/conversations")
    async def list_conversations(user: CurrentUser) -> dict[str, Any]:
        summaries = await services.store.list(user.user_id)
        return {"conversations": [s.__dict__ for s in summaries]}

    @app.get("/v1/conversations/{conversation_id}")
    async def get_conversation(conversation_id: str, user: CurrentUser) -> dict[str, Any]:
        try:
            turns = await services.store.history(user.user_id, conversation_id)
        except ConversationNotFound as exc:
            raise HTTPException(
                404, _detail("Conversation not found", f"no conversation {conversation_id}")
            ) from exc
        return {
            "conversation_id": conversation_id,
            "chat_history": [
                {
                    "messages": [
                        {"content": t.query, "type": "user"},
                        {"content": t.response, "type": "assistant"},
                    ],
                    "tool_calls": t.tool_calls,
                    "tool_results": t.tool_results,
                }
                for t in turns
            ],
        }

    @app.put("/v1/conversations/{conversation_id}")
    async def update_conversation(
        conversation_id: str, body: ConversationUpdateRequest, user: CurrentUser
    ) -> dict[str, Any]:
        if not await services.store.set_topic(user.user_id, conversation_id, body.topic_summary):
            raise HTTPException(
                404, _detail("Conversation not found", f"no conversation {conversation_id}")
            )
        return {
            "conversation_id": conversation_id,
            "success": True,
            "message": "Topic summary updated",
        }

    @app.delete("/v1/conversations/{conversation_id}")
    async def delete_conversation(conversation_id: str, user: CurrentUser) -> dict[str, Any]:
        if not await services.store.delete(user.user_id, conversation_id):
            raise HTTPException(
                404, _detail("Conversation not found", f"no conversation {conversation_id}")
            )
        return {
            "conversation_id": conversation_id,
            "response": "Conversation deleted",
            "success": True,
        }

    @app.post("/v1/feedback")
    async def feedback(body: FeedbackRequest, user: CurrentUser) -> dict[str, str]:
        if not await services.store.exists(user.user_id, body.conversation_id):
            raise HTTPException(
                404, _detail("Conversation not found", f"no conversation {body.conversation_id}")
            )
        await services.store.add_feedback(
            user.user_id,
            body.conversation_id,
            body.user_question,
            body.llm_response,
            body.sentiment,
            body.user_feedback,
        )
        return {"response": "feedback received"}

    @app.get("/v1/feedback/status")
    async def feedback_status() -> dict[str, Any]:
        return {"functionality": "feedback", "status": {"enabled": True}}

    @app.post("/authorized")
    async def authorized(user: CurrentUser) -> dict[str, Any]:
        return {
            "user_id": user.user_id,
            "username": user.username,
            "skip_user_id_check": user.skip_user_id_check,
        }

    @app.get("/readiness")
    async def readiness() -> JSONResponse:
        if services.llm is None:
            return JSONResponse({"ready": True, "reason": f"ready, but {services.llm_problem}"})
        return JSONResponse({"ready": True, "reason": "service is ready"})

    @app.get("/liveness")
    async def liveness() -> dict[str, bool]:
        return {"alive": True}

    @app.get(
        "/metrics",
        response_class=Response,
        responses={200: {"description": "Prometheus text format", "content": {"text/plain": {}}}},
    )
    async def metrics() -> Response:
        return Response(services.metrics.render(), media_type="text/plain; version=0.0.4")

    add_web_routes(app)
    return app


@dataclass(frozen=True)
class _Turn:
    conversation_id: str
    create: bool  # the turn starts a new conversation
    query: str


async def _save(services: Services, user: AuthenticatedUser, turn: _Turn, end: TurnEnd) -> str:
    stored = StoredTurn(
        query=turn.query,
        response=end.answer,
        tool_calls=[c.as_api() for c in end.tool_calls],
        tool_results=[r.as_api() for r in end.tool_results],
    )
    return await services.store.append_turn(
        user.user_id, turn.conversation_id, stored, create=turn.create
    )


async def _suspend(
    services: Services,
    user: AuthenticatedUser,
    turn: _Turn,
    suspended: TurnSuspended,
    pending: list[PendingCall],
) -> list[dict[str, Any]]:
    issued = await services.approvals.suspend(
        user_id=user.user_id,
        conversation_id=turn.conversation_id,
        create_conversation=turn.create,
        query=turn.query,
        state=suspended.state.to_json(),
        pending=pending,
        expires_seconds=services.config.approvals.expires_seconds,
    )
    return [item.pending.as_api(item.approval_id) for item in issued]


async def _answer(
    services: Services, user: AuthenticatedUser, turn: _Turn, events: AsyncIterator[AgentEvent]
) -> LLMResponse:
    """Drive a turn to its end or its next approvals; the /v1/query response."""
    labels = services.llm_labels()
    services.metrics.llm_calls.labels(*labels).inc()
    pending: list[PendingCall] = []
    try:
        async for event in events:
            if isinstance(event, ApprovalRequired):
                pending.append(event.pending)
            elif isinstance(event, TurnSuspended):
                state = event.state
                return LLMResponse(
                    conversation_id=turn.conversation_id,
                    response="",
                    truncated=state.truncated,
                    input_tokens=state.input_tokens,
                    output_tokens=state.output_tokens,
                    tool_calls=[c.as_api() for c in state.calls],
                    tool_results=[
                        r.as_api() for r in [*state.results, *state.round_results.values()]
                    ],
                    pending_approvals=await _suspend(services, user, turn, event, pending),
                    referenced_documents=_references(state.referenced_documents),
                )
            elif isinstance(event, TurnEnd):
                conversation_id = await _save(services, user, turn, event)
                _count_tokens(services, event, labels)
                return LLMResponse(
                    conversation_id=conversation_id,
                    response=event.answer,
                    truncated=event.truncated,
                    input_tokens=event.input_tokens,
                    output_tokens=event.output_tokens,
                    tool_calls=[c.as_api() for c in event.tool_calls],
                    tool_results=[r.as_api() for r in event.tool_results],
                    referenced_documents=_references(event.referenced_documents),
                )
    except LlmError as exc:
        services.metrics.llm_failures.labels(*labels).inc()
        raise HTTPException(503, _detail("The LLM could not answer", str(exc))) from exc
    raise HTTPException(500, _detail("The turn ended without an answer", "internal error"))


async def _stream(
    services: Services,
    user: AuthenticatedUser,
    turn: _Turn,
    events: AsyncIterator[AgentEvent],
    json_mode: bool,
) -> AsyncIterator[str]:
    """Drive a turn as a stream of the reference's events."""
    frame = _json_frame if json_mode else _text_frame
    labels = services.llm_labels()
    services.metrics.llm_calls.labels(*labels).inc()
    yield frame("start", {"conversation_id": turn.conversation_id})
    token_id = 0
    pending: list[PendingCall] = []
    try:
        async for event in events:
            if isinstance(event, TokenEvent):
                yield frame("token", {"id": token_id, "token": event.text})
                token_id += 1
            elif isinstance(event, ToolCallEvent):
                yield frame("tool_call", event.call.as_api())
            elif isinstance(event, ToolResultEvent):
                yield frame("tool_result", event.result.as_api())
            elif isinstance(event, ApprovalRequired):
                pending.append(event.pending)
            elif isinstance(event, TurnSuspended):
                for item in await _suspend(services, user, turn, event, pending):
                    yield frame("approval_required", item)
                state = event.state
                yield frame(
                    "end",
                    {
                        "referenced_documents": state.referenced_documents,
                        "truncated": state.truncated,
                        "input_tokens": state.input_tokens,
                        "output_tokens": state.output_tokens,
                        "reasoning_tokens": 0,
                        "pending_approvals": len(pending),
                    },
                )
            elif isinstance(event, TurnEnd):
                await _save(services, user, turn, event)
                _count_tokens(services, event, labels)
                yield frame(
                    "end",
                    {
                        "referenced_documents": event.referenced_documents,
                        "truncated": event.truncated,
                        "input_tokens": event.input_tokens,
                        "output_tokens": event.output_tokens,
                        "reasoning_tokens": 0,
                    },
                )
    except LlmError as exc:
        services.metrics.llm_failures.labels(*labels).inc()
        yield frame(
            "error", {"status_code": 503, "response": "The LLM could not answer", "cause": str(exc)}
        )
    except Exception as exc:  # the stream has started: report, never crash
        log.exception("streaming turn failed")
        yield frame(
            "error",
            {
                "status_code": 500,
                "response": "The answer failed inside ols",
                "cause": type(exc).__name__,
            },
        )


def _check_size(services: Services, body: LLMRequest) -> None:
    limits = services.config.safety.limits
    if len(body.query) > limits.max_query_chars:
        raise HTTPException(
            413,
            _detail(
                "The question is too long",
                f"{len(body.query)} characters; at most {limits.max_query_chars}",
            ),
        )
    attached = sum(len(a.content) for a in body.attachments)
    if attached > limits.max_attachments_chars:
        raise HTTPException(
            413,
            _detail(
                "The attachments are too large",
                f"{attached} characters in all; at most {limits.max_attachments_chars}",
            ),
        )


def _rate_limit(services: Services, user: AuthenticatedUser) -> None:
    wait = services.limiter.take(user.user_id)
    if wait > 0:
        raise HTTPException(
            429,
            _detail(
                "Too many requests",
                f"at most {services.config.safety.limits.requests_per_minute} per minute; "
                f"retry in {wait:.0f} s",
            ),
            headers={"Retry-After": str(max(1, round(wait)))},
        )


def _references(documents: list[dict[str, str]]) -> list[ReferencedDocument]:
    return [ReferencedDocument(**d) for d in documents]


def _count_tokens(services: Services, end: TurnEnd, labels: tuple[str, str]) -> None:
    services.metrics.llm_tokens_sent.labels(*labels).inc(end.input_tokens)
    services.metrics.llm_tokens_received.labels(*labels).inc(end.output_tokens)


def _json_frame(event: str, data: dict[str, Any]) -> str:
    return f"data: {json.dumps({'event': event, 'data': data})}\n\n"


def _text_frame(event: str, data: dict[str, Any]) -> str:
    if event == "token":
        return str(data["token"])
    if event == "tool_call":
        return f"\nTool call: {json.dumps(data)}\n"
    if event == "tool_result":
        return f"\nTool result: {json.dumps(data)}\n"
    if event == "error":
        return f"\nError: {data['response']}: {data['cause']}\n"
    if event == "end" and data.get("referenced_documents"):
        # as the reference does: one "title: url" line per document
        lines = (f"{d['doc_title']}: {d['doc_url']}" for d in data["referenced_documents"])
        return "\n\n" + "\n".join(lines) + "\n"
    return ""
