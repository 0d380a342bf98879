"""Scheduled database pulls (AGG-5): sources registered per dataset with an encrypted URL, a read-only SELECT
or a table, keyset paging on (watermark, key), each page one batch through the ingest core, the position
advancing only with committed batches, failures recorded on the run, the job isolating sources — control
plane on both databases; sources in a second SQLite file, PostgreSQL and MariaDB."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text

from govdata.aggregation import service, source_urls
from govdata.aggregation.models import Batch, Dataset, PullRun, PullSource
from govdata.aggregation.service import pull_runs
from govdata.aggregation.tables import dataset_table
from govdata.catalog.models import Resource
from govdata.config import Settings
from govdata.core import jobs
from govdata.core.audit import AuditEntry
from govdata.core.db import make_session_factory
from govdata.org.models import User
from govdata.org.signin import actor_for
from tests.catalog.helpers import publish
from tests.conftest import PG_URL, bearer, csrf_from, login

ITEMS = [
    {"name": "登记证号", "field_code": "reg_no", "data_type": "C", "length": 20, "required": True, "is_key": True},
    {"name": "持证人", "field_code": "name", "data_type": "C", "length": 50, "required": True},
    {"name": "补贴金额", "field_code": "amount", "data_type": "Y"},
    {"name": "发证日期", "field_code": "issued_on", "data_type": "D"},
    {"name": "是否有效", "field_code": "valid", "data_type": "L"},
]
ROWS = [("A001", "张三", "10.50", "2024-01-02", 1, "2026-01-01 08:00:00"),
        ("A002", "李四", "20.00", "2024-02-03", 0, "2026-01-01 08:00:00"),
        ("A003", "王五", None, None, 1, "2026-01-01 09:00:00")]


def make_source_db(path: Path, rows=ROWS) -> Path:
    """A second SQLite database, as a department's business system would keep it."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE licences (reg_no TEXT PRIMARY KEY, holder TEXT, amount TEXT, issued_on TEXT, "
                     "valid INTEGER, updated_at TEXT, secret_note TEXT)")
        conn.executemany("INSERT INTO licences VALUES (?, ?, ?, ?, ?, ?, '不应被读取')", rows)
    return path


def source_body(url, **overrides):
    body = {"name": "证照库", "url": url, "table_name": "licences", "watermark_column": "updated_at",
            "columns": {"holder": "name"}, "interval_minutes": 60}
    body.update(overrides)
    return body


def configure(client, **overrides):
    """The client's settings with ``overrides``, for the API and the pages (and the jobs) alike."""
    settings = Settings(**{**client.app.state.settings.model_dump(), **overrides})
    client.app.state.settings = settings
    client.app.state.sessions = make_session_factory(client.app.state.engine, settings)
    return settings


@contextmanager
def pg_database(name: str) -> Iterator[str]:
    """A database of its own on the test PostgreSQL server (apart from the platform's, which is never a
    source); yields its URL."""
    assert PG_URL
    server = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def entry(data_client, tmp_path):
    configure(data_client, source_sqlite_dir=str(tmp_path))  # the tests' SQLite sources lie there
    return data_client, publish(data_client, items=ITEMS)


@pytest.fixture
def sqlite_source(entry, tmp_path):
    """An entry and a SQLite source registered by the platform administrator (SQLite files: admin only)."""
    client, code = entry
    path = make_source_db(tmp_path / "business.db")
    reply = client.post(f"/api/v1/datasets/{code}/sources", json=source_body(f"sqlite:///{path}"),
                        headers=bearer(client, "admin"))
    assert reply.status_code == 201, reply.text
    return client, code, reply.json()["id"], path


def actor(client, username):
    with client.db.session() as session:
        return actor_for(session.scalar(select(User).where(User.username == username)), "api")


def dataset_rows(client, code):
    with client.db.session() as session:
        dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                 .where(Resource.code == code))
        table = dataset_table(dataset, MetaData())
        return [dict(r) for r in session.execute(
            select(table).order_by(table.c.record_key, table.c.record_version)).mappings()]


