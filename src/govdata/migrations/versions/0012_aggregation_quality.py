"""aggregation quality snapshots (GEN-2)

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-25 15:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aggregation_quality_snapshots',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('measured_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=True),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('table_measured_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('current_rows', sa.Integer(), nullable=False),
    sa.Column('completeness', sa.Float(), nullable=True),
    sa.Column('required_completeness', sa.Float(), nullable=True),
    sa.Column('validity', sa.Float(), nullable=True),
    sa.Column('uniqueness', sa.Float(), nullable=True),
    sa.Column('timeliness', sa.Float(), nullable=True),
    sa.Column('timeliness_status', sa.String(length=16), nullable=False),
    sa.Column('late_by_hours', sa.Float(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['aggregation_datasets.id'], name=op.f('fk_aggregation_quality_snapshots_dataset_id_aggregation_datasets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_quality_snapshots'))
    )
    with op.batch_alter_table('aggregation_quality_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_aggregation_quality_snapshots_dataset_measured', ['dataset_id', 'measured_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('aggregation_quality_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_aggregation_quality_snapshots_dataset_measured')

    op.drop_table('aggregation_quality_snapshots')
