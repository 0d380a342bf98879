"""The pages of drafts (issue 13, part 6) and the home pages of roles with no work on the platform yet: a
data user drafts on the resource page, the data manager finds it on the home page and submits it from the
request page, the drafter follows it; finance, evaluators and technical service staff read what their role is
for, with links only to pages they may open."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import login
from tests.sharing.helpers import system
from tests.sharing.test_pages import post


def _form(system_id: int, **overrides):
    return {"system_id": str(system_id), "purpose": "低保家庭成员身份核对", "basis": "《社会救助暂行办法》第十一条",
            "access_method": "api", "items": ["id_number", "name"],
            "period_to": (dt.date.today() + dt.timedelta(days=300)).isoformat(), **overrides}


def _draft_via_form(shared, consumer_id: int) -> int:
    client = shared.client
    token = login(client, "mca_user")
    page = client.get(f"/sharing/resources/{shared.code}")
    assert 'data-testid="draft-note"' in page.text and "保存草稿，交数据管理员提交" in page.text
    assert f'action="/sharing/resources/{shared.code}/draft"' in page.text
    refused = post(client, f"/sharing/resources/{shared.code}/draft", _form(consumer_id, purpose=""), token)
    assert refused.status_code == 422 and 'data-testid="field-error-purpose"' in refused.text
    sent = post(client, f"/sharing/resources/{shared.code}/draft", _form(consumer_id), token)
    assert sent.status_code == 303, sent.text
    return int(re.match(r"/sharing/requests/(\d+)\?saved=drafted$", sent.headers["location"]).group(1))


def test_a_draft_from_the_resource_page_to_the_managers_home_and_submission(shared):
    client = shared.client
    consumer = system(client, "mca_manager", name="社会救助综合管理系统", purpose="低保家庭经济状况核对")
    request_id = _draft_via_form(shared, consumer["id"])

    mine = client.get(f"/sharing/requests/{request_id}?saved=drafted")
    assert "共享申请草稿" in mine.text and "已送本部门数据管理员的待办" in mine.text
    assert 'data-testid="end-user">郭晓燕' in mine.text and 'data-testid="draft-form"' in mine.text
    assert 'value="submit"' not in mine.text and 'data-testid="withdraw-form"' in mine.text
    home = client.get("/")
    assert 'data-testid="my-drafts"' in home.text and "待本部门数据管理员提交" in home.text
    assert 'data-testid="role-guide"' in home.text and "起草共享申请" in home.text
    assert 'href="/sharing/requests?box=drafted"' in home.text
    box = client.get("/sharing/requests")  # the data user's default box: what they drafted
    assert 'data-testid="box-drafted"' in box.text and f'data-id="{request_id}"' in box.text

    token = login(client, "mca_manager")
    home = client.get("/")
    assert f'href="/sharing/requests/{request_id}"' in home.text and "待本部门数据管理员提交" in home.text
    page = client.get(f"/sharing/requests/{request_id}")
    assert 'value="submit"' in page.text and 'data-testid="decline-form"' in page.text
    assert "郭晓燕" in page.text
    no_reason = post(client, f"/sharing/requests/{request_id}/decline", {"reason": ""}, token)
    assert no_reason.status_code == 422 and 'data-testid="error"' in no_reason.text
    bad = post(client, f"/sharing/requests/{request_id}/draft",
               {**_form(consumer["id"], items=["salary"]), "do": "submit"}, token)
    assert bad.status_code == 422 and "salary" in bad.text
    assert 'name="items" value="id_number"' in bad.text  # the form is shown again
    sent = post(client, f"/sharing/requests/{request_id}/draft",
                {**_form(consumer["id"], items=["id_number", "name", "county"]), "do": "submit"}, token)
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"/sharing/requests/{request_id}?saved=submitted_request"
    done = client.get(sent.headers["location"])
    assert 'data-testid="request-status">待提供部门审核' in done.text
    assert 'data-testid="requested-by">高俊' in done.text and 'data-testid="end-user">郭晓燕（起草人）' in done.text
    assert "所属区县代码" in done.text

    login(client, "mca_user")
    followed = client.get("/")
    assert "待提供部门审核" in followed.text


def test_the_drafter_withdraws_and_the_manager_declines_on_the_page(shared):
    client = shared.client
    consumer = system(client, "mca_manager", name="社会救助综合管理系统", purpose="低保家庭经济状况核对")
    first = _draft_via_form(shared, consumer["id"])
    token = login(client, "mca_user")
    gone = post(client, f"/sharing/requests/{first}/withdraw", {"reason": "写错了"}, token)
    assert gone.status_code == 303 and gone.headers["location"].endswith("saved=draft_withdraw")
    assert "起草人已撤回" in client.get(f"/sharing/requests/{first}").text

    second = _draft_via_form(shared, consumer["id"])
    token = login(client, "mca_manager")
    declined = post(client, f"/sharing/requests/{second}/decline", {"reason": "请写明具体条款"}, token)
    assert declined.status_code == 303
    page = client.get(f"/sharing/requests/{second}")
    assert "数据管理员已退回" in page.text and "退回理由" in page.text and "请写明具体条款" in page.text
    login(client, "mca_user")
    home = client.get("/")
    assert "请写明具体条款" in home.text


@pytest.mark.parametrize("username, words", [
    ("finance", "条例第十条"), ("evaluator", "条例第二十四条"), ("vendor", "条例第九条")])
def test_roles_without_platform_work_are_told_what_they_are_for(client, username, words):
    login(client, username)
    home = client.get("/")
    assert home.status_code == 200 and 'data-testid="role-guide"' in home.text and words in home.text
    guide = home.text.split('data-testid="role-guide"', 1)[1].split("</div>", 1)[0]
    links = re.findall(r'href="([^"]+)"', guide)
    assert links and "/catalog" in links
    for href in links:  # every link opens
        assert client.get(href).status_code == 200, href
