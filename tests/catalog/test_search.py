"""Catalog search (CAT-5): Chinese substring search over published entries, facets, the classification tree."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from govdata.catalog import search
from govdata.core import migrate
from govdata.core.actor import platform_actor
from govdata.core.db import make_engine, make_session_factory
from govdata.org import service as org
from govdata.org.models import Department
from govdata.org.schemas import UserCreate
from tests.catalog.helpers import entry, publish
from tests.conftest import PASSWORDS, bearer

API = "/api/v1/catalog"


def found(client, headers, q, **params):
    response = client.get(f"{API}/resources", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [r["code"] for r in response.json()["items"]]


def test_tokens_are_bigrams_of_cjk_runs_and_lower_case_words():
    assert search.tokens("人口信息，GIS数据") == ["人口", "口信", "信息", "息", "gis", "数据", "据"]
    assert search.tokens("ＡＰＩ接口") == ["api", "接口", "口"]  # full-width Latin is folded
    assert search.query_terms("社保") == [search.Term(("社保",), prefix=False)]
    assert search.query_terms("人") == [search.Term(("人",), prefix=True)]


@pytest.mark.parametrize("q", [
    "人口",          # 2 characters, in the name
    "常住人口",      # 4 characters
    "户籍",          # in the summary only
    "籍业务系统",    # across words of the summary
    "出生日期",      # an information item name
    "身份号码",      # the middle of an item name (公民身份号码)
    "住",            # one character
    "人口  户籍",    # two terms, both required
])
def test_chinese_terms_find_the_entry_by_name_summary_and_items(client, q):
    code = publish(client)
    other = publish(client, name="道路交通事故信息", summary="交通事故的时间、地点、伤亡情况，由交警业务系统产生。",
                    items=[{"name": "事故编号", "field_code": "accident_no", "data_type": "C", "length": 20,
                            "required": True, "is_key": True}])
    assert found(client, bearer(client, "mca_user"), q) == [code]
    assert found(client, bearer(client, "mca_user"), "交通事故") == [other]


def test_terms_that_are_not_there_find_nothing(client):
    publish(client)
    headers = bearer(client, "mca_user")
    for q in ("医保", "人户", "口常", "人口医保", "日期出生"):  # absent, or present characters out of order
        assert found(client, headers, q) == [], q


def test_latin_words_numbers_and_mixed_queries(client):
    code = publish(client, name="GIS地理空间数据共享服务", keywords="OpenAPI, WMS",
                   summary="全市1:500地形图与遥感影像，通过WMS服务发布，2024年更新。")
    publish(client)
    headers = bearer(client, "mca_user")
    for q in ("gis", "GIS", "ＧＩＳ", "GIS地理", "地理 gis", "wms", "openapi", "open", "2024年", code, code[-6:]):
        assert found(client, headers, q) == [code], q
    assert found(client, headers, "gisx") == []


def test_a_draft_is_found_only_by_its_own_department(client):
    publish(client)
    manager = bearer(client, "ps_manager")
    draft = client.post(f"{API}/resources", json=entry(name="危险化学品从业单位信息"), headers=manager).json()["code"]
    assert found(client, bearer(client, "mca_user"), "危险化学品") == []
    assert found(client, bearer(client, "mca_user"), "危险化学品", mine=True) == []
    assert found(client, manager, "危险化学品", mine=True) == [draft]


def test_a_new_version_replaces_the_old_text(client):
    code = publish(client, name="暂住证办理信息")
    manager, user = bearer(client, "ps_manager"), bearer(client, "mca_user")
    client.put(f"{API}/resources/{code}/draft", json=entry(name="居住证办理信息", change_reason="更名"),
               headers=manager)
    assert found(client, user, "暂住证") == [code]      # the draft under way changes nothing yet
    assert found(client, user, "居住证") == []
    client.post(f"{API}/resources/{code}/submit", headers=manager)
    client.post(f"{API}/resources/{code}/review", json={"transition": "pass"}, headers=bearer(client, "ps_reviewer"))
    client.post(f"{API}/resources/{code}/review", json={"transition": "approve"}, headers=bearer(client, "admin"))
    assert found(client, user, "暂住证") == []
    assert found(client, user, "居住证") == [code]


def test_after_withdrawal_nothing_matches(client):
    code = publish(client)
    manager, admin, user = bearer(client, "ps_manager"), bearer(client, "admin"), bearer(client, "mca_user")
    client.post(f"{API}/resources/{code}/withdrawal", json={"reason": "业务停办"}, headers=manager)
    assert found(client, user, "常住人口") == [code]  # still published while the request waits
    assert found(client, user, "常住人口", status="published") == [code]
    done = client.post(f"{API}/resources/{code}/withdrawal/decision", json={"transition": "approve"}, headers=admin)
    assert done.json()["status"] == "withdrawn"
    for q in ("常住人口", "户籍", "出生日期", code):
        assert found(client, user, q) == [], q
    assert found(client, admin, "常住人口") == []
    assert found(client, admin, "常住人口", status="withdrawn") == []


@pytest.mark.parametrize("q", ['"', "*", "OR", "NEAR(", "%", "_", "\\", "'", "人口 OR 医保", '人口" OR "医保',
                               "NEAR(人口 户籍)", "人口*", "-人口", "^人口", "人口:*", "!人口 | 医保 & <->",
                               "'; DROP TABLE catalog_search; --", "1=1 OR 'a'='a'", "{document}: 人口"])
def test_query_syntax_is_taken_as_text(client, q):
    plain = publish(client)
    percent = publish(client, name="户籍人口抽样调查", summary="抽样比例为1%的户籍人口调查数据_样本表。")
    response = client.get(f"{API}/resources", params={"q": q}, headers=bearer(client, "mca_user"))
    assert response.status_code == 200, response.text
    codes = [r["code"] for r in response.json()["items"]]
    if q in ("%", "_"):  # literal characters, not wildcards
        assert codes == [percent]
    elif q in ("人口*", "-人口", "^人口", "人口:*"):  # punctuation separates words
        assert codes == [plain, percent]
    else:  # OR, NEAR, DROP … are words that no entry contains
        assert codes == []
    facets = client.get(f"{API}/facets", params={"q": q}, headers=bearer(client, "mca_user"))
    assert facets.status_code == 200
    assert sum(n["count"] for n in facets.json()["share_type"]) == len(codes)


def _hr_reviewer(client) -> str:
    with client.db.session() as session:
        hr = session.scalar(select(Department).where(Department.name.contains("人力资源")))
        org.create_user(session, platform_actor("test"), UserCreate(
            username="hr_reviewer", display_name="人社审核", department_id=hr.id, roles=["dept_reviewer"],
            password=PASSWORDS["hr_manager"]))
        session.commit()
        return hr.id


def test_facets_count_the_query_and_ignore_their_own_filter(client):
    hr_id = _hr_reviewer(client)
    publish(client)  # 101 人口, 有条件共享, 数据库, 实时
    publish(client, name="户籍迁移人口信息", share_type="无条件共享", share_condition=None, update_cycle="每日")
    publish(client, name="社会保险参保人口信息", classification_code="203", format="电子表格", share_type="无条件共享",
            share_condition=None, manager="hr_manager", reviewer="hr_reviewer")
    publish(client, name="道路交通事故信息", classification_code="214", summary="交通事故的时间、地点和伤亡情况。")
    user = bearer(client, "mca_user")

    body = client.get(f"{API}/facets", params={"q": "人口"}, headers=user).json()
    ps_id = client.get(f"{API}/resources", params={"q": "户籍迁移"}, headers=user).json()["items"][0]["department_id"]
    assert [(v["value"], v["count"]) for v in body["department_id"]] == [(ps_id, 2), (hr_id, 1)]
    assert body["department_id"][0]["label"] == "云川市公安局"
    assert [(v["value"], v["label"], v["count"]) for v in body["classification_code"]] == [
        ("101", "人口", 2), ("203", "社会保障", 1)]
    assert [(v["value"], v["count"]) for v in body["share_type"]] == [("无条件共享", 2), ("有条件共享", 1)]
    assert [(v["value"], v["count"]) for v in body["format"]] == [("电子表格", 1), ("数据库", 2)]
    assert [(v["value"], v["count"]) for v in body["update_cycle"]] == [("实时", 2), ("每日", 1)]
    assert [(v["value"], v["label"], v["count"]) for v in body["open_to_public"]] == [(False, "不向社会开放", 3)]

    narrowed = client.get(f"{API}/facets", params={"q": "人口", "share_type": "无条件共享"}, headers=user).json()
    assert [(v["value"], v["count"]) for v in narrowed["share_type"]] == [("无条件共享", 2), ("有条件共享", 1)]
    assert sorted((v["value"], v["count"]) for v in narrowed["department_id"]) == sorted([(hr_id, 1), (ps_id, 1)])
    assert [(v["value"], v["count"]) for v in narrowed["update_cycle"]] == [("实时", 1), ("每日", 1)]
    listed = client.get(f"{API}/resources", params={"q": "人口", "share_type": "无条件共享"}, headers=user).json()
    assert listed["total"] == 2
    beyond = client.get(f"{API}/resources", params={"q": "人口", "offset": 5}, headers=user).json()
    assert beyond["items"] == [] and beyond["total"] == 3

    everything = client.get(f"{API}/facets", headers=user).json()
    assert sum(v["count"] for v in everything["classification_code"]) == 4


def test_classification_tree_counts_published_entries_per_node(client):
    publish(client)
    publish(client, name="户籍迁移信息")
    publish(client, name="道路交通事故信息", classification_code="214")
    client.post(f"{API}/resources", json=entry(name="未发布的草稿"), headers=bearer(client, "ps_manager"))
    response = client.get(f"{API}/classifications", headers=bearer(client, "mca_user"))
    assert response.status_code == 200
    roots = {n["code"]: n for n in response.json()}
    assert [n["code"] for n in response.json()] == ["1", "2", "3"]
    assert (roots["1"]["count"], roots["2"]["count"], roots["3"]["count"]) == (2, 1, 0)
    children = {c["code"]: c for c in roots["1"]["children"]}
    assert children["101"]["count"] == 2 and children["101"]["name"] == "人口" and children["102"]["count"] == 0
    assert {c["code"]: c["count"] for c in roots["2"]["children"]}["214"] == 1
    assert client.get(f"{API}/classifications").status_code == 401
    assert client.get(f"{API}/facets").status_code == 401


# --- the migration indexes what was published before it ----------------------------------------------

def test_migration_indexes_entries_published_before_it(blank_url):
    from govdata import demo
    from govdata.catalog import service
    from govdata.catalog.schemas import ResourceCreate, ResourceFilter, ReviewDecision

    migrate.upgrade(blank_url)
    engine = make_engine(blank_url)
    sessions = make_session_factory(engine)
    admin = platform_actor("test")
    with sessions() as session:
        demo.load(session, catalog=False)
        ps = session.scalar(select(Department).where(Department.name == "云川市公安局"))
        code = service.create_resource(session, admin, ResourceCreate.model_validate(
            {**entry(), "department_id": ps.id})).code
        service.submit_resource(session, admin, code)
        for step in ("pass", "approve"):
            service.review_resource(session, admin, code, ReviewDecision(transition=step))
        session.commit()
    migrate.downgrade(blank_url, "0003")
    migrate.upgrade(blank_url)
    with sessions() as session:
        rows, total = service.list_resources(session, admin, ResourceFilter(q="户籍"))
        assert total == 1 and rows[0].code == code
    engine.dispose()
