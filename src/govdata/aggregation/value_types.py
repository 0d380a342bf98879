"""How a value of each data type of the catalog standard is read and stored (AGG-4): one converter per
type, which takes a non-empty raw value and returns the stored value or raises :class:`ValueRefused`
with a problem code and a Chinese reason. The row validator (``validation.Validator``) compiles one per
item; the columnar check (``columnar.py``) falls back to them for what its fast paths do not cover.

A value arrives as a JSON value (str, int, float, bool) or as a CSV string (an empty one never reaches a
converter: the validator reads it as "no value"). Converted values:

====  ======================================================================
C     ``str`` as given (no stripping), no control characters, ``length`` in characters
M     ``str`` as given, control characters other than tab and newline rejected
N     canonical decimal ``str`` without exponent or trailing fractional zeros; ``length`` = max digits
Y     ``int`` in minor units (fen), from an exact decimal with at most 2 places; never a float
D     ``datetime.date`` from ``YYYY-MM-DD``, ``YYYY/MM/DD`` or ``YYYYMMDD``
T     aware UTC ``datetime`` from ISO 8601; naive values are read as Asia/Shanghai time
L     ``bool`` from true/false/1/0/是/否/Y/N (case-insensitive)
I     ``int`` in the signed 64-bit range; "42" accepted, 1.5 rejected
B, F  finite ``float``
G     ``bytes`` from base64, at most 1 MB decoded
====  ======================================================================
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

__all__ = ["BLOB_LIMIT", "INT64_MAX", "INT64_MIN", "LOCAL_TZ", "ValueRefused", "canonical_decimal", "converter"]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: Largest decoded size of a G (通用型) value.
BLOB_LIMIT = 1024 * 1024
#: Digit cap for N values whose item has no length, so "1e999999" cannot blow up memory.
_DEFAULT_MAX_DIGITS = 65

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_CTRL_C = re.compile(r"[\x00-\x1f\x7f]")
_CTRL_M = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_DECIMAL_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?")
_MONEY_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_INT_RE = re.compile(r"[+-]?\d+")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|(\d{2})(\d{2}))")
_BOOL_WORDS = {
    "true": True, "false": False, "1": True, "0": False, "是": True, "否": False, "y": True, "n": False,
}
_HUNDRED = Decimal(100)


class ValueRefused(Exception):
    """Raised by a converter; carries the problem code and the Chinese reason (without the item label)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


def _type_error(expected: str) -> ValueRefused:
    return ValueRefused("invalid_type", f"应为{expected}")


def _make_text(length: int | None, ctrl: re.Pattern[str], expected: str) -> Callable[[object], object]:
    search = ctrl.search

    def convert(raw: object) -> object:
        if type(raw) is str:
            s = raw
        elif isinstance(raw, int) and not isinstance(raw, bool):
            s = str(raw)
        elif isinstance(raw, str):
            s = str(raw)
        else:
            raise _type_error(expected)
        if search(s) is not None:
            raise ValueRefused("control_char", "含有不允许的控制字符")
        if length is not None and len(s) > length:
            raise ValueRefused("too_long", f"长度不能超过{length}个字符，当前为{len(s)}个字符")
        return s

    return convert


def _to_decimal(raw: object, pattern: re.Pattern[str], expected: str) -> Decimal:
    if isinstance(raw, str):
        s = raw.strip()
        if pattern.fullmatch(s) is None:
            raise _type_error(expected)
        return Decimal(s)
    if isinstance(raw, bool):
        raise _type_error(expected)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _type_error(expected)
        # str() gives the shortest repr, so 0.1 becomes Decimal("0.1"), not 0.1000000000000000055511...
        return Decimal(str(raw))
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise _type_error(expected)
        return raw
    raise _type_error(expected)


def canonical_decimal(d: Decimal) -> str:
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def _digit_count(canonical: str) -> int:
    digits = canonical.lstrip("-")
    if digits.startswith("0."):
        digits = digits[1:]
    return len(digits) - ("." in digits)


def _make_number(length: int | None) -> Callable[[object], object]:
    max_digits = length or _DEFAULT_MAX_DIGITS

    def convert(raw: object) -> object:
        d = _to_decimal(raw, _DECIMAL_RE, "数值")
        # Refuse absurd exponents before formatting them out digit by digit.
        if d != 0 and not -max_digits <= d.adjusted() < max_digits:
            raise ValueRefused("too_long", f"数字位数不能超过{max_digits}位")
        s = canonical_decimal(d)
        n = _digit_count(s)
        if n > max_digits:
            raise ValueRefused("too_long", f"数字位数不能超过{max_digits}位，当前为{n}位")
        return s

    return convert


