"""The issue's acceptance test, driven through a real browser and a real signed client: a department manager
registers a business system, the big data center approves it (after a refused empty rejection), the manager
sees the AppKey and AppSecret once; the system then calls a signed endpoint with ``govdata.client``, a replay
of the same request is refused, and once its security assessment has expired its calls are refused.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from govdata.client import Client
from govdata.core.signing import HEADER_APP_KEY, HEADER_NONCE
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

DEPARTMENT = "云川市公安局"  # ps_manager's department in the demo city
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the service's "today" (Asia/Shanghai)
SYSTEM = {"name": "警务数据共享验收系统", "purpose": "为派出所民警提供人口与车辆信息核查服务",
          "owner_name": "王建华", "owner_phone": "13812345678", "assessor": "云川市网络安全测评中心",
          "report_no": "YC-DJCP-2024-0088"}


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("whoami")).to_have_count(0)


def assessment_section(page: Page) -> Locator:
    """The 等保 block of the form."""
    return page.locator("h2", has_text="网络安全等级保护测评").locator("xpath=following-sibling::div[1]")


def open_system(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="应用系统").click()
    expect(page).to_have_url(re.compile(r"/systems$"))
    page.get_by_test_id("systems-table").get_by_role("link", name=SYSTEM["name"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SYSTEM["name"])


def register(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="应用系统").click()
    expect(page).to_have_url(re.compile(r"/systems$"))
    page.get_by_role("link", name="登记应用系统").click()
    expect(page).to_have_url(re.compile(r"/systems/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("登记应用系统")

    page.get_by_label("系统名称", exact=True).fill(SYSTEM["name"])
    page.get_by_label("用途").fill(SYSTEM["purpose"])
    page.get_by_label("系统负责人", exact=True).fill(SYSTEM["owner_name"])
    page.get_by_label("负责人电话", exact=True).fill(SYSTEM["owner_phone"])
    section = assessment_section(page)
    expect(section.get_by_label("等保级别")).to_have_value("3")  # the default, left as is
    section.get_by_label("等保测评机构", exact=True).fill(SYSTEM["assessor"])
    section.get_by_label("测评报告编号", exact=True).fill(SYSTEM["report_no"])
    section.get_by_label("等保测评日期", exact=True).fill((TODAY - dt.timedelta(days=100)).isoformat())
    section.get_by_label("测评有效期至", exact=True).fill((TODAY + dt.timedelta(days=365)).isoformat())
    page.get_by_role("button", name="提交审核").click()


def signed_whoami(base_url: str, app_key: str, app_secret: str) -> httpx.Response:
    with Client(base_url, app_key, app_secret, timeout=10.0) as gd:
        return gd.get("/api/v1/whoami")


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    assert response.json()["code"] == code, response.text


def test_system_registration_approval_credentials_and_signed_calls(page: Page, live_server: str) -> None:
    # 1. the department manager registers the system; it waits for the big data center
    sign_in(page, "ps_manager")
    register(page)
    expect(page).to_have_url(re.compile(r"/systems/\d+\?saved=registered$"))
    system_url = page.url.split("?")[0]
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SYSTEM["name"])
    expect(page.get_by_test_id("status")).to_have_text("待审核")
    workflow = page.get_by_test_id("workflow")
    expect(workflow).to_contain_text("待大数据中心审核")
    expect(workflow).to_contain_text(re.compile(r"办理时限 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"))
    expect(workflow.get_by_role("button", name="通过")).to_have_count(0)  # the applicant cannot approve
    expect(page.locator("main")).to_contain_text(DEPARTMENT)
    sign_out(page)

    # 2. the admin finds it in the inbox, a rejection without reason is refused in place, then approves
    sign_in(page, "admin")
    row = page.get_by_test_id("inbox").locator("tr").filter(has_text=SYSTEM["name"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待大数据中心审核")
    row.get_by_role("link", name="办理").click()
    expect(page).to_have_url(system_url)
    expect(page.get_by_test_id("status")).to_have_text("待审核")

    workflow = page.get_by_test_id("workflow")
    expect(workflow.get_by_label("意见 / 原因")).to_have_value("")
    workflow.get_by_role("button", name="退回").click()
    expect(page.get_by_test_id("error")).to_be_visible()
    error = page.get_by_test_id("workflow").locator(".field-error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("原因")
    expect(page.get_by_test_id("status")).to_have_text("待审核")
    expect(page.get_by_test_id("workflow")).to_contain_text("待大数据中心审核")

    page.get_by_test_id("workflow").get_by_role("button", name="通过").click()
    expect(page).to_have_url(re.compile(re.escape(system_url) + r"\?saved=approve$"))
    expect(page.get_by_test_id("status")).to_have_text("已接入")
    expect(page.get_by_test_id("workflow")).to_contain_text("已通过")
    app_key_cell = page.locator("tr", has=page.locator("th", has_text=re.compile(r"^AppKey$"))).locator("td")
    expect(app_key_cell).to_have_text(re.compile(r"^ak[0-9a-f]{20}$"))
    shown_to_admin = app_key_cell.inner_text().strip()
    expect(page.get_by_test_id("credentials")).to_have_count(0)
    expect(page.get_by_test_id("app-secret")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("查看接入凭据"))).to_have_count(0)
    expect(page.get_by_role("button", name="轮换密钥")).to_have_count(0)
    html = page.content()
    assert "AppSecret" not in html and "sk_" not in html
    sign_out(page)

    # 3. the manager sees the credentials once
    sign_in(page, "ps_manager")
    open_system(page)
    expect(page.get_by_test_id("status")).to_have_text("已接入")
    page.get_by_role("button", name="查看接入凭据（仅一次）").click()
    credentials = page.get_by_test_id("credentials")
    expect(credentials).to_be_visible()
    expect(credentials).to_contain_text("只显示这一次")
    expect(page.get_by_test_id("app-key")).to_have_text(shown_to_admin)
    expect(page.get_by_test_id("app-secret")).to_have_text(re.compile(r"^sk_\S{20,}$"))
    app_key = page.get_by_test_id("app-key").inner_text().strip()
    app_secret = page.get_by_test_id("app-secret").inner_text().strip()

    page.goto(system_url)  # a reload (GET): the secret is gone and cannot be asked for again
    expect(page.get_by_test_id("status")).to_have_text("已接入")
    expect(page.get_by_test_id("credentials")).to_have_count(0)
    expect(page.get_by_test_id("app-secret")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("查看接入凭据"))).to_have_count(0)
    assert app_secret not in page.content()

    # 4. the system calls a signed endpoint; the same request sent again is a replay
    response = signed_whoami(live_server, app_key, app_secret)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "system", body
    assert app_key in body["name"] and SYSTEM["name"] in body["name"], body
    sent = response.request
    assert sent.headers[HEADER_APP_KEY] == app_key and sent.headers[HEADER_NONCE], sent.headers
    replay = httpx.request(sent.method, str(sent.url), headers=dict(sent.headers), content=sent.content,
                           timeout=10.0)
    assert_problem(replay, 401, "nonce_reused")

    # 5. the assessment expires: the page warns, and the signed call is refused
    page.get_by_role("link", name="修改登记 / 更新测评").click()
    expect(page).to_have_url(re.compile(re.escape(system_url) + r"/edit$"))
    section = assessment_section(page)
    expect(section.get_by_label("测评报告编号", exact=True)).to_have_value(SYSTEM["report_no"])
    section.get_by_label("等保测评日期", exact=True).fill((TODAY - dt.timedelta(days=730)).isoformat())
    section.get_by_label("测评有效期至", exact=True).fill((TODAY - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(re.escape(system_url) + r"\?saved=updated$"))
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("已接入")
    valid_until = page.locator("tr", has=page.locator("th", has_text="测评有效期至")).locator("td")
    expect(valid_until).to_contain_text((TODAY - dt.timedelta(days=1)).isoformat())
    expect(valid_until.locator(".badge")).to_contain_text("已过期")

    assert_problem(signed_whoami(live_server, app_key, app_secret), 403, "system_assessment_expired")
