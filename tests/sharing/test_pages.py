"""The sharing pages (SHR-1, SHR-2, SHR-4, SHR-6, SEC-1, SEC-7) and their JSON twins, through the browser
forms with CSRF: browse what is shared (暂不共享 with its legal basis and no button), subscribe, request, the
provider's review with terms, the big data center's approval, refusal and objection, withdrawal, and the
grant page's suspension — errors shown in place — on both databases."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from govdata.sharing.models import Grant
from tests.catalog.helpers import publish
from tests.conftest import bearer, csrf_from, login
from tests.sharing.helpers import ITEMS

NOT_SHARED_BASIS = "《中华人民共和国反恐怖主义法》第四十八条"


def post(client, url, data, token):
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def application(shared, **overrides):
    return {"system_id": str(shared.consumer["id"]), "purpose": "社保待遇资格认证中核验参保人身份",
            "basis": "《社会保险法》第八条：社会保险经办机构负责社会保险待遇的核定和支付", "access_method": "api",
            "period_to": (dt.date.today() + dt.timedelta(days=300)).isoformat(), **overrides}


def request_via_form(shared, token, **overrides):
    """hr_manager's request for the shared resource through the page; returns the request id."""
    client = shared.client
    form = application(shared, items=["id_number", "name", "mobile", "county"], **overrides)
    sent = post(client, f"/sharing/resources/{shared.code}/request", form, token)
    assert sent.status_code == 303, sent.text
    return int(re.match(r"/sharing/requests/(\d+)\?saved=requested$", sent.headers["location"]).group(1))


def test_browsing_shows_the_share_types_and_what_each_person_may_do(shared):
    client = shared.client
    hidden = publish(client, items=ITEMS, name="重点管控人员信息", share_type="暂不共享", share_condition=None,
                     legal_basis=NOT_SHARED_BASIS)

    login(client, "hr_manager")
    home = client.get("/")
    assert 'href="/sharing">数据共享</a>' in home.text  # the menu entry
    listing = client.get(f"/sharing/resources?q={shared.code}")
    assert listing.status_code == 200 and "<html" in listing.text
    row = re.search(rf'<tr data-code="{shared.code}">.*?</tr>', listing.text, re.S).group(0)
    assert "有条件共享" in row and f'href="/sharing/resources/{shared.code}#apply">申请</a>' in row

    # 暂不共享: listed with its legal basis and no button, on its tab; htmx gets the results part only
    tab = client.get("/sharing/resources?share_type=暂不共享&q=重点管控", headers={"HX-Request": "true"})
    assert tab.status_code == 200 and "<html" not in tab.text
    row = re.search(rf'<tr data-code="{hidden}">.*?</tr>', tab.text, re.S).group(0)
    assert NOT_SHARED_BASIS in row and "#apply" not in row
    assert f'data-code="{shared.code}"' not in tab.text
    detail = client.get(f"/sharing/resources/{hidden}")
    assert "该资源为暂不共享类，不能申请" in detail.text and 'data-testid="apply-form"' not in detail.text
    assert client.get("/sharing/resources?share_type=nonsense").status_code == 422

    # the conditional entry: items with their default masking, the request form with the department's system
    detail = client.get(f"/sharing/resources/{shared.code}")
    assert detail.status_code == 200
    assert "保留前6位和后4位" in detail.text and "仅保留首字" in detail.text
    assert 'action="/sharing/resources/' + shared.code + '/request"' in detail.text
    assert f'<option value="{shared.consumer["id"]}"' in detail.text and "社保待遇资格认证系统" in detail.text

    # the JSON twin lists the same entry with the same possible action
    twin = client.get(f"/api/v1/sharing/resources?q={shared.code}", headers=bearer(client, "hr_manager")).json()
    assert [(r["code"], r["action"]) for r in twin["items"]] == [(shared.code, "request")]

    # no form for the provider's own people; another department's data user drafts, once the department
    # has a system (its data manager registers it)
    login(client, "ps_manager")
    assert "本部门的数据资源，无需申请" in client.get(f"/sharing/resources/{shared.code}").text
    login(client, "mca_user")
    own = client.get(f"/sharing/resources/{shared.code}")
    assert "起草共享申请" in own.text and 'data-testid="apply-form"' not in own.text
    assert "请联系本部门数据管理员先登记应用系统" in own.text
    login(client, "finance")
    assert "订阅和申请由部门数据管理员提交" in client.get(f"/sharing/resources/{shared.code}").text


