"""What the browser tests share: signing in through the form."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORDS


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    expect(page).to_have_title(re.compile("登录"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_contain_text(username)
