"""Usage of shared data (SHR-4, SEC-2): the provider sees who used its data, the consumer its own use, the
overseers everything; each call links to its audit entry with the seven facts of Art. 18."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from govdata.catalog.models import Resource
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.org.models import Department
from govdata.sharing.models import Grant, ShareRequest, Usage
from govdata.systems.models import BusinessSystem
from tests.conftest import bearer, login

LOCAL = ZoneInfo("Asia/Shanghai")


def local_noon(days_ago: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A UTC time on the Beijing day ``days_ago`` days before today."""
    day = utcnow().astimezone(LOCAL).date() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL).astimezone(dt.UTC)


def department_id(session: Any, key_name: str) -> int:
    found = session.scalar(select(Department.id).where(Department.name == key_name))
    assert found is not None, key_name
    return found


def grant_row(client: Any, code: str, system_id: int, **overrides: Any) -> int:
    """Test data: a granted request and its grant of ``code`` to ``system_id`` (written directly)."""
    with client.db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == code))
        system = session.get(BusinessSystem, system_id)
        assert resource is not None and system is not None
        today = utcnow().astimezone(LOCAL).date()
        common = dict(kind="conditional", resource_id=resource.id, resource_code=code,
                      provider_department_id=resource.department_id, system_id=system.id,
                      items=["id_number", "name", "county"], purpose="社保待遇资格认证", basis="《社会保险法》",
                      access_method="api")
        request = ShareRequest(**common, version_no=1, requester_department_id=system.department_id,
                               period_from=today - dt.timedelta(days=60), period_to=today + dt.timedelta(days=300),
                               status="granted", requested_by="hr_manager")
        session.add(request)
        session.flush()
        grant = Grant(**{**common, "request_id": request.id, "consumer_department_id": system.department_id,
                         "valid_from": today - dt.timedelta(days=60), "valid_until": today + dt.timedelta(days=300),
                         "approvers": "周晓明、卢晓峰", **overrides})
        session.add(grant)
        session.commit()
        return grant.id


def usage_rows(client: Any, grant_id: int | None, specs: list[dict[str, Any]], **common: Any) -> list[int]:
    """Test data: ``share_usage`` rows for ``grant_id`` (its resource, departments, system), one per spec."""
    with client.db.session() as session:
        base: dict[str, Any] = {"endpoint": "record", "medium": "json", "rows": 1, "result": "success"}
        if grant_id is not None:
            g = session.get(Grant, grant_id)
            assert g is not None
            base.update(grant_id=g.id, resource_id=g.resource_id, provider_department_id=g.provider_department_id,
                        consumer_department_id=g.consumer_department_id, system_id=g.system_id)
        rows = [Usage(**{**base, **common, **spec}) for spec in specs]
        session.add_all(rows)
        session.commit()
        return [r.id for r in rows]


def test_usage_report_shows_each_department_its_side_and_the_overseers_everything(shared):
    client = shared.client
    grant_id = grant_row(client, shared.code, shared.consumer["id"])
    # 5 calls two days ago (one just after Beijing midnight), 3 today (one refused), and a call of two
    # other departments that neither ps-city nor hrss-city may see
    usage_rows(client, grant_id, [{"at": local_noon(2, 0, 30), "rows": 2, "personal_rows": 2, "end_user": "hr001"},
                                  *[{"at": local_noon(2), "end_user": "hr002"}] * 4,
                                  *[{"at": local_noon(0), "endpoint": "query", "rows": 20}] * 2,
                                  {"at": local_noon(0), "rows": 0, "result": "denied",
                                   "reason": "share_item_not_granted", "end_user": "hr002"}])
    with client.db.session() as session:
        other = (department_id(session, "云川市教育局"), department_id(session, "云川市财政局"))
    usage_rows(client, None, [{"at": local_noon(1), "provider_department_id": other[0],
                               "consumer_department_id": other[1], "rows": 7}])

    provider = client.get("/api/v1/sharing/usage", params={"view": "provided", "days": 7},
                          headers=bearer(client, "ps_manager"))
    assert provider.status_code == 200, provider.text
    body = provider.json()
    assert body["totals"] == {"calls": 8, "denied": 1, "rows": 46, "personal_rows": 2}
    assert len(body["daily"]) == 7 and body["daily"][-1]["day"] == utcnow().astimezone(LOCAL).date().isoformat()
    assert [d["calls"] for d in body["daily"]][-3:] == [5, 0, 3]  # 00:30 Beijing time counts on its own day
    [consumer] = body["top_consumers"]
    assert (consumer["system_name"], consumer["consumer_department"], consumer["calls"]) == (
        "社保待遇资格认证系统", "云川市人力资源和社会保障局", 8)
    assert {(e["end_user"], e["calls"]) for e in body["top_end_users"]} == {("hr001", 1), ("hr002", 5)}
    [resource] = body["by_resource"]
    assert resource["resource_code"] == shared.code and resource["provider_department"] == "云川市公安局"
    latest = body["recent"][0]
    assert latest["result"] == "denied" and latest["reason_label"] == "请求了未授权的信息项"
    assert len(body["recent"]) == 8 and all(r["grant_id"] == grant_id for r in body["recent"])

    def totals(user: str, **params: Any) -> dict[str, int]:
        response = client.get("/api/v1/sharing/usage", params=params, headers=bearer(client, user))
        assert response.status_code == 200, response.text
        return response.json()["totals"]

    assert totals("hr_manager", view="consumed")["calls"] == 8
    assert totals("hr_manager", view="provided")["calls"] == 0
    assert totals("mca_user")["calls"] == 0  # another department sees nothing of these calls
    assert totals("supervisor")["calls"] == 9 and totals("sec_regulator", days=1)["calls"] == 3
    assert totals("admin", result="denied")["calls"] == 1
    assert totals("admin", resource=shared.code, end_user="hr002")["calls"] == 5
    assert totals("admin", consumer_department_id=other[1])["rows"] == 7

    assert client.get("/api/v1/sharing/usage", params={"days": 0},
                      headers=bearer(client, "admin")).status_code == 422
    assert client.get("/api/v1/sharing/usage").status_code == 401

    login(client, "ps_manager")
    html = client.get("/sharing/usage", params={"view": "provided"})
    assert html.status_code == 200
    assert 'data-testid="usage-chart"' in html.text and "社保待遇资格认证系统" in html.text
    assert html.text.count("data-usage=") == 8
    for bad in ({"days": "abc"}, {"view": "everything"}, {"consumer_department_id": "x"}, {"resource": "x" * 100}):
        assert client.get("/sharing/usage", params=bad).status_code == 422, bad


