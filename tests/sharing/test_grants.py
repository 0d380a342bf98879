"""Grants: who sees them, suspension, resumption, revocation and changes of terms, each audited with before and
after (SHR-2, SEC-1, SEC-7), through the JSON API on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from govdata.core.db import utcnow
from govdata.sharing.models import Grant
from tests.conftest import bearer
from tests.sharing.helpers import shared_resource
from tests.sharing.test_requests import API, application, audit_actions


def subscribed(client) -> tuple[dict, dict]:
    """An unconditional resource of ps-city with 5 records, subscribed by hrss-city's system."""
    shared = shared_resource(client, rows=5, share_type="无条件共享")
    made = client.post(f"{API}/subscriptions", json=application(shared.code, shared.consumer["id"]),
                       headers=bearer(client, "hr_manager"))
    assert made.status_code == 201, made.text
    return made.json(), shared.consumer


def test_grant_visibility_and_its_suspension_resumption_revocation(data_client):
    client = data_client
    grant, _ = subscribed(client)
    url = f"{API}/grants/{grant['id']}"
    hr, ps_rev, admin, sup, mca = (bearer(client, u) for u in
                                   ("hr_manager", "ps_reviewer", "admin", "supervisor", "mca_user"))

    def listed(headers: dict[str, str], **params: str) -> list[int]:
        answer = client.get(f"{API}/grants", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [g["id"] for g in answer.json()["items"]]

    assert listed(hr, side="consumed") == [grant["id"]] and listed(hr, side="provided") == []
    assert listed(ps_rev, side="provided") == [grant["id"]] and listed(mca) == []
    assert listed(sup, side="all") == [grant["id"]]
    assert client.get(f"{API}/grants", params={"side": "all"}, headers=hr).status_code == 403
    assert client.get(url, headers=mca).status_code == 403 and client.get(url, headers=hr).status_code == 200

    assert client.post(f"{url}/suspend", json={"reason": "自行暂停"}, headers=hr).status_code == 403
    assert client.post(f"{url}/suspend", json={"reason": ""}, headers=ps_rev).status_code == 422
    suspended = client.post(f"{url}/suspend", json={"reason": "发现超范围调用，暂停核查"}, headers=ps_rev)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["effective_status"] == "suspended" and suspended.json()["status_label"] == "已暂停"
    twice = client.post(f"{url}/suspend", json={"reason": "再次"}, headers=ps_rev)
    assert twice.status_code == 409 and twice.json()["code"] == "share_grant_state"
    assert listed(hr, status="suspended") == [grant["id"]] and listed(hr, status="active") == []

    assert client.post(f"{url}/resume", json={"reason": "核查完毕"}, headers=admin).json()["status"] == "active"
    revoked = client.post(f"{url}/revoke", json={"reason": "违规使用共享数据"}, headers=sup)
    assert revoked.json()["status"] == "revoked" and revoked.json()["status_reason"] == "违规使用共享数据"
    for path, body in ((f"{url}/resume", {"reason": "恢复"}), (f"{url}/revoke", {"reason": "再撤"})):
        assert client.post(path, json=body, headers=admin).json()["code"] == "share_grant_state"
    assert client.patch(url, json={"rate_per_minute": 5}, headers=admin).json()["code"] == "share_grant_state"

    entries = audit_actions(client, "grant", grant["id"])
    assert [e.action for e in entries] == ["sharing.subscribe", "sharing.suspend_grant", "sharing.resume_grant",
                                           "sharing.revoke_grant"]
    assert entries[1].detail == {"before": {"status": "active", "status_reason": None},
                                 "after": {"status": "suspended", "status_reason": "发现超范围调用，暂停核查"}}
    assert entries[3].purpose == "违规使用共享数据" and entries[3].actor_name == "supervisor"


def test_provider_changes_the_terms_within_what_was_requested(data_client):
    client = data_client
    grant, _ = subscribed(client)
    url = f"{API}/grants/{grant['id']}"
    ps, hr = bearer(client, "ps_manager"), bearer(client, "hr_manager")
    assert client.patch(url, json={"rate_per_minute": 1}, headers=hr).status_code == 403

    scope = [{"item": "county", "op": "in", "value": ["530102", "530103"]}]
    changed = client.patch(url, json={"masking": {"mobile": "null", "id_number": "hash"}, "row_scope": scope,
                                      "rate_per_minute": 10}, headers=ps)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["masking"] == {"id_number": "hash", "mobile": "null"} and body["row_scope"] == scope
    assert body["rate_per_minute"] == 10 and body["daily_quota"] == 10000

    year_later = (dt.date.fromisoformat(grant["valid_from"]) + dt.timedelta(days=366)).isoformat()
    for terms, field in (({"masking": {"name": "scramble"}}, "masking.name"),
                         ({"masking": {"amount": "mobile"}}, "masking.amount"),
                         ({"items": ["name", "salary"]}, "items"),
                         ({"row_scope": [{"item": "county", "op": "eq", "value": "5" * 300}]}, "row_scope.county"),
                         ({"valid_until": year_later}, "valid_until"),
                         ({"items": ["name"]}, "row_scope.county")):  # the scope must stay on granted items
        answer = client.patch(url, json=terms, headers=ps)
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field, (terms, answer.text)

    # kept items keep their rule (name stays in clear as set above), a removed item's rule goes, an item added
    # back gets its default rule
    narrowed = client.patch(url, json={"items": ["id_number", "county"]}, headers=ps).json()
    assert narrowed["items"] == ["id_number", "county"] and narrowed["masking"] == {"id_number": "hash"}
    widened = client.patch(url, json={"items": ["id_number", "mobile", "county"]}, headers=ps).json()
    assert widened["masking"] == {"id_number": "hash", "mobile": "mobile"}
    entries = audit_actions(client, "grant", grant["id"])
    assert [e.action for e in entries] == ["sharing.subscribe"] + ["sharing.update_grant"] * 3
    assert entries[1].detail["before"]["rate_per_minute"] == 600 and entries[1].detail["after"]["row_scope"] == scope
    assert set(entries[2].detail["after"]) == {"items", "masking"}  # only what changed

    with client.db.session() as session:  # past its end: expired, and nothing to suspend any more
        session.execute(update(Grant).where(Grant.id == grant["id"])
                        .values(valid_until=utcnow().date() - dt.timedelta(days=1)))
        session.commit()
    expired = client.get(f"{API}/grants", params={"status": "expired"}, headers=hr).json()["items"]
    assert [g["id"] for g in expired] == [grant["id"]] and expired[0]["effective_status"] == "expired"
    assert client.post(f"{url}/suspend", json={"reason": "暂停"}, headers=ps).json()["code"] == "share_grant_state"
