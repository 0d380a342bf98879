"""Catalog entries: field rules, codes, the review life cycle, versions, 涉密 refusal, withdrawal."""

from __future__ import annotations

import pytest

from tests.catalog.helpers import entry, publish
from tests.conftest import bearer

API = "/api/v1/catalog/resources"


def test_publish_path_and_code(client):
    code = publish(client)
    assert code.startswith("101000000-") and len(code) == 16
    second = publish(client, name="户籍迁移信息")
    assert int(second[-6:]) == int(code[-6:]) + 1
    body = client.get(f"{API}/{code}", headers=bearer(client, "mca_user")).json()
    assert body["published"]["name"] == "常住人口基本信息" and body["draft"] is None
    assert [i["field_code"] for i in body["published"]["items"]] == ["id_number", "name", "birth_date"]


@pytest.mark.parametrize("overrides, field", [
    ({"legal_basis": None}, "legal_basis"),
    ({"share_type": "暂不共享", "legal_basis": ""}, "legal_basis"),
    ({"format": "服务接口", "share_method": "库表"}, "share_method"),
    ({"items": []}, "items"),
    ({"open_to_public": True}, "open_to_public"),
])
def test_cross_field_rules_name_the_field(client, overrides, field):
    response = client.post(API, json=entry(**overrides), headers=bearer(client, "ps_manager"))
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


def test_unknown_data_type_and_bad_field_code(client):
    items = [{"name": "x", "field_code": "Bad Code", "data_type": "Z", "required": True, "is_key": True}]
    response = client.post(API, json=entry(items=items), headers=bearer(client, "ps_manager"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"items.0.field_code", "items.0.data_type"} <= fields


def test_secret_entry_is_refused_at_submission(client):
    manager = bearer(client, "ps_manager")
    code = client.post(API, json=entry(secret_declared=True), headers=manager).json()["code"]
    response = client.post(f"{API}/{code}/submit", headers=manager)
    assert response.status_code == 409 and response.json()["code"] == "secret_refused"
    assert client.get(f"{API}/{code}", headers=manager).json()["status"] == "draft"


def test_only_the_owning_department_reviewer_passes_confidentiality(client):
    manager = bearer(client, "ps_manager")
    code = client.post(API, json=entry(), headers=manager).json()["code"]
    client.post(f"{API}/{code}/submit", headers=manager)
    assert client.post(f"{API}/{code}/review", json={"transition": "pass"},
                       headers=bearer(client, "admin")).status_code == 403
    assert client.post(f"{API}/{code}/review", json={"transition": "approve"},
                       headers=bearer(client, "admin")).status_code == 409
    assert client.post(f"{API}/{code}/review", json={"transition": "reject"},
                       headers=bearer(client, "ps_reviewer")).status_code == 422
    returned = client.post(f"{API}/{code}/review", json={"transition": "reject", "reason": "住址字段应标注敏感"},
                           headers=bearer(client, "ps_reviewer"))
    assert returned.json()["status"] == "returned"
    assert client.put(f"{API}/{code}/draft", json=entry(summary="修改后的摘要：常住人口基本信息。"),
                      headers=manager).status_code == 200
    assert client.post(f"{API}/{code}/submit", headers=manager).json()["status"] == "confidentiality_review"


def test_a_published_entry_changes_through_a_new_version(client):
    code = publish(client)
    manager = bearer(client, "ps_manager")
    changed = client.put(f"{API}/{code}/draft", json=entry(name="常住人口基本信息（含联系方式）",
                                                           change_reason="增加联系电话"), headers=manager)
    assert changed.status_code == 200
    body = changed.json()
    assert body["status"] == "published" and body["published"]["version_no"] == 1
    assert body["draft"]["version_no"] == 2
    # other departments still see version 1
    seen = client.get(f"{API}/{code}", headers=bearer(client, "mca_user")).json()
    assert seen["published"]["name"] == "常住人口基本信息" and seen["draft"] is None
    client.post(f"{API}/{code}/submit", headers=manager)
    client.post(f"{API}/{code}/review", json={"transition": "pass"}, headers=bearer(client, "ps_reviewer"))
    client.post(f"{API}/{code}/review", json={"transition": "approve"}, headers=bearer(client, "admin"))
    versions = client.get(f"{API}/{code}/versions", headers=manager).json()
    assert [(v["version_no"], v["status"]) for v in versions] == [(2, "published"), (1, "superseded")]
    assert versions[0]["change_reason"] == "增加联系电话"


def test_drafts_are_private_to_the_department(client):
    code = client.post(API, json=entry(), headers=bearer(client, "ps_manager")).json()["code"]
    assert client.get(f"{API}/{code}", headers=bearer(client, "mca_user")).status_code == 403
    assert client.get(f"{API}/{code}", headers=bearer(client, "supervisor")).status_code == 200
    listed = client.get(API, headers=bearer(client, "mca_user")).json()
    assert code not in [r["code"] for r in listed["items"]]


def test_withdrawal_needs_approval(client):
    code = publish(client)
    manager, admin = bearer(client, "ps_manager"), bearer(client, "admin")
    assert client.post(f"{API}/{code}/withdrawal", json={"reason": "业务停办"}, headers=manager).status_code == 200
    assert client.get(f"{API}/{code}", headers=manager).json()["status"] == "published"
    assert client.post(f"{API}/{code}/withdrawal/decision", json={"transition": "approve"},
                       headers=manager).status_code == 403
    done = client.post(f"{API}/{code}/withdrawal/decision", json={"transition": "approve"}, headers=admin)
    assert done.json()["status"] == "withdrawn"


def test_review_steps_have_working_day_deadlines(client, monkeypatch):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from govdata.workflow import service as workflow_service

    beijing = ZoneInfo("Asia/Shanghai")
    # Thursday 2025-09-25: 5 working days skip National Day (10-01..10-08) but count Sunday 09-28.
    monkeypatch.setattr(workflow_service, "utcnow",
                        lambda: dt.datetime(2025, 9, 25, 10, 0, tzinfo=beijing).astimezone(dt.UTC))
    manager = bearer(client, "ps_manager")
    code = client.post(API, json=entry(), headers=manager).json()["code"]
    body = client.post(f"{API}/{code}/submit", headers=manager).json()
    item = client.get(f"/api/v1/work-items/{body['work_item_id']}", headers=manager).json()
    assert item["state"] == "confidentiality_review"
    deadline = dt.datetime.fromisoformat(item["deadline_at"]).astimezone(beijing)
    assert deadline.date() == dt.date(2025, 10, 9)  # 09-26, 09-28 (调休), 09-29, 09-30, 10-09
    inbox = client.get("/api/v1/inbox", headers=bearer(client, "ps_reviewer")).json()
    assert [i["id"] for i in inbox] == [body["work_item_id"]]
