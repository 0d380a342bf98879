"""Validators for Chinese identifiers and contact data.

Pure functions with no third-party dependencies:

* Unified social credit code (统一社会信用代码, GB 32100-2015), including the
  embedded organization code (组织机构代码, GB 11714-1997) and its check character.
* Resident identity card number (居民身份证号码, GB 11643-1999).
* Mainland mobile phone numbers and fixed-line (landline) numbers.
* Bank card numbers (Luhn / mod 10).

Validators are strict: they do not strip whitespace or change letter case.
Callers that accept free-form user input should normalise first
(e.g. ``value.strip().upper()``).

Error helpers (``*_error``) return a user-facing Chinese message or ``None``
when the value is valid.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "CREDIT_CODE_CHARSET",
    "CREDIT_CODE_WEIGHTS",
    "CREDIT_CODE_AUTHORITIES",
    "ORG_CODE_WEIGHTS",
    "RESIDENT_ID_WEIGHTS",
    "RESIDENT_ID_CHECK_CHARS",
    "org_code_check_char",
    "is_valid_org_code",
    "credit_code_check_char",
    "credit_code_error",
    "is_valid_credit_code",
    "make_credit_code",
    "resident_id_check_char",
    "resident_id_error",
    "is_valid_resident_id",
    "is_valid_mobile",
    "is_valid_landline",
    "is_valid_phone",
    "luhn_ok",
]

# ---------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# ---------------------------------------------------------------------------

#: The 31 characters allowed in a credit code; a character's index is its value.
#: The letters I, O, Z, S and V are excluded.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: Weights for positions 1-17 (3**i mod 31).
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: Registration authority codes accepted at position 1: 1-9, A-G and Y as
#: allocated by GB 32100, plus N (农业主管部门, used for rural collective
#: economic organisations, allocated after the original standard).
CREDIT_CODE_AUTHORITIES = frozenset("123456789ABCDEFGNY")

_CREDIT_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}

#: Weights for the 8-character body of an organization code (GB 11714).
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_char_value(ch: str) -> int:
    """Numeric value of an organization-code body character: 0-9, A-Z -> 10-35."""
    if "0" <= ch <= "9":
        return ord(ch) - ord("0")
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise ValueError(f"invalid organization code character: {ch!r}")


def org_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character for an 8-character organization code body.

    ``check = 11 - (sum(value_i * weight_i) mod 11)``; 10 is written ``X`` and
    11 is written ``0``.

    Raises ``ValueError`` if ``body8`` is not 8 characters of ``[0-9A-Z]``.
    """
    if len(body8) != 8:
        raise ValueError("organization code body must be 8 characters")
    total = sum(_org_char_value(ch) * w for ch, w in zip(body8, ORG_CODE_WEIGHTS))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def is_valid_org_code(code: str) -> bool:
    """Whether ``code`` is a 9-character organization code with a correct check character.

    The hyphenated form ``XXXXXXXX-C`` is not accepted.
    """
    if not isinstance(code, str) or len(code) != 9:
        return False
    try:
        return org_code_check_char(code[:8]) == code[8]
    except ValueError:
        return False


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character (position 18) for the first 17 characters.

    ``check = 31 - (sum(value_i * weight_i) mod 31)``, where a result of 31
    maps to ``'0'``; the value is then written using ``CREDIT_CODE_CHARSET``.

    Raises ``ValueError`` if ``first17`` is not 17 characters from the charset.
    """
    if len(first17) != 17:
        raise ValueError("credit code prefix must be 17 characters")
    total = 0
    for ch, w in zip(first17, CREDIT_CODE_WEIGHTS):
        value = _CREDIT_VALUES.get(ch)
        if value is None:
            raise ValueError(f"invalid credit code character: {ch!r}")
        total += value * w
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """Describe what is wrong with a unified social credit code, in Chinese.

    Checks, in order: length, illegal characters, registration authority code
    (position 1), administrative division code (positions 3-8), the embedded
    organization code and its GB 11714 check character (positions 9-17), and
    the GB 32100 check character (position 18).

    Returns ``None`` if the code is valid.
    """
    if not isinstance(code, str) or not code:
        return "统一社会信用代码不能为空"
    if len(code) != 18:
        return f"统一社会信用代码长度应为18位，当前为{len(code)}位"
    for pos, ch in enumerate(code, start=1):
        if ch not in _CREDIT_VALUES:
            if ch.isascii() and ch.isalpha() and ch.islower():
                return f"统一社会信用代码第{pos}位含非法字符“{ch}”，字母须大写"
            return f"统一社会信用代码第{pos}位含非法字符“{ch}”（不得使用字母I、O、Z、S、V）"
    if code[0] not in CREDIT_CODE_AUTHORITIES:
        return f"统一社会信用代码第1位登记管理部门代码“{code[0]}”无效"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3-8位应为6位数字的登记管理机关行政区划码"
    if not (code[16].isdigit() or code[16] == "X"):
        return "统一社会信用代码第9-17位组织机构代码校验位错误"
    if org_code_check_char(code[8:16]) != code[16]:
        return "统一社会信用代码第9-17位组织机构代码校验位错误"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码第18位校验位错误"
    return None


def is_valid_credit_code(code: str) -> bool:
    """Whether ``code`` is a structurally valid unified social credit code.

    See :func:`credit_code_error` for the rules checked.
    """
    return credit_code_error(code) is None


def make_credit_code(authority: str, category: str, division6: str, org_body8: str) -> str:
    """Build a fully valid unified social credit code.

    :param authority: registration authority code (position 1), e.g. ``'1'``
        (机构编制), ``'5'`` (民政), ``'9'`` (市场监管/工商).
    :param category: institution category code (position 2), e.g. ``'1'`` (机关)
        or ``'2'`` (事业单位) under authority ``'1'``.
    :param division6: 6-digit administrative division code of the registering
        authority.
    :param org_body8: the 8-character organization code body; its GB 11714
        check character is computed and appended.
    :raises ValueError: if any part is malformed.
    """
    if len(authority) != 1 or authority not in CREDIT_CODE_AUTHORITIES:
        raise ValueError(f"invalid registration authority code: {authority!r}")
    if len(category) != 1 or category not in _CREDIT_VALUES:
        raise ValueError(f"invalid institution category code: {category!r}")
    if len(division6) != 6 or not all("0" <= ch <= "9" for ch in division6):
        raise ValueError(f"division code must be 6 digits: {division6!r}")
    if len(org_body8) != 8 or any(ch not in _CREDIT_VALUES for ch in org_body8):
        raise ValueError(f"organization code body must be 8 characters from the charset: {org_body8!r}")
    first17 = authority + category + division6 + org_body8 + org_code_check_char(org_body8)
    return first17 + credit_code_check_char(first17)


# ---------------------------------------------------------------------------
# Resident identity card number (GB 11643-1999)
# ---------------------------------------------------------------------------

#: Weights for digits 1-17 (2**(17-i) mod 11).
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

#: Check character indexed by ``sum mod 11``.
RESIDENT_ID_CHECK_CHARS = "10X98765432"

_EARLIEST_BIRTH_YEAR = 1850


def resident_id_check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits of an ID number.

    Raises ``ValueError`` if ``first17`` is not exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not all("0" <= ch <= "9" for ch in first17):
        raise ValueError("resident ID prefix must be 17 digits")
    total = sum(int(ch) * w for ch, w in zip(first17, RESIDENT_ID_WEIGHTS))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def resident_id_error(s: str, *, today: date | None = None) -> str | None:
    """Describe what is wrong with an 18-digit resident ID number, in Chinese.

    Checks: length 18, digits 1-17 numeric and the last a digit or upper-case
    ``X``, an address code not starting with 0, a real birth date
    ``YYYYMMDD`` at positions 7-14 that is not after ``today`` (default: the
    current local date) and not before 1850, and the check character.

    Returns ``None`` if the number is valid.
    """
    if not isinstance(s, str) or not s:
        return "身份证号码不能为空"
    if len(s) != 18:
        return f"身份证号码长度应为18位，当前为{len(s)}位"
    if not all("0" <= ch <= "9" for ch in s[:17]):
        return "身份证号码前17位必须为数字"
    if not ("0" <= s[17] <= "9" or s[17] == "X"):
        if s[17] == "x":
            return "身份证号码末位校验码“X”须大写"
        return "身份证号码末位必须为数字或X"
    if s[0] == "0":
        return "身份证号码前6位地址码无效"
    try:
        birth = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return "身份证号码第7-14位出生日期无效"
    if birth > (today or date.today()):
        return "身份证号码出生日期不能晚于当前日期"
    if birth.year < _EARLIEST_BIRTH_YEAR:
        return "身份证号码第7-14位出生日期无效"
    if resident_id_check_char(s[:17]) != s[17]:
        return "身份证号码校验位错误"
    return None


def is_valid_resident_id(s: str, *, today: date | None = None) -> bool:
    """Whether ``s`` is a valid 18-digit resident ID number (GB 11643-1999).

    See :func:`resident_id_error` for the rules checked.
    """
    return resident_id_error(s, today=today) is None


# ---------------------------------------------------------------------------
# Phone numbers and bank cards
# ---------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
# Area code (0 + 2-3 digits), hyphen, 7-8 digit local number not starting
# with 0 or 1, optional extension "-123".
_LANDLINE_RE = re.compile(r"0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}(?:-[0-9]{1,6})?")


def is_valid_mobile(s: str) -> bool:
    """Whether ``s`` is an 11-digit mainland mobile number starting with 13-19.

    No country code, spaces or separators are accepted.
    """
    return isinstance(s, str) and _MOBILE_RE.fullmatch(s) is not None


def is_valid_landline(s: str) -> bool:
    """Whether ``s`` is a mainland fixed-line number such as ``0571-87654321``.

    The area code (starting with 0) and the hyphen are required; an
    extension may follow as ``-123``.
    """
    return isinstance(s, str) and _LANDLINE_RE.fullmatch(s) is not None


def is_valid_phone(s: str) -> bool:
    """Whether ``s`` is a valid mobile or landline number."""
    return is_valid_mobile(s) or is_valid_landline(s)


def luhn_ok(s: str) -> bool:
    """Whether ``s`` is a 12-19 digit bank card number passing the Luhn check.

    Only ASCII digits are accepted (no spaces or hyphens).
    """
    if not isinstance(s, str) or not 12 <= len(s) <= 19:
        return False
    if not all("0" <= ch <= "9" for ch in s):
        return False
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