def run(client, code, source_id, username="admin"):
    reply = client.post(f"/api/v1/datasets/{code}/sources/{source_id}/run", headers=bearer(client, username))
    assert reply.status_code == 200, reply.text
    return reply.json()


def counts(body):
    return {k: body[k] for k in ("status", "rows", "batches", "inserted", "updated", "unchanged", "rejected")}


def test_a_pull_reads_new_rows_then_only_what_changed(sqlite_source):
    client, code, source_id, path = sqlite_source
    admin = bearer(client, "admin")
    check = client.post(f"/api/v1/datasets/{code}/sources/{source_id}/test", headers=admin)
    assert check.status_code == 200, check.text
    assert check.json()["mapping"] == {"holder": "name", "reg_no": "reg_no", "amount": "amount",
                                       "issued_on": "issued_on", "valid": "valid"}
    assert check.json()["order"] == ["updated_at", "reg_no"] and check.json()["unread"] == ["secret_note"]

    first = run(client, code, source_id)
    assert counts(first) == {"status": "succeeded", "rows": 3, "batches": 1, "inserted": 3, "updated": 0,
                             "unchanged": 0, "rejected": 0}
    stored = {r["record_key"]: r for r in dataset_rows(client, code)}
    assert stored["A001"]["name"] == "张三" and stored["A001"]["amount"] == 1050
    assert str(stored["A001"]["issued_on"]) == "2024-01-02" and stored["A002"]["valid"] is False
    assert stored["A003"]["amount"] is None
    assert "secret_note" not in stored["A001"]

    assert counts(run(client, code, source_id))["rows"] == 0  # nothing after the position

    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE licences SET amount = '99.99', updated_at = '2026-01-02 10:00:00' WHERE reg_no = 'A002'")
        conn.execute("INSERT INTO licences VALUES ('A004', '赵六', '1', '2024-03-04', 1, '2026-01-02 10:00:00', '')")
    third = run(client, code, source_id)
    assert counts(third) == {"status": "succeeded", "rows": 2, "batches": 1, "inserted": 1, "updated": 1,
                             "unchanged": 0, "rejected": 0}
    versions = [(r["record_version"], r["amount"]) for r in dataset_rows(client, code) if r["record_key"] == "A002"]
    assert versions == [(1, 2000), (2, 9999)]  # the old version stays

    source = client.get(f"/api/v1/datasets/{code}/sources/{source_id}", headers=admin).json()
    assert source["position"] == "2026-01-02 10:00:00（主键 A004）" and source["last_status"] == "succeeded"
    runs = client.get(f"/api/v1/datasets/{code}/sources/{source_id}/runs", headers=admin).json()
    assert [r["rows"] for r in runs] == [2, 0, 3]  # newest first
    with client.db.session() as session:
        batches = session.scalars(select(Batch).order_by(Batch.id)).all()
        assert [(b.source, b.medium, b.inserted, b.updated) for b in batches] == [("pull", "db", 3, 0),
                                                                                 ("pull", "db", 1, 1)]
        assert [b.id for b in batches] == [runs[2]["batch_ids"][0], runs[0]["batch_ids"][0]]
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("aggregation.%pull%"))
                                  .order_by(AuditEntry.seq)).all()
        assert actions == ["aggregation.register_pull_source", "aggregation.check_pull_source",
                           "aggregation.run_pull", "aggregation.run_pull",  # the batch, the run
                           "aggregation.run_pull",  # an empty run: no batch
                           "aggregation.run_pull", "aggregation.run_pull"]


