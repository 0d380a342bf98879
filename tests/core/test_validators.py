from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govdata.core.validators import (
    CREDIT_CODE_AUTHORITIES,
    CREDIT_CODE_CHARSET,
    credit_code_check_char,
    credit_code_error,
    is_valid_credit_code,
    is_valid_landline,
    is_valid_mobile,
    is_valid_org_code,
    is_valid_phone,
    is_valid_resident_id,
    luhn_ok,
    make_credit_code,
    org_code_check_char,
    resident_id_check_char,
    resident_id_error,
)

KNOWN_CREDIT_CODE = "91350100M000100Y43"


def _replace(s: str, i: int, ch: str) -> str:
    return s[:i] + ch + s[i + 1 :]


# --- unified social credit code -------------------------------------------


def test_known_credit_code_is_valid():
    assert is_valid_credit_code(KNOWN_CREDIT_CODE)
    assert credit_code_error(KNOWN_CREDIT_CODE) is None
    assert credit_code_check_char(KNOWN_CREDIT_CODE[:17]) == "3"
    assert org_code_check_char("M000100Y") == "4"
    assert is_valid_org_code("M000100Y4")


@pytest.mark.parametrize(
    "parts",
    [
        ("1", "1", "990100", "01000001"),  # 机关
        ("1", "2", "990121", "01210007"),  # 事业单位
        ("5", "1", "990100", "51000002"),  # 社会团体
        ("9", "1", "110105", "MA01ABCD"),  # 企业
        ("Y", "1", "990122", "00000000"),
    ],
)
def test_make_credit_code_is_valid(parts):
    code = make_credit_code(*parts)
    assert len(code) == 18
    assert code.startswith("".join(parts[:3]) + parts[3])
    assert is_valid_org_code(code[8:17])
    assert is_valid_credit_code(code), credit_code_error(code)


def test_check_char_31_maps_to_zero():
    # Find a prefix whose weighted sum is divisible by 31 and confirm '0'.
    base = "11990100" + "0100000"
    for a in CREDIT_CODE_CHARSET:
        for b in CREDIT_CODE_CHARSET:
            first17 = base + a + b
            if credit_code_check_char(first17) == "0":
                return
    pytest.fail("no prefix produced check char '0'")


def test_bad_final_check_char():
    bad = KNOWN_CREDIT_CODE[:17] + "4"
    assert not is_valid_credit_code(bad)
    assert "第18位校验位" in credit_code_error(bad)


def test_bad_org_code_check_char():
    # Change the organization-code check char and recompute the final check
    # so that only the GB 11714 check is wrong.
    first17 = KNOWN_CREDIT_CODE[:16] + "5"
    bad = first17 + credit_code_check_char(first17)
    assert not is_valid_credit_code(bad)
    assert "组织机构代码校验位" in credit_code_error(bad)


def test_org_check_position_must_be_digit_or_x():
    first17 = KNOWN_CREDIT_CODE[:16] + "A"
    bad = first17 + credit_code_check_char(first17)
    assert "组织机构代码校验位" in credit_code_error(bad)


@pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y433", "9"])
def test_bad_length(code):
    assert not is_valid_credit_code(code)
    msg = credit_code_error(code)
    assert msg is not None
    assert "长度" in msg or "不能为空" in msg


@pytest.mark.parametrize("ch", list("IOZSV"))
def test_illegal_letters(ch):
    code = _replace(KNOWN_CREDIT_CODE, 8, ch)
    assert not is_valid_credit_code(code)
    assert "非法字符" in credit_code_error(code)


@pytest.mark.parametrize("code", ["91350100m000100Y43", "91350100M000100Y4 ", "91350100M000100Y4３"])
def test_other_illegal_chars(code):
    assert "非法字符" in credit_code_error(code)


def test_bad_authority_code():
    first17 = "H" + KNOWN_CREDIT_CODE[1:17]
    code = first17 + credit_code_check_char(first17)
    assert "登记管理部门代码" in credit_code_error(code)


def test_division_must_be_digits():
    first17 = "9135A100" + KNOWN_CREDIT_CODE[8:17]
    code = first17 + credit_code_check_char(first17)
    assert "行政区划码" in credit_code_error(code)


def test_non_string_is_invalid():
    assert not is_valid_credit_code(None)  # type: ignore[arg-type]
    assert not is_valid_credit_code(91350100)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "args",
    [
        ("H", "1", "990100", "01000001"),
        ("1", "I", "990100", "01000001"),
        ("1", "1", "99010", "01000001"),
        ("1", "1", "99010A", "01000001"),
        ("1", "1", "990100", "0100000"),
        ("1", "1", "990100", "0100000O"),
        ("11", "", "990100", "01000001"),
    ],
)
def test_make_credit_code_rejects_bad_parts(args):
    with pytest.raises(ValueError):
        make_credit_code(*args)


authority_st = st.sampled_from(sorted(CREDIT_CODE_AUTHORITIES))
charset_char_st = st.sampled_from(CREDIT_CODE_CHARSET)
division_st = st.text(alphabet="0123456789", min_size=6, max_size=6)
org_body_st = st.text(alphabet=CREDIT_CODE_CHARSET, min_size=8, max_size=8)
credit_code_st = st.builds(make_credit_code, authority_st, charset_char_st, division_st, org_body_st)


@given(credit_code_st)
def test_made_codes_validate(code):
    assert is_valid_credit_code(code)
    assert credit_code_error(code) is None


