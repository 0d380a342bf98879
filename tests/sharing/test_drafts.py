"""Drafts of share requests (issue 13, part 6): a department's data user drafts, its data manager submits
(the drafter stays on record as the end user, on the grant too), edits or declines; the drafter withdraws.
Through the JSON API on both databases; every step audited with before/after, refusals in Chinese."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from govdata.core.audit import AuditEntry
from govdata.sharing.models import Grant, ShareRequest
from govdata.workflow.models import WorkItem
from tests.catalog.helpers import publish
from tests.conftest import bearer
from tests.sharing.helpers import ITEMS, system
from tests.sharing.test_requests import API, application, audit_actions


def _mca(shared) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """市民政局's data user and data manager (tokens) and an approved system of 市民政局."""
    consumer = system(shared.client, "mca_manager", name="社会救助综合管理系统", purpose="低保家庭经济状况核对")
    return bearer(shared.client, "mca_user"), bearer(shared.client, "mca_manager"), consumer


def _draft(client, user, code: str, system_id: int, **overrides: Any) -> dict[str, Any]:
    made = client.post(f"{API}/drafts", json=application(code, system_id, **overrides), headers=user)
    assert made.status_code == 201, made.text
    return made.json()


def test_a_data_user_drafts_and_the_manager_submits_it_with_the_drafter_as_end_user(shared):
    client = shared.client
    user, manager, consumer = _mca(shared)
    ps_rev, admin, hr = bearer(client, "ps_reviewer"), bearer(client, "admin"), bearer(client, "hr_manager")

    seen = client.get(f"{API}/resources/{shared.code}", headers=user).json()
    assert seen["action"] == "draft" and seen["action_reason"] is None
    # a data user may not apply directly, only draft
    direct = client.post(f"{API}/requests", json=application(shared.code, consumer["id"], items=["name"]),
                         headers=user)
    assert direct.status_code == 403
    draft = _draft(client, user, shared.code, consumer["id"], items=["id_number", "name", "amount"])
    assert draft["status"] == "draft" and draft["status_label"] == "待本部门数据管理员提交"
    assert draft["end_user_name"] == "郭晓燕" and draft["requested_by"] == "mca_user"
    assert draft["work_item_id"] is None and draft["draft_item_id"]
    assert client.get(f"{API}/resources/{shared.code}", headers=user).json()["my_draft_id"] == draft["id"]

    # it waits in the manager's inbox, not in the provider's; the provider cannot even read it
    assert [i["id"] for i in client.get("/api/v1/inbox", headers=manager).json()] == [draft["draft_item_id"]]
    assert client.get("/api/v1/inbox", headers=ps_rev).json() == []
    assert client.get(f"{API}/requests/{draft['id']}", headers=ps_rev).status_code == 403
    provided = client.get(f"{API}/requests", params={"box": "provided"}, headers=bearer(client, "ps_manager"))
    assert provided.json()["total"] == 0
    assert client.get(f"{API}/requests/{draft['id']}", headers=hr).status_code == 403

    # one draft per system and resource; the manager's own application is told of it
    again = client.post(f"{API}/drafts", json=application(shared.code, consumer["id"]), headers=user)
    assert again.status_code == 409 and again.json()["code"] == "share_request_pending"
    assert "草稿" in again.json()["title"] + again.json().get("detail", "")
    own = client.post(f"{API}/requests", json=application(shared.code, consumer["id"], items=["name"]),
                      headers=manager)
    assert own.status_code == 409 and own.json()["code"] == "share_request_pending"

    detail = client.get(f"{API}/requests/{draft['id']}", headers=manager).json()
    assert detail["can_submit_draft"] and detail["can_edit_draft"] and detail["can_decline_draft"]
    assert not detail["can_withdraw"]  # the manager declines a draft; withdrawing is the drafter's
    mine = client.get(f"{API}/requests/{draft['id']}", headers=user).json()
    assert mine["can_edit_draft"] and mine["can_withdraw"] and not mine["can_submit_draft"]

    # only the manager submits or declines
    assert client.post(f"{API}/requests/{draft['id']}/submit", headers=user).status_code == 403
    refused = client.post(f"{API}/requests/{draft['id']}/decline", json={"reason": "不需要"}, headers=user)
    assert refused.status_code == 403 and "数据管理员" in refused.json()["detail"]

    # the manager submits, dropping the amount: a request under the provider's review
    submitted = client.post(f"{API}/requests/{draft['id']}/submit", json={"items": ["id_number", "name"]},
                            headers=manager)
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "provider_review" and body["requested_by"] == "mca_manager"
    assert body["items"] == ["id_number", "name"] and body["end_user_name"] == "郭晓燕" and body["work_item_id"]
    assert client.get("/api/v1/inbox", headers=manager).json() == []
    assert [i["id"] for i in client.get("/api/v1/inbox", headers=ps_rev).json()] == [body["work_item_id"]]
    again = client.post(f"{API}/requests/{draft['id']}/submit", headers=manager)
    assert again.status_code == 409 and again.json()["code"] == "share_request_state"
    changed = client.patch(f"{API}/requests/{draft['id']}", json={"purpose": "改一下用途"}, headers=user)
    assert changed.status_code == 409 and "不能修改" in changed.json()["detail"]

    for step, who in (("pass", ps_rev), ("approve", admin)):
        reviewed = client.post(f"{API}/requests/{draft['id']}/review", json={"transition": step}, headers=who)
        assert reviewed.status_code == 200, reviewed.text
    full = client.get(f"{API}/requests/{draft['id']}", headers=user).json()
    assert full["grant"]["end_user_name"] == "郭晓燕" and full["grant"]["end_user_id"] == draft["end_user_id"]
    assert [s["transition"] for s in full["draft_item"]["steps"]] == ["start", "submit"]

    entries = audit_actions(client, "share_request", draft["id"])
    actions = [e.action for e in entries]
    assert actions[:2] == ["sharing.draft_request", "sharing.submit_draft"]
    submit = entries[1]
    assert submit.actor_name == "mca_manager"
    assert submit.detail["before"] == {"status": "draft", "items": ["id_number", "name", "amount"]}
    assert submit.detail["after"]["status"] == "provider_review"
    assert submit.detail["after"]["items"] == ["id_number", "name"]
    assert submit.detail["drafted_by"] == "mca_user" and submit.detail["end_user"] == "郭晓燕"

    # what became of it: the drafter's box
    drafted = client.get(f"{API}/requests", params={"box": "drafted"}, headers=user).json()
    assert [(r["id"], r["status"]) for r in drafted["items"]] == [(draft["id"], "granted")]


