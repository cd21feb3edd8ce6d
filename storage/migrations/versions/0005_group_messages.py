"""group_messages: the bot's posts about each ticket in the trainers' group, to redact them on deletion

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("redact", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_group_messages_ticket_id", "group_messages", ["ticket_id"])
    op.create_index("ix_group_messages_redact", "group_messages", ["redact"])


def downgrade() -> None:
    op.drop_index("ix_group_messages_redact", table_name="group_messages")
    op.drop_index("ix_group_messages_ticket_id", table_name="group_messages")
    op.drop_table("group_messages")
