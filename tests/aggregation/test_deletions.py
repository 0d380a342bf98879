"""Deletion of aggregated records only through an approved request (SEC-3): the department's reviewer, then
the big data center; tombstones as new versions, nothing deleted in place — both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, select

from govdata.aggregation.models import Batch, Dataset, DeletionRequest
from govdata.aggregation.tables import dataset_table
from govdata.catalog.models import Resource
from govdata.core.audit import AuditEntry
from tests.catalog.helpers import publish
from tests.conftest import bearer, csrf_from, login

ITEMS = [
    {"name": "统一社会信用代码", "field_code": "credit_code", "data_type": "C", "length": 18, "required": True,
     "is_key": True, "sensitivity": "L1"},
    {"name": "单位名称", "field_code": "org_name", "data_type": "C", "length": 100, "required": True,
     "sensitivity": "L1"},
    {"name": "补贴金额", "field_code": "amount", "data_type": "Y", "sensitivity": "L2"},
]
# valid GB 32100 codes
CODES = ["91350100M000100Y43", "91110000600037341L", "91310000MA1FL1MMXL"]
REASON = "重复登记的单位，经核实应予删除"






@pytest.fixture
def loaded(data_client):
    """A published dataset holding three records, pushed by its department's data manager."""
    client = data_client
    code = publish(client, items=ITEMS, summary="本市登记的企业法人单位基本信息，由市场主体登记系统每日产生。")
    rows = [{"credit_code": c, "org_name": f"单位{n}", "amount": "100.00"} for n, c in enumerate(CODES)]
    pushed = client.post(f"/api/v1/datasets/{code}/records", json=rows, headers=bearer(client, "ps_manager"))
    assert pushed.status_code == 200 and pushed.json()["inserted"] == 3, pushed.text
    return client, code


def request(client, code, keys, user="ps_manager", reason=REASON):
    return client.post(f"/api/v1/datasets/{code}/deletions", json={"keys": keys, "reason": reason},
                       headers=bearer(client, user))


def decide(client, code, deletion_id, transition, user, reason=None):
    return client.post(f"/api/v1/datasets/{code}/deletions/{deletion_id}/decision",
                       json={"transition": transition, "reason": reason}, headers=bearer(client, user))


def table_rows(client, code):
    with client.db.session() as session:
        dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                 .where(Resource.code == code))
        table = dataset_table(dataset, MetaData())
        return [dict(r) for r in session.execute(
            select(table).order_by(table.c.record_key, table.c.record_version)).mappings()]


def record(client, code, key):
    return client.get(f"/api/v1/datasets/{code}/records/{key}", headers=bearer(client, "ps_manager"))


def test_after_the_reviewer_and_the_center_approve_the_record_is_gone_and_its_history_stays(loaded):
    client, code = loaded
    asked = request(client, code, [CODES[0], "91110000000000000X", CODES[0]])
    assert asked.status_code == 201, asked.text
    deletion = asked.json()
    assert (deletion["status"], deletion["key_count"]) == ("dept_review", 2)  # the repeated key counted once
    assert record(client, code, CODES[0]).status_code == 200  # nothing written yet

    assert decide(client, code, deletion["id"], "approve", "admin").status_code == 409  # the department first
    assert decide(client, code, deletion["id"], "pass", "admin").status_code == 403
    passed = decide(client, code, deletion["id"], "pass", "ps_reviewer")
    assert passed.json()["status"] == "center_review", passed.text
    assert record(client, code, CODES[0]).status_code == 200
    assert decide(client, code, deletion["id"], "approve", "ps_reviewer").status_code == 403

    done = decide(client, code, deletion["id"], "approve", "admin")
    assert done.status_code == 200, done.text
    assert done.json()["result"] == {"deleted": [CODES[0]], "not_found": ["91110000000000000X"],
                                     "already_deleted": []}
    assert record(client, code, CODES[0]).status_code == 404
    assert record(client, code, CODES[1]).status_code == 200

    versions = [r for r in table_rows(client, code) if r["record_key"] == CODES[0]]
    assert [(r["record_version"], r["tombstone"], r["org_name"]) for r in versions] == [
        (1, False, "单位0"), (2, True, None)]
    assert versions[1]["content_hash"] is None and versions[1]["amount"] is None
    with client.db.session() as session:
        batch = session.get(Batch, done.json()["batch_id"])
        assert (batch.source, batch.status, str(batch.id)) == ("delete", "committed", versions[1]["batch_id"])
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "aggregation.decide_deletion.approve"))
        assert entry.data_content == {"count": 1, "keys": [CODES[0]]} and entry.approver == "admin"
        assert "单位0" not in str(entry.detail) and "单位0" not in str(entry.data_content)  # keys, never values
        assert session.scalar(select(Dataset.row_count_estimate).where(Dataset.id == batch.dataset_id)) == 2
    listed = client.get(f"/api/v1/datasets/{code}/deletions", headers=bearer(client, "supervisor")).json()
    assert [(d["id"], d["status"]) for d in listed] == [(deletion["id"], "approved")]


