"""A data user's draft of a share request, submitted by the department's data manager (issue 13, part 6),
driven through a real browser: 市民政局's data user finds a conditional resource of 市公安局 and drafts a request;
the data manager opens it from the inbox on the home page, changes the purpose and submits it; the provider's
reviewer now has it, and the drafter's home page shows how far it got, with her as the end user.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from govdata.core.db import make_engine, make_session_factory
from tests.conftest import TEST_SETTINGS, Database
from tests.e2e.helpers import sign_in
from tests.e2e.test_sharing_flow import sign_out
from tests.sharing.helpers import Shared, shared_resource, system

pytestmark = pytest.mark.e2e


def _data_on(base_url: str, tmp_path: Path) -> tuple[Shared, dict]:
    """The sharing test data and an approved system of 市民政局, made through the live server's API."""
    url = f"sqlite:///{tmp_path / 'govdata.db'}"  # the live server's copy (tests/e2e/conftest.py)
    engine = make_engine(url)
    try:
        with httpx.Client(base_url=base_url, timeout=10.0) as api:
            api.db = Database("sqlite", url, engine, make_session_factory(engine, TEST_SETTINGS))  # type: ignore[attr-defined]
            shared = shared_resource(api, rows=5)  # type: ignore[arg-type]
            consumer = system(api, "mca_manager", name="社会救助综合管理系统", purpose="低保家庭经济状况核对")  # type: ignore[arg-type]
            return shared, consumer
    finally:
        engine.dispose()


def test_a_data_user_drafts_and_the_manager_submits(page: Page, live_server: str, tmp_path: Path) -> None:
    shared, consumer = _data_on(live_server, tmp_path)

    # 1. 市民政局's data user finds the resource and drafts a request for two of its items
    sign_in(page, "mca_user")
    page.get_by_role("link", name="数据共享").click()
    page.get_by_label("资源名称、摘要或信息项").fill(shared.code)
    row = page.get_by_test_id("shareable-table").locator(f'tr[data-code="{shared.code}"]')
    expect(page.get_by_test_id("shareable-table").locator("tr[data-code]")).to_have_count(1)
    row.get_by_role("link", name="起草申请").click()
    expect(page.get_by_test_id("draft-note")).to_contain_text("本部门数据管理员提交")
    form = page.get_by_test_id("apply-form")
    expect(form.get_by_label("使用数据的应用系统")).to_have_value(str(consumer["id"]))
    for name in ("手机号码", "出生日期", "所属区县代码", "补贴金额"):
        form.get_by_label(name, exact=True).uncheck()
    form.get_by_label("用途（业务场景）").fill("低保家庭成员身份核对")
    form.get_by_label("履职依据").fill("《社会救助暂行办法》第十一条：家庭经济状况核对")
    form.get_by_role("button", name="保存草稿，交数据管理员提交").click()
    expect(page.get_by_test_id("saved")).to_contain_text("已送本部门数据管理员的待办")
    expect(page.get_by_test_id("request-status")).to_have_text("待本部门数据管理员提交")
    expect(page.get_by_test_id("end-user")).to_have_text("郭晓燕")
    request_url = page.url.split("?")[0]
    request_path = "/" + request_url.split("/", 3)[3]
    sign_out(page)

    # 2. the data manager finds it in the inbox, sharpens the purpose and submits it
    sign_in(page, "mca_manager")
    inbox = page.get_by_test_id("inbox")
    expect(inbox).to_contain_text("郭晓燕起草")
    inbox.locator(f'a[href="{request_path}"]').click()
    expect(page).to_have_url(request_url)
    draft = page.get_by_test_id("draft-form")
    expect(draft.get_by_label("姓名", exact=True)).to_be_checked()
    expect(draft.get_by_label("手机号码", exact=True)).not_to_be_checked()
    draft.get_by_label("用途（业务场景）").fill("最低生活保障申请中核对家庭成员身份")
    draft.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("saved")).to_contain_text("待提供部门审核")
    expect(page.get_by_test_id("request-status")).to_have_text("待提供部门审核")
    expect(page.get_by_test_id("requested-by")).to_have_text("高俊")
    expect(page.get_by_test_id("end-user")).to_have_text("郭晓燕（起草人）")
    expect(page.get_by_test_id("request-facts")).to_contain_text("最低生活保障申请中核对家庭成员身份")
    expect(page.get_by_test_id("steps-share_draft")).to_contain_text("数据管理员提交")
    sign_out(page)

    # 3. the provider's reviewer has it now; the drafter sees how far it got
    sign_in(page, "ps_reviewer")
    expect(page.get_by_test_id("inbox").locator(f'a[href="{request_path}"]')).to_have_count(1)
    sign_out(page)
    sign_in(page, "mca_user")
    drafts = page.get_by_test_id("my-drafts")
    expect(drafts).to_contain_text("待提供部门审核")
    expect(drafts.get_by_role("link")).to_have_count(1)
