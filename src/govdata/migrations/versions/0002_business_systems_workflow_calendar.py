"""business systems, workflow, calendar

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:18:00.248054
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('set_by', sa.String(length=100), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_days_day'))
    )
    op.create_table('request_nonces',
    sa.Column('app_key', sa.String(length=40), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_nonces')),
    sa.UniqueConstraint('app_key', 'nonce', name='uq_request_nonces_app_key_nonce')
    )
    with op.batch_alter_table('request_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_nonces_expires_at'), ['expires_at'], unique=False)

    op.create_table('business_systems',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('owner_name', sa.String(length=50), nullable=False),
    sa.Column('owner_phone', sa.String(length=30), nullable=False),
    sa.Column('owner_email', sa.String(length=120), nullable=True),
    sa.Column('network_zone', sa.String(length=20), nullable=False),
    sa.Column('security_grade', sa.Integer(), nullable=False),
    sa.Column('assessor', sa.String(length=100), nullable=False),
    sa.Column('assessment_report_no', sa.String(length=60), nullable=False),
    sa.Column('assessment_date', sa.Date(), nullable=False),
    sa.Column('assessment_valid_until', sa.Date(), nullable=False),
    sa.Column('perf_tester', sa.String(length=100), nullable=True),
    sa.Column('perf_report_no', sa.String(length=60), nullable=True),
    sa.Column('perf_test_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('app_key', sa.String(length=40), nullable=True),
    sa.Column('approved_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('revoked_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_business_systems_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_systems')),
    sa.UniqueConstraint('app_key', name=op.f('uq_business_systems_app_key')),
    sa.UniqueConstraint('department_id', 'name', name='uq_business_systems_department_name')
    )
    with op.batch_alter_table('business_systems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_systems_department_id'), ['department_id'], unique=False)

    op.create_table('work_items',
    sa.Column('process', sa.String(length=50), nullable=False),
    sa.Column('subject_type', sa.String(length=50), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=False),
    sa.Column('holder_role', sa.String(length=30), nullable=True),
    sa.Column('holder_department_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deadline_fallback', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('closed_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['holder_department_id'], ['departments.id'], name=op.f('fk_work_items_holder_department_id_departments')),
    sa.ForeignKeyConstraint(['owner_department_id'], ['departments.id'], name=op.f('fk_work_items_owner_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_items'))
    )
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.create_index('ix_work_items_holder', ['holder_role', 'holder_department_id', 'closed_at'], unique=False)
        batch_op.create_index('ix_work_items_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('system_secrets',
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('secret_enc', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('revealed_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revealed_to', sa.String(length=100), nullable=True),
    sa.Column('grace_until', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retired_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['business_systems.id'], name=op.f('fk_system_secrets_system_id_business_systems')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_secrets'))
    )
    with op.batch_alter_table('system_secrets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_system_secrets_system_id'), ['system_id'], unique=False)

    op.create_table('work_steps',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('transition', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('deadline_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('was_overdue', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['work_items.id'], name=op.f('fk_work_steps_item_id_work_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_steps'))
    )
    with op.batch_alter_table('work_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_steps_item_id'), ['item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_steps_item_id'))

    op.drop_table('work_steps')
    with op.batch_alter_table('system_secrets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_system_secrets_system_id'))

    op.drop_table('system_secrets')
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index('ix_work_items_subject')
        batch_op.drop_index('ix_work_items_holder')

    op.drop_table('work_items')
    with op.batch_alter_table('business_systems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_systems_department_id'))

    op.drop_table('business_systems')
    with op.batch_alter_table('request_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_nonces_expires_at'))

    op.drop_table('request_nonces')
    op.drop_table('calendar_days')
