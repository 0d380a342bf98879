"""Masking of shared values (sharing.masking, SEC-7): rules, defaults, the consumer's hash key, and the
property that a masked value never shows more than its rule keeps."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govdata.catalog.standard import DATA_TYPES, PII_KINDS
from govdata.sharing.masking import (RULES, Masker, combination_problems, default_masking, hash_key, is_birth_date,
                                     mask_value, rule_fits)
from tests.sharing.helpers import ITEMS, person

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEX64 = re.compile(r"[0-9a-f]{64}")
KEY = hash_key("test-secret-key", 7)


def test_rules_fit_their_types_and_defaults_follow_the_personal_kind() -> None:
    assert RULES == {"id_number": "保留前6位和后4位", "mobile": "保留前3位和后4位", "name": "仅保留首字",
                     "year": "仅保留年份", "hash": "密钥SM3散列（可关联不可读）", "null": "置空"}
    fits = {rule: {t for t in DATA_TYPES if rule_fits(rule, t)} for rule in RULES}
    assert fits == {"id_number": {"C", "M"}, "mobile": {"C", "M"}, "name": {"C", "M"}, "year": {"D", "T"},
                    "hash": set(DATA_TYPES), "null": set(DATA_TYPES)}
    assert not rule_fits("bogus", "C") and not rule_fits("hash", "X")

    # the sharing fixture's items: the three personal kinds get their rule, the rest come in clear, except the
    # birth date, which beside an identity number keeping its ends would give the whole number back
    assert default_masking(ITEMS) == {"id_number": "id_number", "name": "name", "mobile": "mobile",
                                      "birth_date": "null"}
    others = [{"field_code": f"k{n}", "data_type": "C", "pii_kind": kind, "sensitivity": "L3"}
              for n, kind in enumerate(PII_KINDS) if kind not in ("姓名", "身份证件号码", "手机号码")]
    assert set(default_masking(others).values()) == {"hash"}
    assert default_masking([
        SimpleNamespace(field_code="secret", data_type="C", pii_kind="姓名", sensitivity="L4"),  # L4 wins
        SimpleNamespace(field_code="plain_l4", data_type="I", pii_kind=None, sensitivity="L4"),
        SimpleNamespace(field_code="mobile_int", data_type="I", pii_kind="手机号码", sensitivity="L2"),  # no fit
        SimpleNamespace(field_code="county", data_type="C", pii_kind=None, sensitivity="L1"),
    ]) == {"secret": "null", "plain_l4": "null", "mobile_int": "hash"}


def test_masks_that_combine_to_restore_an_identity_number_are_named_with_the_reason() -> None:
    id_item = {"field_code": "id_number", "name": "公民身份号码", "data_type": "C", "pii_kind": "身份证件号码"}
    birth = {"field_code": "birth_date", "name": "出生日期", "data_type": "D"}
    born_at = {"field_code": "csrq", "name": "出生时间", "data_type": "T"}
    other_date = {"field_code": "reg_date", "name": "登记日期", "data_type": "D"}
    items = [id_item, birth, born_at, other_date]
    # 6 + 4 kept, birth date in clear or by year: the 8 hidden digits are the birth date
    problems = dict(combination_problems({"id_number": "id_number", "birth_date": "year"}, items))
    assert set(problems) == {"birth_date", "csrq"}
    assert "仅保留年份" in problems["birth_date"] and "明文提供" in problems["csrq"]
    assert "推算出完整号码" in problems["csrq"]
    # a hashed birth date is a dictionary: one person the consumer knows tells the digest of a day
    assert "散列提供" in dict(combination_problems({"id_number": "id_number", "birth_date": "hash",
                                                  "csrq": "null"}, items))["birth_date"]
    # safe: birth dates emptied, or the identity number hashed or emptied, or not granted at all
    assert combination_problems({"id_number": "id_number", "birth_date": "null", "csrq": "null"}, items) == []
    assert combination_problems({"id_number": "hash"}, items) == []
    assert combination_problems({"id_number": "id_number"}, [id_item, other_date]) == []
    assert is_birth_date(birth) and not is_birth_date(other_date)
    assert not is_birth_date({"field_code": "birthplace", "name": "出生地", "data_type": "C"})


def test_masker_masks_a_shared_row_and_fails_closed() -> None:
    row = {"id_number": "530102199001011234", "name": "张三丰", "mobile": "13912345678",
           "birth_date": "1990-05-01", "signed_at": "2020-12-31T20:00:00+00:00", "county": "530102",
           "amount": "100.50", "bank": "6222021234567890", "note": "x", "empty": None}
    before = dict(row)
    masker = Masker({"id_number": "id_number", "name": "name", "mobile": "mobile", "birth_date": "year",
                     "signed_at": "year", "bank": "hash", "note": "null", "amount": "bogus", "empty": "name",
                     "absent": "mobile"}, KEY)
    out = masker.apply(row)
    assert row == before  # the input row is not changed
    assert out == {
        "id_number": "530102********1234", "name": "张**", "mobile": "139****5678", "birth_date": "1990",
        "signed_at": "2021",  # 2021-01-01 04:00 in Asia/Shanghai
        "county": "530102",  # not named: in clear
        "amount": None,  # an unknown rule hides the value
        "bank": out["bank"], "note": None, "empty": None,
    }
    assert HEX64.fullmatch(out["bank"]) and "6222" not in out["bank"]

    # short or odd values are masked whole, never half-shown
    assert mask_value("id_number", "53010219900") == "*" * 11
    assert mask_value("id_number", "530102199001012") == "530102*****1012"  # old 15-digit number
    assert mask_value("mobile", "1391234") == "*******"
    assert mask_value("name", "张") == "***"
    assert mask_value("name", 12345) == "1**"
    assert mask_value("year", "not a date") is None and mask_value("year", 1990) is None
    assert mask_value("year", dt.date(1990, 5, 1)) == "1990"
    assert mask_value("null", 0) is None and mask_value("hash", None, KEY) is None


def test_hash_joins_for_one_consumer_only() -> None:
    value = person(3)["id_number"]
    # the same consumer department hashes the same value the same way in two resources, so it can join them
    first = Masker({"id_number": "hash"}, hash_key("s3cret", 7)).apply({"id_number": value})
    second = Masker({"owner_id": "hash"}, hash_key("s3cret", 7)).apply({"owner_id": value})
    assert first["id_number"] == second["owner_id"]
    # another consumer department, or another platform secret, gets an unrelated digest
    assert Masker({"id_number": "hash"}, hash_key("s3cret", 8)).apply({"id_number": value}) != first
    assert Masker({"id_number": "hash"}, hash_key("other", 7)).apply({"id_number": value}) != first
    assert hash_key("s3cret", 7) != hash_key("s3cret", 8) and len(hash_key("s3cret", 7)) == 32


# ---------------------------------------------------------------------------------------------------------
# Properties: a masked value depends only on what its rule keeps
# ---------------------------------------------------------------------------------------------------------

text = st.text(max_size=40)
# (rule, the shortest value that shows anything, characters kept at the head, at the tail)
KEEP_ENDS = [("id_number", 15, 6, 4), ("mobile", 11, 3, 4)]


def _swap_hidden(value: str, head: int, tail: int, filler: str) -> str:
    """``value`` with every character between the kept ends replaced (same length)."""
    hidden = len(value) - head - tail
    return value[:head] + (filler * hidden)[:hidden] + value[len(value) - tail:]


@pytest.mark.parametrize(("rule", "minimum", "head", "tail"), KEEP_ENDS)
@settings(max_examples=150, deadline=None)
@given(value=text, filler=st.text(min_size=1, max_size=3))
def test_keep_ends_rules_hide_the_middle(rule: str, minimum: int, head: int, tail: int, value: str,
                                         filler: str) -> None:
    masked = mask_value(rule, value)
    assert len(masked) == len(value)
    if len(value) < minimum:
        assert masked == "*" * len(value)
        return
    hidden = len(value) - head - tail
    assert masked == value[:head] + "*" * hidden + value[len(value) - tail:]
    assert hidden >= 4
    # whatever the hidden part was, the output is the same: it cannot be read back
    assert mask_value(rule, _swap_hidden(value, head, tail, filler)) == masked


@settings(max_examples=150, deadline=None)
@given(value=text, other=text)
def test_name_keeps_only_the_first_character(value: str, other: str) -> None:
    masked = mask_value("name", value)
    if len(value) < 2:
        assert masked == "***"
        return
    assert masked == value[0] + "**"
    if other:  # any other rest of the name, of any length, masks the same
        assert mask_value("name", value[0] + other) == masked


@settings(max_examples=150, deadline=None)
@given(day=st.dates(), moment=st.datetimes(timezones=st.sampled_from([dt.UTC, SHANGHAI, ZoneInfo("Etc/GMT+11")])))
def test_year_keeps_only_the_local_year(day: dt.date, moment: dt.datetime) -> None:
    assert mask_value("year", day.isoformat()) == f"{day.year:04d}"
    local_year = moment.astimezone(SHANGHAI).year if 1 < moment.year < 9999 else None
    if local_year is not None:
        assert mask_value("year", moment.isoformat()) == f"{local_year:04d}"
        assert mask_value("year", moment.astimezone(dt.UTC).isoformat()) == f"{local_year:04d}"


json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text,
                        st.dates().map(dt.date.isoformat))


@settings(max_examples=150, deadline=None)
@given(row=st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), json_scalar),
       masking=st.dictionaries(st.sampled_from(["a", "b", "c", "x"]), st.sampled_from([*RULES, "bogus"])))
def test_masker_never_returns_a_hidden_value(row: dict[str, Any], masking: dict[str, str]) -> None:
    out = Masker(masking, KEY).apply(row)
    assert out.keys() == row.keys()
    for code, value in row.items():
        rule = masking.get(code)
        if rule is None:
            assert out[code] == value
        elif value is None or rule in ("null", "bogus"):
            assert out[code] is None
        elif rule == "hash":
            assert HEX64.fullmatch(out[code])
            assert out[code] == Masker({code: "hash"}, KEY).apply({code: value})[code]  # stable: joinable
            assert out[code] != Masker({code: "hash"}, hash_key("test-secret-key", 8)).apply({code: value})[code]
        elif rule == "year":
            assert out[code] is None or re.fullmatch(r"\d{4}", out[code])
        else:
            shown = out[code].replace("*", "")
            source = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) \
                else str(value)
            keep = {"id_number": 10, "mobile": 7, "name": 1}[rule]
            assert len(shown) <= keep and len(shown) < max(len(source), 1)
