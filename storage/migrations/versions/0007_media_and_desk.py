"""tickets: media turns, first reply, reassignments, notices owed; group copies of media

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("first_answered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reassigned", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("notice", sa.String(length=16), nullable=True))
    with op.batch_alter_table("ticket_turns") as batch:
        batch.add_column(sa.Column("media_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("media_chat_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("media_message_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("group_messages") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), nullable=False, server_default="text"))
    # Tickets answered before this revision: their last answer is the best first-reply time known.
    op.execute("UPDATE tickets SET first_answered_at = answered_at WHERE answered_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("group_messages") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("ticket_turns") as batch:
        batch.drop_column("media_message_id")
        batch.drop_column("media_chat_id")
        batch.drop_column("media_kind")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("notice")
        batch.drop_column("reassigned")
        batch.drop_column("first_answered_at")
