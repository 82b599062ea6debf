"""action_item's postmortem index covers what the report's postmortem closure reads.

Revision ID: 0005
Revises: 0004

The closure sums each postmortem's items (open count, first seen, last close, among the
items present and of the team asked for). With those columns in the index that leads
with postmortem_id, SQLite groups by reading the index in order: at 100,000 items
0.14 → 0.06 s, instead of scanning the table and sorting it. The index replaces the
plain postmortem_id one, which it also serves for (a prefix).
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = ["postmortem_id", "status", "first_seen_at", "closed_at", "removed_at", "team"]


def upgrade() -> None:
    op.create_index("ix_action_item_postmortem_closure", "action_item", _COLUMNS)
    op.drop_index("ix_action_item_postmortem_id", table_name="action_item")


def downgrade() -> None:
    op.create_index("ix_action_item_postmortem_id", "action_item", ["postmortem_id"])
    op.drop_index("ix_action_item_postmortem_closure", table_name="action_item")
