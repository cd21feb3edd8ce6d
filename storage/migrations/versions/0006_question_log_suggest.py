"""question_log: the `suggest` route (choices offered) and the passage the person chose

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("question_log") as batch:
        batch.drop_constraint("ck_question_log_route", type_="check")
        batch.create_check_constraint("ck_question_log_route", "route IN ('answer', 'suggest', 'handoff', 'clarify')")
        batch.add_column(sa.Column("chosen", sa.String(length=160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question_log") as batch:
        batch.drop_column("chosen")
        batch.drop_constraint("ck_question_log_route", type_="check")
        batch.create_check_constraint("ck_question_log_route", "route IN ('answer', 'handoff', 'clarify')")
