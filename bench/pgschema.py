"""A PostgreSQL schema of its own for one benchmark run, dropped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def temporary_schema(url: str, prefix: str) -> Iterator[str]:
    """Create the schema ``<prefix>_<pid>`` in the database at ``url``; yield a URL whose search path is it."""
    from sqlalchemy import create_engine

    schema = f"{prefix}_{os.getpid()}"
    base = url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