def test_pages_follow_the_key_within_a_watermark_and_a_capped_run_continues(sqlite_source, monkeypatch):
    client, code, source_id, path = sqlite_source
    with sqlite3.connect(path) as conn:  # seven rows share one watermark value
        conn.executemany("INSERT INTO licences VALUES (?, '某人', '1', NULL, 1, '2026-01-01 09:00:00', '')",
                         [(f"B{n:03d}",) for n in range(7)])
    monkeypatch.setattr(pull_runs, "PAGE_ROWS", 3)
    monkeypatch.setattr(pull_runs, "MAX_PAGES", 2)
    first = run(client, code, source_id)
    assert (first["rows"], first["batches"], first["more"]) == (6, 2, True)
    with client.db.session() as session:
        assert session.scalar(select(PullSource.backlog)) is True
    summary = jobs.run(client.app.state.sessions, "run_due_pulls")  # a backlog is due at once
    assert summary["due"] == 1 and summary["succeeded"] == 1
    with client.db.session() as session:
        last = session.scalars(select(PullRun).order_by(PullRun.id.desc())).first()
        assert (last.rows, last.more, last.trigger) == (4, False, "job")
    assert sorted(r["record_key"] for r in dataset_rows(client, code)) == sorted(
        ["A001", "A002", "A003"] + [f"B{n:03d}" for n in range(7)])  # none skipped, none twice


def test_mode_all_stops_at_a_bad_page_and_partial_lists_the_rejected_rows(sqlite_source):
    client, code, source_id, path = sqlite_source
    admin = bearer(client, "admin")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE licences SET amount = '12.345' WHERE reg_no = 'A002'")  # three decimals
    rejected = run(client, code, source_id)
    assert (rejected["status"], rejected["rejected"], rejected["batches"]) == ("rejected", 1, 0)
    assert "不合格" in rejected["error"]
    assert dataset_rows(client, code) == []
    source = client.get(f"/api/v1/datasets/{code}/sources/{source_id}", headers=admin).json()
    assert source["position"] == ""  # the position stays

    changed = client.patch(f"/api/v1/datasets/{code}/sources/{source_id}", json={"mode": "partial"}, headers=admin)
    assert changed.status_code == 200 and changed.json()["mode"] == "partial"
    partial = run(client, code, source_id)
    assert counts(partial) == {"status": "succeeded", "rows": 3, "batches": 1, "inserted": 2, "updated": 0,
                               "unchanged": 0, "rejected": 1}
    with client.db.session() as session:
        batch = session.get(Batch, partial["batch_ids"][0])
        assert batch.result["rejections"][0]["key"] == "A002"
        assert batch.result["rejections"][0]["problems"][0]["code"] == "too_many_decimals"


def test_source_failures_are_recorded_on_the_run_not_raised(sqlite_source):
    client, code, source_id, path = sqlite_source
    run(client, code, source_id)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE licences RENAME TO licences_old")
    failed = run(client, code, source_id)
    assert failed["status"] == "failed" and failed["error"] == source_urls.NO_TABLE
    check = client.post(f"/api/v1/datasets/{code}/sources/{source_id}/test", headers=bearer(client, "admin"))
    assert check.status_code == 422 and check.json()["code"] == "pull_source_failed"
    path.unlink()
    gone = run(client, code, source_id)
    assert gone["status"] == "failed" and gone["error"] == source_urls.FILE
    assert not path.exists()  # a missing file is never created
    with client.db.session() as session:
        source = session.scalar(select(PullSource))
        assert source.position["key"] == [{"t": "str", "v": "A003"}]  # unchanged by the failures
        assert source.last_status == "failed"
        failures = session.scalars(select(AuditEntry).where(AuditEntry.action == "aggregation.run_pull",
                                                            AuditEntry.result == "failure")).all()
        assert len(failures) == 2


