"""The tables as ols created them before migrations.

A database that `create_all` made before this revision existed already has some or all of
them: only the missing ones are created, so it continues with its data.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> dict[str, tuple[list[sa.schema.SchemaItem], list[tuple[str, list[str]]]]]:
    """Table name -> (columns and constraints, indexes)."""
    when = sa.DateTime(timezone=True)
    return {
        "conversations": (
            [
                sa.Column("id", sa.String(64), primary_key=True),
                sa.Column("user_id", sa.String(256), nullable=False),
                sa.Column("topic_summary", sa.Text(), nullable=False),
                sa.Column("created_at", when, nullable=False),
                sa.Column("last_message_at", when, nullable=False),
            ],
            [("ix_conversations_user_id", ["user_id"])],
        ),
        "feedback": (
            [
                sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
                sa.Column("user_id", sa.String(256), nullable=False),
                sa.Column("conversation_id", sa.String(64), nullable=False),
                sa.Column("user_question", sa.Text(), nullable=False),
                sa.Column("llm_response", sa.Text(), nullable=False),
                sa.Column("sentiment", sa.Integer(), nullable=True),
                sa.Column("user_feedback", sa.Text(), nullable=True),
                sa.Column("created_at", when, nullable=False),
            ],
            [("ix_feedback_user_id", ["user_id"])],
        ),
        "turns": (
            [
                sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
                sa.Column(
                    "conversation_id",
                    sa.String(64),
                    sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                    nullable=False,
                ),
                sa.Column("position", sa.Integer(), nullable=False),
                sa.Column("query", sa.Text(), nullable=False),
                sa.Column("response", sa.Text(), nullable=False),
                sa.Column("tool_calls", sa.JSON(), nullable=False),
                sa.Column("tool_results", sa.JSON(), nullable=False),
                sa.Column("created_at", when, nullable=False),
            ],
            [("ix_turns_conversation_id", ["conversation_id"])],
        ),
        "suspended_turns": (
            [
                sa.Column("id", sa.String(64), primary_key=True),
                sa.Column("user_id", sa.String(256), nullable=False),
                sa.Column("conversation_id", sa.String(64), nullable=False),
                sa.Column("create_conversation", sa.Boolean(), nullable=False),
                sa.Column("query", sa.Text(), nullable=False),
                sa.Column("state", sa.JSON(), nullable=False),
                sa.Column("status", sa.String(16), nullable=False),
                sa.Column("created_at", when, nullable=False),
            ],
            [("ix_suspended_turns_user_id", ["user_id"])],
        ),
        "approvals": (
            [
                sa.Column("id", sa.String(64), primary_key=True),
                sa.Column(
                    "turn_id",
                    sa.String(64),
                    sa.ForeignKey("suspended_turns.id"),
                    nullable=False,
                ),
                sa.Column("user_id", sa.String(256), nullable=False),
                sa.Column("call_id", sa.String(128), nullable=False),
                sa.Column("server", sa.String(64), nullable=True),
                sa.Column("tool", sa.String(256), nullable=False),
                sa.Column("arguments", sa.JSON(), nullable=False),
                sa.Column("call_hash", sa.String(64), nullable=False),
                sa.Column("created_at", when, nullable=False),
                sa.Column("expires_at", when, nullable=False),
                sa.Column("decision", sa.String(16), nullable=True),
                sa.Column("reason", sa.Text(), nullable=True),
                sa.Column("decided_at", when, nullable=True),
                sa.Column("decided_by", sa.String(256), nullable=True),
            ],
            [("ix_approvals_user_id", ["user_id"]), ("ix_approvals_turn_id", ["turn_id"])],
        ),
        "tool_call_audit": (
            [
                sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
                sa.Column("time", when, nullable=False),
                sa.Column("user_id", sa.String(256), nullable=False),
                sa.Column("conversation_id", sa.String(64), nullable=True),
                sa.Column("tool", sa.String(256), nullable=False),
                sa.Column("server", sa.String(64), nullable=True),
                sa.Column("arguments", sa.JSON(), nullable=False),
                sa.Column("outcome", sa.String(32), nullable=False),
                sa.Column("duration_ms", sa.Float(), nullable=False),
                sa.Column("approval_id", sa.String(64), nullable=True),
                sa.Column("round", sa.Integer(), nullable=False),
            ],
            [("ix_tool_call_audit_user_id", ["user_id"])],
        ),
    }


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, (columns, indexes) in _tables().items():
        if name in existing:
            continue
        op.create_table(name, *columns)
        for index, indexed in indexes:
            op.create_index(index, name, indexed)


def downgrade() -> None:
    for name in reversed(list(_tables())):
        op.drop_table(name)
