"""tickets: the trainer handoff queue, and the turns of each ticket

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status <> 'closed'")


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("country", sa.String(16), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.BigInteger(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'claimed', 'answered', 'closed')", name="ck_tickets_status"),
        sa.CheckConstraint("priority IN ('urgent', 'normal')", name="ck_tickets_priority"),
    )
    op.create_index("ix_tickets_queue", "tickets", ["status", "priority", "created_at"])
    op.create_index("ix_tickets_posted_message_id", "tickets", ["posted_message_id"])
    op.create_index("ix_tickets_pseudonym", "tickets", ["pseudonym"])
    op.create_index(
        "uq_tickets_active_pseudonym", "tickets", ["pseudonym"], unique=True,
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )

    op.create_table(
        "ticket_turns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id", sa.Integer(),
            sa.ForeignKey("tickets.id", ondelete="CASCADE", name="fk_ticket_turns_ticket_id"), nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("sender IN ('migrant', 'trainer', 'bot')", name="ck_ticket_turns_sender"),
    )
    op.create_index("ix_ticket_turns_ticket_id", "ticket_turns", ["ticket_id"])
    op.create_index("ix_ticket_turns_undelivered", "ticket_turns", ["sender", "delivered_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_turns_undelivered", table_name="ticket_turns")
    op.drop_index("ix_ticket_turns_ticket_id", table_name="ticket_turns")
    op.drop_table("ticket_turns")
    op.drop_index("uq_tickets_active_pseudonym", table_name="tickets")
    op.drop_index("ix_tickets_pseudonym", table_name="tickets")
    op.drop_index("ix_tickets_posted_message_id", table_name="tickets")
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.drop_table("tickets")