def test_a_failing_source_leaves_the_others_working_in_the_job(sqlite_source, tmp_path, monkeypatch):
    client, code, good_id, path = sqlite_source
    admin = bearer(client, "admin")
    other = make_source_db(tmp_path / "other.db")
    for name, url in (("已删除的库", f"sqlite:///{tmp_path / 'missing.db'}"), ("出错的库", f"sqlite:///{other}")):
        reply = client.post(f"/api/v1/datasets/{code}/sources", json=source_body(url, name=name), headers=admin)
        assert reply.status_code == 201, reply.text
    original = pull_runs._pull

    def crash_one(session, actor, source, target, run_):
        if source.name == "出错的库":
            raise RuntimeError("unexpected")
        return original(session, actor, source, target, run_)

    monkeypatch.setattr(pull_runs, "_pull", crash_one)
    summary = jobs.run(client.app.state.sessions, "run_due_pulls")
    assert (summary["due"], summary["succeeded"], summary["failed"]) == (3, 1, 2)
    assert len(dataset_rows(client, code)) == 3  # the good source's rows are in
    with client.db.session() as session:
        runs = {s.name: session.scalars(select(PullRun).where(PullRun.source_id == s.id)).all()
                for s in session.scalars(select(PullSource))}
        assert [r.status for r in runs["证照库"]] == ["succeeded"]
        assert [r.status for r in runs["已删除的库"]] == ["failed"]
        assert [(r.status, r.error) for r in runs["出错的库"]] == [("failed", "内部错误：RuntimeError")]
    assert jobs.run(client.app.state.sessions, "run_due_pulls")["due"] == 0  # intervals not elapsed
    client.post(f"/api/v1/datasets/{code}/sources/{good_id}/disable", headers=admin)
    with client.db.session() as session:
        assert session.get(PullSource, good_id).enabled is False


def test_credentials_are_encrypted_and_never_shown_or_audited(entry):
    client, code = entry
    manager = bearer(client, "ps_manager")
    secret = "S3cret-Pw9"
    body = source_body(f"postgresql+psycopg://puller:{secret}@127.0.0.1:1/business?sslmode=prefer",
                       query="SELECT reg_no, holder, updated_at FROM licences WHERE valid = 1", table_name=None)
    reply = client.post(f"/api/v1/datasets/{code}/sources", json=body, headers=manager)
    assert reply.status_code == 201, reply.text
    source_id = reply.json()["id"]
    assert reply.json()["url"] == "postgresql+psycopg://puller:***@127.0.0.1:1/business?sslmode=prefer"
    check = client.post(f"/api/v1/datasets/{code}/sources/{source_id}/test", headers=manager)
    assert check.status_code == 422 and check.json()["code"] == "pull_source_failed"  # nothing listens on port 1
    # a changed password given with the masked form keeps the stored one; the database name changes
    moved = client.patch(f"/api/v1/datasets/{code}/sources/{source_id}", headers=manager,
                         json={"url": "postgresql+psycopg://puller:***@127.0.0.1:1/archive?sslmode=prefer"})
    assert moved.status_code == 200, moved.text
    with client.app.state.sessions() as session:
        source = session.get(PullSource, source_id)
        url = service.pulls.source_url(session, source)
        assert (url.password, url.database) == (secret, "archive")
    with client.db.engine.connect() as conn:
        stored = [str(v) for v in conn.execute(text("SELECT * FROM aggregation_pull_sources")).one()]
        audited = [str(v) for row in conn.execute(text("SELECT * FROM audit_entries")) for v in row]
    assert any(v.startswith("sm4gcm:v1:") for v in stored)
    for value in stored + audited + [check.text, moved.text]:
        assert secret not in value


@pytest.mark.parametrize(("overrides", "code"), [
    ({"url": "foo://someone@host/db"}, "pull_source_url_invalid"),
    ({"url": "no url at all"}, "pull_source_url_invalid"),
    ({"url": "oracle+cx_oracle://u@h/db"}, "pull_source_url_invalid"),
    ({"url": "sqlite:////tmp/any.db"}, "pull_source_url_invalid"),  # SQLite files: the administrator only
    ({"table_name": None, "query": "DELETE FROM licences"}, "pull_query_refused"),
    ({"table_name": None, "query": "SELECT * FROM licences; DROP TABLE licences"}, "pull_query_refused"),
    ({"table_name": None, "query": "SELECT * FROM licences FOR UPDATE"}, "pull_query_refused"),
    ({"table_name": None, "query": "SELECT * INTO copy FROM licences"}, "pull_query_refused"),
    ({"table_name": None, "query": "SELECT pg_read_file('/etc/passwd')"}, "pull_query_refused"),
    ({"query": "SELECT * FROM licences"}, "validation_failed"),  # a table and a query
    ({"columns": {"holder": "religion"}}, "validation_failed"),  # not a registered item
    ({"table_name": "licences; drop"}, "validation_failed"),
])
def test_bad_settings_are_refused_with_a_clear_code(entry, overrides, code):
    client, resource_code = entry
    body = {**source_body("postgresql+psycopg://puller@127.0.0.1/business"), **overrides}
    reply = client.post(f"/api/v1/datasets/{resource_code}/sources", json=body, headers=bearer(client, "ps_manager"))
    assert reply.status_code == 422 and reply.json()["code"] == code, reply.text
    with client.db.session() as session:
        assert session.scalar(select(PullSource)) is None


