"""aggregation pull sources and runs (database pulls), stream subscriptions and runs (NATS JetStream)

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-26 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0010'
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
    op.create_table('aggregation_pull_sources',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('dialect', sa.String(length=32), nullable=False),
    sa.Column('url_enc', sa.Text(), nullable=False),
    sa.Column('url_masked', sa.String(length=1000), nullable=False),
    sa.Column('table_name', sa.String(length=200), nullable=True),
    sa.Column('query', sa.Text(), nullable=True),
    sa.Column('key_columns', sa.JSON(), nullable=False),
    sa.Column('watermark_column', sa.String(length=100), nullable=False),
    sa.Column('column_map', sa.JSON(), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('position', sa.JSON(), nullable=True),
    sa.Column('backlog', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=16), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    *_entity_columns(),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_aggregation_pull_sources_department_id_departments')),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_aggregation_pull_sources_resource_id_catalog_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_pull_sources')),
    sa.UniqueConstraint('resource_id', 'name', name=op.f('uq_aggregation_pull_sources_resource_id'))
    )
    with op.batch_alter_table('aggregation_pull_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_pull_sources_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aggregation_pull_sources_resource_id'), ['resource_id'], unique=False)

    op.create_table('aggregation_pull_runs',
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('started_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('batch_ids', sa.JSON(), nullable=False),
    sa.Column('position_from', sa.JSON(), nullable=True),
    sa.Column('position_to', sa.JSON(), nullable=True),
    sa.Column('more', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    *_entity_columns(),
    sa.ForeignKeyConstraint(['source_id'], ['aggregation_pull_sources.id'], name=op.f('fk_aggregation_pull_runs_source_id_aggregation_pull_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_pull_runs'))
    )
    with op.batch_alter_table('aggregation_pull_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_pull_runs_source_id'), ['source_id'], unique=False)

    op.create_table('aggregation_stream_subscriptions',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('server_enc', sa.Text(), nullable=False),
    sa.Column('server_masked', sa.String(length=500), nullable=False),
    sa.Column('stream', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('durable', sa.String(length=100), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('max_messages', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=16), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    *_entity_columns(),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_aggregation_stream_subscriptions_department_id_departments')),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_aggregation_stream_subscriptions_resource_id_catalog_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_stream_subscriptions')),
    sa.UniqueConstraint('resource_id', 'name', name=op.f('uq_aggregation_stream_subscriptions_resource_id')),
    sa.UniqueConstraint('stream', 'durable', name=op.f('uq_aggregation_stream_subscriptions_stream'))
    )
    with op.batch_alter_table('aggregation_stream_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_stream_subscriptions_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aggregation_stream_subscriptions_resource_id'), ['resource_id'], unique=False)

    op.create_table('aggregation_stream_runs',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('started_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.Column('replayed', sa.Integer(), nullable=False),
    sa.Column('terminated', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('batch_ids', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    *_entity_columns(),
    sa.ForeignKeyConstraint(['subscription_id'], ['aggregation_stream_subscriptions.id'], name=op.f('fk_aggregation_stream_runs_subscription_id_aggregation_stream_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_stream_runs'))
    )
    with op.batch_alter_table('aggregation_stream_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregation_stream_runs_subscription_id'), ['subscription_id'], unique=False)


def downgrade() -> None:
    op.drop_table('aggregation_stream_runs')
    op.drop_table('aggregation_stream_subscriptions')
    # then the pull tables
    op.drop_table('aggregation_pull_runs')
    op.drop_table('aggregation_pull_sources')