def test_one_call_shows_the_facts_of_its_audit_entry_to_the_departments_concerned(shared):
    client = shared.client
    grant_id = grant_row(client, shared.code, shared.consumer["id"])
    with client.db.session() as session:
        system = session.get(BusinessSystem, shared.consumer["id"])
        assert system is not None
        caller = Actor(kind="system", name=f"{system.name}[{system.app_key}]/hr001", system_id=system.id,
                       department_id=system.department_id, roles=frozenset({"system"}))
        entry = audit.record(session, caller, "sharing.read_record", object_type="grant", object_id=grant_id,
                             purpose="社保待遇资格认证", approver="周晓明、卢晓峰", medium="json",
                             data_content={"resource": shared.code, "items": ["id_number", "name"], "keys": ["k1"]})
        session.commit()
        seq = entry.seq
    [usage_id] = usage_rows(client, grant_id, [{"at": utcnow(), "audit_seq": seq, "end_user": "hr001"}])

    detail = client.get(f"/api/v1/sharing/usage/{usage_id}", headers=bearer(client, "hr_manager"))
    assert detail.status_code == 200, detail.text
    facts = detail.json()["audit"]
    assert (facts["seq"], facts["purpose"], facts["approver"], facts["medium"], facts["method"]) == (
        seq, "社保待遇资格认证", "周晓明、卢晓峰", "json", "api")
    assert facts["data_content"]["items"] == ["id_number", "name"] and facts["actor_name"].endswith("/hr001")
    assert client.get(f"/api/v1/sharing/usage/{usage_id}", headers=bearer(client, "ps_reviewer")).status_code == 200
    assert client.get(f"/api/v1/sharing/usage/{usage_id}", headers=bearer(client, "mca_user")).status_code == 403
    assert client.get("/api/v1/sharing/usage/999999", headers=bearer(client, "admin")).status_code == 404

    login(client, "supervisor")
    page = client.get(f"/sharing/usage/{usage_id}")
    assert page.status_code == 200 and "社保待遇资格认证" in page.text and f"#{seq}" in page.text
    assert "/audit?action=sharing." in page.text  # the supervisor reads the audit log itself


def test_the_way_of_getting_the_data_is_the_grants_way_of_sharing(shared):
    """获取方式 of an export under a file grant is 文件, not 接口 (the channel every data service call uses)."""
    client = shared.client
    grant_id = grant_row(client, shared.code, shared.consumer["id"], access_method="file")
    with client.db.session() as session:
        system = session.get(BusinessSystem, shared.consumer["id"])
        assert system is not None
        caller = Actor(kind="system", name=f"{system.name}[{system.app_key}]", system_id=system.id,
                       department_id=system.department_id, roles=frozenset({"system"}))
        entry = audit.record(session, caller, "sharing.export_records", object_type="grant", object_id=grant_id,
                             purpose="社保待遇资格认证", approver="周晓明", medium="csv",
                             data_content={"resource": shared.code, "items": ["id_number"], "count": 30})
        session.commit()
        seq = entry.seq
    [usage_id] = usage_rows(client, grant_id, [{"at": utcnow(), "audit_seq": seq, "endpoint": "export",
                                                "medium": "csv", "rows": 30}])
    detail = client.get(f"/api/v1/sharing/usage/{usage_id}", headers=bearer(client, "hr_manager")).json()
    assert (detail["access_method"], detail["access_method_label"]) == ("file", "文件")
    login(client, "hr_manager")
    page = client.get(f"/sharing/usage/{usage_id}")
    row = page.text[page.text.index("<th>获取方式</th>"):]
    row = row[:row.index("</tr>")]
    assert "文件" in row and "接口" not in row
