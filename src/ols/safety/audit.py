"""The audit trail of tool calls: one JSON line in the audit log and one database row per
call, with who asked, what ran (arguments redacted), how it ended, how long it took, and
the approval that allowed it, if any. Never a token."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ols.storage.database import Database, utc_now
from ols.storage.tables import ToolCallAuditRow


@dataclass(frozen=True)
class ToolCallAudit:
    user_id: str
    conversation_id: str | None
    tool: str
    server: str | None
    arguments: dict[str, Any]  # already redacted
    outcome: str
    duration_ms: float
    approval_id: str | None
    round: int


class AuditTrail:
    def __init__(self, database: Database, log_path: Path | None) -> None:
        self._run = database.run
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._file = log_path.open("a", encoding="utf-8", buffering=1)

    async def record(self, entry: ToolCallAudit) -> None:
        now = utc_now()
        if self._file is not None:
            line = json.dumps(
                {"time": now.isoformat(), "event": "tool_call", **entry.__dict__}, default=str
            )
            with self._lock:
                self._file.write(line + "\n")

        def work(session: Session) -> None:
            # An INSERT, not an ORM object: the flush machinery costs more than the row.
            session.execute(insert(ToolCallAuditRow).values(time=now, **entry.__dict__))

        await self._run(work)

    async def entries(self, user_id: str) -> list[dict[str, Any]]:
        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(
                select(ToolCallAuditRow)
                .where(ToolCallAuditRow.user_id == user_id)
                .order_by(ToolCallAuditRow.id)
            )
            return [
                {
                    "tool": r.tool,
                    "server": r.server,
                    "arguments": r.arguments,
                    "outcome": r.outcome,
                    "duration_ms": r.duration_ms,
                    "approval_id": r.approval_id,
                    "round": r.round,
                    "conversation_id": r.conversation_id,
                }
                for r in rows
            ]

        return await self._run(work)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
