"""question_log: the anonymised log of informational questions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("country", sa.String(16), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(48), nullable=True),
        sa.Column("gate", sa.Float(), nullable=True),
        sa.Column("passages", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.String(12), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trainer_needed", sa.Boolean(), nullable=False),
        sa.Column("handoff_reason", sa.String(32), nullable=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.CheckConstraint("route IN ('answer', 'handoff', 'clarify')", name="ck_question_log_route"),
        sa.CheckConstraint("feedback IS NULL OR feedback IN ('helpful', 'unhelpful')", name="ck_question_log_feedback"),
        sa.CheckConstraint("source IN ('bot', 'replay', 'demo')", name="ck_question_log_source"),
    )
    op.create_index("ix_question_log_pseudonym_asked_at", "question_log", ["pseudonym", "asked_at"])
    op.create_index("ix_question_log_asked_at", "question_log", ["asked_at"])


def downgrade() -> None:
    op.drop_table("question_log")
