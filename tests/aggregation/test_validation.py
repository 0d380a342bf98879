"""Row validation against registered information items (AGG-4)."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govdata.aggregation.validation import BLOB_LIMIT, ItemSpec, RowResult, Validator, content_hash
from govdata.catalog.models import ResourceItem
from govdata.core.validators import (
    CREDIT_CODE_AUTHORITIES,
    CREDIT_CODE_CHARSET,
    RESIDENT_ID_CHECK_CHARS,
    make_credit_code,
    resident_id_check_char,
    resident_id_error,
)

UTC = timezone.utc


def one(data_type: str, *, length: int | None = None, name: str = "值", pii_kind: str | None = None,
        required: bool = False) -> Validator:
    return Validator([ItemSpec("v", name, data_type, length, required, False, pii_kind)])


def value_of(data_type: str, raw: object, **kw: object) -> object:
    result = one(data_type, **kw).check({"v": raw})
    assert result.problems == [], result.problems
    return result.values["v"]


def codes_of(data_type: str, raw: object, **kw: object) -> list[str]:
    result = one(data_type, **kw).check({"v": raw})
    assert result.values is None and result.key is None
    return [p.code for p in result.problems]


# --- ItemSpec ------------------------------------------------------------------------------------------


def test_from_item_reads_catalog_items_and_duck_types():
    item = ResourceItem(name="姓名", field_code="xm", data_type="C", length=50, required=True, is_key=False,
                        pii_kind="姓名")
    spec = ItemSpec.from_item(item)
    assert spec == ItemSpec("xm", "姓名", "C", 50, True, False, "姓名")
    duck = SimpleNamespace(name="编号", field_code="bh", data_type="I", length=None, required=False,
                           is_key=True, pii_kind=None)
    assert ItemSpec.from_item(duck) == ItemSpec("bh", "编号", "I", None, False, True, None)
    with pytest.raises(AttributeError):
        spec.name = "x"  # frozen


def test_unknown_type_and_duplicate_codes_refused_at_build_time():
    with pytest.raises(ValueError):
        Validator([ItemSpec("a", "a", "Q")])
    with pytest.raises(ValueError):
        Validator([ItemSpec("a", "a", "C"), ItemSpec("a", "b", "I")])


# --- C / M ---------------------------------------------------------------------------------------------


def test_text_kept_as_given_and_length_in_characters():
    assert value_of("C", "  云川市 ", length=6) == "  云川市 "
    assert value_of("C", "云川市公安局", length=6) == "云川市公安局"
    assert codes_of("C", "云川市公安局", length=5) == ["too_long"]
    assert value_of("C", 42) == "42"  # JSON number for a code column
    assert codes_of("C", 1.5) == ["invalid_type"]
    assert codes_of("C", True) == ["invalid_type"]


def test_control_characters():
    assert codes_of("C", "a\tb") == ["control_char"]
    assert codes_of("C", "a\nb") == ["control_char"]
    assert value_of("M", "第一行\n\t第二行") == "第一行\n\t第二行"
    assert codes_of("M", "a\x00b") == ["control_char"]
    assert codes_of("M", "a\x1bb") == ["control_char"]
    assert value_of("M", "x" * 100_000) == "x" * 100_000  # no length limit on 备注型


# --- N -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("12.50", "12.5"), ("012", "12"), (12, "12"), ("-0.00", "0"), ("1.2E+3", "1200"), (0.1, "0.1"),
     ("  7 ", "7"), (Decimal("3.140"), "3.14"), ("1e-3", "0.001"), (100, "100")],
)
def test_number_canonical_string(raw, stored):
    assert value_of("N", raw) == stored


def test_number_float_without_binary_artefacts():
    assert value_of("N", 0.1 + 0.2) == "0.30000000000000004"  # the float's own shortest repr, not 55 digits
    assert value_of("N", 1e20) == "100000000000000000000"


@pytest.mark.parametrize("raw", ["abc", "1,000", "1_000", "NaN", "inf", "0x10", "1.2.3", True, float("nan"), [1]])
def test_number_rejects(raw):
    assert codes_of("N", raw) == ["invalid_type"]


def test_number_length_is_total_digits():
    assert value_of("N", "99.99", length=4) == "99.99"
    assert value_of("N", "0.05", length=2) == "0.05"
    assert codes_of("N", "100.5", length=3) == ["too_long"]
    assert codes_of("N", "1e9999") == ["too_long"]


# --- Y (money) -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fen"),
    [("12.00", 1200), ("12", 1200), (12, 1200), ("0.1", 10), ("0.30", 30), (0.3, 30), ("-5.05", -505),
     ("12.340", 1234), (".5", 50), ("1234567890123.45", 123456789012345)],
)
def test_money_exact_minor_units(raw, fen):
    value = value_of("Y", raw)
    assert value == fen and type(value) is int


def test_money_sums_exactly():
    v = one("Y")
    total = v.check({"v": "0.1"}).values["v"] + v.check({"v": "0.2"}).values["v"]
    assert total == v.check({"v": "0.3"}).values["v"] == 30


@pytest.mark.parametrize("raw", ["12.345", "0.001", 0.125])
def test_money_rejects_more_than_two_places(raw):
    assert codes_of("Y", raw) == ["too_many_decimals"]


@pytest.mark.parametrize("raw", ["¥12", "12元", "1e3", "1,200.00", True, "nan"])
def test_money_rejects_non_amounts(raw):
    assert codes_of("Y", raw) == ["invalid_type"]


def test_money_range():
    assert codes_of("Y", "1" + "0" * 20) == ["out_of_range"]


# --- D / T ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2024-03-05", "2024/03/05", "2024/3/5", "20240305", date(2024, 3, 5)])
def test_date_formats(raw):
    assert value_of("D", raw) == date(2024, 3, 5)


@pytest.mark.parametrize("raw", ["2024-02-30", "20241301", "2023/02/29"])
def test_date_impossible(raw):
    assert codes_of("D", raw) == ["invalid_date"]


@pytest.mark.parametrize("raw", ["05/03/2024", "2024-03-05T10:00", "2024.03.05", 20240305,
                                 datetime(2024, 3, 5, 1, 0)])
def test_date_wrong_shape(raw):
    assert codes_of("D", raw) == ["invalid_type"]


def test_datetime_naive_is_shanghai_and_stored_as_utc():
    assert value_of("T", "2024-03-05 10:00:00") == datetime(2024, 3, 5, 2, 0, tzinfo=UTC)
    assert value_of("T", "2024-03-05T10:00:00") == datetime(2024, 3, 5, 2, 0, tzinfo=UTC)
    assert value_of("T", "2024-03-05T10:00:00Z") == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert value_of("T", "2024-03-05T10:00:00+09:00") == datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
    assert value_of("T", datetime(2024, 1, 1, 8, 0)) == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    stored = value_of("T", "2024-03-05 10:00:00.250")
    assert stored.tzinfo is UTC and stored.microsecond == 250_000


@pytest.mark.parametrize("raw", ["2024-03-05", "20240305", "yesterday", "2024-03-05 25:00:00", 1709600000])
def test_datetime_rejects(raw):
    assert codes_of("T", raw) == ["invalid_type"]


# --- L / I / B / F / G ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [(True, True), (False, False), ("true", True), ("FALSE", False), ("1", True), ("0", False), (1, True),
     (0, False), ("是", True), ("否", False), ("Y", True), ("n", False)],
)
def test_bool(raw, stored):
    assert value_of("L", raw) is stored


@pytest.mark.parametrize("raw", ["yes?", "2", 2, "真", 1.0])
def test_bool_rejects(raw):
    assert codes_of("L", raw) == ["invalid_type"]


def test_int():
    assert value_of("I", "42") == 42
    assert value_of("I", " -7 ") == -7
    assert value_of("I", 42) == 42
    assert value_of("I", 42.0) == 42
    assert value_of("I", str(2**63 - 1)) == 2**63 - 1
    for bad in (1.5, "1.5", "42.0", "4e2", True, "abc"):
        assert codes_of("I", bad) == ["invalid_type"], bad
    assert codes_of("I", str(2**63)) == ["out_of_range"]
    assert codes_of("I", -(2**63) - 1) == ["out_of_range"]


@pytest.mark.parametrize("data_type", ["B", "F"])
def test_float(data_type):
    assert value_of(data_type, "1.5") == 1.5
    assert value_of(data_type, "-2e-3") == -0.002
    assert value_of(data_type, 3) == 3.0
    assert type(value_of(data_type, 3)) is float
    for bad in ("nan", "inf", "abc", True, "1_0"):
        assert codes_of(data_type, bad) == ["invalid_type"], bad
    assert codes_of(data_type, float("inf")) == ["out_of_range"]
    assert codes_of(data_type, "1e999") == ["out_of_range"]


def test_blob():
    assert value_of("G", base64.b64encode(b"\x00\x01hello").decode()) == b"\x00\x01hello"
    assert codes_of("G", "not base64!") == ["invalid_type"]
    assert codes_of("G", "abc") == ["invalid_type"]  # bad padding
    assert value_of("G", base64.b64encode(b"x" * BLOB_LIMIT).decode()) == b"x" * BLOB_LIMIT
    assert codes_of("G", base64.b64encode(b"x" * (BLOB_LIMIT + 1)).decode()) == ["too_long"]


# --- empties, required, scope --------------------------------------------------------------------------


@pytest.mark.parametrize("data_type", list("CNYDTLMGBIF"))
def test_empty_string_and_none_are_the_same(data_type):
    v = one(data_type)
    assert v.check({"v": ""}).values == {"v": None}
    assert v.check({"v": None}).values == {"v": None}
    assert v.check({}).values == {"v": None}
    r = one(data_type, required=True)
    for row in ({"v": ""}, {"v": None}, {}):
        result = r.check(row)
        assert [(p.field, p.code) for p in result.problems] == [("v", "required")]
        assert "必填" in result.problems[0].message and result.values is None


def test_blank_is_empty_for_typed_columns_but_content_for_text():
    assert one("I").check({"v": "   "}).values == {"v": None}
    assert [p.code for p in one("D", required=True).check({"v": " "}).problems] == ["required"]
    assert one("C").check({"v": "   "}).values == {"v": "   "}


def test_out_of_scope_fields_each_named():
    v = Validator([ItemSpec("xm", "姓名", "C", 50)])
    result = v.check({"xm": "张三", "zz": "x", "jtzz": "云川市"})
    assert result.values is None
    assert [(p.field, p.code) for p in result.problems] == [("zz", "out_of_scope"), ("jtzz", "out_of_scope")]
    assert all("超出登记范围" in p.message and p.field in p.message for p in result.problems)
    # an empty unregistered field is still collection beyond scope
    assert [p.code for p in v.check({"xm": "张三", "zz": ""}).problems] == ["out_of_scope"]


def test_all_problems_of_a_row_reported_together():
    v = Validator([ItemSpec("a", "数量", "I", required=True), ItemSpec("b", "日期", "D"), ItemSpec("c", "c", "C")])
    result = v.check({"b": "2024-13-01", "x": 1})
    assert {(p.field, p.code) for p in result.problems} == {("x", "out_of_scope"), ("a", "required"),
                                                            ("b", "invalid_date")}
    assert any("数量（a）" in p.message for p in result.problems)


# --- record key ----------------------------------------------------------------------------------------


KEYED = Validator([
    ItemSpec("bh", "编号", "C", 20, is_key=True),
    ItemSpec("rq", "日期", "D", is_key=True),
    ItemSpec("je", "金额", "Y"),
    ItemSpec("sl", "数量", "N", is_key=True),
])


def test_key_from_converted_values_in_item_order():
    a = KEYED.check({"sl": "12.50", "rq": "2024/03/05", "bh": "A1", "je": "1"})
    b = KEYED.check({"bh": "A1", "rq": "20240305", "sl": 12.5})
    assert a.key == b.key == "A1|2024-03-05|12.5"


def test_key_separator_escaped():
    a = KEYED.check({"bh": "A|2024-03-05", "rq": "2024-03-05", "sl": "1"})
    b = KEYED.check({"bh": "A", "rq": "2024-03-05", "sl": "1"})
    assert a.key != b.key and a.key.startswith("A\\|")


def test_missing_key_rejects_the_row():
    result = KEYED.check({"bh": "A1", "rq": "", "je": "1"})
    assert result.values is None and result.key is None
    assert [(p.field, p.code) for p in result.problems] == [("rq", "key_missing"), ("sl", "key_missing")]


def test_no_key_items_gives_no_key():
    assert one("C").check({"v": "x"}).key is None


# --- personal identifiers ------------------------------------------------------------------------------


@st.composite
def resident_ids(draw):
    address = draw(st.integers(100000, 999999))
    birth = draw(st.dates(date(1900, 1, 1), date(2020, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{address}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


@st.composite
def credit_codes(draw):
    charset = st.sampled_from(CREDIT_CODE_CHARSET)
    return make_credit_code(
        draw(st.sampled_from(sorted(CREDIT_CODE_AUTHORITIES))),
        draw(charset),
        "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=6))),
        "".join(draw(st.lists(charset, min_size=8, max_size=8))),
    )


ID_ITEMS = Validator([
    ItemSpec("sfz", "身份证件号码", "C", 18, pii_kind="身份证件号码"),
    ItemSpec("gmsfhm", "公民身份号码", "C", 18),
    ItemSpec("xydm", "统一社会信用代码", "C", 18),
    ItemSpec("sj", "联系人手机", "C", 11),
    ItemSpec("dh", "联系方式", "C", 20, pii_kind="手机号码"),
    ItemSpec("yhk", "银行卡号", "C", 19),
])


@settings(max_examples=60, deadline=None)
@given(resident_ids(), st.data())
def test_resident_id_valid_and_single_corruption_rejected(id_number, data):
    for code in ("sfz", "gmsfhm"):
        assert ID_ITEMS.check({code: id_number}).ok
    pos = data.draw(st.integers(0, 17))
    alphabet = RESIDENT_ID_CHECK_CHARS if pos == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != id_number[pos]]))
    corrupted = id_number[:pos] + replacement + id_number[pos + 1:]
    result = ID_ITEMS.check({"sfz": corrupted})
    assert [(p.field, p.code) for p in result.problems] == [("sfz", "invalid_id_number")]


@settings(max_examples=60, deadline=None)
@given(credit_codes(), st.data())
def test_credit_code_valid_and_single_corruption_rejected(code, data):
    assert ID_ITEMS.check({"xydm": code}).ok
    pos = data.draw(st.integers(0, 17))
    replacement = data.draw(st.sampled_from([c for c in CREDIT_CODE_CHARSET if c != code[pos]]))
    corrupted = code[:pos] + replacement + code[pos + 1:]
    result = ID_ITEMS.check({"xydm": corrupted})
    assert [(p.field, p.code) for p in result.problems] == [("xydm", "invalid_credit_code")]
    assert "统一社会信用代码" in result.problems[0].message


def test_identifier_messages_come_from_core_validators():
    result = ID_ITEMS.check({"sfz": "11010519491231002x"})
    assert "须大写" in result.problems[0].message


def test_mobile_by_name_or_pii_kind():
    assert ID_ITEMS.check({"sj": "13812345678", "dh": "19912345678"}).ok
    result = ID_ITEMS.check({"sj": "12812345678", "dh": "0571-87654321"})
    assert [(p.field, p.code) for p in result.problems] == [("sj", "invalid_mobile"), ("dh", "invalid_mobile")]


def _luhn_complete(body: str) -> str:
    for d in "0123456789":
        candidate = body + d
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            n = int(ch) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return candidate
    raise AssertionError


def test_bank_card_luhn_failure_is_only_a_warning():
    good = _luhn_complete("621700000000123456")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    ok = ID_ITEMS.check({"yhk": good})
    assert ok.ok and ok.warnings == []
    warned = ID_ITEMS.check({"yhk": bad})
    assert warned.ok and warned.values["yhk"] == bad
    assert [(w.field, w.code) for w in warned.warnings] == [("yhk", "luhn_failed")]
    by_kind = Validator([ItemSpec("zh", "账户", "C", 30, pii_kind="银行账户")]).check({"zh": "12345"})
    assert by_kind.ok and [w.code for w in by_kind.warnings] == ["luhn_failed"]


def test_plain_text_items_get_no_identifier_checks():
    assert Validator([ItemSpec("bz", "备注", "C", 50)]).check({"bz": "12812345678"}).ok


# --- content hash --------------------------------------------------------------------------------------


MIXED = Validator([
    ItemSpec("bh", "编号", "C", 20, is_key=True),
    ItemSpec("je", "金额", "Y"),
    ItemSpec("sl", "数量", "N"),
    ItemSpec("rq", "日期", "D"),
    ItemSpec("sj", "时间", "T"),
    ItemSpec("yx", "有效", "L"),
    ItemSpec("cs", "次数", "I"),
    ItemSpec("bl", "比例", "F"),
    ItemSpec("fj", "附件", "G"),
])


def test_content_hash_equal_for_equal_content_in_any_input_form():
    csv = MIXED.check({"bh": "A1", "je": "12.00", "sl": "3.50", "rq": "2024/03/05", "sj": "2024-03-05 10:00:00",
                       "yx": "是", "cs": "7", "bl": "0.5", "fj": "aGk=", })
    js = MIXED.check({"bh": "A1", "je": 12, "sl": 3.5, "rq": "20240305", "sj": "2024-03-05T02:00:00Z",
                      "yx": True, "cs": 7, "bl": 0.5, "fj": "aGk="})
    assert isinstance(csv, RowResult) and csv.ok and js.ok
    assert content_hash(csv.values) == content_hash(js.values)
    assert len(content_hash(csv.values)) == 64


def test_content_hash_matches_database_round_trip_forms():
    values = MIXED.check({"bh": "A1", "sl": "3.50", "rq": "2024-03-05", "sj": "2024-03-05 10:00", "fj": "aGk="})
    back = dict(values.values)
    back["sl"] = Decimal("3.5000")  # NUMERIC column
    back["sj"] = datetime(2024, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=8)))  # timestamptz in +08 session
    back["fj"] = memoryview(b"hi")  # PostgreSQL bytea
    assert content_hash(back) == content_hash(values.values)


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=10).filter(lambda s: s.strip() and s.isprintable()),
       st.integers(-10**6, 10**6), st.integers(-10**6, 10**6))
def test_content_hash_differs_for_different_content(bh, a, b):
    first = MIXED.check({"bh": bh, "je": a})
    second = MIXED.check({"bh": bh, "je": b})
    assert first.ok and second.ok
    assert (content_hash(first.values) == content_hash(second.values)) == (a == b)


def test_content_hash_distinguishes_null_from_empty_text_and_field_names():
    assert content_hash({"a": None}) != content_hash({"a": ""})
    assert content_hash({"a": "1"}) != content_hash({"b": "1"})
    assert content_hash({"a": "1", "b": 2}) == content_hash({"b": 2, "a": "1"})


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    resident_ids(),
    st.text(alphabet="0123456789Xx", min_size=17, max_size=19),
    st.builds(lambda d, seq: f"350102{d:%Y%m%d}{seq:03d}", st.dates(date(1800, 1, 1), date(2200, 1, 1)),
              st.integers(0, 999)).map(lambda f17: f17 + resident_id_check_char(f17)),
))
def test_resident_id_verdict_agrees_with_core_validator(s):
    assert ID_ITEMS.check({"sfz": s}).ok == (resident_id_error(s) is None)
