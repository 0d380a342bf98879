"""Duplicate collection (SUP-5): the same item (canonical name, data type) in published entries of the same
基础 class, collected by several departments; for the overseers only."""

from __future__ import annotations

from tests.catalog.helpers import publish
from tests.collection.helpers import API, HR, MCA, PS, add_user, items, publish_as_platform
from tests.conftest import bearer, login


def _publish_overlaps(client):
    publish(client)  # 公安局, 101 人口: 公民身份号码 C, 姓名 C, 出生日期 D
    add_user(client, "hr_reviewer", HR, ["dept_reviewer"])
    publish(client, "hr_manager", "hr_reviewer", name="参保人员基本信息", items=items(
        ("身份证号码", "id_number", "C"), ("名称", "person_name", "C"), ("出生日期", "birth_date", "C"),
        ("手机号", "mobile", "C")))
    publish_as_platform(client, MCA, name="低保对象人口信息", items=items(
        ("居民身份证号", "id_number", "C"), ("联系电话", "phone", "C")))
    # a 主题 (theme) class entry is not a base resource: its items are not counted
    publish_as_platform(client, MCA, name="社会救助对象信息", classification_code="203", items=items(
        ("公民身份号码", "id_number", "C"), ("姓名", "name", "C"), ("出生日期", "birth_date", "D")))


def _holders(group):
    return {(h["department_name"], h["resource_name"], h["item_name"]) for h in group["holders"]}


def test_items_collected_by_several_departments_are_grouped(client):
    _publish_overlaps(client)
    report = client.get(f"{API}/duplicates", headers=bearer(client, "supervisor"))
    assert report.status_code == 200, report.text
    groups = report.json()["groups"]
    assert [(g["class_code"], g["item_name"], g["data_type"], g["department_count"]) for g in groups] == [
        ("101", "公民身份号码", "C", 3), ("101", "姓名", "C", 2), ("101", "手机号码", "C", 2)]
    assert _holders(groups[0]) == {(PS, "常住人口基本信息", "公民身份号码"), (HR, "参保人员基本信息", "身份证号码"),
                                   (MCA, "低保对象人口信息", "居民身份证号")}
    assert _holders(groups[1]) == {(PS, "常住人口基本信息", "姓名"), (HR, "参保人员基本信息", "名称")}
    overlaps = report.json()["overlaps"]
    assert [(o["department_names"], o["items"]) for o in overlaps] == [
        ([PS, HR], ["公民身份号码", "姓名"]), ([HR, MCA], ["公民身份号码", "手机号码"])]


def test_only_overseers_see_duplicates(client):
    for user in ("ps_manager", "mca_user", "finance"):
        assert client.get(f"{API}/duplicates", headers=bearer(client, user)).status_code == 403, user
    for user in ("supervisor", "admin", "sec_regulator"):
        assert client.get(f"{API}/duplicates", headers=bearer(client, user)).status_code == 200, user


def test_duplicates_page_and_menu(client):
    _publish_overlaps(client)
    login(client, "supervisor")
    home = client.get("/")
    assert 'href="/collection/duplicates"' in home.text and "共享监督" in home.text
    page = client.get("/collection/duplicates")
    assert page.status_code == 200 and "公民身份号码" in page.text and "登记为“身份证号码”" in page.text
    login(client, "ps_manager")
    assert 'href="/collection/duplicates"' not in client.get("/").text
    assert 'href="/collection"' in client.get("/").text
    assert client.get("/collection/duplicates", headers={"accept": "text/html"}).status_code == 403
