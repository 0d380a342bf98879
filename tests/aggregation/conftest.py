"""Fixtures of the aggregation tests."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from govdata.aggregation.models import Dataset


def drop_dataset_tables(engine, keep):
    with engine.begin() as conn:
        for table in inspect(conn).get_table_names():
            if table.startswith("ds_") and table not in keep:
                conn.execute(text(f'DROP TABLE "{table}"'))


@pytest.fixture
def data_client(client):
    """Dataset tables are made at run time and the shared PostgreSQL schema keeps them across tests (also
    those left by catalog tests that publish): drop every one the restored registry does not name (the demo
    city's stay), before and after the test."""
    with client.db.session() as session:
        keep = set(session.scalars(select(Dataset.table_name)))
    drop_dataset_tables(client.db.engine, keep)
    yield client
    drop_dataset_tables(client.db.engine, keep)