@given(credit_code_st, st.integers(min_value=0, max_value=17), charset_char_st)
def test_single_substitution_within_charset_detected(code, pos, ch):
    # Weights are non-zero mod the prime 31, so any single substitution in
    # positions 1-17 changes the weighted sum mod 31; a changed position 18
    # no longer matches the (unchanged) computed check character.
    if code[pos] == ch:
        ch = CREDIT_CODE_CHARSET[(CREDIT_CODE_CHARSET.index(ch) + 1) % 31]
    mutated = _replace(code, pos, ch)
    assert credit_code_check_char(mutated[:17]) != mutated[17]
    assert not is_valid_credit_code(mutated)


@given(credit_code_st, st.integers(min_value=0, max_value=17), st.characters())
def test_single_substitution_any_char_detected(code, pos, ch):
    if code[pos] == ch:
        return
    assert not is_valid_credit_code(_replace(code, pos, ch))


# --- resident ID -------------------------------------------------------------


def test_known_resident_id_valid():
    assert is_valid_resident_id("11010519491231002X")
    assert resident_id_error("11010519491231002X") is None
    assert resident_id_check_char("11010519491231002") == "X"


def test_resident_id_bad_check():
    assert not is_valid_resident_id("110105194912310021")
    assert "校验位" in resident_id_error("110105194912310021")


def test_resident_id_lowercase_x_rejected():
    assert not is_valid_resident_id("11010519491231002x")
    assert "大写" in resident_id_error("11010519491231002x")


@pytest.mark.parametrize("s", ["", "11010519491231002", "11010519491231002X1", "110105194912310"])
def test_resident_id_bad_length(s):
    assert not is_valid_resident_id(s)


def test_resident_id_non_digit():
    assert "前17位" in resident_id_error("1101051949123100AX")
    assert "末位" in resident_id_error("11010519491231002Y")


def _id_with_birth(birth: str) -> str:
    first17 = "110105" + birth + "002"
    return first17 + resident_id_check_char(first17)


def test_resident_id_future_birth_date():
    tomorrow = date.today() + timedelta(days=1)
    s = _id_with_birth(tomorrow.strftime("%Y%m%d"))
    assert not is_valid_resident_id(s)
    assert "晚于" in resident_id_error(s)
    # Same number is fine once that day has come.
    assert is_valid_resident_id(s, today=tomorrow)


def test_resident_id_today_birth_date_ok():
    fixed_today = date(2026, 3, 1)
    assert is_valid_resident_id(_id_with_birth("20260301"), today=fixed_today)
    assert not is_valid_resident_id(_id_with_birth("20260302"), today=fixed_today)


@pytest.mark.parametrize("birth", ["19990231", "19991301", "19990000", "20230229", "18000101"])
def test_resident_id_bad_date(birth):
    s = _id_with_birth(birth)
    assert not is_valid_resident_id(s)
    assert "出生日期" in resident_id_error(s)


def test_resident_id_leap_day_ok():
    assert is_valid_resident_id(_id_with_birth("20000229"))


def test_resident_id_zero_address_code():
    first17 = "01010519491231002"
    assert "地址码" in resident_id_error(first17 + resident_id_check_char(first17))


@given(
    st.integers(min_value=1, max_value=9),
    st.text(alphabet="0123456789", min_size=5, max_size=5),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)
def test_generated_resident_ids_validate(first, addr, birth, seq):
    first17 = f"{first}{addr}{birth:%Y%m%d}{seq}"
    s = first17 + resident_id_check_char(first17)
    assert is_valid_resident_id(s)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
)
def test_resident_id_single_digit_change_detected(birth, pos, delta):
    first17 = f"110105{birth:%Y%m%d}123"
    s = first17 + resident_id_check_char(first17)
    digit = (int(s[pos]) + delta) % 10
    assert not is_valid_resident_id(_replace(s, pos, str(digit)))


# --- phones and bank cards ---------------------------------------------------


@pytest.mark.parametrize("s", ["13800138000", "19912345678", "15012345678", "16612345678"])
def test_valid_mobile(s):
    assert is_valid_mobile(s)
    assert is_valid_phone(s)


@pytest.mark.parametrize(
    "s",
    ["12800138000", "1380013800", "138001380001", "+8613800138000", "138 0013 8000", "１3800138000", "", None],
)
def test_invalid_mobile(s):
    assert not is_valid_mobile(s)


@pytest.mark.parametrize("s", ["0571-87654321", "010-62345678", "0990-8123456", "0571-87654321-8021"])
def test_valid_landline(s):
    assert is_valid_landline(s)
    assert is_valid_phone(s)


@pytest.mark.parametrize("s", ["057187654321", "571-87654321", "0571-07654321", "0571-876543", "13800138000"])
def test_invalid_landline(s):
    assert not is_valid_landline(s)


@pytest.mark.parametrize("s", ["4111111111111111", "6222021234567890128", "378282246310005", "6011111111111117"])
def test_luhn_valid(s):
    assert luhn_ok(s)


@pytest.mark.parametrize(
    "s",
    ["4111111111111112", "411111111111", "41111111111111111111", "4111-1111-1111-1111", "", "00000000000a"],
)
def test_luhn_invalid(s):
    assert not luhn_ok(s)


@given(st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_luhn_exactly_one_check_digit(payload):
    passing = [d for d in "0123456789" if luhn_ok(payload + d)]
    assert len(passing) == 1
