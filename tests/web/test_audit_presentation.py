"""An audit entry reads as plain Chinese to a clerk (issue 13): the action and the object in words, the object
linked only when the reader may open its page, the content as short name–value lines with the full record
behind a toggle, filters by area and by words of the action's name, honest paging, a reversed date range
answered in place, the 403 page naming the refused action in words — both databases."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from govdata.core import labels
from govdata.core.actor import Actor
from govdata.org.models import User
from govdata.web.entries import entry_lines, finding_refs, finding_text, full_record
from tests.conftest import bearer, login

CODE = re.compile(r"\b(auth|org|workflow|systems|catalog|collection|aggregation|sharing|supervision)\.[a-z_]+")
HREF = re.compile(r'<a href="([^"]+)"')


def visible(page: str) -> str:
    """What a person sees without opening a toggle: the text outside <details>, <script> and tags."""
    text = re.sub(r"<details.*?</details>|<script.*?</script>|<head.*?</head>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr data-action="([^"]+)"', page)


def test_the_audit_log_speaks_words_not_codes(client):
    login(client, "admin")
    client.get("/audit", headers={"accept": "text/html"})  # an admin read, and sign-ins, are on record
    login(client, "mca_user")
    assert client.get("/audit", headers={"accept": "text/html"}).status_code == 403  # a refusal on record
    login(client, "supervisor")
    page = client.get("/audit?limit=200")
    assert page.status_code == 200
    seen = visible(page.text)
    assert rows_of(page.text), "the demo city has entries"
    assert not CODE.search(seen), CODE.search(seen)
    assert '{"' not in seen and "{ \"" not in seen, "no raw JSON outside the toggle"
    for words in ("登录", "设定部门责任人", "新增用户", "查看审计日志", "部门与用户"[:2]):
        assert words in seen, words
    assert "user 1" not in seen and "grant " not in seen
    assert "<details class=\"full-record\"><summary>完整记录</summary>" in page.text  # the full record is kept


def test_objects_link_to_their_pages_and_no_link_leads_to_a_refusal(client):
    login(client, "supervisor")
    page = client.get("/audit?limit=300")
    links = {h for h in HREF.findall(page.text) if h.startswith(("/users/", "/departments/", "/systems/", "/catalog/",
                                                                 "/sharing/", "/aggregation/", "/collection/"))}
    assert any(h.startswith("/users/") for h in links) and any(h.startswith("/departments/") for h in links)
    for href in sorted(links):
        assert client.get(href).status_code == 200, href


def test_an_object_is_named_and_linked_only_for_readers_its_rule_allows(client):
    with client.db.session() as session:
        users = {u.username: u for u in session.scalars(select(User))}
        admin, stranger = users["admin"], users["mca_user"]
        overseer = Actor(kind="user", name="supervisor", user_id=users["supervisor"].id,
                         department_id=users["supervisor"].department_id, roles=frozenset({"supervisor"}))
        clerk = Actor(kind="user", name="mca_user", user_id=stranger.id, department_id=stranger.department_id,
                      roles=frozenset({"data_user"}))
        pairs = [("user", admin.id), ("user", stranger.id), ("grant", 999999), ("no_such_kind", 1)]
        seen = labels.object_refs(session, overseer, pairs)
        assert seen[("user", str(admin.id))].href == f"/users/{admin.id}"
        assert "admin" in str(seen[("user", str(admin.id))])
        hidden = labels.object_refs(session, clerk, pairs)
        assert hidden[("user", str(admin.id))].href is None and str(hidden[("user", str(admin.id))]) == f"用户 #{admin.id}"
        assert hidden[("user", str(stranger.id))].href == f"/users/{stranger.id}"  # one's own account
        assert str(hidden[("grant", "999999")]) == "共享授权 #999999"  # missing: its kind, no link
        assert str(hidden[("no_such_kind", "1")]) == "no_such_kind #1"


def test_paging_says_which_entries_are_shown(client):
    login(client, "supervisor")
    first = client.get("/audit?limit=5")
    total = int(re.search(r"共 (\d+) 条", first.text).group(1))
    assert "显示第 1–5 条" in first.text and "下一页" in first.text and "上一页" not in first.text
    second = client.get("/audit?limit=5&offset=5")
    assert "显示第 6–10 条" in second.text and "上一页" in second.text and "第 2 页" in second.text
    assert "显示最新" not in second.text
    last = client.get(f"/audit?limit=5&offset={(total - 1) // 5 * 5}")
    assert "下一页" not in last.text and "上一页" in last.text
    assert "没有符合条件的记录" in client.get("/audit?user=nobody-at-all").text


def test_a_reversed_date_range_is_answered_in_place(client):
    login(client, "supervisor")
    reversed_range = "/audit?since=2026-03-05T10:00&until=2026-03-01T10:00"
    page = client.get(reversed_range, headers={"accept": "text/html"})
    assert page.status_code == 422
    assert "截止时间早于起始时间" in page.text and 'id="since"' in page.text  # the form is still there
    assert 'data-testid="audit-table"' not in page.text
    swapped = client.get(reversed_range, headers={"accept": "text/html", "hx-request": "true"})
    assert swapped.status_code == 200 and "截止时间早于起始时间" in swapped.text and "<form" not in swapped.text
    api = client.get("/api/v1/audit", params={"since": "2026-03-05T10:00", "until": "2026-03-01T10:00"},
                     headers=bearer(client, "supervisor"))
    assert api.status_code == 422
    bad = client.get("/audit?result=bogus", headers={"accept": "text/html"})
    assert bad.status_code == 422 and "结果" in bad.text and 'id="result"' in bad.text


def test_filters_by_area_and_by_words_of_the_action(client):
    login(client, "admin")
    login(client, "supervisor")
    by_area = rows_of(client.get("/audit?category=org&limit=500").text)
    assert by_area and all(a.startswith("org.") for a in by_area)
    signed_in = rows_of(client.get("/audit?action=登录&limit=500").text)
    assert signed_in and set(signed_in) <= {"auth.sign_in", "auth.sign_out"}
    people = rows_of(client.get("/audit?action=责任人&limit=500").text)
    assert people and set(people) <= {"org.set_person", "org.list_people"}
    assert rows_of(client.get("/audit?action=org.set_person").text) == rows_of(client.get("/audit?action=设定部门责任人").text)
    assert set(rows_of(client.get("/audit?action=org.&limit=500").text)) == set(by_area)  # a code prefix still works
    nothing = client.get("/audit?action=火星")
    assert "没有名称中含“火星”的操作" in nothing.text and not rows_of(nothing.text)
    unknown_area = client.get("/audit?category=mars", headers={"accept": "text/html"})
    assert unknown_area.status_code == 422 and "没有这个类别" in unknown_area.text
    api = client.get("/api/v1/audit", params={"action": "责任人"}, headers=bearer(client, "supervisor"))
    assert api.status_code == 200 and {e["action"] for e in api.json()["items"]} <= {"org.set_person", "org.list_people"}


def test_the_refusal_page_names_the_action_in_words(client):
    login(client, "mca_user")
    page = client.get("/audit", headers={"accept": "text/html"})
    assert page.status_code == 403
    assert "当前账号无权执行“查看审计日志”" in page.text and "supervision.search_audit" not in page.text
    assert "返回首页" in page.text and "返回上一页" in page.text
    api = client.get("/api/v1/audit", headers=bearer(client, "mca_user"))  # the API keeps the code
    assert api.status_code == 403 and api.json()["code"] == "forbidden"


def test_the_home_page_lists_entries_in_words(client):
    login(client, "mca_user")
    client.get("/audit", headers={"accept": "text/html"})
    login(client, "supervisor")
    home = client.get("/")
    recent = re.search(r'data-testid="recent-audit">(.*?)</ul>', home.text, re.S).group(1)
    denied = re.search(r'data-testid="denied-audit">(.*?)</ul>', home.text, re.S).group(1)
    assert "登录" in visible(recent) and not CODE.search(visible(recent))
    assert "查看审计日志" in visible(denied) and not CODE.search(visible(denied))
    own = [line for line in re.findall(r"<li>(.*?)</li>", recent, re.S) if "supervisor" in line and "登录" in line]
    assert own and "用户" not in visible(own[0])  # one's own sign-in needs no object


@pytest.mark.parametrize("backend", ["unit"])
def test_entry_lines_put_content_in_words(backend):
    from govdata import wiring

    wiring.load()
    changed = {"action": "org.set_person", "object_type": "department", "object_id": "3", "purpose": "人员调整",
               "detail": {"role": "daily_manager", "before": {"name": "刘思远", "phone": "1"},
                          "after": {"name": "王新", "phone": "1"}}}
    assert entry_lines(changed) == [("职责", "日常管理人员"), ("名称", "刘思远 → 王新"), ("事由", "人员调整")]
    created = {"action": "org.create_user", "detail": {"before": None, "after": {
        "username": "vendor", "display_name": "覃宇轩", "department_id": 7, "roles": ["vendor"], "active": True}}}
    assert entry_lines(created, {7: "云川市大数据中心"}) == [
        ("用户名", "vendor"), ("姓名", "覃宇轩"), ("部门", "云川市大数据中心"), ("角色", "技术服务单位人员"), ("启用", "是")]
    refused = {"action": "sharing.read_record", "object_type": "grant", "object_id": "5",
               "data_content": {"resource": "R1", "items": ["id_number", "name"], "count": 0},
               "detail": {"endpoint": "record", "reason": "share_rate_limited", "grant_id": 5,
                          "provider_department_id": 1}}
    lines = entry_lines(refused, {1: "云川市公安局"}, {"R1": {"id_number": "公民身份号码", "name": "姓名"}})
    assert lines[0] == ("原因", "超过调用频率")
    assert ("信息项", "公民身份号码、姓名") in lines and ("提供部门", "云川市公安局") in lines
    assert not any(name == "共享授权" for name, _ in lines)  # the entry's own object is not repeated
    many = {"action": "catalog.create_resource", "detail": {"after": {f"k{i}": i for i in range(20)}, "before": None}}
    assert len(entry_lines(many)) == 6 and entry_lines(many)[-1][0] == "…"
    denied = {"action": "supervision.search_audit", "detail": {"code": "forbidden", "path": "/audit", "http_method": "GET"}}
    assert entry_lines(denied)[0] == ("原因", "无权执行此操作")
    assert full_record(denied).startswith("{") and '"path": "/audit"' in full_record(denied)
    at = {"action": "workflow.catalog_review.start", "detail": {"deadline_at": "2026-12-08T15:59:59+00:00",
                                                                "subject": "catalog_resource:12"}}
    assert entry_lines(at) == [("办理时限", "2026-12-08 23:59"), ("办理对象", "目录 #12")]


@pytest.mark.parametrize("backend", ["unit"])
def test_findings_read_as_a_sentence(backend):
    from govdata import wiring

    wiring.load()
    late = {"kind": "late_aggregation", "actor_name": "govdata-job", "detail": {
        "expected_by": "2026-12-05T08:00:47+00:00", "late_by_hours": 50.4, "last_batch_at": None}}
    assert finding_text(late) == "应于 2026-12-05 16:00 前汇聚，已迟报 50.4 小时（最近一次汇聚：尚无）"
    misuse = {"kind": "misuse", "actor_name": "税收征管辅助系统", "detail": {
        "rule": "volume", "day": "2026-12-07", "grant_id": 5, "resource_name": "常住人口基本信息",
        "system_name": "社保待遇资格认证系统", "correct_by": "2026-12-21",
        "figures": {"calls": 136, "baseline_median": 4.0, "baseline_days": 14}}}
    text = finding_text(misuse)
    assert text.startswith("2026-12-07 社保待遇资格认证系统 使用“常住人口基本信息”：调用量异常")
    assert "中位数为 4 次" in text and "须于 2026-12-21 前改正" in text and "{" not in text
    assert finding_refs(misuse) == [("grant", "5")]
    scope = {"kind": "scope_expansion", "actor_name": "ps_manager",
             "detail": {"fields": ["wechat_id"], "rows": 6, "batch_id": 3}}
    assert finding_text(scope) == "ps_manager 提交了未登记的信息项：wechat_id，6 条记录被拒收"
    assert finding_refs(scope) == [("batch", "3")]
    assert labels.finding_label("misuse") == "违规使用共享数据"
