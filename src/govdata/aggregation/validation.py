"""Row validation for aggregated data (AGG-4): check pushed records against registered information items.

Pure functions and classes, no database. A :class:`Validator` is built once per catalog version from its
information items (:class:`ItemSpec`) and then checks many rows; per-item converters are compiled in
``__init__`` so the per-row path is a flat loop over closures.

Every value arrives either as a JSON value (str, int, float, bool, None) or as a CSV string. The empty
string and ``None`` mean the same thing ("no value") for every data type, so SQLite and PostgreSQL
(COPY) agree. Converted values:

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
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from operator import mul as _mul
from zoneinfo import ZoneInfo

from govdata.core.crypto import sm3_hex
from govdata.core.validators import (
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
    credit_code_error,
    is_valid_mobile,
    luhn_ok,
    resident_id_error,
)

__all__ = [
    "BLOB_LIMIT",
    "INT64_MAX",
    "INT64_MIN",
    "ItemSpec",
    "RowProblem",
    "RowResult",
    "Validator",
    "content_hash",
]

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


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """What a validator needs to know about one registered information item (信息项)."""

    field_code: str
    name: str
    data_type: str
    length: int | None = None
    required: bool = False
    is_key: bool = False
    pii_kind: str | None = None

    @classmethod
    def from_item(cls, item: object) -> ItemSpec:
        """Build from a catalog ``ResourceItem`` or anything with the same attributes."""
        return cls(
            field_code=item.field_code,
            name=item.name,
            data_type=item.data_type,
            length=getattr(item, "length", None),
            required=bool(getattr(item, "required", False)),
            is_key=bool(getattr(item, "is_key", False)),
            pii_kind=getattr(item, "pii_kind", None),
        )


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One finding about a row: ``field`` is the field code (or the unknown field name), ``message`` Chinese."""

    field: str
    code: str
    message: str


@dataclass(slots=True)
class RowResult:
    """Outcome of :meth:`Validator.check`.

    ``values`` (field code → converted value, ``None`` for absent optional items) and ``key`` are set only
    when there are no problems. Warnings never reject a row.
    """

    values: dict[str, object] | None
    key: str | None
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Bad(Exception):
    """Raised by a converter; carries the problem code and the Chinese reason (without the item label)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


# ---------------------------------------------------------------------------
# Converters. Each takes a non-empty raw value and returns the stored value or raises _Bad.
# ---------------------------------------------------------------------------


def _type_error(expected: str) -> _Bad:
    return _Bad("invalid_type", f"应为{expected}")


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
            raise _Bad("control_char", "含有不允许的控制字符")
        if length is not None and len(s) > length:
            raise _Bad("too_long", f"长度不能超过{length}个字符，当前为{len(s)}个字符")
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


def _canonical_decimal(d: Decimal) -> str:
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
            raise _Bad("too_long", f"数字位数不能超过{max_digits}位")
        s = _canonical_decimal(d)
        n = _digit_count(s)
        if n > max_digits:
            raise _Bad("too_long", f"数字位数不能超过{max_digits}位，当前为{n}位")
        return s

    return convert


def _convert_money(raw: object) -> object:
    d = _to_decimal(raw, _MONEY_RE, "金额（最多两位小数）")
    if d != 0 and d.adjusted() > 18:
        raise _Bad("out_of_range", "金额超出允许范围")
    fen = d * _HUNDRED
    if fen != fen.to_integral_value():
        raise _Bad("too_many_decimals", "金额最多保留两位小数")
    value = int(fen)
    if not INT64_MIN <= value <= INT64_MAX:
        raise _Bad("out_of_range", "金额超出允许范围")
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
            raise _Bad("invalid_date", "不是有效的日期") from None
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
        raise _Bad("out_of_range", "日期时间超出允许范围") from None


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
        raise _Bad("out_of_range", "整数超出64位范围")
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
            raise _Bad("out_of_range", "数值超出允许范围") from None
    elif isinstance(raw, str):
        s = raw.strip()
        if _DECIMAL_RE.fullmatch(s) is None:
            raise _type_error("数值")
        value = float(s)
    else:
        raise _type_error("数值")
    if not math.isfinite(value):
        raise _Bad("out_of_range", "数值必须为有限数")
    return value


_B64_MAX_CHARS = 4 * ((BLOB_LIMIT + 2) // 3)


def _convert_blob(raw: object) -> object:
    if isinstance(raw, bytes):
        data = raw
    elif isinstance(raw, str):
        s = raw.strip()
        if len(s) > _B64_MAX_CHARS:
            raise _Bad("too_long", "内容不能超过1 MB")
        try:
            data = base64.b64decode(s, validate=True)
        except (binascii.Error, ValueError):
            raise _type_error("Base64编码内容") from None
    else:
        raise _type_error("Base64编码内容")
    if len(data) > BLOB_LIMIT:
        raise _Bad("too_long", "内容不能超过1 MB")
    return data


def _converter(spec: ItemSpec) -> Callable[[object], object]:
    t = spec.data_type
    if t == "C":
        return _make_text(spec.length, _CTRL_C, "字符串")
    if t == "M":
        return _make_text(None, _CTRL_M, "字符串")
    if t == "N":
        return _make_number(spec.length)
    simple = {
        "Y": _convert_money, "D": _convert_date, "T": _convert_datetime, "L": _convert_bool,
        "I": _convert_int, "B": _convert_float, "F": _convert_float, "G": _convert_blob,
    }
    if t not in simple:
        raise ValueError(f"unknown data type {t!r} for item {spec.field_code!r}")
    return simple[t]


# ---------------------------------------------------------------------------
# Personal identifier checks: return (is_warning, problem code, reason) or None when the value passes.
# ---------------------------------------------------------------------------

_Check = Callable[[str], "tuple[bool, str, str] | None"]


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


def _identifier_check(spec: ItemSpec) -> _Check | None:
    if spec.data_type not in ("C", "M"):
        return None
    name, kind = spec.name or "", spec.pii_kind or ""
    if kind == "身份证件号码" or "身份证" in name or "公民身份号码" in name:
        return _check_resident_id
    if "统一社会信用代码" in name:
        return _check_credit_code
    if kind == "手机号码" or "手机" in name or "移动电话" in name:
        return _check_mobile
    if kind == "银行账户" or "银行卡" in name:
        return _check_bank_card
    return None


# ---------------------------------------------------------------------------
# Canonical forms: record key and content hash
# ---------------------------------------------------------------------------


def _canonical(value: object) -> object:
    """JSON-ready canonical form of a converted value, identical whichever database it came back from."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _canonical_decimal(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _key_part(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    text = _canonical(value)
    text = text if isinstance(text, str) else str(text)
    # Escape so that ("a|b", "c") and ("a", "b|c") give different keys.
    if "|" in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text


