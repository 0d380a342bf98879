"""Dataset tables (data plane): typed columns, append-only versions and tombstones, evolution with new
catalog versions, a separate data database — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, inspect, insert, select, text
from sqlalchemy.exc import IntegrityError

from govdata.aggregation.models import Dataset
from govdata.aggregation.tables import (
    ColumnTypeChanged,
    current_query,
    current_rows,
    data_engine,
    dataset_table,
    ensure_table,
    evolve,
    normalise_empty,
    register_dataset,
)
from govdata.catalog.models import Resource, ResourceVersion
from govdata.config import Settings
from govdata.core import migrate
from govdata.core.db import make_session_factory
from tests.catalog.helpers import publish

UTC = dt.UTC
CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _drop_all_dataset_tables(engine):
    """Dataset tables are made at run time: the shared PostgreSQL test schema would keep them."""
    with engine.begin() as conn:
        for table in inspect(conn).get_table_names():
            if table.startswith("ds_"):
                conn.execute(text(f'DROP TABLE "{table}"'))


@pytest.fixture
def data_db(db):
    yield db
    _drop_all_dataset_tables(db.engine)


def column(code, data_type, length=None, version=1):
    return {"field_code": code, "data_type": data_type, "length": length, "added_in_version": version,
            "retired_in_version": None}


def transient(name="ds_test_people", columns=None):
    return Dataset(table_name=name, columns=columns or [column("id_number", "C", 18), column("name", "C", 50)],
                   created_version_no=1, last_version_no=1)


def row(key, version, tombstone=False, **values):
    return {"record_key": key, "record_version": version, "batch_id": f"b{version}", "ingested_at": NOW,
            "tombstone": tombstone, **values}


def test_columns_are_typed_exactly_and_values_round_trip(data_db):
    dataset = transient("ds_test_types", [
        column("title", "C", 20), column("note", "M"), column("price", "N", 12), column("amount", "Y"),
        column("born", "D"), column("seen_at", "T"), column("active", "L"), column("count", "I"),
        column("ratio", "B"), column("photo", "G"),
    ])
    table = ensure_table(data_db.engine, dataset)
    ensure_table(data_db.engine, dataset)  # idempotent
    types = {c["name"]: c["type"] for c in inspect(data_db.engine).get_columns("ds_test_types")}
    assert types["amount"].python_type is int  # money: integer minor units, never REAL
    assert types["count"].python_type is int
    assert types["price"].python_type is str  # decimal text: SQLite's NUMERIC affinity would lose "12.50"
    assert types["title"].length == 20
    assert types["born"].python_type is dt.date
    assert {c["name"] for c in inspect(data_db.engine).get_columns("ds_test_types")} >= {
        "row_id", "record_key", "record_version", "batch_id", "content_hash", "ingested_at", "tombstone"}
    assert all(c["nullable"] for c in inspect(data_db.engine).get_columns("ds_test_types")
               if c["name"] in {"title", "amount", "born"})

    with data_db.engine.begin() as conn:
        conn.execute(insert(table), row("k1", 1, title="甲", note="备注" * 200, price="12.50", amount=1250,
                                         born=dt.date(1990, 1, 31), seen_at=dt.datetime(2026, 1, 1, 8, 30, tzinfo=CST),
                                         active=True, count=2**40, ratio=0.1, photo=b"\x00\x01"))
        conn.execute(insert(table), row("k2", 1, title=normalise_empty("  "), price="0.10"))
    with data_db.engine.connect() as conn:
        got = conn.execute(select(table).order_by(table.c.record_key)).mappings().all()
    assert got[0]["price"] == "12.50" and Decimal(got[0]["price"]) == Decimal("12.5")
    assert got[0]["amount"] == 1250 and isinstance(got[0]["amount"], int)
    assert got[0]["born"] == dt.date(1990, 1, 31)
    assert got[0]["seen_at"] == dt.datetime(2026, 1, 1, 0, 30, tzinfo=UTC) and got[0]["seen_at"].utcoffset() == dt.timedelta(0)
    assert got[0]["active"] is True and got[0]["count"] == 2**40 and got[0]["photo"] == b"\x00\x01"
    assert got[0]["ingested_at"] == NOW and got[0]["tombstone"] is False
    assert got[1]["title"] is None and got[1]["price"] == "0.10"


def test_current_rows_take_the_latest_version_and_hide_tombstones(data_db):
    table = ensure_table(data_db.engine, transient())
    with data_db.engine.begin() as conn:
        for values in [row("a", 1, name="张三"), row("a", 2, name="张三丰"),
                       row("b", 1, name="李四"), row("b", 2, tombstone=True),
                       row("c", 1, name="王五"), row("c", 2, tombstone=True), row("c", 3, name="王五复")]:
            conn.execute(insert(table), values)
        # a row written without the flag is live (default false)
        conn.execute(insert(table), [{"record_key": "d", "record_version": 1, "name": "赵六"}])
    with data_db.engine.connect() as conn:
        current = conn.execute(current_rows(table)).mappings().all()
        assert [(r["record_key"], r["record_version"], r["name"]) for r in current] == [
            ("a", 2, "张三丰"), ("c", 3, "王五复"), ("d", 1, "赵六")]
        assert conn.execute(current_query(table, "a")).mappings().one()["name"] == "张三丰"
        assert conn.execute(current_query(table, "b")).first() is None  # deleted
        assert conn.execute(current_query(table, "zzz")).first() is None
        # nothing was overwritten: every version is still there
        assert conn.execute(select(table.c.record_version).where(table.c.record_key == "b")).scalars().all() == [1, 2]
        if data_db.backend == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                str(current_query(table, "a").compile(compile_kwargs={"literal_binds": True})).replace(
                    "SELECT", "EXPLAIN QUERY PLAN SELECT", 1)))
            assert "uq_ds_test_people_key_version" in plan and "SCAN ds_test_people" not in plan


def test_a_key_version_is_written_once(data_db):
    table = ensure_table(data_db.engine, transient())
    with data_db.engine.begin() as conn:
        conn.execute(insert(table), [row("a", 1, name="张三")])
    with pytest.raises(IntegrityError), data_db.engine.begin() as conn:
        conn.execute(insert(table), [row("a", 1, name="覆盖")])
    with data_db.engine.connect() as conn:
        assert conn.execute(select(table.c.name)).scalars().all() == ["张三"]


def items(*specs):
    return [{"field_code": code, "data_type": data_type, "length": length} for code, data_type, length in specs]


def test_a_published_resource_gets_a_table_that_evolves_with_its_versions(data_client):
    code = publish(data_client, format="电子表格")
    database = data_client.db
    with database.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == code))
        version = session.get(ResourceVersion, resource.published_version_id)
        dataset = register_dataset(session, resource, version)
        assert register_dataset(session, resource, version) is dataset
        assert dataset.table_name == "ds_" + code.replace("-", "_").lower()
        # same database as the control plane: DDL goes through the session (no second writer on SQLite)
        table = ensure_table(session, dataset, database.engine)
        session.execute(insert(table), [row("110101199001011234", 1, id_number="110101199001011234", name="张三",
                                            birth_date=dt.date(1990, 1, 1))])
        session.commit()
        dataset_id, table_name = dataset.id, dataset.table_name

    with database.session() as session:
        dataset = session.get(Dataset, dataset_id)
        with pytest.raises(ColumnTypeChanged):
            evolve(session, database.engine, dataset, items(("id_number", "C", 18), ("name", "I", None)), 2)
        assert [c["field_code"] for c in dataset.columns] == ["id_number", "name", "birth_date"]
        # version 2 drops birth_date and adds phone
        added = evolve(session, database.engine, dataset,
                       items(("id_number", "C", 18), ("name", "C", 50), ("phone", "C", 20)), 2)
        assert added == ["phone"]
        session.commit()

    with database.session() as session:
        dataset = session.get(Dataset, dataset_id)
        assert dataset.last_version_no == 2
        by_code = {c["field_code"]: c for c in dataset.columns}
        assert by_code["phone"]["added_in_version"] == 2 and by_code["phone"]["retired_in_version"] is None
        assert by_code["birth_date"]["retired_in_version"] == 2  # retired, kept
        table = dataset_table(dataset, MetaData())
        session.execute(insert(table), [row("110101199001011234", 2, id_number="110101199001011234", name="张三",
                                            phone="13800000000")])
        session.commit()
    assert {c["name"] for c in inspect(database.engine).get_columns(table_name)} >= {"birth_date", "phone"}
    with database.engine.connect() as conn:
        old, new = conn.execute(select(table).order_by(table.c.record_version)).mappings().all()
        assert old["birth_date"] == dt.date(1990, 1, 1) and old["phone"] is None  # history kept
        assert conn.execute(current_query(table, "110101199001011234")).mappings().one()["phone"] == "13800000000"

    with database.session() as session:  # the item comes back in version 3: its column is reused
        dataset = session.get(Dataset, dataset_id)
        assert evolve(session, database.engine, dataset,
                      items(("id_number", "C", 18), ("name", "C", 50), ("phone", "C", 20), ("birth_date", "D", None)),
                      3) == []
        assert {c["field_code"]: c["retired_in_version"] for c in dataset.columns}["birth_date"] is None
        session.commit()


def test_only_structured_formats_are_registered(data_client):
    code = publish(data_client, format="电子文件", share_method="文件")
    with data_client.db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == code))
        with pytest.raises(ValueError):
            register_dataset(session, resource, session.get(ResourceVersion, resource.published_version_id))
        assert session.scalar(select(Dataset)) is None


def test_dataset_tables_can_live_in_a_separate_database(data_db, tmp_path):
    same = Settings(home=tmp_path, database_url=data_db.url)
    assert same.resolved_data_database_url == data_db.url and data_engine(same, data_db.engine) is data_db.engine

    settings = Settings(home=tmp_path, database_url=data_db.url, data_database_url=f"sqlite:///{tmp_path / 'data.db'}")
    engine = data_engine(settings, data_db.engine)
    try:
        assert engine is not data_db.engine
        with make_session_factory(data_db.engine)() as session:
            dataset = transient()
            table = ensure_table(session, dataset, engine)
            added = evolve(session, engine, dataset, items(("id_number", "C", 18), ("name", "C", 50),
                                                           ("score", "Y", None)), 2)
            assert added == ["score"]
        with engine.begin() as conn:
            conn.execute(insert(dataset_table(dataset, MetaData())), [row("a", 1, name="张三", score=100)])
        assert "ds_test_people" in inspect(engine).get_table_names()
        assert "ds_test_people" not in inspect(data_db.engine).get_table_names()
        assert table.name == "ds_test_people"
    finally:
        engine.dispose()


def test_migrations_ignore_dataset_tables(data_db):
    """Autogenerate neither drops nor reports run-time ds_* tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from govdata.core.db import Base
    from govdata.models import load_all

    load_all()
    ensure_table(data_db.engine, transient())
    assert not migrate.include_object(None, "ds_test_people", "table", True, None)
    assert migrate.include_object(None, "aggregation_datasets", "table", True, None)
    with data_db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": migrate.include_object})
        assert compare_metadata(context, Base.metadata) == []


def test_the_data_engine_gets_the_same_sqlite_pragmas(tmp_path):
    engine = data_engine(Settings(home=tmp_path, data_database_url=f"sqlite:///{tmp_path / 'd.db'}"))
    try:
        assert str(engine.url).endswith("d.db")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
