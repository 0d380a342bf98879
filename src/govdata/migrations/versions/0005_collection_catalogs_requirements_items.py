"""collection catalogs, requirements, items

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25 09:45:39.320421
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('collection_catalogs',
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('source_filename', sa.String(length=200), nullable=True),
    sa.Column('source_digest', sa.String(length=64), nullable=False),
    sa.Column('superseded_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_collection_catalogs_region_id_regions')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['collection_catalogs.id'], name=op.f('fk_collection_catalogs_superseded_by_id_collection_catalogs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_catalogs')),
    sa.UniqueConstraint('region_id', 'version_no', name='uq_collection_catalogs_region_version')
    )
    with op.batch_alter_table('collection_catalogs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_catalogs_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_catalogs_status'), ['status'], unique=False)

    op.create_table('collection_requirements',
    sa.Column('catalog_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('resource_name', sa.String(length=200), nullable=False),
    sa.Column('classification_code', sa.String(length=12), nullable=True),
    sa.Column('update_cycle', sa.String(length=10), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['catalog_id'], ['collection_catalogs.id'], name=op.f('fk_collection_requirements_catalog_id_collection_catalogs')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_collection_requirements_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_requirements'))
    )
    with op.batch_alter_table('collection_requirements', schema=None) as batch_op:
        batch_op.create_index('ix_collection_requirements_catalog', ['catalog_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_requirements_department_id'), ['department_id'], unique=False)

    op.create_table('collection_requirement_items',
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('data_type', sa.String(length=1), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['requirement_id'], ['collection_requirements.id'], name=op.f('fk_collection_requirement_items_requirement_id_collection_requirements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_requirement_items'))
    )
    with op.batch_alter_table('collection_requirement_items', schema=None) as batch_op:
        batch_op.create_index('ix_collection_requirement_items_requirement', ['requirement_id', 'position'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('collection_requirement_items', schema=None) as batch_op:
        batch_op.drop_index('ix_collection_requirement_items_requirement')

    op.drop_table('collection_requirement_items')
    with op.batch_alter_table('collection_requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_requirements_department_id'))
        batch_op.drop_index('ix_collection_requirements_catalog')

    op.drop_table('collection_requirements')
    with op.batch_alter_table('collection_catalogs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_catalogs_status'))
        batch_op.drop_index(batch_op.f('ix_collection_catalogs_region_id'))

    op.drop_table('collection_catalogs')
