"""Initial schema: postmortems, action items, owners, ticket links, status events, runs.

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('postmortem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('severity', sa.String(length=64), nullable=True),
    sa.Column('team', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('last_scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('path')
    )
    op.create_index(op.f('ix_postmortem_team'), 'postmortem', ['team'], unique=False)

    op.create_table('sync_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sync_run_kind'), 'sync_run', ['kind'], unique=False)
    op.create_index(op.f('ix_sync_run_started_at'), 'sync_run', ['started_at'], unique=False)

    op.create_table('sync_state',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('action_item',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('postmortem_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('owners', sa.JSON(), nullable=False),
    sa.Column('team', sa.String(length=200), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('doc_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['postmortem_id'], ['postmortem.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_action_item_due'), 'action_item', ['due'], unique=False)
    op.create_index(op.f('ix_action_item_postmortem_id'), 'action_item', ['postmortem_id'], unique=False)
    op.create_index(op.f('ix_action_item_removed_at'), 'action_item', ['removed_at'], unique=False)
    op.create_index('ix_action_item_status_due', 'action_item', ['status', 'due'], unique=False)
    op.create_index('ix_action_item_team_status', 'action_item', ['team', 'status'], unique=False)

    op.create_table('item_owner',
    sa.Column('item_id', sa.String(length=200), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['action_item.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'person')
    )
    op.create_index(op.f('ix_item_owner_person'), 'item_owner', ['person'], unique=False)

    op.create_table('reminder',
    sa.Column('item_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['action_item.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'kind')
    )
    op.create_table('status_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=200), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['action_item.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_status_event_at'), 'status_event', ['at'], unique=False)
    op.create_index('ix_status_event_item_at', 'status_event', ['item_id', 'at'], unique=False)

    op.create_table('ticket_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=200), nullable=False),
    sa.Column('system', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=512), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('remote_status', sa.String(length=16), nullable=True),
    sa.Column('remote_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_tracker', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['action_item.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('system', 'key', name='uq_ticket_link_system_key')
    )
    op.create_index(op.f('ix_ticket_link_item_id'), 'ticket_link', ['item_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_ticket_link_item_id'), table_name='ticket_link')

    op.drop_table('ticket_link')
    op.drop_index('ix_status_event_item_at', table_name='status_event')
    op.drop_index(op.f('ix_status_event_at'), table_name='status_event')

    op.drop_table('status_event')
    op.drop_table('reminder')
    op.drop_index(op.f('ix_item_owner_person'), table_name='item_owner')

    op.drop_table('item_owner')
    op.drop_index('ix_action_item_team_status', table_name='action_item')
    op.drop_index('ix_action_item_status_due', table_name='action_item')
    op.drop_index(op.f('ix_action_item_removed_at'), table_name='action_item')
    op.drop_index(op.f('ix_action_item_postmortem_id'), table_name='action_item')
    op.drop_index(op.f('ix_action_item_due'), table_name='action_item')

    op.drop_table('action_item')
    op.drop_table('sync_state')
    op.drop_index(op.f('ix_sync_run_started_at'), table_name='sync_run')
    op.drop_index(op.f('ix_sync_run_kind'), table_name='sync_run')

    op.drop_table('sync_run')
    op.drop_index(op.f('ix_postmortem_team'), table_name='postmortem')

    op.drop_table('postmortem')