def content_hash(values: Mapping[str, object]) -> str:
    """SM3 hex digest of a canonical JSON of converted values (sorted keys, ISO dates, decimal strings,
    base64 bytes), so the same content hashes the same on SQLite and PostgreSQL."""
    payload = {str(k): _canonical(v) for k, v in values.items()}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return sm3_hex(text.encode("utf-8"))


# ---------------------------------------------------------------------------
# Validator
# ---------------------------------------------------------------------------


class Validator:
    """Checks rows against a fixed list of information items. Build once, call :meth:`check` per row."""

    def __init__(self, items: list[ItemSpec]) -> None:
        self.items = list(items)
        codes = [spec.field_code for spec in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate field_code among items")
        self._codes = frozenset(codes)
        plan = []
        for spec in self.items:
            label = f"{spec.name}（{spec.field_code}）" if spec.name else spec.field_code
            plan.append(
                (
                    spec.field_code, label, _converter(spec), spec.required, spec.is_key,
                    spec.data_type not in ("C", "M"), _identifier_check(spec),
                )
            )
        self._plan = tuple(plan)
        self._key_codes = tuple(spec.field_code for spec in self.items if spec.is_key)

    def check(self, row: Mapping[str, object]) -> RowResult:
        problems: list[RowProblem] = []
        warnings: list[RowProblem] = []
        if not self._codes.issuperset(row):
            for name in row:
                if name not in self._codes:
                    problems.append(RowProblem(str(name), "out_of_scope", f"超出登记范围的字段“{name}”"))
        values: dict[str, object] = {}
        get = row.get
        for code, label, convert, required, is_key, blank_is_empty, id_check in self._plan:
            raw = get(code)
            if raw is None or raw == "":
                values[code] = None
                if is_key:
                    problems.append(RowProblem(code, "key_missing", f"{label}是记录主键，不能为空"))
                elif required:
                    problems.append(RowProblem(code, "required", f"{label}为必填项，不能为空"))
                continue
            # Whitespace-only input is "no value" for every type except free text, where it is content.
            try:
                value = convert(raw)
            except _Bad as bad:
                if blank_is_empty and isinstance(raw, str) and not raw.strip():
                    values[code] = None
                    if is_key:
                        problems.append(RowProblem(code, "key_missing", f"{label}是记录主键，不能为空"))
                    elif required:
                        problems.append(RowProblem(code, "required", f"{label}为必填项，不能为空"))
                    continue
                problems.append(RowProblem(code, bad.code, f"{label}：{bad.reason}"))
                continue
            if id_check is not None:
                found = id_check(value)
                if found is not None:
                    is_warning, problem_code, reason = found
                    finding = RowProblem(code, problem_code, f"{label}：{reason}")
                    (warnings if is_warning else problems).append(finding)
            values[code] = value
        if problems:
            return RowResult(None, None, problems, warnings)
        key = "|".join(_key_part(values[c]) for c in self._key_codes) if self._key_codes else None
        return RowResult(values, key, problems, warnings)
