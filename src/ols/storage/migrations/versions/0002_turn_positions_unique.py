"""One turn per position in a conversation: two replicas appending to the same
conversation at once cannot both take the same position (the second waits for the
conversation's row lock, and the index makes it a guarantee).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_turns_conversation_position", "turns", ["conversation_id", "position"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_turns_conversation_position", table_name="turns")
