"""catalog resources, versions, items, classification

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:38:57.065932
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import govdata.core.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_classifications',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['catalog_classifications.id'], name=op.f('fk_catalog_classifications_parent_id_catalog_classifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_classifications')),
    sa.UniqueConstraint('code', name=op.f('uq_catalog_classifications_code'))
    )
    with op.batch_alter_table('catalog_classifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_classifications_parent_id'), ['parent_id'], unique=False)

    op.create_table('catalog_resources',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('published_version_id', sa.Integer(), nullable=True),
    sa.Column('draft_version_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('published_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_share_review_at', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_catalog_resources_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_resources')),
    sa.UniqueConstraint('code', name=op.f('uq_catalog_resources_code'))
    )
    with op.batch_alter_table('catalog_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_resources_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_resources_status'), ['status'], unique=False)

    op.create_table('catalog_versions',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('classification_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('share_type', sa.String(length=10), nullable=False),
    sa.Column('share_condition', sa.Text(), nullable=True),
    sa.Column('share_method', sa.String(length=10), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('open_to_public', sa.Boolean(), nullable=False),
    sa.Column('open_condition', sa.Text(), nullable=True),
    sa.Column('update_cycle', sa.String(length=10), nullable=False),
    sa.Column('release_date', sa.Date(), nullable=True),
    sa.Column('related_codes', sa.JSON(), nullable=False),
    sa.Column('data_level', sa.String(length=4), nullable=False),
    sa.Column('secret_declared', sa.Boolean(), nullable=False),
    sa.Column('keywords', sa.String(length=500), nullable=True),
    sa.Column('change_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('submitted_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', govdata.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['classification_id'], ['catalog_classifications.id'], name=op.f('fk_catalog_versions_classification_id_catalog_classifications')),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_catalog_versions_resource_id_catalog_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_versions')),
    sa.UniqueConstraint('resource_id', 'version_no', name='uq_catalog_versions_resource_no')
    )
    with op.batch_alter_table('catalog_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_versions_classification_id'), ['classification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_versions_resource_id'), ['resource_id'], unique=False)

    op.create_table('catalog_items',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('field_code', sa.String(length=64), nullable=False),
    sa.Column('data_type', sa.String(length=1), nullable=False),
    sa.Column('length', sa.Integer(), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('is_key', sa.Boolean(), nullable=False),
    sa.Column('sensitivity', sa.String(length=2), nullable=False),
    sa.Column('pii_kind', sa.String(length=20), nullable=True),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govdata.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['catalog_versions.id'], name=op.f('fk_catalog_items_version_id_catalog_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_items')),
    sa.UniqueConstraint('version_id', 'field_code', name='uq_catalog_items_version_field')
    )
    with op.batch_alter_table('catalog_items', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_items_version', ['version_id', 'position'], unique=False)
    _seed_classification()


def _seed_classification() -> None:
    """The standard's classification (类 and the 基础/主题 项) ships with the platform."""
    # A copy of govdata.catalog.standard.CLASSIFICATION as of this revision (migrations never import app data).
    classification = [
        ('1', '基础信息资源', None),
        ('101', '人口', '1'),
        ('102', '法人单位', '1'),
        ('103', '自然资源和空间地理', '1'),
        ('104', '社会信用', '1'),
        ('105', '电子证照', '1'),
        ('2', '主题信息资源', None),
        ('201', '公共服务', '2'),
        ('202', '健康保障', '2'),
        ('203', '社会保障', '2'),
        ('204', '食品药品安全', '2'),
        ('205', '安全生产', '2'),
        ('206', '价格监管', '2'),
        ('207', '能源安全', '2'),
        ('208', '信用体系', '2'),
        ('209', '城乡建设', '2'),
        ('210', '社区治理', '2'),
        ('211', '生态环保', '2'),
        ('212', '应急维稳', '2'),
        ('213', '教育文化', '2'),
        ('214', '交通出行', '2'),
        ('215', '市场监管', '2'),
        ('3', '部门信息资源', None),
    ]
    table = sa.table("catalog_classifications", sa.column("id", sa.Integer), sa.column("code", sa.String),
                     sa.column("name", sa.String), sa.column("parent_id", sa.Integer), sa.column("level", sa.Integer),
                     sa.column("created_at", govdata.core.db.UTCDateTime()),
                     sa.column("updated_at", govdata.core.db.UTCDateTime()))
    now = govdata.core.db.utcnow()
    ids: dict[str, int] = {}
    for n, (code, name, parent) in enumerate(classification, start=1):
        ids[code] = n
        op.bulk_insert(table, [{"id": n, "code": code, "name": name, "parent_id": ids.get(parent) if parent else None,
                                "level": 1 if len(code) == 1 else 2, "created_at": now, "updated_at": now}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('catalog_classifications', 'id'), "
                   "(SELECT max(id) FROM catalog_classifications))")


def downgrade() -> None:
    with op.batch_alter_table('catalog_items', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_items_version')

    op.drop_table('catalog_items')
    with op.batch_alter_table('catalog_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_versions_resource_id'))
        batch_op.drop_index(batch_op.f('ix_catalog_versions_classification_id'))

    op.drop_table('catalog_versions')
    with op.batch_alter_table('catalog_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_resources_status'))
        batch_op.drop_index(batch_op.f('ix_catalog_resources_department_id'))

    op.drop_table('catalog_resources')
    with op.batch_alter_table('catalog_classifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_classifications_parent_id'))

    op.drop_table('catalog_classifications')
