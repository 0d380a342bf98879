"""Duplicate collection (SUP-5): the same item (canonical name, data type) in published entries of the same
基础 class, collected by several departments; for the overseers only.

The exact report is checked on an empty database holding only this test's entries; the pages and the
permissions on the demo city.
"""

from __future__ import annotations

from govdata.catalog import service as catalog_service
from govdata.catalog.schemas import ResourceCreate, ReviewDecision
from govdata.collection import service
from govdata.core.actor import Actor, platform_actor
from govdata.core.validators import make_credit_code
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentCreate, RegionCreate
from tests.catalog.helpers import entry, publish
from tests.collection.helpers import API, CITY, HR, MCA, PS, add_user, items
from tests.conftest import bearer, login

SUPERVISOR = Actor(kind="user", name="supervisor", user_id=1, department_id=None, roles=frozenset({"supervisor"}))


def _city(session) -> dict[str, int]:
    actor = platform_actor("test")
    org_service.create_region(session, actor, RegionCreate(code="990000", name="示范省", level="province"))
    org_service.create_region(session, actor, RegionCreate(code=CITY, name="云川市", level="city",
                                                           parent_code="990000"))
    return {name: org_service.create_department(session, actor, DepartmentCreate(
        name=name, kind="行政机关", credit_code=make_credit_code("1", "1", CITY, f"0100{n:04d}"),
        region_code=CITY)).id for n, name in enumerate((PS, HR, MCA), start=1)}


def _publish(session, department_id: int, **overrides) -> str:
    actor = platform_actor("test")
    payload = ResourceCreate.model_validate({**entry(**overrides), "department_id": department_id})
    code = catalog_service.create_resource(session, actor, payload).code
    catalog_service.submit_resource(session, actor, code)
    for step in ("pass", "approve"):
        catalog_service.review_resource(session, actor, code, ReviewDecision(transition=step))
    return code


def _holders(group):
    return {(h.department_name, h.resource_name, h.item_name) for h in group.holders}


def test_items_collected_by_several_departments_are_grouped(db):
    with db.session() as session:
        ids = _city(session)
        _publish(session, ids[PS])  # 101 人口: 公民身份号码 C, 姓名 C, 出生日期 D
        _publish(session, ids[HR], name="参保人员基本信息", items=items(
            ("身份证号码", "id_number", "C"), ("名称", "person_name", "C"), ("出生日期", "birth_date", "C"),
            ("手机号", "mobile", "C")))
        _publish(session, ids[MCA], name="低保对象人口信息", items=items(
            ("居民身份证号", "id_number", "C"), ("联系电话", "phone", "C")))
        # a 主题 (theme) class entry is not a base resource: its items are not counted
        _publish(session, ids[MCA], name="社会救助对象信息", classification_code="203", items=items(
            ("公民身份号码", "id_number", "C"), ("姓名", "name", "C"), ("出生日期", "birth_date", "D")))
        session.commit()
        report = service.duplicate_report(session, SUPERVISOR)
    assert report.entries_examined == 3
    assert [(g.class_code, g.item_name, g.data_type, g.department_count) for g in report.groups] == [
        ("101", "公民身份号码", "C", 3), ("101", "姓名", "C", 2), ("101", "手机号码", "C", 2)]
    assert _holders(report.groups[0]) == {(PS, "常住人口基本信息", "公民身份号码"), (HR, "参保人员基本信息", "身份证号码"),
                                          (MCA, "低保对象人口信息", "居民身份证号")}
    assert _holders(report.groups[1]) == {(PS, "常住人口基本信息", "姓名"), (HR, "参保人员基本信息", "名称")}
    assert [(o.department_names, o.items) for o in report.overlaps] == [
        ([PS, HR], ["公民身份号码", "姓名"]), ([HR, MCA], ["公民身份号码", "手机号码"])]


def test_only_overseers_see_duplicates(client):
    for user in ("ps_manager", "mca_user", "finance"):
        assert client.get(f"{API}/duplicates", headers=bearer(client, user)).status_code == 403, user
    for user in ("supervisor", "admin", "sec_regulator"):
        assert client.get(f"{API}/duplicates", headers=bearer(client, user)).status_code == 200, user


def test_duplicates_api_page_and_menu(client):
    ps_code = publish(client)
    add_user(client, "hr_reviewer", HR, ["dept_reviewer"])
    hr_code = publish(client, "hr_manager", "hr_reviewer", name="参保人员基本信息", items=items(
        ("身份证号码", "id_number", "C"), ("姓名", "name", "C")))
    groups = client.get(f"{API}/duplicates", headers=bearer(client, "supervisor")).json()["groups"]
    counts = [g["department_count"] for g in groups]
    assert counts == sorted(counts, reverse=True)
    ids = next(g for g in groups if (ps_code, "公民身份号码") in {(h["resource_code"], h["item_name"]) for h in g["holders"]})
    assert (hr_code, "身份证号码") in {(h["resource_code"], h["item_name"]) for h in ids["holders"]}
    assert ids["item_name"] == "公民身份号码" and ids["class_code"] == "101"
    login(client, "supervisor")
    home = client.get("/")
    assert '<a class="nav-link" href="/collection/duplicates">重复采集</a>' in home.text  # named for what it opens
    page = client.get("/collection/duplicates")
    assert page.status_code == 200 and "参保人员基本信息" in page.text and "登记为“身份证号码”" in page.text
    login(client, "ps_manager")
    assert 'href="/collection/duplicates"' not in client.get("/").text
    assert 'href="/collection"' in client.get("/").text
    assert client.get("/collection/duplicates", headers={"accept": "text/html"}).status_code == 403
