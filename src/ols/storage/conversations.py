"""Conversations and their turns, per user.

Every read and write names the user: a conversation that belongs to someone else is
indistinguishable from one that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ols.storage.database import Database, as_utc, utc_now
from ols.storage.tables import ConversationRow, FeedbackRow, TurnRow


@dataclass(frozen=True)
class StoredTurn:
    query: str
    response: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    tool_results: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ConversationSummary:
    conversation_id: str
    topic_summary: str
    last_message_timestamp: float
    message_count: int


class ConversationNotFound(LookupError):
    """No such conversation for this user (whether or not another user has one)."""


class ConversationStore:
    def __init__(self, database: Database) -> None:
        self._run = database.run

    @staticmethod
    def _owned(
        session: Session, user_id: str, conversation_id: str, *, lock: bool = False
    ) -> ConversationRow:
        # `lock`: hold the row until the transaction ends (PostgreSQL), so two replicas
        # appending to one conversation take turns.
        row = session.get(ConversationRow, conversation_id, with_for_update=lock)
        if row is None or row.user_id != user_id:
            raise ConversationNotFound(conversation_id)
        return row

    async def history(self, user_id: str, conversation_id: str) -> list[StoredTurn]:
        def work(session: Session) -> list[StoredTurn]:
            row = self._owned(session, user_id, conversation_id)
            return [
                StoredTurn(t.query, t.response, list(t.tool_calls), list(t.tool_results))
                for t in row.turns
            ]

        return await self._run(work)

    async def exists(self, user_id: str, conversation_id: str) -> bool:
        def work(session: Session) -> bool:
            row = session.get(ConversationRow, conversation_id)
            return row is not None and row.user_id == user_id

        return await self._run(work)

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    async def append_turn(
        self, user_id: str, conversation_id: str | None, turn: StoredTurn, *, create: bool
    ) -> str:
        """Add a turn. With `create`, a new conversation (under `conversation_id`, or a new
        id); without, the user's existing one (ConversationNotFound otherwise)."""

        def work(session: Session) -> str:
            # Statements rather than ORM objects: the unit of work's flush (dependency sort,
            # orphan checks) cost more than the rows, and a follow-up no longer loads every
            # earlier turn to count them.
            now = utc_now()
            if create:
                row_id = conversation_id or self.new_id()
                session.execute(
                    insert(ConversationRow).values(
                        id=row_id,
                        user_id=user_id,
                        topic_summary=turn.query[:80],
                        created_at=now,
                        last_message_at=now,
                    )
                )
                position = 0
            else:
                if conversation_id is None:
                    raise ConversationNotFound("")
                row_id = self._owned(session, user_id, conversation_id, lock=True).id
                position = (
                    session.scalar(
                        select(func.count())
                        .select_from(TurnRow)
                        .where(TurnRow.conversation_id == row_id)
                    )
                    or 0
                )
                session.execute(
                    update(ConversationRow)
                    .where(ConversationRow.id == row_id)
                    .values(last_message_at=now)
                )
            session.execute(
                insert(TurnRow).values(
                    conversation_id=row_id,
                    position=position,
                    query=turn.query,
                    response=turn.response,
                    tool_calls=turn.tool_calls,
                    tool_results=turn.tool_results,
                    created_at=now,
                )
            )
            return row_id

        return await self._run(work)

    async def list(self, user_id: str) -> list[ConversationSummary]:
        def work(session: Session) -> list[ConversationSummary]:
            rows = session.scalars(
                select(ConversationRow)
                .where(ConversationRow.user_id == user_id)
                .order_by(ConversationRow.last_message_at.desc())
            ).all()
            return [
                ConversationSummary(
                    r.id, r.topic_summary, as_utc(r.last_message_at).timestamp(), len(r.turns) * 2
                )
                for r in rows
            ]

        return await self._run(work)

    async def delete(self, user_id: str, conversation_id: str) -> bool:
        def work(session: Session) -> bool:
            try:
                session.delete(self._owned(session, user_id, conversation_id))
            except ConversationNotFound:
                return False
            return True

        return await self._run(work)

    async def set_topic(self, user_id: str, conversation_id: str, topic: str) -> bool:
        def work(session: Session) -> bool:
            try:
                self._owned(session, user_id, conversation_id).topic_summary = topic
            except ConversationNotFound:
                return False
            return True

        return await self._run(work)

    async def add_feedback(
        self,
        user_id: str,
        conversation_id: str,
        user_question: str,
        llm_response: str,
        sentiment: int | None,
        user_feedback: str | None,
    ) -> None:
        def work(session: Session) -> None:
            session.add(
                FeedbackRow(
                    user_id=user_id,
                    conversation_id=conversation_id,
                    user_question=user_question,
                    llm_response=llm_response,
                    sentiment=sentiment,
                    user_feedback=user_feedback,
                    created_at=utc_now(),
                )
            )

        await self._run(work)