def test_subscribing_to_an_unconditional_resource_grants_at_once(shared):
    client = shared.client
    code = publish(client, items=ITEMS, name="公共服务机构名录", share_type="无条件共享", share_condition=None,
                   legal_basis=None)
    token = login(client, "hr_manager")
    refused = post(client, f"/sharing/resources/{code}/subscribe", application(shared, purpose=""), token)
    assert refused.status_code == 422 and 'data-testid="error"' in refused.text
    assert 'data-testid="field-error-purpose"' in refused.text
    assert "《社会保险法》第八条" in refused.text  # what was typed is kept

    done = post(client, f"/sharing/resources/{code}/subscribe", application(shared, items=["county", "amount"]),
                csrf_from(refused.text))
    assert done.status_code == 303 and done.headers["location"].endswith("?saved=subscribed")
    grant_page = client.get(done.headers["location"])
    assert "已订阅，授权立即生效" in grant_page.text and 'data-testid="grant-status">有效' in grant_page.text
    assert "所属区县代码、补贴金额" in grant_page.text
    grant_id = int(re.search(r"/sharing/grants/(\d+)", done.headers["location"]).group(1))
    consumed = client.get("/sharing/grants?side=consumed")
    assert f'href="/sharing/grants/{grant_id}"' in consumed.text
    twin = client.get(f"/api/v1/sharing/grants/{grant_id}", headers=bearer(client, "hr_manager")).json()
    assert twin["items"] == ["county", "amount"] and twin["kind"] == "unconditional"


def test_request_review_with_terms_approval_and_suspension_through_the_pages(shared):
    client = shared.client
    token = login(client, "hr_manager")
    request_id = request_via_form(shared, token)
    page = client.get(f"/sharing/requests/{request_id}?saved=requested")
    assert "共享申请已提交" in page.text and "待提供部门审核" in page.text and "办理时限" in page.text
    assert 'data-testid="withdraw-form"' in page.text and 'data-testid="review-form"' not in page.text
    mine = client.get("/sharing/requests?box=mine", headers={"HX-Request": "true"})  # the tab swapped by htmx
    assert f'<tr data-id="{request_id}">' in mine.text and "<html" not in mine.text

    # the provider's reviewer finds it in the review box, and passes it with terms; a bad scope is refused in place
    token = login(client, "ps_reviewer")
    box = client.get("/sharing/requests")
    assert 'data-testid="box-review"' in box.text and f'<tr data-id="{request_id}">' in box.text
    page = client.get(f"/sharing/requests/{request_id}")
    assert 'data-testid="review-form"' in page.text and 'name="masking.mobile"' in page.text
    terms = {"with_terms": "1", "transition": "pass", "items": ["id_number", "name", "county"],
             "masking.id_number": "id_number", "masking.name": "name", "masking.mobile": "mobile",
             "scope.0.item": "county", "scope.0.op": "range", "scope.0.value": "530102",
             "rate_per_minute": "60", "daily_quota": "500"}
    bad = post(client, f"/sharing/requests/{request_id}/review", terms, csrf_from(page.text))
    assert bad.status_code == 422 and 'data-testid="error"' in bad.text
    assert "不支持“range”条件" in bad.text  # a text item takes no range
    assert '<option value="range" selected>' in bad.text and 'value="60"' in bad.text  # the form comes back as typed
    passed = post(client, f"/sharing/requests/{request_id}/review", {**terms, "scope.0.op": "eq"},
                  csrf_from(bad.text))
    assert passed.status_code == 303, passed.text

    # the big data center approves: the grant has the provider's terms
    token = login(client, "admin")
    page = client.get(f"/sharing/requests/{request_id}")
    assert "大数据中心审核" in page.text and 'data-testid="proposed-terms"' in page.text
    approved = post(client, f"/sharing/requests/{request_id}/review", {"transition": "approve"}, csrf_from(page.text))
    assert approved.status_code == 303
    page = client.get(approved.headers["location"])
    assert "已授权" in page.text and 'data-testid="grant"' in page.text
    with client.db.session() as session:
        grant = session.scalar(select(Grant).where(Grant.request_id == request_id))
        assert (grant.items, grant.masking) == (["id_number", "name", "county"], {"id_number": "id_number",
                                                                                  "name": "name"})
        assert grant.row_scope == [{"item": "county", "op": "eq", "value": "530102"}]
        assert (grant.rate_per_minute, grant.daily_quota) == (60, 500)
        grant_id = grant.id

    # the consumer sees the grant with its terms and the link to its usage; no status buttons for it
    login(client, "hr_manager")
    consumed = client.get("/sharing/grants?side=consumed")
    assert f'href="/sharing/grants/{grant_id}"' in consumed.text
    page = client.get(f"/sharing/grants/{grant_id}")
    assert "所属区县代码 等于 530102" in page.text and f"/sharing/usage?grant_id={grant_id}" in page.text
    assert 'data-testid="suspend-form"' not in page.text

    # the provider suspends it: a reason is required, shown in place
    token = login(client, "ps_manager")
    page = client.get(f"/sharing/grants/{grant_id}")
    assert 'data-testid="suspend-form"' in page.text and 'data-testid="terms-form"' in page.text
    kept = {"with_terms": "1", "items": ["id_number", "name", "county"], "masking.id_number": "id_number",
            "masking.name": "name", "scope.0.item": "county", "scope.0.op": "eq", "scope.0.value": "530102"}
    none = post(client, f"/sharing/grants/{grant_id}/terms", {**kept, "items": []}, csrf_from(page.text))
    assert none.status_code == 422 and '<div class="field-error mb-2">至少需要一项</div>' in none.text  # none ticked
    changed = post(client, f"/sharing/grants/{grant_id}/terms", {**kept, "daily_quota": "300"}, csrf_from(none.text))
    assert changed.status_code == 303 and changed.headers["location"].endswith("?saved=terms")
    page = client.get(changed.headers["location"])
    assert "每日 300 次" in page.text and "授权条件已修改" in page.text
    empty = post(client, f"/sharing/grants/{grant_id}/suspend", {"reason": ""}, csrf_from(page.text))
    assert empty.status_code == 422 and 'class="field-error mb-1"' in empty.text
    done = post(client, f"/sharing/grants/{grant_id}/suspend", {"reason": "核查调用异常"}, csrf_from(empty.text))
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert 'data-testid="grant-status">已暂停' in page.text and 'data-testid="resume-form"' in page.text
    twin = client.get(f"/api/v1/sharing/grants/{grant_id}", headers=bearer(client, "ps_manager")).json()
    assert (twin["status"], twin["status_reason"]) == ("suspended", "核查调用异常")


