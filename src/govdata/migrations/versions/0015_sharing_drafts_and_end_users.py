"""sharing: drafts of share requests by staff, and the end user a request and its grant are for

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN without foreign keys (as in 0014): a batch-mode copy of share_requests would drop a
    # table that share_grants rows reference, and SQLite cannot add a foreign key in place.
    op.add_column('share_requests', sa.Column('end_user_id', sa.Integer(), nullable=True))
    op.add_column('share_requests', sa.Column('end_user_name', sa.String(length=100), nullable=True))
    op.add_column('share_requests', sa.Column('draft_item_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_share_requests_end_user_id'), 'share_requests', ['end_user_id'], unique=False)
    op.add_column('share_grants', sa.Column('end_user_id', sa.Integer(), nullable=True))
    op.add_column('share_grants', sa.Column('end_user_name', sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column('share_grants', 'end_user_name')
    op.drop_column('share_grants', 'end_user_id')
    op.drop_index(op.f('ix_share_requests_end_user_id'), table_name='share_requests')
    op.drop_column('share_requests', 'draft_item_id')
    op.drop_column('share_requests', 'end_user_name')
    op.drop_column('share_requests', 'end_user_id')
