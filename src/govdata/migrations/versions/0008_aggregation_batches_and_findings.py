"""aggregation batches and findings

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 11:06:21.485842
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aggregation_batches',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('payload_digest', sa.String(length=64), nullable=False),
    sa.Column('medium', sa.String(length=16), nullable=True),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['aggregation_datasets.id'], name=op.f('fk_aggregation_batches_dataset_id_aggregation_datasets')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_aggregation_batches_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_batches')),
    sa.UniqueConstraint('dataset_id', 'actor_name', 'idempotency_key', name=op.f('uq_aggregation_batches_dataset_id'))
    )
    with op.batch_alter_table('aggregation_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_batches_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aggregation_batches_department_id'), ['department_id'], unique=False)

    op.create_table('aggregation_findings',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['aggregation_datasets.id'], name=op.f('fk_aggregation_findings_dataset_id_aggregation_datasets')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_aggregation_findings_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_findings'))
    )
    with op.batch_alter_table('aggregation_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_findings_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aggregation_findings_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aggregation_findings_kind'), ['kind'], unique=False)



def downgrade() -> None:
    # The dataset tables (ds_*, made at run time) lose their batches, the provenance of every row, and the
    # registry goes with 0007: drop those registered in this database (a separate data database is left
    # alone), so that a downgrade to base leaves no table behind.
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    for (name,) in bind.execute(sa.text("SELECT table_name FROM aggregation_datasets")).all():
        if name in existing and name.startswith("ds_"):
            op.drop_table(name)
    with op.batch_alter_table('aggregation_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aggregation_findings_kind'))
        batch_op.drop_index(batch_op.f('ix_aggregation_findings_department_id'))
        batch_op.drop_index(batch_op.f('ix_aggregation_findings_dataset_id'))

    op.drop_table('aggregation_findings')
    with op.batch_alter_table('aggregation_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aggregation_batches_department_id'))
        batch_op.drop_index(batch_op.f('ix_aggregation_batches_dataset_id'))

    op.drop_table('aggregation_batches')