def test_who_may_register_run_and_see_sources(sqlite_source):
    client, code, source_id, _ = sqlite_source
    body = source_body("postgresql+psycopg://puller@127.0.0.1/business", name="另一个")
    hr = bearer(client, "hr_manager")
    assert client.post(f"/api/v1/datasets/{code}/sources", json=body, headers=hr).status_code == 403
    assert client.post(f"/api/v1/datasets/{code}/sources/{source_id}/run", headers=hr).status_code == 403
    assert client.get(f"/api/v1/datasets/{code}/sources", headers=hr).status_code == 403
    reviewer = bearer(client, "ps_reviewer")  # the providing department, but not its data manager
    assert client.get(f"/api/v1/datasets/{code}/sources", headers=reviewer).status_code == 200
    assert client.post(f"/api/v1/datasets/{code}/sources/{source_id}/run", headers=reviewer).status_code == 403
    assert client.patch(f"/api/v1/datasets/{code}/sources/{source_id}", json={"mode": "partial"},
                        headers=reviewer).status_code == 403
    manager = bearer(client, "ps_manager")
    assert client.post(f"/api/v1/datasets/{code}/sources", json=body, headers=manager).status_code == 201
    assert run(client, code, source_id, "ps_manager")["status"] == "succeeded"
    with client.db.session() as session:
        denied = session.scalars(select(AuditEntry.action).where(AuditEntry.result == "denied")).all()
        assert {a.rsplit(".", 1)[-1] for a in denied} == {"register_pull_source", "run_pull", "list_pull_sources",
                                                          "update_pull_source"}


