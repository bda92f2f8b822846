"""Pending approvals and the turns waiting for them, in the database.

An approval belongs to the user whose question caused it (anyone else gets "not found"),
is decided once (a conditional update, so two replicas cannot both decide it), expires,
and carries a hash of the exact call, checked when it is decided and again before the
call runs. A turn continues once its last approval is decided; claiming it is also a
conditional update, so exactly one replica continues it. The decision rows are the audit
record: who decided, when, what, and which call it allowed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ols.agent.events import PendingCall
from ols.storage.database import Database, as_utc, utc_now
from ols.storage.tables import ApprovalRow, SuspendedTurnRow

log = logging.getLogger(__name__)


def call_hash(server: str | None, tool: str, arguments: Mapping[str, Any]) -> str:
    canonical = json.dumps([server, tool, arguments], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ApprovalNotFound(LookupError):
    """No such approval for this user (whether or not someone else has one)."""


class ApprovalConflict(Exception):
    """The approval cannot be decided: already decided, expired, or its call changed."""


@dataclass(frozen=True)
class IssuedApproval:
    approval_id: str
    pending: PendingCall


@dataclass(frozen=True)
class TurnToResume:
    turn_id: str
    user_id: str
    conversation_id: str
    create_conversation: bool
    query: str
    state: dict[str, Any]
    decisions: dict[str, tuple[bool, str]]  # call id -> (approved, reason)
    approval_ids: dict[str, str]  # call id -> approval id


@dataclass(frozen=True)
class DecisionOutcome:
    approval_id: str
    approved: bool
    remaining: int  # undecided approvals left in the turn
    resume: TurnToResume | None  # set when this was the last one and this caller claimed it


class ApprovalStore:
    def __init__(self, database: Database) -> None:
        self._run = database.run

    async def suspend(
        self,
        *,
        user_id: str,
        conversation_id: str,
        create_conversation: bool,
        query: str,
        state: dict[str, Any],
        pending: Sequence[PendingCall],
        expires_seconds: float,
    ) -> list[IssuedApproval]:
        def work(session: Session) -> list[IssuedApproval]:
            now = utc_now()
            turn = SuspendedTurnRow(
                id=str(uuid.uuid4()),
                user_id=user_id,
                conversation_id=conversation_id,
                create_conversation=create_conversation,
                query=query,
                state=state,
                status="suspended",
                created_at=now,
            )
            session.add(turn)
            session.flush()
            issued = []
            for item in pending:
                call = item.call
                row = ApprovalRow(
                    id=str(uuid.uuid4()),
                    turn_id=turn.id,
                    user_id=user_id,
                    call_id=call.id,
                    server=call.server_name,
                    tool=call.name,
                    arguments=call.args,
                    call_hash=call_hash(call.server_name, call.name, call.args),
                    created_at=now,
                    expires_at=now + timedelta(seconds=expires_seconds),
                )
                session.add(row)
                issued.append(IssuedApproval(row.id, item))
            return issued

        return await self._run(work)

    async def decide(
        self, *, user_id: str, approval_id: str, approved: bool, reason: str | None
    ) -> DecisionOutcome:
        def work(session: Session) -> DecisionOutcome:
            row = session.get(ApprovalRow, approval_id)
            if row is None or row.user_id != user_id:
                raise ApprovalNotFound(approval_id)
            if row.decision is not None:
                raise ApprovalConflict(
                    f"approval {approval_id} was already decided ({row.decision})"
                )
            now = utc_now()
            if as_utc(row.expires_at) <= now:
                raise ApprovalConflict(
                    f"approval {approval_id} expired at "
                    f"{as_utc(row.expires_at).isoformat()}; ask again"
                )
            if call_hash(row.server, row.tool, row.arguments) != row.call_hash:
                raise ApprovalConflict(
                    f"the call of approval {approval_id} changed after it "
                    "was requested; it cannot be approved"
                )
            verdict = "approved" if approved else "rejected"
            claimed = session.execute(
                update(ApprovalRow)
                .where(ApprovalRow.id == approval_id, ApprovalRow.decision.is_(None))
                .values(decision=verdict, reason=reason, decided_at=now, decided_by=user_id)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE result has rowcount
                raise ApprovalConflict(f"approval {approval_id} was already decided")
            log.info(
                "approval %s %s by %s: %s %s",
                approval_id,
                verdict,
                user_id,
                row.tool,
                json.dumps(row.arguments, sort_keys=True),
            )
            remaining = (
                session.scalar(
                    select(func.count())
                    .select_from(ApprovalRow)
                    .where(ApprovalRow.turn_id == row.turn_id, ApprovalRow.decision.is_(None))
                )
                or 0
            )
            resume = self._claim(session, row.turn_id) if remaining == 0 else None
            return DecisionOutcome(approval_id, approved, remaining, resume)

        return await self._run(work)

    @staticmethod
    def _claim(session: Session, turn_id: str) -> TurnToResume | None:
        claimed = session.execute(
            update(SuspendedTurnRow)
            .where(SuspendedTurnRow.id == turn_id, SuspendedTurnRow.status == "suspended")
            .values(status="resumed")
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE result has rowcount
            return None
        turn = session.get(SuspendedTurnRow, turn_id)
        assert turn is not None
        approvals = session.scalars(select(ApprovalRow).where(ApprovalRow.turn_id == turn_id))
        decisions = {}
        approval_ids = {}
        pending_hashes = {
            p["call"]["id"]: call_hash(
                p["call"]["server_name"], p["call"]["name"], p["call"]["args"]
            )
            for p in turn.state.get("pending", [])
        }
        for approval in approvals:
            # The call that will run must be the call that was approved.
            if pending_hashes.get(approval.call_id) != approval.call_hash:
                raise ApprovalConflict(
                    "the suspended call differs from the approved one; nothing was run"
                )
            decisions[approval.call_id] = (approval.decision == "approved", approval.reason or "")
            approval_ids[approval.call_id] = approval.id
        return TurnToResume(
            turn.id,
            turn.user_id,
            turn.conversation_id,
            turn.create_conversation,
            turn.query,
            dict(turn.state),
            decisions,
            approval_ids,
        )

    async def decisions_of(self, user_id: str) -> list[dict[str, Any]]:
        """The user's approvals with their decisions (the audit trail), newest first."""

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(
                select(ApprovalRow)
                .where(ApprovalRow.user_id == user_id)
                .order_by(ApprovalRow.created_at.desc())
            )
            return [
                {
                    "approval_id": r.id,
                    "tool": r.tool,
                    "server": r.server,
                    "arguments": r.arguments,
                    "decision": r.decision,
                    "reason": r.reason,
                    "decided_by": r.decided_by,
                    "decided_at": as_utc(r.decided_at).isoformat() if r.decided_at else None,
                    "expires_at": as_utc(r.expires_at).isoformat(),
                }
                for r in rows
            ]

        return await self._run(work)
