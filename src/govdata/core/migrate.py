"""Apply and inspect migrations from code (CLI, tests): no alembic.ini needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


# Search structures that migration 0004 makes by hand per dialect (FTS5 tables on SQLite, a tsvector column
# and its GIN index on PostgreSQL): autogenerate must neither drop nor re-create them.
HAND_MADE = ("catalog_search_fts", "tsv", "ix_catalog_search_tsv")


# Dataset tables (aggregation.tables) are made at run time, not by migrations; all are named ds_*.
DATASET_TABLE_PREFIX = "ds_"


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if type_ == "table" and name and name.startswith(DATASET_TABLE_PREFIX):
        return False
    return not (name and name.startswith(HAND_MADE))


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def heads(url: str = "sqlite://") -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config(url)).get_heads())
