"""The issue's acceptance test, driven through a real browser: a department manager replaces the daily
manager, the change shows on the department page and in its history, and the supervisor finds it in the
audit log with the old and the new holder. Plus: bad input is shown in place, and a data user sees no edit
forms and no audit log.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

DEPARTMENT = "云川市公安局"
OLD_MANAGER = "刘思远"  # the demo city's daily manager of 云川市公安局
NEW_MANAGER = {"name": "张卫国", "title": "大数据科科长", "phone": "13912345678",
               "email": "zhangweiguo@ycs.gov.example", "reason": "岗位调整，原日常管理人员调任"}


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("whoami")).to_have_count(0)


def open_own_department(page: Page) -> Locator:
    """From the home page to the manager's department page; returns the daily manager's card."""
    page.get_by_role("link", name=DEPARTMENT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(DEPARTMENT)
    card = page.get_by_test_id("person-daily_manager")
    expect(card.locator("strong")).to_have_text(OLD_MANAGER)
    return card


def fill_person(card: Locator, values: dict[str, str]) -> None:
    card.get_by_label("姓名").fill(values["name"])
    card.get_by_label("职务").fill(values["title"])
    card.get_by_label("电话").fill(values["phone"])
    card.get_by_label("电子邮箱").fill(values["email"])
    card.get_by_label("变更原因").fill(values["reason"])


def test_manager_change_is_shown_and_audited(page: Page, tmp_path: Path) -> None:
    sign_in(page, "ps_manager")
    card = open_own_department(page)

    fill_person(card, NEW_MANAGER)
    card.get_by_role("button", name="更换日常管理人员").click()

    expect(page).to_have_url(re.compile(r"/departments/\d+\?saved=daily_manager$"))
    expect(page.get_by_test_id("saved")).to_be_visible()
    card = page.get_by_test_id("person-daily_manager")
    expect(card.locator("strong")).to_have_text(NEW_MANAGER["name"])
    expect(card).to_contain_text(NEW_MANAGER["phone"])
    expect(card).to_contain_text("由 ps_manager 设定")

    history = page.get_by_test_id("history")
    old_row = history.locator("tr").filter(has_text=OLD_MANAGER).filter(has_text="日常管理人员")
    expect(old_row).to_have_count(1)
    cells = old_row.locator("td")
    expect(cells.nth(5)).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"))  # 结束时间
    expect(cells.nth(6)).to_have_text("ps_manager")  # 结束人
    new_row = history.locator("tr").filter(has_text=NEW_MANAGER["name"])
    expect(new_row.locator("td").nth(5)).to_have_text("")  # still holding the post
    expect(new_row.locator("td").nth(7)).to_have_text(NEW_MANAGER["reason"])

    sign_out(page)
    sign_in(page, "supervisor")
    page.get_by_role("navigation").get_by_role("link", name="审计日志").click()
    expect(page).to_have_url(re.compile(r"/audit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("审计日志")

    page.get_by_label("操作").fill("责任人")  # words of the action's name, as a clerk types them
    with page.expect_response(lambda r: "/audit?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"/audit\?.*action=%E8%B4%A3%E4%BB%BB%E4%BA%BA"))  # hx-push-url
    rows = page.locator("#audit-rows").get_by_test_id("audit-table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    # the swap may land just after the response: wait until only 设定部门责任人 rows are left
    expect(rows.locator("td:nth-child(5)").filter(has_not_text="设定部门责任人")).to_have_count(0)
    expect(page.get_by_role("heading", name="审计日志")).to_have_count(1)  # swapped rows, not a nested page

    row = rows.filter(has=page.locator("td:nth-child(3)", has_text=re.compile(r"^ps_manager$"))) \
        .filter(has_text=NEW_MANAGER["name"])
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text("ps_manager")
    expect(row.locator("td").nth(3)).to_have_text(DEPARTMENT)
    expect(row.locator("td").nth(8)).to_have_text("成功")
    lines = row.locator(".entry-lines")  # the change in words; the full record behind its toggle
    expect(lines).to_contain_text("日常管理人员")
    expect(lines).to_contain_text(f"{OLD_MANAGER} → {NEW_MANAGER['name']}")
    expect(row.locator("pre.detail")).to_be_hidden()
    row.get_by_text("完整记录").click()
    expect(row.locator("pre.detail")).to_contain_text("daily_manager")

    shot = tmp_path / "audit.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    expect(page).to_have_title(re.compile("审计日志"))
    body = page.locator("body")
    for text in ("审计日志", "政务数据资源管理与汇聚共享平台", "操作人", "内容", "筛选"):
        expect(body).to_contain_text(text)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"


def test_invalid_phone_is_shown_in_place(page: Page) -> None:
    sign_in(page, "ps_manager")
    card = open_own_department(page)

    fill_person(card, {**NEW_MANAGER, "phone": "12345"})
    card.get_by_role("button", name="更换日常管理人员").click()

    expect(page.get_by_test_id("error")).to_be_visible()
    card = page.get_by_test_id("person-daily_manager")
    phone = card.get_by_label("电话")
    error = phone.locator("xpath=following-sibling::div[contains(@class, 'field-error')]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("电话号码格式不正确")
    expect(phone).to_have_value("12345")  # what was typed is kept for correction
    expect(card.get_by_label("姓名")).to_have_value(NEW_MANAGER["name"])
    expect(page.locator(".field-error")).to_have_count(1)  # only the phone field, only in this form
    expect(card.locator("strong")).to_have_text(OLD_MANAGER)  # the holder did not change
    expect(page.get_by_test_id("saved")).to_have_count(0)
    expect(page.get_by_test_id("history").locator("tr").filter(has_text=NEW_MANAGER["name"])).to_have_count(0)

    page.reload()  # after a reload (GET) the holder is still the old one
    expect(page.get_by_test_id("person-daily_manager").locator("strong")).to_have_text(OLD_MANAGER)


def test_data_user_sees_no_edit_forms_and_no_audit_log(page: Page) -> None:
    sign_in(page, "mca_user")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="部门与责任人")).to_be_visible()
    expect(nav.get_by_role("link", name="审计日志")).to_have_count(0)

    nav.get_by_role("link", name="部门与责任人").click()
    page.get_by_role("link", name=DEPARTMENT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(DEPARTMENT)
    expect(page.get_by_test_id("person-daily_manager").locator("strong")).to_have_text(OLD_MANAGER)
    main = page.locator("main")
    expect(main.locator("form")).to_have_count(0)
    expect(main.get_by_role("button")).to_have_count(0)
    expect(main.get_by_role("textbox")).to_have_count(0)

    response = page.goto("/audit")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("error-detail")).to_contain_text("无权")
    expect(page.get_by_role("navigation").get_by_role("link", name="审计日志")).to_have_count(0)
    expect(page.get_by_test_id("audit-table")).to_have_count(0)


def test_error_page_shows_no_python_repr(page: Page) -> None:
    sign_in(page, "mca_user")
    response = page.goto("/audit")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="无权执行此操作")).to_be_visible()
    text = page.locator("main").inner_text()
    assert "('forbidden'" not in text, text