def test_refusal_objection_and_withdrawal_through_the_pages(shared):
    client = shared.client
    token = login(client, "hr_manager")
    first = request_via_form(shared, token)
    page = client.get(f"/sharing/requests/{first}")
    empty = post(client, f"/sharing/requests/{first}/withdraw", {"reason": ""}, csrf_from(page.text))
    assert empty.status_code == 422 and 'data-testid="error"' in empty.text
    withdrawn = post(client, f"/sharing/requests/{first}/withdraw", {"reason": "重复提交"}, csrf_from(empty.text))
    assert withdrawn.status_code == 303
    assert "已撤回" in client.get(f"/sharing/requests/{first}").text

    request_id = request_via_form(shared, token)
    token = login(client, "ps_reviewer")
    page = client.get(f"/sharing/requests/{request_id}")
    no_reason = post(client, f"/sharing/requests/{request_id}/review", {"transition": "reject"}, csrf_from(page.text))
    assert no_reason.status_code == 422 and 'data-testid="error"' in no_reason.text
    refused = post(client, f"/sharing/requests/{request_id}/review",
                   {"transition": "reject", "reason": "申请用途与共享条件不符"}, csrf_from(no_reason.text))
    assert refused.status_code == 303

    token = login(client, "hr_manager")
    page = client.get(f"/sharing/requests/{request_id}")
    assert "申请用途与共享条件不符" in page.text and 'data-testid="objection-form"' in page.text
    objected = post(client, f"/sharing/requests/{request_id}/objection", {"reason": "社保待遇认证为法定职责"},
                    csrf_from(page.text))
    assert objected.status_code == 303
    assert "异议处理中" in client.get(f"/sharing/requests/{request_id}").text

    token = login(client, "supervisor")
    box = client.get("/sharing/requests?box=review")
    assert f'<tr data-id="{request_id}">' in box.text
    page = client.get(f"/sharing/requests/{request_id}")
    assert 'data-testid="decision-form"' in page.text
    upheld = post(client, f"/sharing/requests/{request_id}/decision", {"transition": "uphold", "reason": "属法定职责"},
                  csrf_from(page.text))
    assert upheld.status_code == 303 and upheld.headers["location"].endswith("saved=uphold")
    page = client.get(upheld.headers["location"])
    assert "异议成立，授权已生效" in page.text and 'data-testid="grant"' in page.text
    every = client.get("/sharing/requests?box=all")
    assert f'<tr data-id="{request_id}">' in every.text and f'<tr data-id="{first}">' in every.text
    twin = client.get(f"/api/v1/sharing/requests/{request_id}", headers=bearer(client, "supervisor")).json()
    assert twin["request"]["status"] == "granted" and twin["grant"] is not None

    # bad filters are answered in place, and another department's person cannot open the request
    login(client, "mca_user")
    assert client.get("/sharing/requests?box=bogus&overdue=maybe").status_code == 422
    assert client.get("/sharing/grants?status=bogus").status_code == 422
    assert client.get(f"/sharing/requests/{request_id}", headers={"Accept": "text/html"}).status_code == 403
