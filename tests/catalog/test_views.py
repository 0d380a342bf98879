"""The catalog's pages: every role gets its pages, the entry form round trip with its item rows, bad input
answered in place with nothing written, what a data user may not see or do, the review card, the comparison
of versions, and the search page with its facets and htmx partial."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from govdata.catalog.models import Resource, ResourceVersion
from tests.catalog.helpers import entry, publish
from tests.conftest import bearer, login

API = "/api/v1/catalog/resources"
HTML = {"accept": "text/html"}


def count(client, model) -> int:
    with client.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def form(token: str, **overrides: Any) -> dict[str, str]:
    """A valid entry form as the browser posts it: three item rows, one of them after a removed row."""
    data = {
        "csrf_token": token, "name": "低保家庭成员户籍信息", "classification_code": "203",
        "summary": "为低保资格审核提供家庭成员的户籍信息。", "format": "数据库", "update_cycle": "每日",
        "data_level": "重要", "share_type": "有条件共享", "share_method": "接口",
        "share_condition": "仅向民政部门提供", "legal_basis": "《社会救助暂行办法》第十一条",
        "keywords": "低保, 户籍", "release_date": "2024-05-01", "related_codes": "",
        "items.0.name": "公民身份号码", "items.0.field_code": "id_number", "items.0.data_type": "C",
        "items.0.length": "18", "items.0.required": "true", "items.0.is_key": "true", "items.0.sensitivity": "L3",
        "items.0.pii_kind": "身份证件号码", "items.0.shared": "true",
        "items.1.name": "", "items.1.field_code": "", "items.1.data_type": "C", "items.1.length": "",
        "items.1.sensitivity": "L1", "items.1.pii_kind": "", "items.1.shared": "true",  # an added row left blank
        "items.4.name": "姓名", "items.4.field_code": "name", "items.4.data_type": "C", "items.4.length": "50",
        "items.4.required": "true", "items.4.sensitivity": "L2", "items.4.pii_kind": "姓名",
        "items.4.description": "不对外共享",  # "shared" unchecked: not posted
        "items.7.name": "出生日期", "items.7.field_code": "birth_date", "items.7.data_type": "D",
        "items.7.length": "", "items.7.sensitivity": "L2", "items.7.pii_kind": "", "items.7.shared": "true",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def draft_of(client, code: str, user: str = "ps_manager") -> dict[str, Any]:
    body = client.get(f"{API}/{code}", headers=bearer(client, user)).json()
    return body["draft"] or body["published"]


def test_every_catalog_page_renders_for_each_role(client):
    code = publish(client)
    draft_code = client.post(API, json=entry(name="户籍迁移信息"), headers=bearer(client, "ps_manager")).json()["code"]
    pages = ["/catalog", "/catalog?mine=true", f"/catalog/{code}", f"/catalog/{code}/versions/1",
             "/catalog?q=人口&share_type=有条件共享", "/catalog?classification_code=1"]
    for user in ("ps_manager", "ps_reviewer", "admin", "mca_user"):
        login(client, user)
        for url in pages:
            response = client.get(url, headers=HTML)
            assert response.status_code == 200, (user, url)
            of_police = user.startswith("ps_") or "mine" not in url  # the own-department tab
            assert ("常住人口基本信息" in response.text) == of_police, (user, url)
        home = client.get("/")
        assert 'href="/catalog"' in home.text and "数据目录" in home.text
        own = user in ("ps_manager", "ps_reviewer", "admin")  # the admin oversees every department
        assert client.get(f"/catalog/{draft_code}", headers=HTML).status_code == (200 if own else 403), user
        keeper = user in ("ps_manager", "admin")
        assert client.get("/catalog/new", headers=HTML).status_code == (200 if keeper else 403), user
        assert client.get(f"/catalog/{code}/edit", headers=HTML).status_code == (200 if keeper else 403), user
        listing = client.get("/catalog", headers=HTML).text
        assert ('href="/catalog/new"' in listing) == keeper, user
        assert "/api/v1/catalog/export.xlsx" in listing


def test_form_round_trip_creates_an_entry_with_its_items(client):
    token = login(client, "ps_manager")
    page = client.get("/catalog/new", headers=HTML)
    assert 'name="items.__N__.field_code"' in page.text  # the row template the "添加信息项" button clones
    assert "字符型" in page.text and "日期时间型" in page.text and "浮点型" in page.text
    response = client.post("/catalog", data=form(token), follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/catalog/203000000-\d{6}\?saved=created", location)
    code = location.split("/")[2].split("?")[0]

    draft = draft_of(client, code)
    assert draft["name"] == "低保家庭成员户籍信息" and draft["share_type"] == "有条件共享"
    assert draft["release_date"] == "2024-05-01" and draft["keywords"] == "低保, 户籍"
    items = [(i["field_code"], i["data_type"], i["length"], i["required"], i["is_key"], i["shared"], i["pii_kind"])
             for i in draft["items"]]
    assert items == [("id_number", "C", 18, True, True, True, "身份证件号码"),
                     ("name", "C", 50, True, False, False, "姓名"),
                     ("birth_date", "D", None, False, False, True, None)]
    shown = client.get(location).text
    assert "目录已登记为草稿" in shown and "birth_date" in shown and "提交审核" in shown

    # the edit form starts from the draft; saving it with a reason changes the draft in place
    edit = client.get(f"/catalog/{code}/edit", headers=HTML).text
    assert 'value="低保家庭成员户籍信息"' in edit and 'name="items.2.field_code"' in edit
    assert 'value="birth_date"' in edit and 'name="change_reason"' in edit
    changed = form(token, name="低保家庭成员户籍信息（含死亡标识）", change_reason="增加死亡标识",
                   **{"items.9.name": "死亡标识", "items.9.field_code": "deceased", "items.9.data_type": "L",
                      "items.9.sensitivity": "L2", "items.9.shared": "true"})
    del changed["items.7.name"], changed["items.7.field_code"]  # the birth date row was removed
    response = client.post(f"/catalog/{code}/edit", data=changed, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/catalog/{code}?saved=updated"
    draft = draft_of(client, code)
    assert draft["version_no"] == 1 and draft["change_reason"] == "增加死亡标识"
    assert [i["field_code"] for i in draft["items"]] == ["id_number", "name", "deceased"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"legal_basis": ""}, "legal_basis", "依据"),
    ({"items.4.field_code": "id_number"}, "items.1.field_code", "重复"),
    ({"items.7.length": "十"}, "items.2.length", "整数"),
    ({"items.0.field_code": "ID"}, "items.0.field_code", "小写字母"),
    ({"format": "服务接口", "share_method": "库表"}, "share_method", "共享方式"),
])
def test_bad_input_is_shown_in_place_and_nothing_is_written(client, overrides, field, message):
    token = login(client, "ps_manager")
    before = (count(client, Resource), count(client, ResourceVersion))
    response = client.post("/catalog", data=form(token, **overrides))
    assert response.status_code == 422, response.text
    error = re.search(rf'<div class="field-error" data-field="{re.escape(field)}">([^<]*)</div>', response.text)
    assert error and message in error.group(1), response.text
    assert 'data-testid="error"' in response.text
    # what the user typed is kept, rows renumbered in their order
    assert 'name="items.2.name" aria-label="名称" value="出生日期"' in response.text
    assert ">仅向民政部门提供</textarea>" in response.text
    assert "为低保资格审核提供家庭成员的户籍信息。" in response.text
    assert (count(client, Resource), count(client, ResourceVersion)) == before


def test_an_edit_error_keeps_the_typed_rows_and_the_draft_unchanged(client):
    token = login(client, "ps_manager")
    code = client.post("/catalog", data=form(token), follow_redirects=False).headers["location"].split("/")[2][:16]
    bad = form(token, **{"items.7.field_code": "name", "items.7.name": "别名"})
    response = client.post(f"/catalog/{code}/edit", data=bad)
    assert response.status_code == 422
    assert 'data-field="items.2.field_code"' in response.text and 'value="别名"' in response.text
    assert [i["field_code"] for i in draft_of(client, code)["items"]] == ["id_number", "name", "birth_date"]


def test_a_data_user_sees_no_edit_controls_and_cannot_reach_drafts(client):
    code = publish(client)
    manager = bearer(client, "ps_manager")
    draft_code = client.post(API, json=entry(name="户籍迁移信息"), headers=manager).json()["code"]
    client.put(f"{API}/{code}/draft", json=entry(name="常住人口（修改中）", change_reason="测试"), headers=manager)
    token = login(client, "mca_user")
    page = client.get(f"/catalog/{code}", headers=HTML)
    assert page.status_code == 200
    assert 'data-testid="published"' in page.text and 'data-testid="draft"' not in page.text
    assert "常住人口（修改中）" not in page.text
    for control in ("/edit", "/submit", "/withdrawal", "/review", 'data-testid="workflow"'):
        assert control not in page.text, control
    assert "第2版" not in page.text  # the draft version is not in the history it is shown

    denied = client.get(f"/catalog/{draft_code}", headers=HTML)
    assert denied.status_code == 403 and "无权" in denied.text
    assert client.get(f"/catalog/{draft_code}/versions/1", headers=HTML).status_code == 403
    assert client.get(f"/catalog/{code}/versions/2", headers=HTML).status_code == 404
    before = count(client, Resource)
    assert client.post("/catalog", data=form(token), headers=HTML).status_code == 403
    assert client.post(f"/catalog/{code}/edit", data=form(token), headers=HTML).status_code == 403
    assert count(client, Resource) == before
    assert "常住人口（修改中）" not in client.get("/catalog?mine=true", headers=HTML).text


def test_review_through_the_entry_page(client):
    token = login(client, "ps_manager")
    location = client.post("/catalog", data=form(token), follow_redirects=False).headers["location"]
    code = location.split("/")[2][:16]
    submitted = client.post(f"/catalog/{code}/submit", data={"csrf_token": token}, follow_redirects=False)
    assert submitted.headers["location"] == f"/catalog/{code}?saved=submitted"

    token = login(client, "ps_reviewer")
    home = client.get("/").text
    with client.db.session() as session:
        resource_id = session.scalar(select(Resource.id).where(Resource.code == code))
    assert f'href="/catalog/id/{resource_id}"' in home
    moved = client.get(f"/catalog/id/{resource_id}", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/catalog/{code}"
    page = client.get(f"/catalog/{code}").text
    assert 'value="pass"' in page and 'value="reject"' in page and 'value="approve"' not in page
    refused = client.post(f"/catalog/{code}/review", data={"csrf_token": token, "transition": "reject"})
    assert refused.status_code == 422
    assert re.search(r'class="field-error[^"]*">[^<]*原因', refused.text)
    assert "保密审查中" in refused.text
    passed = client.post(f"/catalog/{code}/review", data={"csrf_token": token, "transition": "pass"},
                         follow_redirects=False)
    assert passed.headers["location"] == f"/catalog/{code}?saved=pass"

    token = login(client, "admin")
    approved = client.post(f"/catalog/{code}/review", data={"csrf_token": token, "transition": "approve"})
    assert approved.status_code == 200 and "已审核通过并发布" in approved.text
    assert "保密审查通过" in approved.text and "审核通过并发布" in approved.text  # the history


def test_secret_entry_is_refused_on_the_page(client):
    token = login(client, "ps_manager")
    page = client.post("/catalog", data=form(token, secret_declared="true"))
    code = str(page.url).split("/")[-1].split("?")[0]
    assert "已声明涉及国家秘密" in page.text
    refused = client.post(f"/catalog/{code}/submit", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "涉密数据不得" in refused.text and 'data-testid="error"' in refused.text
    assert draft_of(client, code)["status"] == "draft"


def test_compare_page_shows_what_changed(client):
    code = publish(client)
    items = entry()["items"]
    changed_items = [items[0], {**items[1], "length": 80}, {"name": "联系电话", "field_code": "phone",
                                                             "data_type": "C", "length": 20, "sensitivity": "L3",
                                                             "pii_kind": "手机号码"}]
    response = client.put(f"{API}/{code}/draft", json=entry(name="常住人口基本信息（含联系方式）", items=changed_items,
                                                            change_reason="增加联系电话"),
                          headers=bearer(client, "ps_manager"))
    assert response.status_code == 200
    login(client, "ps_manager")
    page = client.get(f"/catalog/{code}/versions/2", headers=HTML)
    assert page.status_code == 200
    changed = re.findall(r'<tr class="table-warning" data-changed="true"><th>([^<]+)</th>', page.text)
    assert changed == ["资源名称"]
    assert re.search(r'data-item-status="added">.*?联系电话', page.text, re.S)
    assert re.search(r'data-item-status="removed">.*?出生日期', page.text, re.S)
    assert re.search(r'data-item-status="changed">.*?50</del> → <strong>80</strong>', page.text, re.S)
    assert len(re.findall(r'data-item-status="same"', page.text)) == 1
    assert "4</strong> 处变化" in page.text and "增加联系电话" in page.text
    first = client.get(f"/catalog/{code}/versions/1", headers=HTML)
    assert "没有可对比的上一版" in first.text and 'data-changed="true"' not in first.text


def test_search_page_facets_and_htmx_partial(client):
    code = publish(client, summary="为低保、特困供养资格核查提供常住人口的身份、姓名和住址信息。")
    other = publish(client, name="机动车登记信息", classification_code="214", share_type="无条件共享",
                    legal_basis=None, share_condition=None)
    login(client, "mca_user")
    page = client.get("/catalog?q=低保", headers=HTML)
    assert code in page.text and other not in page.text
    assert 'id="catalog-body"' in page.text and 'hx-push-url="true"' in page.text
    partial = client.get("/catalog?q=低保", headers={**HTML, "hx-request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text and code in partial.text
    # facet counts under the other filters, and the tree's counts of published entries
    everything = client.get("/catalog", headers=HTML).text
    assert re.search(r'<option value="有条件共享"\s*>有条件共享（1）</option>', everything)
    assert re.search(r'<option value="无条件共享"\s*>无条件共享（1）</option>', everything)
    assert re.search(r">交通出行</a>\s*<span class=\"text-muted\">\(1\)</span>", everything)
    filtered = client.get("/catalog?share_type=无条件共享", headers=HTML).text
    assert other in filtered and code not in filtered
    assert re.search(r'<option value="无条件共享" selected>', filtered)
    by_class = client.get("/catalog?classification_code=2", headers=HTML).text
    assert other in by_class and code not in by_class
    bad = client.get("/catalog?share_type=随便", headers=HTML)
    assert bad.status_code == 422 and "field-error" in bad.text
    # htmx swaps only 2xx answers: the partial carries the error itself
    bad = client.get("/catalog?q=" + "长" * 101, headers={**HTML, "hx-request": "true"})
    assert bad.status_code == 200 and 'data-testid="error"' in bad.text and "<html" not in bad.text
    restore = client.get("/catalog?q=低保", headers={**HTML, "hx-request": "true", "hx-history-restore-request": "true"})
    assert "<html" in restore.text and code in restore.text


def test_pagination_and_own_department_tab(client):
    manager = bearer(client, "ps_manager")
    codes = [client.post(API, json=entry(name=f"测试目录{n:02d}"), headers=manager).json()["code"] for n in range(23)]
    login(client, "ps_manager")
    first = client.get("/catalog?mine=true", headers=HTML).text
    assert "共 23 条" in first and codes[0] in first and codes[20] not in first and "草稿" in first
    assert 'href="/catalog?mine=true&amp;offset=20"' in first
    second = client.get("/catalog?mine=true&offset=20", headers=HTML).text
    assert codes[20] in second and codes[22] in second and codes[0] not in second
    assert "共 0 条" in client.get("/catalog?mine=true&status=published", headers=HTML).text
    assert "共 23 条" in client.get("/catalog?mine=true&status=draft", headers=HTML).text
    published_tab = client.get("/catalog", headers=HTML).text
    assert "共 0 条" in published_tab


def test_withdrawal_is_requested_and_decided_on_the_entry_page(client):
    code = publish(client)
    token = login(client, "ps_manager")
    page = client.get(f"/catalog/{code}").text
    assert f'action="/catalog/{code}/withdrawal"' in page
    empty = client.post(f"/catalog/{code}/withdrawal", data={"csrf_token": token})
    assert empty.status_code == 422 and 'class="field-error mb-1"' in empty.text
    asked = client.post(f"/catalog/{code}/withdrawal", data={"csrf_token": token, "reason": "业务已停办"},
                        follow_redirects=False)
    assert asked.headers["location"] == f"/catalog/{code}?saved=withdrawal"
    page = client.get(f"/catalog/{code}").text
    assert "待大数据中心审批撤销" in page and f'action="/catalog/{code}/withdrawal"' not in page
    assert 'value="approve"' not in page  # the department cannot decide its own request

    token = login(client, "admin")
    page = client.get(f"/catalog/{code}").text
    assert f'action="/catalog/{code}/withdrawal/decision"' in page and "同意撤销" in page
    decided = client.post(f"/catalog/{code}/withdrawal/decision",
                          data={"csrf_token": token, "transition": "approve"})
    assert decided.status_code == 200 and "已同意撤销" in decided.text
    assert 'data-testid="status">已撤销<' in decided.text and "申请撤销" in decided.text  # the history
