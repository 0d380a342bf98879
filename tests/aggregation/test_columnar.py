"""Columnar validation for file loads (AGG-4, AGG-5): ColumnarValidator gives, row for row, what Validator
gives."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govdata.aggregation import columnar
from govdata.aggregation.columnar import ColumnarValidator
from govdata.aggregation.validation import ItemSpec, RowProblem, Validator, content_hash
from govdata.core.crypto import sm3_hex
from govdata.core.validators import (
    CREDIT_CODE_CHARSET,
    make_credit_code,
    resident_id_check_char,
)

UTC = timezone.utc


def run_both(items: list[ItemSpec], rows: list[dict[str, str | None]], *, large: bool = False):
    """Check ``rows`` both ways, assert every row agrees, and return the columnar result."""
    codes = [s.field_code for s in items]
    present = [c for c in codes if any(c in row for row in rows)]
    kind = pa.large_string() if large else pa.string()
    columns = {c: pa.array([row.get(c) for row in rows], kind) for c in present}
    got = ColumnarValidator(items).check(columns, len(rows))
    validator = Validator(items)
    assert len(got.ok) == len(got.keys) == len(got.hashes) == len(rows)
    assert set(got.columns) == set(codes)
    values = {c: got.columns[c].to_pylist() for c in codes}
    for c in codes:
        data_type = next(s.data_type for s in items if s.field_code == c)
        assert got.columns[c].type == columnar.OUTPUT_TYPES[data_type]
    keys = got.keys.to_pylist()
    for i, row in enumerate(rows):
        expected = validator.check({c: v for c, v in row.items() if v is not None})
        assert bool(got.ok[i]) == expected.ok, (row, expected.problems)
        assert got.problems.get(i, []) == expected.problems, row
        assert got.warnings.get(i, []) == expected.warnings, row
        assert keys[i] == expected.key, row
        if expected.ok:
            assert {c: values[c][i] for c in codes} == expected.values, row
            assert got.hashes[i] == content_hash(expected.values), row
        else:
            assert all(values[c][i] is None for c in codes), row
            assert got.hashes[i] is None
    assert set(got.problems) == {i for i in range(len(rows)) if not got.ok[i]}
    return got


def one(data_type: str, raws: list[str | None], **kw) -> tuple[list[object], list[list[str]]]:
    """Values and problem codes of single-item rows (asserting agreement with the row-wise Validator)."""
    spec = ItemSpec("v", kw.pop("name", "值"), data_type, **kw)
    got = run_both([spec], [{"v": r} for r in raws])
    codes = [[p.code for p in got.problems.get(i, [])] for i in range(len(raws))]
    return got.columns["v"].to_pylist(), codes


def resident_id(region: str = "110105", birth: str = "19491231", seq: str = "002") -> str:
    first17 = region + birth + seq
    return first17 + resident_id_check_char(first17)


# --- hypothesis: generated rows, every data type -------------------------------------------------------

digits = st.text("0123456789", min_size=1, max_size=20)
blank = st.sampled_from([None, "", " ", "\t", "\u3000", " \n"])


@st.composite
def resident_ids(draw):
    region = draw(st.sampled_from(["110105", "310101", "440305", "012345"]))
    birth = draw(st.one_of(st.dates(date(1840, 1, 1), date.today() + timedelta(days=400)),
                           st.dates(date(1849, 12, 1), date(1850, 1, 31)),
                           st.dates(date.today() - timedelta(days=3), date.today() + timedelta(days=3))))
    text = region + birth.strftime("%Y%m%d") + draw(st.text("0123456789", min_size=3, max_size=3))
    check = resident_id_check_char(text)
    last = draw(st.sampled_from([check, check, check, "X", "x", "0", "5"]))
    value = text + last
    bad_date = text[:6] + "19900230" + text[14:]
    return draw(st.sampled_from([value, value, value, value[:17], value + "1", bad_date]))


@st.composite
def credit_codes(draw):
    body = draw(st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
    code = make_credit_code(draw(st.sampled_from("159Y")), draw(st.sampled_from("123")), "110105", body)
    return draw(st.sampled_from([code, code, code, code[:17] + "0", code.lower(), code[:-1], "I" + code[1:]]))


def luhn_complete(body: str) -> str:
    """``body`` with the Luhn check digit appended."""
    for last in "0123456789":
        digits = [int(c) for c in reversed(body + last)]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
        if total % 10 == 0:
            return body + last
    raise AssertionError


@st.composite
def bank_cards(draw):
    number = draw(st.text("0123456789", min_size=10, max_size=19))
    return draw(st.sampled_from([number, luhn_complete(number[:18])]))


@st.composite
def dates_text(draw):
    d = draw(st.dates(date(1, 1, 1), date(9999, 12, 31)))
    y, m, dd = f"{d.year:04d}", f"{d.month:02d}", f"{d.day:02d}"
    text = draw(st.sampled_from([f"{y}-{m}-{dd}", f"{y}/{m}/{dd}", f"{y}{m}{dd}", f"{y}-{d.month}-{d.day}"]))
    return draw(st.sampled_from([text, text, f" {text} ", text.replace("-", "/", 1), "2023-02-29",
                                 "2024-02-29", "0000-01-01", "2024-13-01", "２０２４-０１-０２", "20240230"]))


@st.composite
def datetimes_text(draw):
    dt = draw(st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)))
    if draw(st.booleans()):
        dt = dt.replace(year=draw(st.integers(1985, 2040)), day=min(dt.day, 28))
    sep = draw(st.sampled_from(["T", " "]))
    timespec = draw(st.sampled_from(["minutes", "seconds", "milliseconds", "microseconds"]))
    text = dt.isoformat(sep=sep, timespec=timespec)
    zone = draw(st.sampled_from(["", "", "Z", "+08:00", "-05:30", "+00:00", "+23:59", "+24:00", "+0800"]))
    return draw(st.sampled_from([text + zone, text + zone, " " + text, text[:10], "2024-01-02T24:00:00",
                                 "2024-01-02T10:60", "0001-01-01T00:00:00", "9999-12-31T23:59:59-01:00"]))


def decimals(max_int: int = 20, max_frac: int = 4):
    sign = st.sampled_from(["", "", "-", "+"])
    frac = st.text("0123456789", min_size=0, max_size=max_frac)
    return st.builds(lambda s, i, f, e: s + i + ("." + f if f or e else "") + e,
                     sign, st.text("0123456789", min_size=1, max_size=max_int), frac,
                     st.sampled_from(["", "", "", "e3", "E-2", "e+400"]))


@st.composite
def mutated(draw, strategy):
    """A value of ``strategy`` with one character replaced, inserted or deleted: near misses of each shape."""
    text = draw(strategy)
    if not text:
        return text
    at = draw(st.integers(0, len(text) - 1))
    char = draw(st.sampled_from("0123456789-/:.T Z+X\t１"))
    how = draw(st.sampled_from(["replace", "insert", "delete"]))
    if how == "replace":
        return text[:at] + char + text[at + 1:]
    if how == "insert":
        return text[:at] + char + text[at:]
    return text[:at] + text[at + 1:]


def with_near_misses(strategy):
    return st.one_of(strategy, strategy, mutated(strategy))


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
RAW = {
    "C": st.one_of(TEXT, st.text('ab"\\|张 ', max_size=10)),
    "M": st.one_of(TEXT, st.text('ab"\\|\t\n\r张', max_size=10)),
    "N": st.one_of(decimals(), st.sampled_from(["0", "-0", "0.50", "007", ".5", "1.", "1e999999", "١٢"])),
    "Y": st.one_of(decimals(18, 3), st.sampled_from(["0", "-0.5", "12.30", "1.005", "一百", "1.", ".5"])),
    "I": st.one_of(decimals(20, 0), st.sampled_from(["9223372036854775807", "-9223372036854775808",
                                                     "9223372036854775808", "+0", "-0", "007", "1.0"])),
    "D": dates_text(),
    "T": datetimes_text(),
    "L": st.sampled_from(["true", "False", "TRUE", "tRuE", "1", "0", "是", "否", "Y", "n", " 是 ", "yes", "2"]),
    "B": st.one_of(decimals(),
                   st.sampled_from(["-0", "nan", "inf", "1e400", "0.1", "1e16", "1234567890123456789"])),
    "F": st.one_of(decimals(6, 3), st.floats(allow_nan=False).map(repr)),
    "G": st.one_of(st.binary(max_size=12).map(lambda b: base64.b64encode(b).decode()),
                   st.sampled_from(["!!", "YQ", " YWI= ", "===="])),
}
RAW = {t: with_near_misses(s) for t, s in RAW.items()}
ID_RAW = {
    "公民身份号码": resident_ids(),
    "统一社会信用代码": credit_codes(),
    "手机号码": st.one_of(digits.map(lambda d: "1" + d[:10]), st.sampled_from(["13800138000", "19912345678"])),
    "银行卡号": bank_cards(),
}
ID_RAW = {name: with_near_misses(s) for name, s in ID_RAW.items()}


@st.composite
def items_and_rows(draw):
    items = []
    for i, data_type in enumerate(draw(st.lists(st.sampled_from(sorted(RAW)), min_size=1, max_size=6))):
        name = draw(st.sampled_from(["名称", "公民身份号码", "统一社会信用代码", "手机号码", "银行卡号"])) \
            if data_type in "CM" else "值"
        length = draw(st.sampled_from([None, 1, 5, 18])) if data_type in "CN" else None
        if data_type == "C" and name in ID_RAW:
            length = 19
        code = draw(st.sampled_from([f"f{i}", f"字段{i}", f'q"{i}', f"Z{i}"]))
        rare = st.sampled_from([False, False, False, True])
        items.append(ItemSpec(code, name, data_type, length, draw(rare), draw(rare)))
    rows = []
    for _ in range(draw(st.integers(1, 25))):
        row = {}
        for spec in items:
            valueish = RAW[spec.data_type]
            if spec.data_type in "CM":
                valueish = ID_RAW.get(spec.name, valueish)
            raw = draw(st.one_of(blank, *[valueish] * 6))
            if raw is not None or draw(st.booleans()):
                row[spec.field_code] = raw
        rows.append(row)
    return items, rows


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items_and_rows())
def test_columnar_equals_row_wise_on_generated_rows(case):
    items, rows = case
    run_both(items, rows)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(RAW)), st.data())
def test_columnar_equals_row_wise_type_by_type(data_type, data):
    name = data.draw(st.sampled_from(["名称", *ID_RAW])) if data_type in "CM" else "值"
    length = data.draw(st.sampled_from([None, 3, 19])) if data_type in "CN" else None
    spec = ItemSpec("v", name, data_type, length, data.draw(st.booleans()), data.draw(st.booleans()))
    values = ID_RAW.get(name, RAW[data_type]) if data_type in "CM" else RAW[data_type]
    rows = data.draw(st.lists(st.one_of(blank, values, values, values), min_size=1, max_size=30))
    run_both([spec], [{"v": raw} for raw in rows])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items_and_rows(), st.integers(1, 4))
def test_chunks_and_large_strings_give_the_same_rows(case, chunk):
    items, rows = case
    saved, columnar.CHUNK_ROWS = columnar.CHUNK_ROWS, chunk
    try:
        run_both(items, rows, large=True)
    finally:
        columnar.CHUNK_ROWS = saved


# --- identifiers ---------------------------------------------------------------------------------------


def test_resident_id_numbers_valid_check_digit_and_birth_date():
    valid = resident_id()
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    bad_birth = resident_id(birth="19900230")
    future = resident_id(birth=(date.today() + timedelta(days=1)).strftime("%Y%m%d"))
    spec = ItemSpec("sfz", "公民身份号码", "C", 18, pii_kind="身份证件号码")
    too_old = resident_id(birth="18491231")
    oldest = resident_id(birth="18500101")
    raws = [valid, wrong_check, bad_birth, future, valid.lower(), "1" * 17, too_old, oldest]
    got = run_both([spec], [{"sfz": v} for v in raws])
    assert got.ok.tolist() == [True, False, False, False, valid[17] != "X", False, False, True]
    assert got.problems[1] == [RowProblem("sfz", "invalid_id_number", "公民身份号码（sfz）：身份证号码校验位错误")]
    assert got.problems[2][0].message.endswith("身份证号码第7-14位出生日期无效")
    assert got.problems[3][0].message.endswith("身份证号码出生日期不能晚于当前日期")


def test_x_check_character_must_be_upper_case():
    prefixes = (f"11010519900101{n:03d}" for n in range(1000))
    first17 = next(p for p in prefixes if resident_id_check_char(p) == "X")
    values, codes = one("C", [first17 + "X", first17 + "x"], name="身份证号")
    assert values == [first17 + "X", None]
    assert codes == [[], ["invalid_id_number"]]


def test_credit_codes_gb_32100():
    good = make_credit_code("9", "1", "110105", "MA01ABCD")
    bad = good[:17] + CREDIT_CODE_CHARSET[(CREDIT_CODE_CHARSET.index(good[17]) + 1) % 31]
    values, codes = one("C", [good, bad, good.lower(), "91110105MA01ABCD1"], name="统一社会信用代码", length=18)
    assert values[0] == good
    assert codes == [[], ["invalid_credit_code"], ["invalid_credit_code"], ["invalid_credit_code"]]


def test_mobile_numbers():
    values, codes = one("C", ["13800138000", "19912345678", "12800138000", "1380013800", "138 0013 8000"],
                        pii_kind="手机号码")
    assert values[:2] == ["13800138000", "19912345678"]
    assert codes[2:] == [["invalid_mobile"]] * 3


def test_bank_card_luhn_failure_is_a_warning_on_an_accepted_row():
    spec = ItemSpec("kh", "银行卡号", "C", 19)
    got = run_both([spec], [{"kh": "4111111111111111"}, {"kh": "4111111111111112"}, {"kh": "123"}])
    assert got.ok.tolist() == [True, True, True]
    assert 0 not in got.warnings
    assert got.warnings[1] == [RowProblem("kh", "luhn_failed", "银行卡号（kh）：银行卡号未通过Luhn校验，请核实")]
    assert [w.code for w in got.warnings[2]] == ["luhn_failed"]


# --- data types ----------------------------------------------------------------------------------------


def test_money_with_zero_to_three_decimals():
    values, codes = one("Y", ["12", "12.5", "12.34", "12.345", "-0.05", " 7 ", "1.", ".5", "12.340"])
    assert values == [1200, 1250, 1234, None, -5, 700, 100, 50, 1234]
    assert codes[3] == ["too_many_decimals"]


def test_numbers_with_leading_zeros_and_exponents():
    raws = ["007", "1.50", "1e3", "1E-2", "-0", "0.05", "12345678901", "123.4567"]
    values, codes = one("N", raws, length=10)
    assert values == ["7", "1.5", "1000", "0.01", "0", "0.05", None, "123.4567"]
    assert codes[6] == ["too_long"]


def test_numbers_with_trailing_fractional_zeros_are_canonical():
    raws = ["0.10", "12.50", "100.0", "-3.400", "0.00", "-0.0", "1.000000000000", "12345678.90"]
    values, codes = one("N", raws, length=10)
    assert values == ["0.1", "12.5", "100", "-3.4", "0", "0", "1", "12345678.9"]
    spec = ItemSpec("v", "值", "N", length=10)
    texts = pa.array(raws[:4] + raws[6:])
    assert ColumnarValidator([spec]).check({"v": texts}, len(texts)).ok.all()


def test_dates_in_the_three_formats():
    values, codes = one("D", ["2024-03-05", "2024/03/05", "20240305", "2024-3-5", "2023-02-29", "2024/03-05"])
    assert values[:4] == [date(2024, 3, 5)] * 4
    assert codes[4:] == [["invalid_date"], ["invalid_type"]]


def test_naive_datetimes_are_asia_shanghai_time():
    values, codes = one("T", ["2024-01-02 08:30:00", "2024-01-02T08:30", "2024-01-02T00:30:00Z",
                              "2024-01-02T08:30:00.250+08:00", "1988-07-01 12:00:00", "2024-01-02",
                              "9999-12-31T23:59:59-01:00", "0001-01-01 00:00:00"])
    half_past = datetime(2024, 1, 2, 0, 30, tzinfo=UTC)
    assert values[:4] == [half_past, half_past, half_past, half_past.replace(microsecond=250000)]
    assert values[4] == datetime(1988, 7, 1, 3, 0, tzinfo=UTC)  # daylight saving time in China, 1986-1991
    assert codes[5:] == [["invalid_type"], ["out_of_range"], ["out_of_range"]]


def test_bools():
    values, codes = one("L", ["是", "否", "true", "FALSE", "1", "0", "y", "N", " 是 ", "真"])
    assert values[:9] == [True, False, True, False, True, False, True, False, True]
    assert codes[9] == ["invalid_type"]


def test_integer_range_limits():
    values, codes = one("I", ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "007",
                              "1.0", "+5"])
    assert values == [2**63 - 1, -(2**63), None, 7, None, 5]
    assert codes[2] == ["out_of_range"] and codes[4] == ["invalid_type"]


def test_floats_hash_with_their_repr():
    values, codes = one("F", ["0.1", "-0", "1e16", "100", "1e400", "1" * 400, "0." + "0" * 400 + "1",
                              "9007199254740993", "0.1000000000000000055511151231257827"])
    assert values[:4] == [0.1, -0.0, 1e16, 100.0]
    assert codes[4:6] == [["out_of_range"], ["out_of_range"]]
    assert values[6:] == [0.0, 9007199254740992.0, 0.1]


# --- keys, blanks and the hash -------------------------------------------------------------------------


def test_keys_escape_bar_and_backslash():
    spec = ItemSpec("k", "编号", "C", 20, is_key=True)
    got = run_both([spec], [{"k": "a|b"}, {"k": "a\\b"}, {"k": "plain"}])
    assert got.keys.to_pylist() == ["a\\|b", "a\\\\b", "plain"]


def test_composite_keys_of_several_types():
    items = [ItemSpec("a", "甲", "C", 10, is_key=True), ItemSpec("b", "乙", "D", is_key=True),
             ItemSpec("c", "丙", "L", is_key=True), ItemSpec("d", "丁", "T", is_key=True),
             ItemSpec("e", "戊", "Y", is_key=True), ItemSpec("x", "附", "M")]
    got = run_both(items, [
        {"a": "x|y", "b": "20240102", "c": "是", "d": "2024-01-02 08:00:00", "e": "1.5", "x": "说明\t\"引号\""},
        {"a": "x", "b": "2024-01-02", "c": "否", "d": "2024-01-02T00:00:00.5Z", "e": "-2"},
        {"a": "x", "b": None, "c": "否", "d": "2024-01-02T00:00Z", "e": "3"},
    ])
    assert got.keys.to_pylist() == ["x\\|y|2024-01-02|1|2024-01-02T00:00:00+00:00|150",
                                    "x|2024-01-02|0|2024-01-02T00:00:00.500000+00:00|-200", None]
    assert got.problems[2] == [RowProblem("b", "key_missing", "乙（b）是记录主键，不能为空")]


def test_blanks_absent_columns_and_required_items():
    items = [ItemSpec("a", "甲", "C", 5), ItemSpec("b", "乙", "I", required=True), ItemSpec("c", "丙", "D")]
    got = run_both(items, [{"a": " ", "b": " 1 "}, {"a": "", "b": "  "}, {"b": "2"}])
    assert got.columns["a"].to_pylist() == [" ", None, None]  # free text keeps whitespace
    assert [p.code for p in got.problems[1]] == ["required"]
    assert got.keys.null_count == 3  # no key item: no key


def test_no_items_and_no_rows():
    assert run_both([], [{}, {}]).hashes == [content_hash({})] * 2
    empty = ColumnarValidator([ItemSpec("a", "甲", "C")]).check({}, 0)
    assert len(empty.ok) == 0 and empty.hashes == [] and len(empty.columns["a"]) == 0


def test_hashes_are_openssl_sm3_of_the_canonical_json():
    got = run_both([ItemSpec("名", "名", "C"), ItemSpec("a", "a", "I")], [{"名": "张\"三", "a": "1"}])
    assert got.hashes[0] == sm3_hex('{"a":1,"名":"张\\"三"}'.encode())


def test_chunked_arrays_and_wrong_lengths():
    spec = ItemSpec("a", "甲", "I")
    got = ColumnarValidator([spec]).check({"a": pa.chunked_array([["1"], ["2", None]])}, 3)
    assert got.columns["a"].to_pylist() == [1, 2, None]
    with pytest.raises(ValueError):
        ColumnarValidator([spec]).check({"a": pa.array(["1"])}, 2)


def test_valid_columns_never_fall_back_to_the_row_wise_check(monkeypatch):
    """The fast paths take the common shapes of every type; only odd values go row by row."""
    calls = []
    real = Validator.check
    monkeypatch.setattr(Validator, "check", lambda self, row: calls.append(row) or real(self, row))
    items = [ItemSpec("xm", "姓名", "C", 50), ItemSpec("sfz", "公民身份号码", "C", 18, is_key=True),
             ItemSpec("sj", "手机号码", "C", 11), ItemSpec("d", "日期", "D"), ItemSpec("t", "时间", "T"),
             ItemSpec("y", "金额", "Y"), ItemSpec("i", "人数", "I"), ItemSpec("n", "比例", "N", 10),
             ItemSpec("m", "备注", "M"), ItemSpec("l", "有效", "L"), ItemSpec("uscc", "统一社会信用代码", "C", 18),
             ItemSpec("kh", "银行卡号", "C", 19)]
    n = 300
    rows = [{"xm": f"张{i}", "sfz": resident_id(seq=f"{i:03d}"), "sj": f"138{i:08d}",
             "d": ["2024-01-05", "2024/01/05", "20240105"][i % 3],
             "t": ["2024-01-05 10:00:00", "2024-01-05T10:00", "2024-01-05T10:00:00Z",
                   "2024-01-05T10:00:00+08:00"][i % 4],
             "y": ["1", "1.5", "1.25"][i % 3], "i": str(i), "n": "0.25", "m": "说明\t第二行\n\"引号\"",
             "l": "是", "uscc": make_credit_code("9", "1", "110105", f"MA{i:06d}"),
             "kh": luhn_complete(f"622202{i:012d}")}
            for i in range(n)]
    columns = {c: pa.array([r[c] for r in rows]) for c in rows[0]}
    validator = ColumnarValidator(items)
    calls.clear()
    got = validator.check(columns, n)
    assert got.ok.all() and not got.warnings
    assert calls == []
    assert got.hashes[7] == content_hash(Validator(items).check(rows[7]).values)
