"""status_event.source holds any connector's name: as wide as ticket.system (32).

Revision ID: 0004
Revises: 0003

It was 16 characters, enough for "document", "jira" and "github" but not for a
third-party connector's entry-point name, which PostgreSQL then refused mid-sync.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_event") as batch:
        batch.alter_column(
            "source", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )


def downgrade() -> None:
    with op.batch_alter_table("status_event") as batch:
        batch.alter_column(
            "source", existing_type=sa.String(length=32), type_=sa.String(length=16)
        )
