"""The data service API as a consumer system uses it: key lookup, filtered pages, the change feed and file
exports, each masked and scoped by its grant, limited by rate and quota, and recorded (SHR-3, SEC-2,
SEC-7)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import uuid

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from govdata.core.audit import AuditEntry
from govdata.sharing.limits import Limiter, RateLimited
from govdata.sharing.models import Usage
from tests.sharing.grants import make_grant
from tests.sharing.helpers import COUNTIES, person

REDIS_URL = os.environ.get("GOVDATA_TEST_REDIS_URL")

IN_SCOPE = [n for n in range(30) if COUNTIES[n % 3] == "530102"]  # 10 people
SCOPE = [{"item": "county", "op": "eq", "value": "530102"}]


def _usage_and_audit(shared, grant_id):
    with shared.client.db.session() as session:
        usage = session.scalars(select(Usage).where(Usage.grant_id == grant_id).order_by(Usage.id)).all()
        audited = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "grant"))
        entries = {e.seq: e for e in audited}
        return usage, entries


def test_record_lookup_is_masked_scoped_and_recorded_with_the_seven_facts(shared):
    grant_id = make_grant(shared, items=["id_number", "name", "mobile", "birth_date", "county"],
                          masking={"name": "name", "mobile": "mobile", "birth_date": "year"},
                          row_scope=SCOPE)
    url = f"/api/v1/share/{shared.code}/records"
    auth, headers = shared.consumer["auth"], {"X-End-User": "zhangsan01"}
    inside, outside = person(IN_SCOPE[2]), person(1)

    found = shared.client.get(f"{url}/{inside['id_number']}", auth=auth, headers=headers)
    assert found.status_code == 200, found.text
    body = found.json()
    n = IN_SCOPE[2]
    assert body["key"] == inside["id_number"]  # id_number granted in clear: the key is shown
    assert body["values"] == {"id_number": inside["id_number"], "name": "居**", "mobile": f"139****{n:04d}",
                              "birth_date": "1990", "county": "530102"}
    assert "amount" not in found.text and inside["amount"] not in found.text
    assert body["masking"] == {"name": "name", "mobile": "mobile", "birth_date": "year"}

    # A key outside the row scope is answered exactly like an unknown one.
    for key in (outside["id_number"], "000000000000000000"):
        missing = shared.client.get(f"{url}/{key}", auth=auth)
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
        assert outside["name"] not in missing.text

    usage, entries = _usage_and_audit(shared, grant_id)
    assert [(u.endpoint, u.result, u.rows, u.personal_rows, u.reason) for u in usage] == [
        ("record", "success", 1, 1, None),  # the clear id_number is a personal item
        ("record", "failure", 0, 0, "not_found"), ("record", "failure", 0, 0, "not_found")]
    first = usage[0]
    assert first.end_user == "zhangsan01" and first.system_id == shared.consumer["id"]
    assert first.medium == "json"
    entry = entries[first.audit_seq]
    # Art. 18: purpose, user, approver, data content (items and keys, no values), time, method, medium
    assert entry.action == "sharing.read_record" and entry.object_id == str(grant_id)
    assert entry.purpose == "社保待遇资格认证中核验身份" and entry.approver == "ps_reviewer,admin"
    assert entry.actor_kind == "system" and entry.system_id == shared.consumer["id"]
    assert entry.method == "api" and entry.medium == "json" and entry.time is not None
    assert entry.data_content == {"resource": shared.code, "keys": [inside["id_number"]],
                                  "items": ["id_number", "name", "mobile", "birth_date", "county"]}
    assert entry.detail["end_user"] == "zhangsan01" and entry.detail["endpoint"] == "record"
    assert inside["name"] not in json.dumps(entry.data_content, ensure_ascii=False)
    assert entries[usage[1].audit_seq].result == "failure"


def test_query_filters_pages_through_the_scope_and_hides_a_masked_key(shared):
    make_grant(shared, items=["id_number", "name", "county", "amount", "birth_date"],
               masking={"id_number": "id_number"}, row_scope=SCOPE)
    url, auth = f"/api/v1/share/{shared.code}/records", shared.consumer["auth"]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = shared.client.get(url, params=params, auth=auth)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += body["records"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(IN_SCOPE)
    assert {r["values"]["name"] for r in seen} == {person(n)["name"] for n in IN_SCOPE}
    # The key is the identity number, which is masked: a keyed digest stands for it, stable across calls.
    assert all("key" not in r and len(r["key_hash"]) == 64 for r in seen)
    assert all(r["values"]["id_number"].count("*") == 8 for r in seen)
    assert not any(person(n)["id_number"] in page.text for n in range(30))

    n = IN_SCOPE[3]
    for filters, expected in [
        ({"amount": f"eq:{person(n)['amount']}"}, {n}),  # money compared in minor units
        ({"name": f"prefix:居民{n}"}, {n}),
        ({"county": "in:530103,530111"}, set()),  # the scope still holds
        ({"birth_date": "range:1990-01-01,", "name": "in:居民0,居民1,居民3"}, {0, 3}),
    ]:
        page = shared.client.get(url, params=filters, auth=auth)
        assert page.status_code == 200, (filters, page.text)
        assert {r["values"]["name"] for r in page.json()["records"]} == {person(m)["name"] for m in expected}
        again = shared.client.get(url, params=filters, auth=auth).json()["records"]
        assert [r["key_hash"] for r in again] == [r["key_hash"] for r in page.json()["records"]]


def test_change_feed_reports_updates_and_records_leaving_the_scope(shared):
    grant_id = make_grant(shared, access_method="table", items=["id_number", "name", "county"],
                          masking={"name": "name"}, row_scope=SCOPE)
    url, auth = f"/api/v1/share/{shared.code}/changes", shared.consumer["auth"]
    first = shared.client.get(url, params={"limit": 6}, auth=auth)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["has_more"] and [c["op"] for c in body["changes"]] == ["upsert"] * 6
    rest = shared.client.get(url, params={"since": body["next_since"]}, auth=auth).json()
    assert not rest["has_more"]
    assert {c["key"] for c in body["changes"] + rest["changes"]} == {person(n)["id_number"] for n in IN_SCOPE}

    moved, renamed = person(IN_SCOPE[1]), person(IN_SCOPE[2])
    rows = [{**moved, "county": "530103"}, {**renamed, "name": "王五"}, {**person(1), "name": "李四"}]
    pushed = shared.client.post(f"/api/v1/datasets/{shared.code}/records", auth=shared.provider["auth"],
                                content=json.dumps(rows, ensure_ascii=False).encode(),
                                headers={"Content-Type": "application/json"})
    assert pushed.status_code == 200, pushed.text
    changes = shared.client.get(url, params={"since": rest["next_since"]}, auth=auth).json()["changes"]
    by_key = {c["key"]: c for c in changes}
    assert set(by_key) == {moved["id_number"], renamed["id_number"]}  # person(1) was never in scope
    assert by_key[moved["id_number"]]["op"] == "delete" and "values" not in by_key[moved["id_number"]]
    assert by_key[renamed["id_number"]]["op"] == "upsert"
    assert by_key[renamed["id_number"]]["values"] == {"id_number": renamed["id_number"], "name": "王**",
                                                     "county": "530102"}
    usage, entries = _usage_and_audit(shared, grant_id)
    assert [u.rows for u in usage] == [6, 4, 2] and entries[usage[-1].audit_seq].data_content["count"] == 2


def test_exports_in_three_formats_carry_only_granted_masked_items(shared):
    grant_id = make_grant(shared, access_method="file", items=["id_number", "name", "birth_date", "amount"],
                          masking={"name": "name"})
    url, auth = f"/api/v1/share/{shared.code}/export", shared.consumer["auth"]

    as_csv = shared.client.get(url, params={"amount": "range:110.50,119.50"}, auth=auth)  # people 10..19
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.content.startswith(b"\xef\xbb\xbf") and as_csv.headers["x-record-count"] == "10"
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == ["key", "id_number", "name", "birth_date", "amount"] and len(rows) == 11
    assert rows[1][2] == "居**" and "mobile" not in as_csv.text and person(1)["mobile"] not in as_csv.text

    as_xlsx = shared.client.get(url, params={"format": "xlsx"}, auth=auth)
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).worksheets[0]
    table = list(sheet.values)
    assert len(table) == 31 and table[0][1:] == ("id_number", "name", "birth_date", "amount")

    as_parquet = shared.client.get(url, params={"format": "parquet"}, auth=auth)
    assert as_parquet.status_code == 200
    data = pq.read_table(io.BytesIO(as_parquet.content))
    assert data.num_rows == 30
    first = {r["id_number"]: r for r in data.to_pylist()}[person(4)["id_number"]]
    assert first["birth_date"] == dt.date(1990, 1, 1) and str(first["amount"]) == person(4)["amount"]
    assert first["name"] == "居**"

    usage, entries = _usage_and_audit(shared, grant_id)
    assert [(u.medium, u.rows, u.personal_rows) for u in usage] == [("csv", 10, 10), ("xlsx", 30, 30),
                                                                     ("parquet", 30, 30)]
    assert entries[usage[0].audit_seq].data_content == {
        "resource": shared.code, "count": 10, "items": ["id_number", "name", "birth_date", "amount"]}
    assert entries[usage[0].audit_seq].detail["conditions"] == [{"item": "amount", "op": "range"}]


def test_daily_quota_answers_429_with_retry_after_and_is_recorded(shared):
    grant_id = make_grant(shared, daily_quota=2)
    url = f"/api/v1/share/{shared.code}/records/{person(0)['id_number']}"
    statuses = [shared.client.get(url, auth=shared.consumer["auth"]) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    refused = statuses[2]
    assert refused.json()["code"] == "share_quota_exceeded"
    assert 0 < int(refused.headers["retry-after"]) <= 86400 and refused.json()["retry_after"] > 0
    usage, _ = _usage_and_audit(shared, grant_id)
    assert [(u.result, u.reason) for u in usage] == [("success", None), ("success", None),
                                                     ("denied", "share_quota_exceeded")]


@pytest.mark.parametrize("backend", ["process", "redis"])
def test_limiter_counts_minutes_and_days_and_seeds_from_the_ledger(backend):
    """The same behaviour with the in-process counters and with Redis (GOVDATA_TEST_REDIS_URL, which
    .ci/run sets), where every process of a cluster shares them."""
    if backend == "redis" and not REDIS_URL:
        pytest.skip("GOVDATA_TEST_REDIS_URL not set")
    limiter = Limiter(REDIS_URL if backend == "redis" else None)
    run = uuid.uuid4().hex  # grant keys of this run only (Redis outlives the test)
    g1, g2 = f"{run}.1", f"{run}.2"
    start = dt.datetime(2026, 3, 2, 1, 0, 50, tzinfo=dt.UTC)  # 09:00:50 in Asia/Shanghai
    for _ in range(2):
        limiter.take(g1, 2, 100, start, seed=lambda: 0)
    with pytest.raises(RateLimited) as refused:
        limiter.take(g1, 2, 100, start + dt.timedelta(seconds=5), seed=lambda: 0)
    assert refused.value.code == "share_rate_limited" and refused.value.headers == {"Retry-After": "5"}
    limiter.take(g1, 2, 100, start + dt.timedelta(seconds=15), seed=lambda: 0)  # the next minute

    # The day counter starts from what the ledger already holds; refused calls do not count.
    limiter.take(g2, 100, 3, start, seed=lambda: 2)
    with pytest.raises(RateLimited) as exhausted:
        limiter.take(g2, 100, 3, start, seed=lambda: 0)
    assert exhausted.value.code == "share_quota_exceeded"
    assert exhausted.value.headers["Retry-After"] == str(15 * 3600 - 50)  # until local midnight
    with pytest.raises(RateLimited):  # the refusal above did not count, nor does this one
        limiter.take(g2, 100, 3, start + dt.timedelta(seconds=1), seed=lambda: 0)
    limiter.take(g2, 100, 3, start + dt.timedelta(hours=16), seed=lambda: 0)  # a new local day
