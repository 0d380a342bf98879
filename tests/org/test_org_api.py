"""The org JSON API: departments, responsible persons, users, regions; validation and errors as
problem+json; refusals answered 403 and audited (GEN-1, SEC-1, SEC-3, SUP-3)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from govdata.core.audit import AuditEntry
from govdata.core.validators import make_credit_code
from govdata.org.demo_data import ACCOUNTS
from govdata.org.models import Department, DepartmentPerson, Region, User
from tests.conftest import bearer

PS = "云川市公安局"
MCA = "云川市民政局"
NEW_CODE = make_credit_code("1", "1", "990100", "01009999")


def problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("urn:govdata:problem:")
    if code is not None:
        assert body["code"] == code, body
    return body


def fields(body: dict) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


def department_id(client, name: str) -> int:
    with client.db.session() as session:
        dep_id = session.scalar(select(Department.id).where(Department.name == name))
    assert dep_id is not None
    return dep_id


def audit(client, action: str) -> list[AuditEntry]:
    with client.db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.seq)))


def count(client, model) -> int:
    with client.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def new_department(**overrides) -> dict:
    return {"name": "云川市数据资源测试局", "short_name": "测试局", "kind": "行政机关", "credit_code": NEW_CODE,
            "region_code": "990100", **overrides}


@pytest.fixture
def admin(client):
    return bearer(client, "admin")


# --- departments -------------------------------------------------------------------------------------

def test_admin_creates_department_and_it_is_audited(client, admin):
    response = client.post("/api/v1/departments", json=new_department(duties="数据资源管理"), headers=admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["credit_code"] == NEW_CODE and body["region_name"] == "云川市" and body["active"] is True
    assert client.get(f"/api/v1/departments/{body['id']}", headers=admin).json()["name"] == "云川市数据资源测试局"
    [entry] = audit(client, "org.create_department")[-1:]
    assert entry.actor_name == "admin" and entry.object_id == str(body["id"]) and entry.result == "success"
    assert entry.detail["after"]["credit_code"] == NEW_CODE
    assert entry.detail["after"]["name"] == "云川市数据资源测试局"


def test_lower_case_credit_code_is_normalised(client, admin):
    response = client.post("/api/v1/departments", json=new_department(credit_code=NEW_CODE.lower()), headers=admin)
    assert response.status_code == 201 and response.json()["credit_code"] == NEW_CODE


def test_wrong_check_character_is_refused_naming_the_field(client, admin):
    before = count(client, Department)
    wrong = NEW_CODE[:-1] + ("1" if NEW_CODE[-1] != "1" else "2")
    body = problem(client.post("/api/v1/departments", json=new_department(credit_code=wrong), headers=admin),
                   422, "validation_failed")
    assert fields(body) == {"credit_code"}
    assert "校验" in body["errors"][0]["message"]
    assert count(client, Department) == before
    assert all(e.detail["after"]["credit_code"] != wrong for e in audit(client, "org.create_department"))


def test_duplicate_department_name_is_a_conflict(client, admin):
    body = problem(client.post("/api/v1/departments", json=new_department(name=PS), headers=admin), 409, "duplicate")
    assert fields(body) == {"name"}
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Department).where(Department.name == PS)) == 1


def test_duplicate_credit_code_is_a_conflict(client, admin):
    with client.db.session() as session:
        taken = session.scalar(select(Department.credit_code).where(Department.name == MCA))
    body = problem(client.post("/api/v1/departments", json=new_department(credit_code=taken), headers=admin),
                   409, "duplicate")
    assert fields(body) == {"credit_code"}


def test_unknown_field_is_named(client, admin):
    before = count(client, Department)
    body = problem(client.post("/api/v1/departments", json=new_department(secret_flag=True), headers=admin),
                   422, "validation_failed")
    assert "secret_flag" in fields(body)
    assert count(client, Department) == before


@pytest.mark.parametrize(("path", "payload", "field"), [
    ("/api/v1/departments", new_department(kind=123), "kind"),
    ("/api/v1/departments", new_department(kind="公司"), "kind"),
    ("/api/v1/departments", new_department(region_code="99"), "region_code"),
    ("/api/v1/users", {"username": "zhang3", "display_name": "张三", "department_id": "abc",
                       "roles": ["data_user"], "password": "Strong#Pass2026"}, "department_id"),
    ("/api/v1/users", {"username": "zhang3", "display_name": "张三", "department_id": 1,
                       "roles": ["emperor"], "password": "Strong#Pass2026"}, "roles.0"),
])
def test_wrong_types_are_refused_naming_the_field(client, admin, path, payload, field):
    body = problem(client.post(path, json=payload, headers=admin), 422, "validation_failed")
    assert field in fields(body)


def test_missing_required_field_is_named(client, admin):
    payload = new_department()
    del payload["credit_code"]
    body = problem(client.post("/api/v1/departments", json=payload, headers=admin), 422)
    assert fields(body) == {"credit_code"}


def test_unknown_region_code_is_named(client, admin):
    body = problem(client.post("/api/v1/departments", json=new_department(region_code="990199"), headers=admin), 422)
    assert fields(body) == {"region_code"}


def test_oversized_body_is_refused(client, admin):
    before = count(client, Department)
    huge = new_department(duties="x" * 2_000_000)
    body = problem(client.post("/api/v1/departments", json=huge, headers=admin), 413, "body_too_large")
    assert "1048576" in body["detail"]
    assert count(client, Department) == before


def test_oversized_body_without_length_header_is_refused(client, admin):
    def chunks():
        yield b'{"name": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = client.post("/api/v1/departments", content=chunks(),
                           headers={**admin, "content-type": "application/json"})
    problem(response, 413, "body_too_large")


@pytest.mark.parametrize("raw", [b'{"name": "x",', b"not json at all", b'{"name": "\xff"}'])
def test_malformed_json_is_a_problem_not_a_crash(client, admin, raw):
    response = client.post("/api/v1/departments", content=raw, headers={**admin, "content-type": "application/json"})
    assert response.status_code in (400, 422)
    problem(response, response.status_code)


def test_english_titles_on_request(client, admin):
    zh = problem(client.post("/api/v1/departments", json=new_department(name=PS), headers=admin), 409)
    en = problem(client.post("/api/v1/departments", json=new_department(name=PS),
                             headers={**admin, "Accept-Language": "en"}), 409)
    assert zh["title"] == "名称或编码已存在"
    assert en["title"] == "Name or code already exists"
    missing = problem(client.get("/api/v1/departments/999999", headers={**admin, "Accept-Language": "en-US,en;q=0.9"}),
                      404, "not_found")
    assert missing["title"] == "Not found" and "999999" in missing["detail"]


def test_unknown_route_is_problem_json(client, admin):
    problem(client.get("/api/v1/no-such-thing", headers=admin), 404, "not_found")
    problem(client.delete("/api/v1/departments", headers=admin), 405, "method_not_allowed")


def test_unauthenticated_api_call(client):
    body = problem(client.get("/api/v1/departments"), 401, "unauthenticated")
    assert body["instance"] == "/api/v1/departments"
    # even a malformed body reveals nothing before authentication
    problem(client.post("/api/v1/departments", json={"bogus": 1}), 401, "unauthenticated")


def test_whoami(client):
    body = client.get("/api/v1/whoami", headers=bearer(client, "ps_manager")).json()
    assert body["kind"] == "user" and body["name"] == "ps_manager" and body["roles"] == ["dept_manager"]
    assert body["department_id"] == department_id(client, PS)
    with client.db.session() as session:
        assert body["user_id"] == session.scalar(select(User.id).where(User.username == "ps_manager"))


# --- responsible persons (SUP-3) ---------------------------------------------------------------------

def test_manager_replaces_own_daily_manager_with_history_and_audit(client):
    auth = bearer(client, "ps_manager")
    dep = department_id(client, PS)
    response = client.put(f"/api/v1/departments/{dep}/people/daily_manager", headers=auth,
                          json={"name": "王新", "title": "科技信息化科副科长", "phone": "13900001111",
                                "email": "wangxin@ycs.gov.example", "reason": "岗位调整"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "王新" and response.json()["started_by"] == "ps_manager"

    current = client.get(f"/api/v1/departments/{dep}/people", headers=auth).json()
    assert [p["name"] for p in current if p["role"] == "daily_manager"] == ["王新"]
    history = client.get(f"/api/v1/departments/{dep}/people?history=true", headers=auth).json()
    managers = {p["name"]: p for p in history if p["role"] == "daily_manager"}
    assert set(managers) == {"王新", "刘思远"}
    assert managers["刘思远"]["ended_at"] and managers["刘思远"]["ended_by"] == "ps_manager"
    assert managers["王新"]["ended_at"] is None and managers["王新"]["reason"] == "岗位调整"

    [entry] = [e for e in audit(client, "org.set_person") if e.actor_name == "ps_manager"]
    assert entry.result == "success" and entry.department_id == dep and entry.purpose == "岗位调整"
    assert entry.detail["role"] == "daily_manager"
    assert entry.detail["before"]["name"] == "刘思远" and entry.detail["after"]["name"] == "王新"


def test_manager_cannot_set_people_of_another_department(client):
    auth = bearer(client, "ps_manager")
    mca = department_id(client, MCA)
    with client.db.session() as session:
        rows_before = session.scalar(select(func.count()).select_from(DepartmentPerson)
                                     .where(DepartmentPerson.department_id == mca))
    body = problem(client.put(f"/api/v1/departments/{mca}/people/daily_manager", headers=auth,
                              json={"name": "冒名者"}), 403, "forbidden")
    assert "org.set_person" in body["detail"]
    denied = [e for e in audit(client, "org.set_person") if e.result == "denied"]
    assert len(denied) == 1
    assert denied[0].actor_name == "ps_manager" and denied[0].detail["code"] == "forbidden"
    assert denied[0].detail["path"] == f"/api/v1/departments/{mca}/people/daily_manager"
    assert [e for e in audit(client, "org.set_person") if e.actor_name == "ps_manager" and e.result == "success"] == []
    current = client.get(f"/api/v1/departments/{mca}/people", headers=auth).json()
    assert [p["name"] for p in current if p["role"] == "daily_manager"] == ["高俊"]
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(DepartmentPerson)
                              .where(DepartmentPerson.department_id == mca)) == rows_before


def test_invalid_person_data_is_named(client):
    dep = department_id(client, PS)
    body = problem(client.put(f"/api/v1/departments/{dep}/people/leader", headers=bearer(client, "ps_manager"),
                              json={"name": "李四", "phone": "12345", "email": "not-an-email"}), 422)
    assert fields(body) == {"phone", "email"}
    problem(client.put(f"/api/v1/departments/{dep}/people/contact", headers=bearer(client, "ps_manager"),
                       json={"name": "李四"}), 422)


def test_manager_edits_duties_but_not_credit_code(client):
    auth = bearer(client, "ps_manager")
    dep = department_id(client, PS)
    with client.db.session() as session:
        code = session.get(Department, dep).credit_code
    forbidden = problem(client.patch(f"/api/v1/departments/{dep}", headers=auth,
                                     json={"credit_code": NEW_CODE}), 403, "forbidden")
    assert forbidden["code"] == "forbidden"
    denied = audit(client, "org.update_department")
    assert [(e.result, e.actor_name) for e in denied] == [("denied", "ps_manager")]

    ok = client.patch(f"/api/v1/departments/{dep}", headers=auth, json={"duties": "负责公安数据资源编目与共享"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["duties"] == "负责公安数据资源编目与共享" and ok.json()["credit_code"] == code
    entry = audit(client, "org.update_department")[-1]
    assert entry.result == "success" and entry.actor_name == "ps_manager"
    assert entry.detail == {"before": {"duties": None}, "after": {"duties": "负责公安数据资源编目与共享"}}
    with client.db.session() as session:
        assert session.get(Department, dep).credit_code == code


def test_manager_cannot_edit_another_department(client):
    mca = department_id(client, MCA)
    problem(client.patch(f"/api/v1/departments/{mca}", headers=bearer(client, "ps_manager"),
                         json={"duties": "越权修改"}), 403, "forbidden")
    with client.db.session() as session:
        assert session.get(Department, mca).duties is None


# --- users -------------------------------------------------------------------------------------------

def user_payload(department: int, **overrides) -> dict:
    return {"username": "zhangwei", "display_name": "张伟", "department_id": department, "roles": ["data_user"],
            "password": "Strong#Pass2026", **overrides}


def test_data_user_cannot_create_users(client):
    before = count(client, User)
    mca = department_id(client, MCA)
    problem(client.post("/api/v1/users", json=user_payload(mca), headers=bearer(client, "mca_user")),
            403, "forbidden")
    assert count(client, User) == before
    assert [e.result for e in audit(client, "org.create_user") if e.actor_name == "mca_user"] == ["denied"]


def test_manager_creates_user_in_own_department(client):
    dep = department_id(client, PS)
    response = client.post("/api/v1/users", json=user_payload(dep), headers=bearer(client, "ps_manager"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["roles"] == ["data_user"] and body["department_name"] == PS and "password" not in response.text
    with client.db.session() as session:
        stored = session.scalar(select(User).where(User.username == "zhangwei"))
        assert stored.password_hash.startswith("$argon2id$")
    entry = audit(client, "org.create_user")[-1]
    assert entry.actor_name == "ps_manager" and entry.detail["after"]["username"] == "zhangwei"
    assert "Strong#Pass2026" not in str(entry.detail)


@pytest.mark.parametrize("overrides", [{"roles": ["platform_admin"]}, {"roles": ["data_user", "supervisor"]},
                                       {"department": MCA}])
def test_manager_cannot_grant_high_roles_or_add_to_other_departments(client, overrides):
    overrides = dict(overrides)
    dep = department_id(client, overrides.pop("department", PS))
    before = count(client, User)
    problem(client.post("/api/v1/users", json=user_payload(dep, **overrides), headers=bearer(client, "ps_manager")),
            403, "forbidden")
    assert count(client, User) == before


def test_weak_password_is_refused_naming_the_field(client, admin):
    dep = department_id(client, PS)
    for weak in ("short1!A", "alllowercase#2026", "Zhangwei#2026x"):
        body = problem(client.post("/api/v1/users", json=user_payload(dep, password=weak), headers=admin),
                       422, "weak_password")
        assert fields(body) == {"password"}
    assert "不得包含用户名" in body["errors"][0]["message"]
    with client.db.session() as session:
        assert session.scalar(select(User.id).where(User.username == "zhangwei")) is None


def test_duplicate_username_is_a_conflict(client, admin):
    dep = department_id(client, PS)
    body = problem(client.post("/api/v1/users", json=user_payload(dep, username="ps_reviewer"), headers=admin),
                   409, "duplicate")
    assert fields(body) == {"username"}


def test_manager_lists_only_own_department_users(client):
    ps = department_id(client, PS)
    body = client.get("/api/v1/users", headers=bearer(client, "ps_manager")).json()
    assert {u["username"] for u in body["items"]} == {"ps_manager", "ps_reviewer"}
    assert body["total"] == 2 and {u["department_id"] for u in body["items"]} == {ps}
    # asking for another department's users gives nothing rather than leaking them
    other = client.get(f"/api/v1/users?department_id={department_id(client, MCA)}",
                       headers=bearer(client, "ps_manager")).json()
    assert other["items"] == [] and other["total"] == 0


def test_supervisor_lists_all_users(client):
    body = client.get("/api/v1/users?limit=500", headers=bearer(client, "supervisor")).json()
    assert body["total"] == count(client, User) == len(ACCOUNTS)
    assert {"admin", "ps_manager", "mca_user", "hr_manager"} <= {u["username"] for u in body["items"]}
    assert len({u["department_id"] for u in body["items"]}) > 1


def test_data_user_sees_only_themselves(client):
    body = client.get("/api/v1/users", headers=bearer(client, "mca_user")).json()
    assert [u["username"] for u in body["items"]] == ["mca_user"]


# --- regions -----------------------------------------------------------------------------------------

def test_county_directly_under_province_is_refused(client, admin):
    before = count(client, Region)
    body = problem(client.post("/api/v1/regions", headers=admin,
                               json={"code": "990123", "name": "错层县", "level": "county", "parent_code": "990000"}),
                   422)
    assert fields(body) == {"parent_code"}
    assert count(client, Region) == before


def test_county_under_city_is_created(client, admin):
    response = client.post("/api/v1/regions", headers=admin,
                           json={"code": "990123", "name": "新设县", "level": "county", "parent_code": "990100"})
    assert response.status_code == 201, response.text
    assert audit(client, "org.create_region")[-1].detail["after"]["code"] == "990123"


def test_only_admin_creates_regions(client):
    problem(client.post("/api/v1/regions", headers=bearer(client, "supervisor"),
                        json={"code": "990123", "name": "新设县", "level": "county", "parent_code": "990100"}),
            403, "forbidden")
