"""Personal identifier checks on text items (AGG-4), applied after conversion: each returns
``(is_warning, problem code, reason)``, or None when the value passes. Which check an item gets follows from
its personal-information kind or its name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from operator import mul as _mul

from govdata.core.validators import (
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
    credit_code_error,
    is_valid_mobile,
    luhn_ok,
    resident_id_error,
)

__all__ = ["Check", "identifier_check"]

Check = Callable[[str], "tuple[bool, str, str] | None"]


_RESIDENT_ID_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]")


def _resident_id_fast_ok(s: str) -> bool:
    """The common valid case of GB 11643 without the per-character generators of resident_id_error.

    Only ever says True for numbers resident_id_error also accepts; anything else goes to it for the message.
    """
    if _RESIDENT_ID_SHAPE.fullmatch(s) is None:
        return False
    total = sum(map(_mul, map(int, s[:17]), RESIDENT_ID_WEIGHTS))
    if RESIDENT_ID_CHECK_CHARS[total % 11] != s[17]:
        return False
    try:
        birth = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return 1850 <= birth.year and birth <= date.today()


def _check_resident_id(value: str) -> tuple[bool, str, str] | None:
    if _resident_id_fast_ok(value):
        return None
    error = resident_id_error(value)
    return None if error is None else (False, "invalid_id_number", error)


def _check_credit_code(value: str) -> tuple[bool, str, str] | None:
    error = credit_code_error(value)
    return None if error is None else (False, "invalid_credit_code", error)


def _check_mobile(value: str) -> tuple[bool, str, str] | None:
    if is_valid_mobile(value):
        return None
    return (False, "invalid_mobile", "不是有效的手机号码（11位数字，以13-19开头）")


def _check_bank_card(value: str) -> tuple[bool, str, str] | None:
    if luhn_ok(value):
        return None
    return (True, "luhn_failed", "银行卡号未通过Luhn校验，请核实")


def identifier_check(data_type: str, name: str | None, pii_kind: str | None) -> Check | None:
    """The check for an item of ``data_type`` named ``name`` holding ``pii_kind``, if it holds a personal
    identifier: resident identity numbers (GB 11643), unified social credit codes (GB 32100) and mobile numbers
    are refused when invalid; a bank card number failing the Luhn check is only a warning."""
    if data_type not in ("C", "M"):
        return None
    name, kind = name or "", pii_kind or ""
    if kind == "身份证件号码" or "身份证" in name or "公民身份号码" in name:
        return _check_resident_id
    if "统一社会信用代码" in name:
        return _check_credit_code
    if kind == "手机号码" or "手机" in name or "移动电话" in name:
        return _check_mobile
    if kind == "银行账户" or "银行卡" in name:
        return _check_bank_card
    return None
