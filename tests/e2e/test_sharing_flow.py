"""The sharing acceptance test (SHR-2, SHR-4, SEC-7), driven through a real browser: a department data
manager finds a conditional resource of another department and requests part of it for an approved system;
the provider's reviewer, from the inbox, passes it with terms (fewer items, masking, a row scope, a quota);
the big data center approves; the grant with those terms shows on the consumer's grants page.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from govdata.core.db import make_engine, make_session_factory
from tests.conftest import TEST_SETTINGS, Database
from tests.sharing.helpers import Shared, shared_resource
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_test_id("whoami")).to_have_count(0)


def shared_on(base_url: str, tmp_path: Path) -> Shared:
    """The sharing test data (a conditional resource of 市公安局 with records, an approved system of 市人社局)
    made through the API of the live server (personal tokens made in its database)."""
    url = f"sqlite:///{tmp_path / 'govdata.db'}"  # the live server's copy (tests/e2e/conftest.py)
    engine = make_engine(url)
    try:
        with httpx.Client(base_url=base_url, timeout=10.0) as api:
            api.db = Database("sqlite", url, engine, make_session_factory(engine, TEST_SETTINGS))  # type: ignore[attr-defined]
            return shared_resource(api, rows=5)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_request_review_approval_and_the_grant(page: Page, live_server: str, tmp_path: Path) -> None:
    shared = shared_on(live_server, tmp_path)

    # 1. 市人社局's data manager finds the resource and requests four of its items
    sign_in(page, "hr_manager")
    page.get_by_role("link", name="数据共享").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("共享资源")
    page.get_by_label("资源名称、摘要或信息项").fill(shared.code)  # htmx narrows the results as one types
    row = page.get_by_test_id("shareable-table").locator(f'tr[data-code="{shared.code}"]')
    expect(page.get_by_test_id("shareable-table").locator("tr[data-code]")).to_have_count(1)
    expect(row).to_contain_text("有条件共享")
    row.get_by_role("link", name="申请").click()
    expect(page.get_by_test_id("share-type")).to_have_text("有条件共享")
    form = page.get_by_test_id("apply-form")
    expect(form.get_by_label("使用数据的应用系统")).to_have_value(str(shared.consumer["id"]))
    form.get_by_label("出生日期").uncheck()
    form.get_by_label("补贴金额").uncheck()
    form.get_by_label("用途（业务场景）").fill("社保待遇资格认证中核验参保人身份")
    form.get_by_label("履职依据").fill("《社会保险法》第八条：社会保险经办机构负责社会保险待遇的核定和支付")
    until = form.get_by_label("至（最长一年）").input_value()
    form.get_by_label("至（最长一年）").fill("2099-12-31")
    form.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("error")).to_be_visible()  # at most one year, shown in place
    expect(page.get_by_test_id("field-error-period_to")).to_contain_text("最长一年")
    expect(page.get_by_label("用途（业务场景）")).to_have_value("社保待遇资格认证中核验参保人身份")
    expect(page.get_by_label("出生日期")).not_to_be_checked()
    page.get_by_label("至（最长一年）").fill(until)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("saved")).to_contain_text("共享申请已提交")
    expect(page.get_by_test_id("request-status")).to_have_text("待提供部门审核")
    expect(page.get_by_test_id("steps-share_request")).to_contain_text("办理时限")
    request_url = page.url.split("?")[0]
    request_path = "/" + request_url.split("/", 3)[3]
    sign_out(page)

    # 2. 市公安局's reviewer opens it from the inbox and passes it with terms: no mobile number, 530102 only
    sign_in(page, "ps_reviewer")
    page.get_by_test_id("inbox").locator(f'a[href="{request_path}"]').click()
    expect(page).to_have_url(request_url)
    review = page.get_by_test_id("review-form")
    review.get_by_label("手机号码", exact=True).uncheck()
    expect(review.get_by_label("公民身份号码的脱敏规则")).to_have_value("id_number")
    review.get_by_label("姓名的脱敏规则").select_option(label="密钥SM3散列（可关联不可读）")
    review.get_by_label("行范围条件1的信息项").select_option(label="所属区县代码")
    review.get_by_label("行范围条件1的条件").select_option(label="等于")
    review.get_by_label("行范围条件1的值").fill("530102")
    review.get_by_label("每日调用配额").fill("500")
    review.get_by_role("button", name="提供部门同意").click()
    expect(page.get_by_test_id("saved")).to_contain_text("转大数据中心审核")
    expect(page.get_by_test_id("request-status")).to_have_text("待大数据中心审核")
    sign_out(page)

    # 3. the big data center approves from its review box
    sign_in(page, "admin")
    page.goto("/sharing/requests")
    expect(page.get_by_test_id("box-review")).to_have_class(re.compile("active"))
    page.get_by_test_id("requests-table").get_by_role("link", name=request_url.rsplit("/", 1)[1], exact=True).click()
    expect(page.get_by_test_id("proposed-terms")).to_contain_text("所属区县代码 等于 530102")
    page.get_by_test_id("review-form").get_by_role("button", name="大数据中心审核通过").click()
    expect(page.get_by_test_id("request-status")).to_have_text("已授权")
    expect(page.get_by_test_id("grant")).to_contain_text("审批人")
    sign_out(page)

    # 4. the grant shows on 市人社局's grants page, with the reviewer's terms
    sign_in(page, "hr_manager")
    page.get_by_role("link", name="数据共享").click()
    page.get_by_test_id("sharing-nav").get_by_role("link", name="共享授权").click()
    page.get_by_test_id("side-consumed").click()
    page.get_by_label("资源代码").fill(shared.code)
    page.get_by_role("button", name="查询").click()
    grants = page.get_by_test_id("grants-table").locator("tr[data-id]")
    expect(grants).to_have_count(1)
    expect(grants).to_contain_text(shared.code)
    expect(grants).to_contain_text("社保待遇资格认证系统")
    expect(grants).to_contain_text("有效")
    grants.get_by_role("link").first.click()
    terms = page.get_by_test_id("grant-terms")
    expect(terms).to_contain_text("公民身份号码、姓名、所属区县代码")
    expect(terms).to_contain_text("姓名：密钥SM3散列（可关联不可读）")
    expect(terms).to_contain_text("所属区县代码 等于 530102")
    expect(terms).to_contain_text("每日 500 次")
    expect(page.get_by_test_id("grant-status")).to_have_text("有效")
