"""aggregation file loads

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 12:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aggregation_file_loads',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=200), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('sample', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('report_name', sa.String(length=200), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('finished_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['aggregation_batches.id'], name=op.f('fk_aggregation_file_loads_batch_id_aggregation_batches')),
    sa.ForeignKeyConstraint(['dataset_id'], ['aggregation_datasets.id'], name=op.f('fk_aggregation_file_loads_dataset_id_aggregation_datasets')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_aggregation_file_loads_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_file_loads'))
    )
    with op.batch_alter_table('aggregation_file_loads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_file_loads_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aggregation_file_loads_department_id'), ['department_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('aggregation_file_loads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aggregation_file_loads_department_id'))
        batch_op.drop_index(batch_op.f('ix_aggregation_file_loads_dataset_id'))
    op.drop_table('aggregation_file_loads')
