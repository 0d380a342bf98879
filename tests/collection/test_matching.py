"""Name matching shared by the coverage and duplicate reports, and the review date arithmetic (no database)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from govdata.catalog import service as catalog_service
from govdata.collection.matching import base_class, item_key, name_match, normalize
from govdata.config import Settings


def test_normalize_drops_spaces_punctuation_and_width():
    assert normalize("公民身份号码（１８位）") == normalize("公民身份号码 (18位)") == "公民身份号码18位"
    assert normalize("ＧＰＳ　坐标、经度") == "gps坐标经度"


@pytest.mark.parametrize("name, cls, key", [
    ("身份证号", None, "公民身份号码"), ("居民身份证号码", "102", "公民身份号码"), ("手机号", None, "手机号码"),
    ("联系电话", "101", "手机号码"), ("居住地址", None, "住址"), ("名称", "101", "姓名"), ("名称", None, "名称"),
    ("名称", "102", "单位名称"), ("名称", "103", "名称"), ("出生日期", "101", "出生日期"),
])
def test_item_synonyms_and_class_only_synonyms(name, cls, key):
    assert item_key(name, cls) == key


def test_resource_names_match_exactly_or_by_containment():
    assert name_match("常住人口　基本信息", "常住人口基本信息") == "exact"
    assert name_match("出生登记", "出生登记信息") == "contains"
    assert name_match("出生登记信息（扩展）", "出生登记信息") == "contains"
    assert name_match("户籍迁移信息", "常住人口基本信息") is None
    assert name_match("证", "居民身份证信息") is None  # one character is not a match
    assert base_class("10101") == "101" and base_class("203") is None and base_class(None) is None


@pytest.mark.parametrize("published, months, due", [
    (dt.datetime(2025, 3, 15, 8, tzinfo=dt.UTC), 12, dt.date(2026, 3, 15)),
    (dt.datetime(2025, 8, 31, 8, tzinfo=dt.UTC), 6, dt.date(2026, 2, 28)),
    (dt.datetime(2025, 12, 31, 8, tzinfo=dt.UTC), 2, dt.date(2026, 2, 28)),
    (dt.datetime(2027, 12, 1, 8, tzinfo=dt.UTC), 1, dt.date(2028, 1, 1)),
])
def test_share_review_date_adds_calendar_months(published, months, due):
    session = SimpleNamespace(info={"settings": Settings(share_review_months=months)})
    assert catalog_service._share_review_date(session, published) == due