def test_a_rejection_at_either_step_writes_nothing(loaded):
    client, code = loaded
    before = table_rows(client, code)
    first = request(client, code, [CODES[0]]).json()
    no_reason = decide(client, code, first["id"], "reject", "ps_reviewer")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    assert decide(client, code, first["id"], "reject", "ps_reviewer", "该单位仍在存续").json()["status"] == "rejected"
    assert decide(client, code, first["id"], "pass", "ps_reviewer").status_code == 409

    second = request(client, code, [CODES[1]]).json()
    decide(client, code, second["id"], "pass", "ps_reviewer")
    rejected = decide(client, code, second["id"], "reject", "admin", "删除理由不充分")
    assert (rejected.json()["status"], rejected.json()["result"], rejected.json()["batch_id"]) == (
        "rejected", None, None)
    assert table_rows(client, code) == before
    assert record(client, code, CODES[0]).status_code == 200 and record(client, code, CODES[1]).status_code == 200
    with client.db.session() as session:
        assert session.scalars(select(Batch.source)).all() == ["push"]


def test_only_the_providing_departments_data_manager_may_request(loaded):
    client, code = loaded
    for user in ("hr_manager", "ps_reviewer", "admin", "supervisor"):
        assert request(client, code, [CODES[0]], user=user).status_code == 403, user
    assert client.get(f"/api/v1/datasets/{code}/deletions", headers=bearer(client, "hr_manager")).status_code == 403
    assert request(client, code, []).status_code == 422
    assert request(client, code, ["  "]).status_code == 422
    assert request(client, code, [CODES[0]], reason="").status_code == 422
    with client.db.session() as session:
        assert session.scalars(select(DeletionRequest)).all() == []
        denied = session.scalars(select(AuditEntry.actor_name).where(
            AuditEntry.action == "aggregation.request_deletion", AuditEntry.result == "denied")).all()
        assert sorted(denied) == ["admin", "hr_manager", "ps_reviewer", "supervisor"]


def approve_all(client, code, keys):
    deletion = request(client, code, keys).json()
    decide(client, code, deletion["id"], "pass", "ps_reviewer")
    done = decide(client, code, deletion["id"], "approve", "admin")
    assert done.status_code == 200, done.text
    return done.json()


def test_a_deleted_key_is_reported_when_deleted_again_and_a_later_push_brings_it_back(loaded):
    client, code = loaded
    approve_all(client, code, [CODES[2]])
    again = approve_all(client, code, [CODES[2], CODES[1]])
    assert again["result"] == {"deleted": [CODES[1]], "not_found": [], "already_deleted": [CODES[2]]}
    assert [r["record_version"] for r in table_rows(client, code) if r["record_key"] == CODES[2]] == [1, 2]

    pushed = client.post(f"/api/v1/datasets/{code}/records",
                         json=[{"credit_code": CODES[2], "org_name": "单位2", "amount": "100.00"}],
                         headers=bearer(client, "ps_manager"))
    assert pushed.json()["inserted"] == 1, pushed.text
    back = record(client, code, CODES[2])
    assert (back.status_code, back.json()["version"], back.json()["values"]["org_name"]) == (200, 3, "单位2")


def test_the_requester_may_withdraw_and_nothing_is_written(loaded):
    client, code = loaded
    deletion = request(client, code, [CODES[0]]).json()
    assert decide(client, code, deletion["id"], "withdraw", "ps_manager").status_code == 422  # reason required
    withdrawn = decide(client, code, deletion["id"], "withdraw", "ps_manager", "主键填写有误")
    assert withdrawn.json()["status"] == "withdrawn"
    assert record(client, code, CODES[0]).status_code == 200


def test_the_deletions_page_requests_with_errors_in_place_and_the_reviewer_passes(loaded):
    client, code = loaded
    token = login(client, "ps_manager")
    page = client.get(f"/aggregation/datasets/{code}/deletions")
    assert page.status_code == 200 and "申请删除记录" in page.text
    bad = client.post(f"/aggregation/datasets/{code}/deletions",
                      data={"keys": CODES[0], "reason": "", "csrf_token": token})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text and CODES[0] in bad.text
    good = client.post(f"/aggregation/datasets/{code}/deletions",
                       data={"keys": f"{CODES[0]}\n{CODES[1]}\n", "reason": REASON, "csrf_token": csrf_from(bad.text)},
                       follow_redirects=False)
    assert good.status_code == 303
    deletion_id = client.get(f"/api/v1/datasets/{code}/deletions", headers=bearer(client, "ps_manager")).json()[0]["id"]

    client.cookies.clear()
    login(client, "ps_reviewer")
    page = client.get(f"/aggregation/datasets/{code}/deletions")
    assert "部门审核通过" in page.text and "申请删除记录" not in page.text
    assert client.get(f"/aggregation/deletions/{deletion_id}", follow_redirects=False).headers["location"] == \
        f"/aggregation/datasets/{code}/deletions#deletion-{deletion_id}"
    passed = client.post(f"/aggregation/datasets/{code}/deletions/{deletion_id}/decision",
                         data={"transition": "pass", "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert passed.status_code == 303
    assert "待大数据中心审批" in client.get(f"/aggregation/datasets/{code}/deletions").text
