"""Every role gets a working home page and navigation; what the policy denies is neither shown nor served."""

from __future__ import annotations

import re

import pytest

from govdata.org.demo_data import ACCOUNTS
from tests.conftest import login

NAV = re.compile(r'<a class="nav-link[^"]*" href="([^"]+)"')


@pytest.mark.parametrize("username", [a["username"] for a in ACCOUNTS])
def test_each_role_home_and_every_menu_entry_works(client, username):
    login(client, username)
    home = client.get("/")
    assert home.status_code == 200
    assert 'lang="zh-CN"' in home.text
    links = NAV.findall(home.text)
    assert "/" in links and "/departments" in links
    for href in links:
        page = client.get(href)
        assert page.status_code == 200, (username, href)


def test_audit_menu_only_for_oversight_roles(client):
    login(client, "mca_user")
    home = client.get("/")
    assert 'href="/audit"' not in home.text
    denied = client.get("/audit", headers={"accept": "text/html"})
    assert denied.status_code == 403
    assert "无权" in denied.text


def test_supervisor_home_shows_oversight(client):
    login(client, "supervisor")
    home = client.get("/")
    assert "平台概况" in home.text and "最近审计记录" in home.text


def test_pages_need_sign_in(client):
    response = client.get("/departments", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/departments")


def test_audit_filters_validate_in_place(client):
    login(client, "supervisor")
    response = client.get("/audit?result=bogus", headers={"accept": "text/html"})
    assert response.status_code == 422
    assert "result" in response.text


def test_unknown_page_is_a_page_not_json(client):
    login(client, "admin")
    response = client.get("/no-such-page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "对象不存在" in response.text or "不存在" in response.text
