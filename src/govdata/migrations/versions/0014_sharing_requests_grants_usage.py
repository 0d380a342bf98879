"""sharing: share requests, grants, the usage ledger; work items get a counterpart and deadline overrides

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 15:21:31.779452
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD / DROP COLUMN (SQLite >= 3.35 has both): a batch-mode copy of work_items would drop a table
    # that work_steps rows reference. The counterpart is a department id without a foreign key for the same
    # reason (SQLite cannot add one in place).
    op.add_column('work_items', sa.Column('counterpart_department_id', sa.Integer(), nullable=True))
    op.add_column('work_items', sa.Column('deadline_days', sa.JSON(), nullable=True))
    op.create_table('share_requests',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=64), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('provider_department_id', sa.Integer(), nullable=False),
    sa.Column('requester_department_id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('access_method', sa.String(length=8), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('work_item_id', sa.Integer(), nullable=True),
    sa.Column('objection_item_id', sa.Integer(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('objection', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_by_user_id', sa.Integer(), nullable=True),
    sa.Column('terms', sa.JSON(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['objection_item_id'], ['work_items.id'], name=op.f('fk_share_requests_objection_item_id_work_items')),
    sa.ForeignKeyConstraint(['provider_department_id'], ['departments.id'], name=op.f('fk_share_requests_provider_department_id_departments')),
    sa.ForeignKeyConstraint(['requester_department_id'], ['departments.id'], name=op.f('fk_share_requests_requester_department_id_departments')),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_share_requests_resource_id_catalog_resources')),
    sa.ForeignKeyConstraint(['system_id'], ['business_systems.id'], name=op.f('fk_share_requests_system_id_business_systems')),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_items.id'], name=op.f('fk_share_requests_work_item_id_work_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_requests'))
    )
    with op.batch_alter_table('share_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_requests_provider_department_id'), ['provider_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_requester_department_id'), ['requester_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_resource_code'), ['resource_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_resource_id'), ['resource_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_system_id'), ['system_id'], unique=False)

    op.create_table('share_grants',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=64), nullable=False),
    sa.Column('provider_department_id', sa.Integer(), nullable=False),
    sa.Column('consumer_department_id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('row_scope', sa.JSON(), nullable=False),
    sa.Column('masking', sa.JSON(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('access_method', sa.String(length=8), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('rate_per_minute', sa.Integer(), nullable=False),
    sa.Column('daily_quota', sa.Integer(), nullable=False),
    sa.Column('approvers', sa.String(length=400), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consumer_department_id'], ['departments.id'], name=op.f('fk_share_grants_consumer_department_id_departments')),
    sa.ForeignKeyConstraint(['provider_department_id'], ['departments.id'], name=op.f('fk_share_grants_provider_department_id_departments')),
    sa.ForeignKeyConstraint(['request_id'], ['share_requests.id'], name=op.f('fk_share_grants_request_id_share_requests')),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_share_grants_resource_id_catalog_resources')),
    sa.ForeignKeyConstraint(['system_id'], ['business_systems.id'], name=op.f('fk_share_grants_system_id_business_systems')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_grants'))
    )
    with op.batch_alter_table('share_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_grants_consumer_department_id'), ['consumer_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_grants_provider_department_id'), ['provider_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_grants_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_grants_resource_code'), ['resource_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_grants_resource_id'), ['resource_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_grants_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_grants_system_id'), ['system_id'], unique=False)

    op.create_table('share_usage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=True),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('provider_department_id', sa.Integer(), nullable=True),
    sa.Column('consumer_department_id', sa.Integer(), nullable=True),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('end_user', sa.String(length=64), nullable=True),
    sa.Column('endpoint', sa.String(length=16), nullable=False),
    sa.Column('medium', sa.String(length=16), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('personal_rows', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('audit_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['grant_id'], ['share_grants.id'], name=op.f('fk_share_usage_grant_id_share_grants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_usage'))
    )
    with op.batch_alter_table('share_usage', schema=None) as batch_op:
        batch_op.create_index('ix_share_usage_at', ['at'], unique=False)
        batch_op.create_index('ix_share_usage_consumer_at', ['consumer_department_id', 'at'], unique=False)
        batch_op.create_index('ix_share_usage_grant_at', ['grant_id', 'at'], unique=False)
        batch_op.create_index('ix_share_usage_resource_at', ['resource_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('share_usage', schema=None) as batch_op:
        batch_op.drop_index('ix_share_usage_resource_at')
        batch_op.drop_index('ix_share_usage_grant_at')
        batch_op.drop_index('ix_share_usage_consumer_at')
        batch_op.drop_index('ix_share_usage_at')

    op.drop_table('share_usage')
    with op.batch_alter_table('share_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_grants_system_id'))
        batch_op.drop_index(batch_op.f('ix_share_grants_status'))
        batch_op.drop_index(batch_op.f('ix_share_grants_resource_id'))
        batch_op.drop_index(batch_op.f('ix_share_grants_resource_code'))
        batch_op.drop_index(batch_op.f('ix_share_grants_request_id'))
        batch_op.drop_index(batch_op.f('ix_share_grants_provider_department_id'))
        batch_op.drop_index(batch_op.f('ix_share_grants_consumer_department_id'))

    op.drop_table('share_grants')
    with op.batch_alter_table('share_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_requests_system_id'))
        batch_op.drop_index(batch_op.f('ix_share_requests_status'))
        batch_op.drop_index(batch_op.f('ix_share_requests_resource_id'))
        batch_op.drop_index(batch_op.f('ix_share_requests_resource_code'))
        batch_op.drop_index(batch_op.f('ix_share_requests_requester_department_id'))
        batch_op.drop_index(batch_op.f('ix_share_requests_provider_department_id'))

    op.drop_table('share_requests')
    op.drop_column('work_items', 'deadline_days')
    op.drop_column('work_items', 'counterpart_department_id')