def _convert_money(raw: object) -> object:
    d = _to_decimal(raw, _MONEY_RE, "金额（最多两位小数）")
    if d != 0 and d.adjusted() > 18:
        raise ValueRefused("out_of_range", "金额超出允许范围")
    fen = d * _HUNDRED
    if fen != fen.to_integral_value():
        raise ValueRefused("too_many_decimals", "金额最多保留两位小数")
    value = int(fen)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueRefused("out_of_range", "金额超出允许范围")
    return value


def _convert_date(raw: object) -> object:
    if isinstance(raw, str):
        m = _DATE_RE.fullmatch(raw.strip())
        if m is None:
            raise _type_error("日期（YYYY-MM-DD）")
        y, m1, d1, m2, d2, m3, d3 = m.groups()
        try:
            return date(int(y), int(m1 or m2 or m3), int(d1 or d2 or d3))
        except ValueError:
            raise ValueRefused("invalid_date", "不是有效的日期") from None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    raise _type_error("日期（YYYY-MM-DD）")


def _convert_datetime(raw: object) -> object:
    if isinstance(raw, str):
        s = raw.strip()
        # A bare date is not a datetime; fromisoformat would silently read it as midnight.
        if len(s) <= 10:
            raise _type_error("日期时间（ISO 8601）")
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            raise _type_error("日期时间（ISO 8601）") from None
    elif isinstance(raw, datetime):
        dt = raw
    else:
        raise _type_error("日期时间（ISO 8601）")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL_TZ)
    try:
        return dt.astimezone(timezone.utc)
    except OverflowError:
        raise ValueRefused("out_of_range", "日期时间超出允许范围") from None


def _convert_bool(raw: object) -> object:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        if raw in (0, 1):
            return bool(raw)
    elif isinstance(raw, str):
        value = _BOOL_WORDS.get(raw.strip().lower())
        if value is not None:
            return value
    raise _type_error("逻辑值（true/false、1/0、是/否、Y/N）")


def _convert_int(raw: object) -> object:
    if isinstance(raw, bool):
        raise _type_error("整数")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        s = raw.strip()
        if _INT_RE.fullmatch(s) is None:
            raise _type_error("整数")
        value = int(s)
    elif isinstance(raw, float):
        # JSON encoders may write 42 as 42.0; anything fractional or beyond exact float range is refused.
        if not (math.isfinite(raw) and raw.is_integer() and abs(raw) <= 2**53):
            raise _type_error("整数")
        value = int(raw)
    else:
        raise _type_error("整数")
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueRefused("out_of_range", "整数超出64位范围")
    return value


def _convert_float(raw: object) -> object:
    if isinstance(raw, bool):
        raise _type_error("数值")
    if isinstance(raw, float):
        value = raw
    elif isinstance(raw, int):
        try:
            value = float(raw)
        except OverflowError:
            raise ValueRefused("out_of_range", "数值超出允许范围") from None
    elif isinstance(raw, str):
        s = raw.strip()
        if _DECIMAL_RE.fullmatch(s) is None:
            raise _type_error("数值")
        value = float(s)
    else:
        raise _type_error("数值")
    if not math.isfinite(value):
        raise ValueRefused("out_of_range", "数值必须为有限数")
    return value


_B64_MAX_CHARS = 4 * ((BLOB_LIMIT + 2) // 3)


def _convert_blob(raw: object) -> object:
    if isinstance(raw, bytes):
        data = raw
    elif isinstance(raw, str):
        s = raw.strip()
        if len(s) > _B64_MAX_CHARS:
            raise ValueRefused("too_long", "内容不能超过1 MB")
        try:
            data = base64.b64decode(s, validate=True)
        except (binascii.Error, ValueError):
            raise _type_error("Base64编码内容") from None
    else:
        raise _type_error("Base64编码内容")
    if len(data) > BLOB_LIMIT:
        raise ValueRefused("too_long", "内容不能超过1 MB")
    return data


def converter(data_type: str, length: int | None, field_code: str) -> Callable[[object], object]:
    """The converter of an item of ``data_type`` (with its ``length``); ``field_code`` names the item when
    the data type is unknown."""
    t = data_type
    if t == "C":
        return _make_text(length, _CTRL_C, "字符串")
    if t == "M":
        return _make_text(None, _CTRL_M, "字符串")
    if t == "N":
        return _make_number(length)
    simple = {
        "Y": _convert_money, "D": _convert_date, "T": _convert_datetime, "L": _convert_bool,
        "I": _convert_int, "B": _convert_float, "F": _convert_float, "G": _convert_blob,
    }
    if t not in simple:
        raise ValueError(f"unknown data type {t!r} for item {field_code!r}")
    return simple[t]
