"""The shareable listing, subscriptions and conditional requests with their review, objection and withdrawal
(SHR-1, SHR-2, SHR-4, SHR-6, SEC-1), through the JSON API on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from govdata.core.audit import AuditEntry
from govdata.core.db import utcnow
from govdata.sharing.models import ShareRequest
from govdata.workflow.models import WorkItem
from tests.catalog.helpers import publish
from tests.conftest import bearer
from tests.sharing.helpers import ITEMS

API = "/api/v1/sharing"


def period(days: int = 180) -> dict[str, str]:
    today = utcnow().date()
    return {"period_from": today.isoformat(), "period_to": (today + dt.timedelta(days=days)).isoformat()}


def application(code: str, system_id: int, **overrides: Any) -> dict[str, Any]:
    return {"code": code, "system_id": system_id, "purpose": "社保待遇资格认证中核验参保人身份",
            "basis": "《社会保险法》第七十四条：社会保险经办机构通过业务经办、统计、调查获取所需数据",
            "access_method": "api", **period(), **overrides}


def audit_actions(client, object_type: str, object_id: int) -> list[AuditEntry]:
    with client.db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                             AuditEntry.object_id == str(object_id))
                                    .order_by(AuditEntry.seq)))


def test_listing_shows_each_share_type_with_what_the_caller_may_do(shared):
    client = shared.client
    free = publish(client, name="人口基础信息（无条件）", items=ITEMS, share_type="无条件共享", share_condition=None,
                   legal_basis=None)
    closed = publish(client, name="在逃人员信息", items=ITEMS, share_type="暂不共享", share_condition=None,
                     legal_basis="《公安机关执法细则》第十二条")
    hr, ps, mca = bearer(client, "hr_manager"), bearer(client, "ps_manager"), bearer(client, "mca_user")

    listed = client.get(f"{API}/resources", params={"limit": 200}, headers=hr)
    assert listed.status_code == 200, listed.text
    rows = {r["code"]: r for r in listed.json()["items"]}
    assert rows[shared.code]["action"] == "request" and rows[shared.code]["on_platform"] is True
    assert rows[free]["action"] == "subscribe" and rows[free]["on_platform"] is False
    assert rows[closed]["action"] == "none" and rows[closed]["legal_basis"] == "《公安机关执法细则》第十二条"
    assert "暂不共享" in rows[closed]["action_reason"]
    assert rows[shared.code]["provider_department_name"] == "云川市公安局"

    only_closed = client.get(f"{API}/resources", params={"share_type": "暂不共享"}, headers=hr).json()
    assert {r["code"] for r in only_closed["items"]} == {closed} and only_closed["total"] == 1
    # the provider itself may browse, but not apply; a data user drafts for the data manager (test_drafts)
    own = client.get(f"{API}/resources/{shared.code}", headers=ps).json()
    assert own["action"] == "none" and "本部门" in own["action_reason"]
    assert client.get(f"{API}/resources/{shared.code}", headers=mca).json()["action"] == "draft"

    detail = client.get(f"{API}/resources/{shared.code}", headers=hr).json()
    masking = {i["code"]: i["default_masking"] for i in detail["items"]}
    # the birth date is emptied by default: beside the identity number's kept ends it would restore the number
    assert masking == {"id_number": "id_number", "name": "name", "mobile": "mobile", "birth_date": "null",
                       "county": None, "amount": None}
    assert client.get(f"{API}/resources/000000000-000000", headers=hr).status_code == 404

    consumer = shared.consumer["id"]
    refused = client.post(f"{API}/requests", json=application(closed, consumer, items=["name"]), headers=hr)
    assert refused.status_code == 409 and refused.json()["code"] == "share_not_shareable"
    wrong_kind = client.post(f"{API}/subscriptions", json=application(shared.code, consumer), headers=hr)
    assert wrong_kind.status_code == 409 and wrong_kind.json()["code"] == "share_kind_mismatch"
    own_data = client.post(f"{API}/requests", json=application(shared.code, shared.provider["id"], items=["name"]),
                           headers=ps)
    assert own_data.status_code == 409 and own_data.json()["code"] == "share_own_resource"
    assert client.post(f"{API}/requests", json=application(shared.code, consumer, items=["name"]),
                       headers=mca).status_code == 403


def test_subscription_to_an_unconditional_resource_is_granted_at_once(shared):
    client = shared.client
    free = publish(client, name="人口基础信息（无条件）", items=ITEMS, share_type="无条件共享", share_condition=None,
                   legal_basis=None)
    hr, consumer = bearer(client, "hr_manager"), shared.consumer["id"]

    too_long = client.post(f"{API}/subscriptions", json=application(free, consumer, **period(400)), headers=hr)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "period_to"
    far = client.post(f"{API}/subscriptions", json=application(free, consumer, period_from="9999-12-31",
                                                                period_to="9999-12-31"), headers=hr)
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "period_from"
    foreign = client.post(f"{API}/subscriptions", json=application(free, shared.provider["id"]), headers=hr)
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "system_id"
    outside = client.post(f"{API}/subscriptions", json=application(free, consumer, items=["name", "salary"]),
                          headers=hr)
    assert outside.status_code == 422 and "salary" in outside.json()["detail"]
    for bad in ({"purpose": ""}, {"purpose": "核验\x00身份"}, {"system_id": 10**12}, {"code": "x\x00"}):
        answer = client.post(f"{API}/subscriptions", json={**application(free, consumer), **bad}, headers=hr)
        assert answer.status_code == 422, (bad, answer.text)  # PostgreSQL takes neither NUL nor 64-bit ids

    made = client.post(f"{API}/subscriptions", json=application(free, consumer, items=["name", "id_number", "county"]),
                       headers=hr)
    assert made.status_code == 201, made.text
    grant = made.json()
    assert grant["kind"] == "unconditional" and grant["effective_status"] == "active"
    assert grant["items"] == ["id_number", "name", "county"]  # catalog order
    assert grant["masking"] == {"id_number": "id_number", "name": "name"}
    assert grant["valid_until"] == period()["period_to"] and grant["rate_per_minute"] == 600
    assert grant["system_name"] == "社保待遇资格认证系统"
    assert grant["consumer_department_name"] == "云川市人力资源和社会保障局"

    again = client.post(f"{API}/subscriptions", json=application(free, consumer), headers=hr)
    assert again.status_code == 409 and again.json()["code"] == "share_already_granted"
    with client.db.session() as session:
        request = session.get(ShareRequest, grant["request_id"])
        assert request.status == "granted" and request.kind == "unconditional" and request.work_item_id is None
    entry = audit_actions(client, "grant", grant["id"])[-1]
    assert entry.action == "sharing.subscribe" and entry.purpose.startswith("社保待遇")
    assert entry.approver and entry.data_content == {"resource": free, "items": ["id_number", "name", "county"]}
    listed = client.get(f"{API}/resources/{free}", headers=hr).json()
    assert listed["my_grants"] == 1


def test_conditional_request_is_reviewed_by_the_provider_then_the_center(shared):
    client = shared.client
    hr, ps_rev, ps_mgr, admin = (bearer(client, u) for u in ("hr_manager", "ps_reviewer", "ps_manager", "admin"))
    body = application(shared.code, shared.consumer["id"], items=["amount", "id_number", "name", "county"])
    made = client.post(f"{API}/requests", json=body, headers=hr)
    assert made.status_code == 201, made.text
    req = made.json()
    assert req["status"] == "provider_review" and req["items"] == ["id_number", "name", "county", "amount"]
    assert req["deadline_at"] and req["overdue"] is False
    with client.db.session() as session:  # the data is on the platform: 5 working days, not 10
        assert session.get(WorkItem, req["work_item_id"]).deadline_days == {"provider_review": 5}
    pending = client.post(f"{API}/requests", json=body, headers=hr)
    assert pending.status_code == 409 and pending.json()["code"] == "share_request_pending"

    def box(headers: dict[str, str], name: str) -> list[int]:
        answer = client.get(f"{API}/requests", params={"box": name}, headers=headers)
        assert answer.status_code == 200, answer.text
        return [r["id"] for r in answer.json()["items"]]

    assert box(hr, "mine") == [req["id"]] and box(ps_rev, "review") == [req["id"]]
    assert box(ps_mgr, "provided") == [req["id"]] and box(admin, "review") == []
    assert client.get(f"{API}/requests", params={"box": "all"}, headers=hr).status_code == 403
    assert client.get(f"{API}/requests/{req['id']}", headers=bearer(client, "mca_user")).status_code == 403

    review = f"{API}/requests/{req['id']}/review"
    for headers in (hr, ps_mgr):  # neither the requester nor the provider's manager reviews
        assert client.post(review, json={"transition": "pass"}, headers=headers).status_code == 403
    bad_terms = [({"masking": {"county": "year"}}, "masking.county"),
                 ({"row_scope": [{"item": "mobile", "op": "eq", "value": "1"}]}, "row_scope.mobile"),
                 ({"row_scope": [{"item": "county", "op": "range", "value": ["2", "1"]}]}, "row_scope.county"),
                 ({"items": ["id_number", "mobile"]}, "items"),
                 ({"valid_until": (utcnow().date() + dt.timedelta(days=365)).isoformat()}, "valid_until")]
    for terms, field in bad_terms:
        answer = client.post(review, json={"transition": "pass", "terms": terms}, headers=ps_rev)
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field, (terms, answer.text)

    terms = {"row_scope": [{"item": "county", "op": "eq", "value": "530102"}],
             "masking": {"id_number": "hash", "name": "name"}, "rate_per_minute": 60, "daily_quota": 500}
    passed = client.post(review, json={"transition": "pass", "reason": "仅限本区县", "terms": terms}, headers=ps_rev)
    assert passed.status_code == 200, passed.text
    assert passed.json()["status"] == "center_review" and passed.json()["terms"]["daily_quota"] == 500
    assert box(admin, "review") == [req["id"]] and box(ps_rev, "review") == []
    with client.db.session() as session:  # overdue: the center's step is past its deadline
        session.execute(update(WorkItem).where(WorkItem.id == req["work_item_id"])
                        .values(deadline_at=utcnow() - dt.timedelta(hours=1)))
        session.commit()
    late = client.get(f"{API}/requests", params={"box": "all", "overdue": "true"}, headers=admin).json()
    assert [r["id"] for r in late["items"]] == [req["id"]] and late["items"][0]["overdue"] is True
    assert client.get(f"{API}/requests", params={"box": "all", "overdue": "false"}, headers=admin).json()["total"] == 0

    approved = client.post(review, json={"transition": "approve"}, headers=admin)
    assert approved.status_code == 200 and approved.json()["status"] == "granted", approved.text
    assert client.post(review, json={"transition": "approve"}, headers=admin).json()["code"] == "share_request_state"
    detail = client.get(f"{API}/requests/{req['id']}", headers=hr).json()
    grant = detail["grant"]
    assert grant["row_scope"] == terms["row_scope"] and grant["masking"] == terms["masking"]
    assert grant["items"] == ["id_number", "name", "county", "amount"] and grant["daily_quota"] == 500
    assert "周晓明" in grant["approvers"] and "卢晓峰" in grant["approvers"]
    assert [s["transition"] for s in detail["work_item"]["steps"]] == ["start", "pass", "approve"]
    assert detail["work_item"]["steps"][2]["was_overdue"] is True and detail["transitions"] == []
    actions = [e.action for e in audit_actions(client, "share_request", req["id"])]
    assert actions == ["sharing.request_share", "sharing.review_request.pass", "sharing.review_request.approve"]


def test_refusal_objection_and_withdrawal(shared):
    client = shared.client
    hr, ps_rev, sup = bearer(client, "hr_manager"), bearer(client, "ps_reviewer"), bearer(client, "supervisor")
    empty = publish(client, name="户籍迁移信息", items=ITEMS)  # conditional, no records on the platform yet
    consumer = shared.consumer["id"]
    first = client.post(f"{API}/requests", json=application(shared.code, consumer, items=["name"]), headers=hr).json()
    second = client.post(f"{API}/requests", json=application(empty, consumer, items=["name"]), headers=hr).json()
    with client.db.session() as session:
        assert session.get(WorkItem, second["work_item_id"]).deadline_days == {"provider_review": 10}

    review = f"{API}/requests/{first['id']}/review"
    assert client.post(review, json={"transition": "reject"}, headers=ps_rev).status_code == 422
    refused = client.post(review, json={"transition": "reject", "reason": "申请用途与职责不符"}, headers=ps_rev)
    assert refused.json()["status"] == "refused" and refused.json()["refusal_reason"] == "申请用途与职责不符"
    objection = f"{API}/requests/{first['id']}/objection"
    assert client.post(objection, json={"reason": "x"}, headers=ps_rev).status_code == 403
    detail = client.get(f"{API}/requests/{first['id']}", headers=hr).json()
    assert detail["can_object"] is True and detail["can_withdraw"] is False
    objected = client.post(objection, json={"reason": "核验身份属本局法定职责"}, headers=hr)
    assert objected.status_code == 200 and objected.json()["status"] == "objection", objected.text
    assert client.post(objection, json={"reason": "再次"}, headers=hr).json()["code"] == "share_request_state"
    waiting = client.get(f"{API}/requests", params={"box": "review"}, headers=sup).json()
    assert [r["id"] for r in waiting["items"]] == [first["id"]]
    decision = f"{API}/requests/{first['id']}/objection/decision"
    assert client.post(decision, json={"transition": "uphold", "reason": "x"}, headers=hr).status_code == 403
    upheld = client.post(decision, json={"transition": "uphold", "reason": "属法定职责所需"}, headers=sup)
    assert upheld.status_code == 200 and upheld.json()["status"] == "granted", upheld.text
    grant = client.get(f"{API}/requests/{first['id']}", headers=hr).json()["grant"]
    assert grant["items"] == ["name"] and grant["masking"] == {"name": "name"} and "贾蕾" in grant["approvers"]

    withdraw = f"{API}/requests/{second['id']}/withdraw"
    assert client.post(withdraw, json={"reason": "x"}, headers=ps_rev).status_code == 403
    withdrawn = client.post(withdraw, json={"reason": "业务调整，不再需要"}, headers=hr)
    assert withdrawn.json()["status"] == "withdrawn"
    again = client.post(withdraw, json={"reason": "再次撤回"}, headers=hr)
    assert again.status_code == 409 and again.json()["code"] == "share_request_state"
    # a refused objection leaves the refusal in place
    third = client.post(f"{API}/requests", json=application(empty, consumer, items=["county"]), headers=hr).json()
    client.post(f"{API}/requests/{third['id']}/review", json={"transition": "reject", "reason": "暂无数据"},
                headers=ps_rev)
    client.post(f"{API}/requests/{third['id']}/objection", json={"reason": "请复核"}, headers=hr)
    dismissed = client.post(f"{API}/requests/{third['id']}/objection/decision",
                            json={"transition": "reject", "reason": "提供部门尚无数据"}, headers=sup)
    assert dismissed.json()["status"] == "refused" and client.get(
        f"{API}/requests/{third['id']}", headers=hr).json()["grant"] is None
