"""The catalog issue's acceptance test, driven through a real browser: a department manager registers an entry
with three information items (adding the rows in the form; a missing legal basis is refused in place and the
rows survive), submits it; the department's reviewer finds it in the inbox and passes the confidentiality
review; the big data center approves it; a data user of another department finds it with a two-character
Chinese term and sees the published version without draft or edit controls.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

ENTRY = {
    "name": "困难群众户籍核验信息",
    "summary": "为民政部门低保、特困人员救助供养资格审核提供申请人的户籍身份核验信息，由户籍业务系统每日汇总。",
    "share_condition": "仅向承担社会救助职责的民政部门提供，限用于救助资格审核",
    "legal_basis": "《社会救助暂行办法》第十一条、第六十条",
}
ITEMS = [
    {"name": "公民身份号码", "field_code": "id_number", "type": "字符型", "length": "18", "required": True,
     "key": True, "sensitivity": "L3", "pii": "身份证件号码"},
    {"name": "姓名", "field_code": "name", "type": "字符型", "length": "50", "required": True, "key": False,
     "sensitivity": "L2", "pii": "姓名"},
    {"name": "户籍登记日期", "field_code": "registered_on", "type": "日期型", "length": "", "required": False,
     "key": False, "sensitivity": "L1", "pii": ""},
]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def fill_item(row: Locator, item: dict[str, object]) -> None:
    row.get_by_label("名称", exact=True).fill(str(item["name"]))
    row.get_by_label("字段编码").fill(str(item["field_code"]))
    row.get_by_label("数据类型").select_option(label=str(item["type"]))
    row.get_by_label("长度").fill(str(item["length"]))
    row.get_by_label("必填").set_checked(bool(item["required"]))
    row.get_by_label("主键").set_checked(bool(item["key"]))
    row.get_by_label("敏感级别").select_option(str(item["sensitivity"]))
    row.get_by_label("个人信息类型").select_option(str(item["pii"]))


def register(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="数据目录").click()
    expect(page).to_have_url(re.compile(r"/catalog$"))
    page.get_by_role("link", name="登记目录").click()
    expect(page).to_have_url(re.compile(r"/catalog/new$"))

    page.get_by_label("资源名称", exact=True).fill(ENTRY["name"])
    page.get_by_label("资源分类").select_option("101")
    page.get_by_label("资源摘要").fill(ENTRY["summary"])
    page.get_by_label("资源格式").select_option("数据库")
    page.get_by_label("更新周期").select_option("每日")
    hint = page.locator("[data-needed-for]").filter(has_text="有条件共享、暂不共享必填")
    expect(hint).to_be_hidden()
    page.get_by_label("共享类型").select_option("有条件共享")
    expect(hint).to_be_visible()  # the client-side hint; the server decides
    page.get_by_label("共享方式").select_option("接口")
    page.get_by_label("共享条件").fill(ENTRY["share_condition"])

    rows = page.get_by_test_id("item-row")
    expect(rows).to_have_count(0)
    for n, item in enumerate(ITEMS):
        page.get_by_role("button", name="添加信息项").click()
        expect(rows).to_have_count(n + 1)
        fill_item(rows.nth(n), item)
    # a fourth row added by mistake and removed again
    page.get_by_role("button", name="添加信息项").click()
    rows.nth(3).get_by_label("名称", exact=True).fill("多余的一行")
    rows.nth(3).get_by_role("button", name="删除").click()
    expect(rows).to_have_count(3)

    # without the legal basis the server refuses, in place, and keeps what was typed
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_test_id("error")).to_be_visible()
    errors = page.locator(".field-error")
    expect(errors).to_have_count(1)
    expect(page.locator('.field-error[data-field="legal_basis"]')).to_contain_text("依据")
    expect(rows).to_have_count(3)
    for n, item in enumerate(ITEMS):
        expect(rows.nth(n).get_by_label("名称", exact=True)).to_have_value(str(item["name"]))
        expect(rows.nth(n).get_by_label("主键")).to_be_checked(checked=bool(item["key"]))
    expect(page.get_by_label("共享条件")).to_have_value(ENTRY["share_condition"])

    page.get_by_label("共享限制的法律、法规或政策依据").fill(ENTRY["legal_basis"])
    page.get_by_role("button", name="保存草稿").click()


def test_register_review_publish_and_find_by_chinese_term(page: Page) -> None:
    # 1. the department manager registers the entry with three items and submits it
    sign_in(page, "ps_manager")
    register(page)
    expect(page).to_have_url(re.compile(r"/catalog/101000000-\d{6}\?saved=created$"))
    entry_url = page.url.split("?")[0]
    code = entry_url.rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_contain_text(ENTRY["name"])
    expect(page.get_by_test_id("status")).to_have_text("草稿")
    draft = page.get_by_test_id("draft")
    expect(draft.get_by_test_id("version-items").locator("tr:has(td)")).to_have_count(3)
    for item in ITEMS:
        expect(draft).to_contain_text(str(item["field_code"]))
    expect(draft).to_contain_text(ENTRY["legal_basis"])
    page.get_by_role("button", name="提交审核").click()
    expect(page).to_have_url(entry_url + "?saved=submitted")
    expect(page.get_by_test_id("status")).to_have_text("保密审查中")
    expect(page.get_by_test_id("workflow")).to_contain_text("待本部门保密审查")
    expect(page.get_by_test_id("workflow").get_by_role("button")).to_have_count(0)  # not the manager's step
    sign_out(page)

    # 2. the department's reviewer finds it in the inbox and passes the confidentiality review
    sign_in(page, "ps_reviewer")
    row = page.get_by_test_id("inbox").locator("tr").filter(has_text=ENTRY["name"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待本部门保密审查")
    row.get_by_role("link", name="办理").click()
    expect(page).to_have_url(entry_url)
    page.get_by_test_id("workflow").get_by_role("button", name="保密审查通过").click()
    expect(page).to_have_url(entry_url + "?saved=pass")
    expect(page.get_by_test_id("status")).to_have_text("大数据中心审核中")
    sign_out(page)

    # 3. the big data center approves and publishes it
    sign_in(page, "admin")
    row = page.get_by_test_id("inbox").locator("tr").filter(has_text=ENTRY["name"])
    expect(row).to_contain_text("待大数据中心审核")
    row.get_by_role("link", name="办理").click()
    expect(page).to_have_url(entry_url)
    page.get_by_test_id("workflow").get_by_role("button", name="审核通过并发布").click()
    expect(page).to_have_url(entry_url + "?saved=approve")
    expect(page.get_by_test_id("status")).to_have_text("已发布")
    expect(page.get_by_test_id("published")).to_be_visible()
    expect(page.get_by_test_id("draft")).to_have_count(0)
    sign_out(page)

    # 4. a data user of another department finds it by a two-character Chinese term
    sign_in(page, "mca_user")
    page.get_by_role("navigation").get_by_role("link", name="数据目录").click()
    expect(page).to_have_url(re.compile(r"/catalog$"))
    expect(page.get_by_role("link", name="登记目录")).to_have_count(0)
    search = page.get_by_label("搜索目录")
    search.fill("气象")
    search.press("Enter")
    expect(page.get_by_test_id("total")).to_contain_text("共 0 条")
    search.fill("低保")  # no Enter: the results follow the typing (htmx), and the address follows them
    expect(page).to_have_url(re.compile(r"/catalog\?q=%E4%BD%8E%E4%BF%9D$"))  # the search is in the address
    expect(page.get_by_test_id("total")).to_contain_text("共 1 条")
    results = page.get_by_test_id("results")
    hit = results.locator("tbody tr").filter(has_text=ENTRY["name"])
    expect(hit).to_contain_text(code)
    expect(hit).to_contain_text("云川市公安局")
    expect(hit).to_contain_text("有条件共享")
    hit.get_by_role("link", name=ENTRY["name"]).click()

    expect(page).to_have_url(entry_url)
    expect(page.get_by_test_id("status")).to_have_text("已发布")
    published = page.get_by_test_id("published")
    expect(published).to_contain_text(ENTRY["share_condition"])
    expect(published.get_by_test_id("version-items")).to_contain_text("户籍登记日期")
    expect(page.get_by_test_id("draft")).to_have_count(0)
    expect(page.get_by_test_id("actions")).to_have_count(0)
    expect(page.get_by_test_id("workflow")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("修改"))).to_have_count(0)
    expect(page.get_by_role("button", name="提交审核")).to_have_count(0)
