"""Menus go where they say (issue 13): for every demo account, each menu entry opens (no 403, no error page)
a page whose title or heading names what the menu names."""

from __future__ import annotations

import re
from html import unescape

import pytest

from govdata.org.demo_data import ACCOUNTS
from tests.conftest import login

#: Menu entries that name an area of tabbed pages and open its first tab (数据共享 → 共享资源, 共享申请, …).
AREAS = {"数据共享": "共享资源"}
NAV_LINK = re.compile(r'<li class="nav-item"><a class="nav-link[^"]*" href="([^"]+)">([^<]+)</a></li>')


def _said(html: str) -> str:
    """The page's title, headings and active tabs: where a page says what it is."""
    parts = re.findall(r"<title>(.*?)</title>|<h1[^>]*>(.*?)</h1>|class=\"nav-link active\"[^>]*>(.*?)</a>", html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", " ".join("".join(p) for p in parts)))


@pytest.mark.parametrize("username", [a["username"] for a in ACCOUNTS])
def test_each_menu_entry_opens_the_page_it_names(client, username):
    login(client, username)
    home = client.get("/")
    entries = NAV_LINK.findall(home.text)
    assert entries, "no menu"
    for href, label in entries:
        if href == "/":
            continue
        page = client.get(href, headers={"accept": "text/html"})
        assert page.status_code == 200, (username, label, href, page.status_code)
        said = _said(page.text.split("</nav>", 1)[-1]) + _said(page.text.split("<nav", 1)[0])
        assert AREAS.get(label, label) in said, (username, label, href, said[:200])
