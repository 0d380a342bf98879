"""Real-time push of records by the providing department (AGG): signed systems, idempotent batches, upsert
into append-only versions, all-or-nothing or partial batches, scope-expansion findings — both databases."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlalchemy import MetaData, func, inspect, select, text

from govdata.aggregation.models import Batch, Dataset, Finding
from govdata.aggregation.tables import dataset_table
from govdata.catalog.models import Resource
from govdata.client import SM3Auth
from govdata.core.audit import AuditEntry
from tests.catalog.helpers import publish
from tests.conftest import bearer
from tests.systems.helpers import approved_system, registration

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(n: int) -> str:
    """A valid resident ID number (GB 11643) born in 1990, sequence ``n``."""
    born = dt.date(1990, 1, 1) + dt.timedelta(days=n // 1000)
    body = f"110101{born:%Y%m%d}{n % 1000:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]
    return body + check


ITEMS = [
    {"name": "公民身份号码", "field_code": "id_number", "data_type": "C", "length": 18, "required": True,
     "is_key": True, "sensitivity": "L3", "pii_kind": "身份证件号码"},
    {"name": "姓名", "field_code": "name", "data_type": "C", "length": 50, "required": True, "sensitivity": "L2",
     "pii_kind": "姓名"},
    {"name": "补贴金额", "field_code": "amount", "data_type": "Y", "sensitivity": "L2"},
]






@pytest.fixture
def setup(data_client):
    code = publish(data_client, items=ITEMS)
    creds = approved_system(data_client)
    return data_client, code, SM3Auth(creds["app_key"], creds["app_secret"])


def push(client, code, body, auth=None, headers=None, mode=None, ndjson=False):
    if isinstance(body, list | dict):
        body = ("\n".join(json.dumps(r, ensure_ascii=False) for r in body) if ndjson
                else json.dumps(body, ensure_ascii=False))
    content_type = "application/x-ndjson" if ndjson else "application/json"
    params = {"mode": mode} if mode else None
    return client.post(f"/api/v1/datasets/{code}/records", content=body.encode() if isinstance(body, str) else body,
                       params=params, auth=auth, headers={"Content-Type": content_type, **(headers or {})})


def rows(client, code):
    with client.db.session() as session:
        dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                 .where(Resource.code == code))
        table = dataset_table(dataset, MetaData())
        return [dict(r) for r in session.execute(
            select(table).order_by(table.c.record_key, table.c.record_version)).mappings()]


def people(n, start=0, amount="10.50"):
    return [{"id_number": id_number(start + i), "name": f"居民{start + i}", "amount": amount} for i in range(n)]


def test_publishing_a_structured_entry_makes_its_table_and_a_file_entry_does_not(data_client):
    code = publish(data_client, items=ITEMS)
    other = publish(data_client, format="电子文件", share_method="文件")
    with data_client.db.session() as session:
        names = {d.table_name for d in session.scalars(select(Dataset))}
    assert names == {"ds_" + code.replace("-", "_").lower()}
    assert names <= set(inspect(data_client.db.engine).get_table_names())
    assert "ds_" + other.replace("-", "_").lower() not in inspect(data_client.db.engine).get_table_names()


def test_push_inserts_then_unchanged_then_updates_a_new_version(setup):
    client, code, auth = setup
    first = push(client, code, people(3), auth=auth)
    assert first.status_code == 200, first.text
    assert {k: first.json()[k] for k in ("inserted", "updated", "unchanged", "rejected")} == {
        "inserted": 3, "updated": 0, "unchanged": 0, "rejected": 0}

    again = push(client, code, people(3), auth=auth)
    assert (again.json()["inserted"], again.json()["unchanged"]) == (0, 3)
    assert len(rows(client, code)) == 3  # nothing written

    changed = people(3)
    changed[1]["amount"] = "99.99"
    third = push(client, code, changed, auth=auth)
    assert (third.json()["updated"], third.json()["unchanged"]) == (1, 2)
    versions = [(r["record_version"], r["amount"]) for r in rows(client, code) if r["record_key"] == id_number(1)]
    assert versions == [(1, 1050), (2, 9999)]  # the old version is still there

    current = client.get(f"/api/v1/datasets/{code}/records/{id_number(1)}", auth=auth)
    assert current.status_code == 200, current.text
    assert current.json()["version"] == 2 and current.json()["values"]["amount"] == "99.99"
    assert client.get(f"/api/v1/datasets/{code}/records/110101199001019999", auth=auth).status_code == 404
    # another department has no look at the provider's records here
    assert client.get(f"/api/v1/datasets/{code}/records/{id_number(1)}",
                      headers=bearer(client, "hr_manager")).status_code == 403

    with client.db.session() as session:
        batches = session.scalars(select(Batch).order_by(Batch.id)).all()
        assert [(b.inserted, b.updated, b.unchanged, b.status, b.actor_kind) for b in batches] == [
            (3, 0, 0, "committed", "system"), (0, 0, 3, "committed", "system"), (0, 1, 2, "committed", "system")]
        assert len(batches[0].payload_digest) == 64
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "aggregation.push_records")).all()
        assert len(entries) == 3
        assert entries[0].data_content["count"] == 3 and entries[0].medium == "json"
        assert entries[0].data_content["fields"] == ["id_number", "name", "amount"]


def test_a_retried_batch_is_answered_not_applied_twice(setup):
    client, code, auth = setup
    body = json.dumps(people(2))
    first = push(client, code, body, auth=auth, headers={"Idempotency-Key": "batch-0001"})
    assert first.status_code == 200 and first.json()["inserted"] == 2
    retry = push(client, code, body, auth=auth, headers={"Idempotency-Key": "batch-0001"})
    assert retry.status_code == 200
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(rows(client, code)) == 2
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1

    reused = push(client, code, people(3), auth=auth, headers={"Idempotency-Key": "batch-0001"})
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    too_long = push(client, code, body, auth=auth, headers={"Idempotency-Key": "k" * 101})
    assert too_long.status_code == 422


def test_ndjson_works_and_a_key_twice_in_a_batch_counts_once_later_wins(setup):
    client, code, auth = setup
    batch = people(2) + [{"id_number": id_number(0), "name": "居民0改", "amount": 1}]
    reply = push(client, code, batch, auth=auth, ndjson=True)
    assert reply.status_code == 200, reply.text
    assert (reply.json()["inserted"], reply.json()["duplicates"]) == (2, 1)
    stored = {r["record_key"]: r for r in rows(client, code)}
    assert stored[id_number(0)]["name"] == "居民0改" and stored[id_number(0)]["amount"] == 100
    with client.db.session() as session:
        assert session.scalar(select(AuditEntry.medium).where(AuditEntry.action == "aggregation.push_records")) \
            == "ndjson"


def test_mode_all_rejects_the_whole_batch_and_partial_writes_the_good_rows(setup):
    client, code, auth = setup
    batch = people(3)
    batch[1]["id_number"] = "110101199001011235"  # wrong check digit
    rejected = push(client, code, batch, auth=auth)
    assert rejected.status_code == 422
    problem = rejected.json()
    assert problem["code"] == "batch_rejected" and problem["rejected"] == 1
    assert problem["rejections"][0]["row"] == 2
    assert problem["rejections"][0]["problems"][0]["field"] == "id_number"
    assert rows(client, code) == []  # nothing written

    partial = push(client, code, batch, auth=auth, mode="partial")
    assert partial.status_code == 200, partial.text
    assert (partial.json()["inserted"], partial.json()["rejected"]) == (2, 1)
    assert partial.json()["rejections"][0]["row"] == 2
    assert partial.json()["rejections"][0]["key"] == "110101199001011235"
    assert sorted(r["record_key"] for r in rows(client, code)) == sorted([id_number(0), id_number(2)])
    with client.db.session() as session:
        assert [b.status for b in session.scalars(select(Batch).order_by(Batch.id))] == ["rejected", "committed"]


@pytest.mark.parametrize("mode", ["all", "partial"])
def test_an_unknown_field_is_refused_and_recorded_for_the_supervisor(setup, mode):
    client, code, auth = setup
    batch = people(2)
    batch[0]["religion"] = "无"
    batch[1]["income"] = 1
    reply = push(client, code, batch, auth=auth, mode=mode)
    assert reply.status_code == (422 if mode == "all" else 200), reply.text
    rejections = reply.json()["rejections"]
    assert [r["row"] for r in rejections] == [1, 2]
    assert rejections[0]["problems"][0]["code"] == "out_of_scope"
    assert rows(client, code) == []
    with client.db.session() as session:
        findings = session.scalars(select(Finding)).all()
        assert len(findings) == 1  # one per batch
        assert findings[0].kind == "scope_expansion" and findings[0].detail["fields"] == ["income", "religion"]
        assert findings[0].detail["batch_id"] == reply.json()["batch_id"]


def test_who_may_push(setup):
    client, code, auth = setup
    hr = bearer(client, "hr_manager")
    created = client.post("/api/v1/systems", json=registration(name="社保业务系统"), headers=hr)
    assert created.status_code == 201, created.text
    system_id = created.json()["id"]
    assert client.post(f"/api/v1/systems/{system_id}/decision", json={"transition": "approve"},
                       headers=bearer(client, "admin")).status_code == 200
    other = client.post(f"/api/v1/systems/{system_id}/secret", headers=hr).json()
    refused = push(client, code, people(1), auth=SM3Auth(other["app_key"], other["app_secret"]))
    assert refused.status_code == 403
    assert push(client, code, people(1), headers=hr).status_code == 403
    assert push(client, code, people(1), headers=bearer(client, "mca_user")).status_code == 403
    # the providing department's data manager may push corrections by hand
    by_hand = push(client, code, people(1), headers=bearer(client, "ps_manager"))
    assert by_hand.status_code == 200 and by_hand.json()["inserted"] == 1
    with client.db.session() as session:
        batch = session.scalar(select(Batch))
        assert (batch.actor_kind, batch.actor_name, batch.user_id is not None) == ("user", "ps_manager", True)
    assert rows(client, code)[0]["record_key"] == id_number(0)


def test_unpublished_or_unstructured_entries_take_no_records(setup):
    client, code, auth = setup
    manager = bearer(client, "ps_manager")
    files = publish(client, format="电子文件", share_method="文件")
    reply = push(client, files, people(1), auth=auth)
    assert reply.status_code == 409 and reply.json()["code"] == "dataset_not_structured"
    draft = client.post("/api/v1/catalog/resources", json={**_entry(), "items": ITEMS}, headers=manager)
    assert draft.status_code == 201, draft.text
    reply = push(client, draft.json()["code"], people(1), auth=auth)
    assert reply.status_code == 409 and reply.json()["code"] == "resource_not_published"
    assert push(client, "999999999-999999", people(1), auth=auth).status_code == 404


def _entry():
    from tests.catalog.helpers import entry

    return entry()


@pytest.mark.parametrize(("body", "where"), [
    ('[{"id_number": "x",}]', "第1行"),
    ('[\n{"id_number": "x"},\n{"id_number" "y"}\n]', "第3行"),
    ('{"id_number": "x"}\n{"id_number": }', "第2行"),
    ('"just a string"', ""),
    ("[1, 2]", "第1条"),
    ("", ""),
])
def test_malformed_payloads_are_422_naming_the_line(setup, body, where):
    client, code, auth = setup
    reply = push(client, code, body, auth=auth)
    assert reply.status_code == 422, reply.text
    assert reply.json()["code"] == "payload_malformed"
    assert where in reply.json()["detail"]
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 0


def test_more_than_ten_thousand_rows_are_refused(setup):
    client, code, auth = setup
    body = "\n".join('{"id_number": "1"}' for _ in range(10_001))
    reply = push(client, code, body, auth=auth, ndjson=True)
    assert reply.status_code == 422 and reply.json()["code"] == "batch_too_large"


def test_ten_thousand_rows_in_one_batch(setup):
    client, code, auth = setup
    if client.db.backend != "sqlite":
        pytest.skip("timed on SQLite only")
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in people(10_000))
    started = time.perf_counter()
    reply = push(client, code, body, auth=auth, ndjson=True)
    elapsed = time.perf_counter() - started
    assert reply.status_code == 200, reply.text[:500]
    assert reply.json()["inserted"] == 10_000
    print(f"\npushed 10,000 rows ({len(body.encode()) / 1e6:.2f} MB) in {elapsed:.2f}s: {10_000 / elapsed:.0f} rows/s")
    again = push(client, code, body, auth=auth, ndjson=True)
    assert again.json()["unchanged"] == 10_000


def test_records_go_to_a_separate_data_database(demo_db, tmp_path):
    if demo_db.backend != "sqlite":
        pytest.skip("one backend is enough for the wiring")
    from fastapi.testclient import TestClient

    from govdata.app import create_app
    from govdata.core.db import make_engine
    from tests.conftest import make_settings

    data_url = f"sqlite:///{tmp_path / 'data.db'}"
    app = create_app(make_settings(demo_db, tmp_path, data_database_url=data_url))
    with TestClient(app) as client:
        client.db = demo_db
        code = publish(client, items=ITEMS)
        creds = approved_system(client)
        reply = push(client, code, people(2), auth=SM3Auth(creds["app_key"], creds["app_secret"]),
                     headers={"Idempotency-Key": "sep-1"})
        assert reply.status_code == 200 and reply.json()["inserted"] == 2, reply.text
        name = "ds_" + code.replace("-", "_").lower()
        assert name not in inspect(demo_db.engine).get_table_names()
        engine = make_engine(data_url)
        try:
            with engine.connect() as conn:
                assert conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() == 2
        finally:
            engine.dispose()
        with demo_db.session() as session:
            assert session.scalar(select(Batch.inserted)) == 2
    app.state.engine.dispose()