def test_an_unconditional_draft_is_granted_when_submitted(shared):
    client = shared.client
    user, manager, consumer = _mca(shared)
    free = publish(client, name="人口基础信息（无条件）", items=ITEMS, share_type="无条件共享", share_condition=None,
                   legal_basis=None)
    draft = _draft(client, user, free, consumer["id"], items=None)
    assert draft["kind"] == "unconditional" and draft["status"] == "draft"
    done = client.post(f"{API}/requests/{draft['id']}/submit", headers=manager)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "granted"
    with client.db.session() as session:
        grant = session.scalar(select(Grant).where(Grant.request_id == draft["id"]))
        assert grant is not None and grant.end_user_name == "郭晓燕" and grant.status == "active"
        assert grant.items == [i["field_code"] for i in ITEMS]
    entry = audit_actions(client, "share_request", draft["id"])[-1]
    assert entry.action == "sharing.submit_draft" and entry.detail["grant_id"] == grant.id and entry.approver


def test_drafts_are_edited_declined_and_withdrawn(shared):
    client = shared.client
    user, manager, consumer = _mca(shared)
    hr, ps = bearer(client, "hr_manager"), bearer(client, "ps_reviewer")
    draft = _draft(client, user, shared.code, consumer["id"], items=["name"])

    # the drafter and the manager edit it; others may not; the checks of an application apply
    for who in (hr, ps):
        assert client.patch(f"{API}/requests/{draft['id']}", json={"purpose": "别人改"}, headers=who).status_code == 403
    bad = client.patch(f"{API}/requests/{draft['id']}", json={"items": ["salary"]}, headers=user)
    assert bad.status_code == 422 and "salary" in bad.json()["detail"]
    edited = client.patch(f"{API}/requests/{draft['id']}", json={"items": ["name", "county"], "purpose": "低保核对"},
                          headers=user)
    assert edited.status_code == 200, edited.text
    assert edited.json()["items"] == ["name", "county"] and edited.json()["status"] == "draft"
    by_manager = client.patch(f"{API}/requests/{draft['id']}", json={"access_method": "file"}, headers=manager)
    assert by_manager.status_code == 200 and by_manager.json()["access_method"] == "file"
    update = [e for e in audit_actions(client, "share_request", draft["id"]) if e.action == "sharing.update_draft"]
    assert update[0].detail["before"] == {"items": ["name"], "purpose": "社保待遇资格认证中核验参保人身份"}
    assert update[0].detail["after"] == {"items": ["name", "county"], "purpose": "低保核对"}
    assert update[1].actor_name == "mca_manager" and update[1].detail["after"] == {"access_method": "file"}

    # declined with a reason, which the drafter reads
    no_reason = client.post(f"{API}/requests/{draft['id']}/decline", json={"reason": ""}, headers=manager)
    assert no_reason.status_code == 422
    declined = client.post(f"{API}/requests/{draft['id']}/decline", json={"reason": "请写明依据的条款"},
                           headers=manager)
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["refusal_reason"] == "请写明依据的条款"
    assert client.get("/api/v1/inbox", headers=manager).json() == []
    late = client.post(f"{API}/requests/{draft['id']}/submit", headers=manager)
    assert late.status_code == 409 and "数据管理员已退回" in late.json()["detail"]
    entry = audit_actions(client, "share_request", draft["id"])[-1]
    assert entry.action == "sharing.decline_draft" and entry.purpose == "请写明依据的条款"
    assert entry.detail["before"] == {"status": "draft"} and entry.detail["after"] == {"status": "declined"}

    # a new draft may follow; its drafter withdraws it, the manager may not
    second = _draft(client, user, shared.code, consumer["id"], items=["name"])
    assert client.post(f"{API}/requests/{second['id']}/withdraw", json={"reason": "x"},
                       headers=manager).status_code == 403
    gone = client.post(f"{API}/requests/{second['id']}/withdraw", json={"reason": "不需要了"}, headers=user)
    assert gone.status_code == 200 and gone.json()["status"] == "draft_withdrawn"
    with client.db.session() as session:
        item = session.get(WorkItem, second["draft_item_id"])
        assert item.state == "withdrawn" and item.closed_at is not None
        assert session.get(ShareRequest, second["id"]).status == "draft_withdrawn"
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "share_request",
                                                                  AuditEntry.object_id == str(second["id"]))).all()
        assert list(actions) == ["sharing.draft_request", "sharing.withdraw_request"]

    # boxes: the drafter's, the department's drafts, and the department's submitted requests
    drafted = client.get(f"{API}/requests", params={"box": "drafted"}, headers=user).json()
    assert {r["status"] for r in drafted["items"]} == {"declined", "draft_withdrawn"}
    drafts = client.get(f"{API}/requests", params={"box": "drafts"}, headers=manager).json()
    assert drafts["total"] == 2
    assert client.get(f"{API}/requests", params={"box": "mine"}, headers=manager).json()["total"] == 0


def test_who_may_draft(shared):
    client = shared.client
    _, _, consumer = _mca(shared)
    # a manager applies instead; a provider's reviewer has no reason to; a foreign system is refused
    for who in ("mca_manager", "ps_reviewer", "finance"):
        answer = client.post(f"{API}/drafts", json=application(shared.code, consumer["id"]),
                             headers=bearer(client, who))
        assert answer.status_code == 403, who
    foreign = client.post(f"{API}/drafts", json=application(shared.code, shared.consumer["id"]),
                          headers=bearer(client, "mca_user"))
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "system_id"
    closed = publish(client, name="在逃人员信息", items=ITEMS, share_type="暂不共享", share_condition=None,
                     legal_basis="《公安机关执法细则》第十二条")
    refused = client.post(f"{API}/drafts", json=application(closed, consumer["id"]), headers=bearer(client, "mca_user"))
    assert refused.status_code == 409 and refused.json()["code"] == "share_not_shareable"
