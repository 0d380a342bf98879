"""aggregation datasets registry (the dataset tables ds_* themselves are made at run time, not here)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:59:05.427318
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aggregation_datasets',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('created_version_no', sa.Integer(), nullable=False),
    sa.Column('last_version_no', sa.Integer(), nullable=False),
    sa.Column('row_count_estimate', sa.Integer(), nullable=False),
    sa.Column('last_batch_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_aggregation_datasets_resource_id_catalog_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_datasets')),
    sa.UniqueConstraint('resource_id', name=op.f('uq_aggregation_datasets_resource_id')),
    sa.UniqueConstraint('table_name', name=op.f('uq_aggregation_datasets_table_name'))
    )


def downgrade() -> None:
    op.drop_table('aggregation_datasets')
