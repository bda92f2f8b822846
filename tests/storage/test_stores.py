"""The stores on SQLite and on PostgreSQL: conversations, feedback, approvals and the
tool-call audit, each scoped to its user; and on PostgreSQL, two replicas (two `Database`
objects, as two processes have) writing the same rows at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest

from ols.agent.events import PendingCall, ToolCallRecord
from ols.approvals.store import ApprovalConflict, ApprovalNotFound, ApprovalStore
from ols.safety.audit import AuditTrail, ToolCallAudit
from ols.storage.conversations import ConversationNotFound, ConversationStore, StoredTurn
from ols.storage.database import Database
from tests.support.database import query

T = TypeVar("T")


def run(body: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(body())


async def _database(url: str) -> Database:
    database = Database(url)
    await database.prepare(migrate=True)
    return database


def _replica_count(url: str) -> int:
    # SQLite is one process's database; PostgreSQL is shared by replicas.
    return 2 if url.startswith("postgresql") else 1


@asynccontextmanager
async def _replicas(url: str) -> AsyncIterator[list[Database]]:
    databases = [await _database(url) for _ in range(_replica_count(url))]
    try:
        yield databases
    finally:
        for database in databases:
            await database.close()


def test_conversations_belong_to_their_user(database_url: str) -> None:
    async def body() -> None:
        database = await _database(database_url)
        store = ConversationStore(database)
        try:
            first = await store.append_turn(
                "alice", None, StoredTurn("why?", "because", [{"id": "1"}], []), create=True
            )
            await store.append_turn("alice", first, StoredTurn("and?", "then"), create=False)
            other = await store.append_turn("alice", None, StoredTurn("new", "one"), create=True)
            history = await store.history("alice", first)
            assert [(t.query, t.response) for t in history] == [
                ("why?", "because"),
                ("and?", "then"),
            ]
            assert history[0].tool_calls == [{"id": "1"}]
            listed = await store.list("alice")
            assert [c.conversation_id for c in listed] == [other, first]  # newest first
            assert listed[1].message_count == 4
            assert await store.list("bob") == []
            with pytest.raises(ConversationNotFound):
                await store.history("bob", first)
            with pytest.raises(ConversationNotFound):
                await store.append_turn("bob", first, StoredTurn("x", "y"), create=False)
            assert not await store.set_topic("bob", first, "mine now")
            assert not await store.delete("bob", first)
            assert await store.set_topic("alice", first, "the why")
            assert (await store.list("alice"))[1].topic_summary == "the why"
            await store.append_turn("alice", first, StoredTurn("more?", "yes"), create=False)
            listed = await store.list("alice")
            assert [c.conversation_id for c in listed] == [first, other]  # its turn is newest
            assert listed[0].message_count == 6
            await store.add_feedback("alice", first, "why?", "because", 1, "good")
            assert await store.delete("alice", first)
            assert not await store.exists("alice", first)
            assert await store.exists("alice", other)
        finally:
            await database.close()

    run(body)
    # Deleting a conversation deletes its turns; the feedback stays.
    assert query(database_url, "SELECT count(*) FROM turns")[0][0] == 1
    assert query(database_url, "SELECT user_id, sentiment FROM feedback") == [("alice", 1)]


def test_concurrent_turns_in_one_conversation_are_each_kept_once(database_url: str) -> None:
    """Replicas appending to one conversation at once: every turn kept, each once, in
    distinct positions."""

    async def body() -> str:
        async with _replicas(database_url) as replicas:
            stores = [ConversationStore(d) for d in replicas]
            conversation = await stores[0].append_turn(
                "alice", None, StoredTurn("q0", "a0"), create=True
            )
            await asyncio.gather(
                *(
                    stores[n % len(stores)].append_turn(
                        "alice", conversation, StoredTurn(f"q{n}", f"a{n}"), create=False
                    )
                    for n in range(1, 13)
                )
            )
            history = await stores[-1].history("alice", conversation)
            assert sorted(t.query for t in history) == sorted(f"q{n}" for n in range(13))
        return conversation

    conversation = run(body)
    positions = query(
        database_url,
        "SELECT position FROM turns WHERE conversation_id = :c ORDER BY position",
        {"c": conversation},
    )
    assert [p for (p,) in positions] == list(range(13))


def _pending(call_id: str, scale: int) -> PendingCall:
    call = ToolCallRecord(
        call_id,
        "resources_scale",
        {"kind": "Deployment", "name": "web", "scale": scale},
        1,
        "kubernetes",
    )
    return PendingCall(call, "Scale a resource", {"readOnlyHint": False})


def _state(*pending: PendingCall) -> dict[str, Any]:
    # The part of a TurnState the store reads: the pending calls.
    return {
        "pending": [
            {
                "call": {
                    "id": p.call.id,
                    "name": p.call.name,
                    "args": p.call.args,
                    "server_name": p.call.server_name,
                }
            }
            for p in pending
        ]
    }


def test_an_approval_is_decided_once_whichever_replica_is_asked(database_url: str) -> None:
    async def body() -> None:
        async with _replicas(database_url) as replicas:
            stores = [ApprovalStore(d) for d in replicas]
            calls = [_pending("c1", 5)]
            (issued,) = await stores[0].suspend(
                user_id="alice",
                conversation_id="conv",
                create_conversation=True,
                query="scale web",
                state=_state(*calls),
                pending=calls,
                expires_seconds=600,
            )
            with pytest.raises(ApprovalNotFound):
                await stores[-1].decide(
                    user_id="bob", approval_id=issued.approval_id, approved=True, reason=None
                )
            outcomes = await asyncio.gather(
                *(
                    stores[n % len(stores)].decide(
                        user_id="alice",
                        approval_id=issued.approval_id,
                        approved=True,
                        reason=f"try {n}",
                    )
                    for n in range(6)
                ),
                return_exceptions=True,
            )
            decided = [o for o in outcomes if not isinstance(o, BaseException)]
            refused = [o for o in outcomes if isinstance(o, ApprovalConflict)]
            assert len(decided) == 1 and len(refused) == 5, outcomes
            (outcome,) = decided
            assert outcome.remaining == 0 and outcome.resume is not None
            assert outcome.resume.decisions["c1"][0] is True
            assert outcome.resume.approval_ids == {"c1": issued.approval_id}
            (record,) = await stores[-1].decisions_of("alice")
            assert record["decision"] == "approved" and record["decided_by"] == "alice"

    run(body)
    assert query(database_url, "SELECT status FROM suspended_turns") == [("resumed",)]


def test_the_audit_trail_keeps_each_call_with_its_user(database_url: str) -> None:
    async def body() -> None:
        database = await _database(database_url)
        trail = AuditTrail(database, None)
        try:
            for user, tool in (("alice", "pods_list"), ("bob", "pods_get"), ("alice", "x")):
                await trail.record(
                    ToolCallAudit(
                        user, "conv", tool, "kubernetes", {"n": 1}, "success", 2.5, None, 1
                    )
                )
            alice = await trail.entries("alice")
            assert [e["tool"] for e in alice] == ["pods_list", "x"]
            assert alice[0]["arguments"] == {"n": 1} and alice[0]["duration_ms"] == 2.5
            assert [e["tool"] for e in await trail.entries("bob")] == ["pods_get"]
        finally:
            trail.close()
            await database.close()

    run(body)