def test_the_pages_register_test_and_run_a_source(entry, tmp_path):
    client, code = entry
    path = make_source_db(tmp_path / "business.db")
    token = login(client, "admin")
    listing = client.get(f"/aggregation/datasets/{code}/sources")
    assert listing.status_code == 200 and "尚未登记数据源" in listing.text
    form = {"csrf_token": csrf_from(listing.text), "name": "证照库", "url": f"sqlite:///{path}",
            "query": "SELECT reg_no, holder, amount, updated_at FROM licences", "watermark_column": "updated_at",
            "columns": "holder=name", "interval_minutes": "30", "mode": "all", "enabled": "on"}
    bad = client.post(f"/aggregation/datasets/{code}/sources", data={**form, "query": "UPDATE licences SET x = 1"})
    assert bad.status_code == 422 and "只允许单条只读SELECT语句" in bad.text and 'value="证照库"' in bad.text
    done = client.post(f"/aggregation/datasets/{code}/sources", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    detail_url = done.headers["location"].split("?")[0]
    tested = client.post(f"{detail_url}/test", data={"csrf_token": token})
    assert tested.status_code == 200 and "连接成功" in tested.text and "holder → name" in tested.text
    ran = client.post(f"{detail_url}/run", data={"csrf_token": token})
    assert ran.status_code == 200 and "拉取已执行" in ran.text and 'data-testid="runs-table"' in ran.text
    assert len(dataset_rows(client, code)) == 3
    edited = client.post(detail_url, data={**form, "url": f"sqlite:///{tmp_path / 'gone.db'}", "csrf_token": token},
                         follow_redirects=True)
    assert edited.status_code == 200 and "设置已保存" in edited.text
    failing = client.post(f"{detail_url}/test", data={"csrf_token": token})
    assert failing.status_code == 422 and "数据源连接或读取失败" in failing.text
    login(client, "hr_manager")
    assert client.get(detail_url).status_code == 403


# --- other source databases -----------------------------------------------------------------------------

def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def _pull_twice(client, code, url, ddl, table, update, username="ps_manager"):
    """Register ``url`` as ps_manager, pull, change one row, pull again; returns the two runs."""
    body = source_body(url, table_name=table)
    reply = client.post(f"/api/v1/datasets/{code}/sources", json=body, headers=bearer(client, username))
    assert reply.status_code == 201, reply.text
    source_id = reply.json()["id"]
    first = run(client, code, source_id, username)
    with ddl.begin() as conn:
        conn.execute(text(update))
    return first, run(client, code, source_id, username)


@pytest.mark.skipif(not PG_URL, reason="GOVDATA_TEST_POSTGRES_URL not set")
def test_a_pull_from_postgresql(entry):
    client, code = entry
    schema = "business"
    with pg_database(f"govdata_pull_source_{os.getpid()}") as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
            conn.execute(text(f"CREATE TABLE {schema}.licences (reg_no varchar(20) PRIMARY KEY, holder text, "
                              "amount numeric(12,2), issued_on date, valid boolean, updated_at timestamptz)"))
            conn.execute(text(f"INSERT INTO {schema}.licences VALUES ('P1', '甲', 10.50, '2024-01-02', true, "
                              "'2026-01-01 08:00+08'), ('P2', '乙', 3, NULL, false, '2026-01-01 09:00+08')"))
        try:
            first, second = _pull_twice(
                client, code, url, engine, f"{schema}.licences",
                f"UPDATE {schema}.licences SET amount = 11, updated_at = '2026-01-03 08:00+08' WHERE reg_no = 'P2'")
        finally:
            engine.dispose()
    assert (first["inserted"], second["rows"], second["updated"]) == (2, 1, 1)
    stored = {(r["record_key"], r["record_version"]): r for r in dataset_rows(client, code)}
    assert stored[("P1", 1)]["amount"] == 1050 and stored[("P2", 2)]["amount"] == 1100
    assert str(stored[("P1", 1)]["issued_on"]) == "2024-01-02" and stored[("P1", 1)]["valid"] is True


MARIADB_URL = "mysql+pymysql://root@127.0.0.1/test"


@pytest.mark.skipif(not _reachable("127.0.0.1", 3306), reason="no MariaDB/MySQL on 127.0.0.1:3306")
def test_a_pull_from_mariadb(entry):
    client, code = entry
    table = f"pull_source_{os.getpid()}"
    engine = create_engine(MARIADB_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(text(f"CREATE TABLE {table} (reg_no varchar(20) PRIMARY KEY, holder varchar(50), "
                          "amount decimal(12,2), issued_on date, valid tinyint(1), updated_at datetime(6)) "
                          "CHARACTER SET utf8mb4"))
        conn.execute(text(f"INSERT INTO {table} VALUES ('M1', '丙', 10.50, '2024-01-02', 1, '2026-01-01 08:00'), "
                          "('M2', '丁', 3, NULL, 0, '2026-01-01 09:00')"))
    try:
        first, second = _pull_twice(client, code, MARIADB_URL, engine, table,
                                    f"UPDATE {table} SET holder = '丁二', updated_at = '2026-01-03 08:00' "
                                    "WHERE reg_no = 'M2'")
        assert (first["inserted"], second["rows"], second["updated"]) == (2, 1, 1)
        stored = {(r["record_key"], r["record_version"]): r for r in dataset_rows(client, code)}
        assert stored[("M1", 1)]["amount"] == 1050 and stored[("M2", 2)]["name"] == "丁二"
        assert stored[("M1", 1)]["valid"] is True
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
