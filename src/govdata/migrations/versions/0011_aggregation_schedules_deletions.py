"""aggregation filed schedules and deletion requests

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-26 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def _entity_columns() -> list[sa.Column]:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('aggregation_schedules',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('every_hours', sa.Integer(), nullable=True),
    sa.Column('due_within', sa.Integer(), nullable=False),
    sa.Column('due_unit', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('filed_by', sa.String(length=200), nullable=False),
    sa.Column('work_item_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('effective_from', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    *_entity_columns(),
    sa.ForeignKeyConstraint(['dataset_id'], ['aggregation_datasets.id'], name=op.f('fk_aggregation_schedules_dataset_id_aggregation_datasets')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_aggregation_schedules_department_id_departments')),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_aggregation_schedules_resource_id_catalog_resources')),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_items.id'], name=op.f('fk_aggregation_schedules_work_item_id_work_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_schedules'))
    )
    with op.batch_alter_table('aggregation_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_schedules_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aggregation_schedules_department_id'), ['department_id'], unique=False)

    op.create_table('aggregation_deletions',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('keys', sa.JSON(), nullable=False),
    sa.Column('key_count', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('work_item_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    *_entity_columns(),
    sa.ForeignKeyConstraint(['batch_id'], ['aggregation_batches.id'], name=op.f('fk_aggregation_deletions_batch_id_aggregation_batches')),
    sa.ForeignKeyConstraint(['dataset_id'], ['aggregation_datasets.id'], name=op.f('fk_aggregation_deletions_dataset_id_aggregation_datasets')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_aggregation_deletions_department_id_departments')),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_aggregation_deletions_resource_id_catalog_resources')),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_items.id'], name=op.f('fk_aggregation_deletions_work_item_id_work_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_deletions'))
    )
    with op.batch_alter_table('aggregation_deletions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_deletions_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aggregation_deletions_department_id'), ['department_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('aggregation_deletions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aggregation_deletions_department_id'))
        batch_op.drop_index(batch_op.f('ix_aggregation_deletions_dataset_id'))

    op.drop_table('aggregation_deletions')
    with op.batch_alter_table('aggregation_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aggregation_schedules_department_id'))
        batch_op.drop_index(batch_op.f('ix_aggregation_schedules_dataset_id'))

    op.drop_table('aggregation_schedules')
