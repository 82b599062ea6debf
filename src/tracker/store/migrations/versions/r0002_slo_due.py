"""SLO deadlines: action_item.slo_due, and due_derived for a due date taken from it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("action_item") as batch:
        batch.add_column(
            sa.Column("due_derived", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("slo_due", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action_item") as batch:
        batch.drop_column("slo_due")
        batch.drop_column("due_derived")
