"""Every page speaks Chinese to a clerk, whatever the browser's language, and says each thing once (issue 13);
the JSON API keeps answering in the caller's Accept-Language."""

from __future__ import annotations

import re
import typing

import pytest
from pydantic_core import core_schema

from govdata.core.i18n import pydantic_message
from govdata.core.validators import make_credit_code
from tests.conftest import csrf_from, login

ENGLISH_BROWSER = {"accept-language": "en-US,en;q=0.9", "accept": "text/html"}
CHINESE_BROWSER = {"accept-language": "zh-CN,zh;q=0.9,en;q=0.8", "accept": "text/html"}
PYDANTIC_ENGLISH = re.compile(r"Input should|Value should|String should|Field required|List should|valid datetime")


def alert(html: str) -> str:
    found = re.search(r'data-testid="error">(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_sign_in_error_is_chinese_in_an_english_browser(client):
    page = client.get("/login", headers=ENGLISH_BROWSER)
    refused = client.post("/login", headers=ENGLISH_BROWSER, data={
        "username": "admin", "password": "wrong", "csrf_token": csrf_from(page.text), "next": "/"})
    assert refused.status_code == 401
    assert "用户名或密码错误" in refused.text and "Wrong username" not in refused.text
    expired = client.get("/login", params={"reason": "session_expired"}, headers=ENGLISH_BROWSER)
    assert "会话已超时" in expired.text


def test_error_pages_are_chinese_in_an_english_browser_and_the_api_keeps_english(client):
    login(client, "ps_manager")
    refused = client.get("/departments/999999", headers=ENGLISH_BROWSER)
    assert refused.status_code == 404 and "对象不存在" in refused.text and "Not found" not in refused.text
    api = client.get("/api/v1/departments/999999", headers={"accept-language": "en"})
    assert api.status_code == 404 and api.json()["title"] == "Not found"


def test_a_bad_time_in_the_audit_filter_is_said_once_in_chinese(client):
    login(client, "admin")
    page = client.get("/audit", params={"since": "notadate"}, headers=CHINESE_BROWSER)
    assert page.status_code == 422
    assert not PYDANTIC_ENGLISH.search(page.text)
    message = pydantic_message({"type": "datetime_from_date_parsing", "ctx": {"error": "input is too short"}})
    assert page.text.count(message) == 1


def test_an_overlong_search_is_said_once_in_chinese(client):
    login(client, "admin")
    page = client.get("/sharing/resources", params={"q": "x" * 10_000}, headers=CHINESE_BROWSER)
    assert page.status_code == 422
    assert not PYDANTIC_ENGLISH.search(page.text)
    assert page.text.count("不能超过100个字符") == 1 and "不能超过100个字符" not in alert(page.text)


def test_a_field_message_is_beside_its_field_and_not_again_in_the_alert(client):
    token = login(client, "admin")
    refused = client.post("/departments", headers=ENGLISH_BROWSER, data={
        "csrf_token": token, "name": "测试局", "kind": "行政机关", "credit_code": "11990121012199010X",
        "region_code": "990121"})
    assert refused.status_code == 422
    beside = re.findall(r'class="field-error">([^<]+)<', refused.text)
    assert beside and alert(refused.text)
    for message in beside:
        assert message not in alert(refused.text) and refused.text.count(message) == 1
    # a message no field of the form shows stays in the alert
    code = make_credit_code("1", "1", "990121", "01219903")
    odd = client.post("/departments", headers=ENGLISH_BROWSER, data={
        "csrf_token": token, "name": "测试局", "kind": "不存在的类型", "credit_code": code, "region_code": "990121"})
    assert odd.status_code == 422 and has_chinese(alert(odd.text)) and not PYDANTIC_ENGLISH.search(odd.text)


@pytest.mark.parametrize("kind", typing.get_args(core_schema.ErrorType))
def test_every_pydantic_error_reads_chinese(kind):
    ctx = {"max_length": 3, "min_length": 2, "ge": 1, "le": 9, "gt": 0, "lt": 10, "multiple_of": 2,
           "error": "value is not a valid thing", "expected": "'a' or 'b'"}
    for given in ("text", ["a", "list"]):
        message = pydantic_message({"type": kind, "loc": ("x",), "msg": "English text", "input": given, "ctx": ctx})
        assert has_chinese(message) and "English" not in message, (kind, message)


@pytest.mark.parametrize("path", ["/sharing/resources", "/catalog"])
def test_a_search_part_swapped_in_by_htmx_says_it_once_too(client, path):
    login(client, "admin")
    part = client.get(path, params={"q": "x" * 101}, headers={**CHINESE_BROWSER, "hx-request": "true"})
    assert part.text.count("不能超过100个字符") == 1 and alert(part.text)
