"""catalog search: bigram token documents, FTS5 on SQLite, GIN tsvector on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00.000000
"""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

FTS_TRIGGERS = {
    "catalog_search_ai": "AFTER INSERT ON catalog_search BEGIN "
                         "INSERT INTO catalog_search_fts(rowid, document) VALUES (new.resource_id, new.document); END",
    "catalog_search_ad": "AFTER DELETE ON catalog_search BEGIN "
                         "INSERT INTO catalog_search_fts(catalog_search_fts, rowid, document) "
                         "VALUES ('delete', old.resource_id, old.document); END",
    "catalog_search_au": "AFTER UPDATE ON catalog_search BEGIN "
                         "INSERT INTO catalog_search_fts(catalog_search_fts, rowid, document) "
                         "VALUES ('delete', old.resource_id, old.document); "
                         "INSERT INTO catalog_search_fts(rowid, document) VALUES (new.resource_id, new.document); END",
}


def upgrade() -> None:
    op.create_table('catalog_search',
    sa.Column('resource_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('classification_code', sa.String(length=12), nullable=False),
    sa.Column('share_type', sa.String(length=10), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('update_cycle', sa.String(length=10), nullable=False),
    sa.Column('open_to_public', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_catalog_search_resource_id_catalog_resources')),
    sa.PrimaryKeyConstraint('resource_id', name=op.f('pk_catalog_search'))
    )
    with op.batch_alter_table('catalog_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_search_classification_code'), ['classification_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_search_department_id'), ['department_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        # External content: the index reads nothing back from catalog_search when matching; columnsize=0
        # because no ranking uses document lengths; prefix='1' serves one-character queries.
        op.execute("CREATE VIRTUAL TABLE catalog_search_fts USING fts5(document, content='catalog_search', "
                   "content_rowid='resource_id', tokenize='unicode61', columnsize=0, prefix='1')")
        for name, body in FTS_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        # A stored tsvector, filled by PostgreSQL's own trigger function: phrase queries recheck the rows
        # the index finds, and recomputing to_tsvector there cost ~0.1 ms a row (measured, bench/).
        op.execute("ALTER TABLE catalog_search ADD COLUMN tsv tsvector")
        op.execute("CREATE TRIGGER catalog_search_tsv BEFORE INSERT OR UPDATE ON catalog_search FOR EACH ROW "
                   "EXECUTE FUNCTION tsvector_update_trigger(tsv, 'pg_catalog.simple', document)")
        op.execute("CREATE INDEX ix_catalog_search_tsv ON catalog_search USING gin (tsv)")
    _backfill()


# A copy of govdata.catalog.search's tokenisation as of this revision (migrations never import app code).
_CJK = ("\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
        "\U00020000-\U0003134f")


def _tokens(text: str) -> list[str]:
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for word in re.findall(f"[{_CJK}]+|[^\\W_{_CJK}]+", text.lower()):
        if re.match(f"[{_CJK}]", word):
            out.extend(word[i:i + 2] for i in range(len(word) - 1))
            out.append(word[-1])
        else:
            out.append(word)
    return out


def _backfill() -> None:
    """Index the entries already published (none on a new installation)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT r.id, r.code, r.department_id, c.code AS cls, v.id AS vid, v.name, v.summary, v.keywords, "
        "v.share_type, v.format, v.update_cycle, v.open_to_public FROM catalog_resources r "
        "JOIN catalog_versions v ON v.id = r.published_version_id "
        "JOIN catalog_classifications c ON c.id = v.classification_id WHERE r.status <> 'withdrawn'")).all()
    table = sa.table("catalog_search", *(sa.column(n) for n in (
        "resource_id", "code", "department_id", "classification_code", "share_type", "format", "update_cycle",
        "name", "document")), sa.column("open_to_public", sa.Boolean))
    for r in rows:
        items = bind.execute(sa.text("SELECT name FROM catalog_items WHERE version_id = :v ORDER BY position"),
                             {"v": r.vid}).scalars().all()
        text = " ".join([r.name, r.summary, *items, r.keywords or "", r.code])
        op.bulk_insert(table, [{"resource_id": r.id, "code": r.code, "department_id": r.department_id,
                                "classification_code": r.cls, "share_type": r.share_type, "format": r.format,
                                "update_cycle": r.update_cycle, "open_to_public": bool(r.open_to_public),
                                "name": r.name, "document": " ".join(_tokens(text))}])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS catalog_search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_catalog_search_tsv")
        op.execute("DROP TRIGGER IF EXISTS catalog_search_tsv ON catalog_search")
    with op.batch_alter_table('catalog_search', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_search_department_id'))
        batch_op.drop_index(batch_op.f('ix_catalog_search_classification_code'))

    op.drop_table('catalog_search')
