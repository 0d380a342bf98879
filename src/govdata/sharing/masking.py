"""Masking of shared values (SEC-7): the rules a grant may put on an item, and the masker that applies them.

Pure functions, no database. A grant stores ``{field_code: rule}``; the data service API builds one
:class:`Masker` per call and runs :meth:`Masker.apply` on every JSON-ready row it returns (str dates
``YYYY-MM-DD``, ISO datetimes, money as ``"12.50"``, ints, floats, bools, None).

A rule never shows more than it says it keeps. A value too short or too odd for the rule to leave its hidden
part hidden is masked whole: ``"13912"`` under ``mobile`` becomes ``"*****"``, not ``"139**912"``. ``None``
stays ``None`` under every rule (there is nothing to hide). A rule the masker does not know hides the value
(``None``): a bad stored grant fails closed, never open.

``hash`` is a keyed SM3 digest (HMAC-SM3) under a key derived per consumer department (:func:`hash_key`):
the same consumer gets the same digest for the same value in every resource, so it can join two shared
tables on a masked identifier without reading it; another consumer gets other digests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from govdata.core.crypto import derive_key, hmac_sm3

__all__ = ["MASK_CHAR", "PII_RULES", "RULES", "RULE_TYPES", "Masker", "combination_problems", "default_masking",
           "hash_key", "is_birth_date", "mask_value", "probe_digest", "probe_key", "rule_fits"]

#: rule -> Chinese label shown to reviewers and consumers.
RULES: dict[str, str] = {
    "id_number": "保留前6位和后4位",
    "mobile": "保留前3位和后4位",
    "name": "仅保留首字",
    "year": "仅保留年份",
    "hash": "密钥SM3散列（可关联不可读）",
    "null": "置空",
}

_TEXT = frozenset("CM")
_ALL = frozenset("CNYDTLMGBIF")
#: rule -> the catalog data types (catalog.standard.DATA_TYPES) it can be applied to.
RULE_TYPES: dict[str, frozenset[str]] = {
    "id_number": _TEXT,
    "mobile": _TEXT,
    "name": _TEXT,
    "year": frozenset("DT"),
    "hash": _ALL,
    "null": _ALL,
}

#: personal information kind (catalog.standard.PII_KINDS) -> its default rule; other kinds are hashed.
PII_RULES: dict[str, str] = {"身份证件号码": "id_number", "手机号码": "mobile", "姓名": "name"}

MASK_CHAR = "*"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Shortest values whose kept part leaves enough hidden: 15 for identity numbers (the old 15-digit resident
# number keeps 10 and hides 5), 11 for mobile numbers (keeps 7, hides 4), 2 characters for names.
_ID_MIN, _ID_HEAD, _ID_TAIL = 15, 6, 4
_MOBILE_MIN, _MOBILE_HEAD, _MOBILE_TAIL = 11, 3, 4
# A name keeps its first character and always shows two mask characters, so the length is not revealed.
_NAME_TAIL = MASK_CHAR * 2
_YEAR_RE = re.compile(r"(\d{4})-\d{2}-\d{2}")


def rule_fits(rule: str, data_type: str) -> bool:
    """Whether ``rule`` can mask an item of ``data_type`` (unknown rules and types fit nothing)."""
    return data_type in RULE_TYPES.get(rule, ())


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def default_masking(items: Iterable[Any]) -> dict[str, str]:
    """The masking a grant gets unless its reviewer sets another: ``{field_code: rule}`` for the items that
    need one. ``items`` are dicts or objects with ``field_code``, ``name``, ``data_type``, ``pii_kind``,
    ``sensitivity``.

    L4 (most sensitive) items are emptied; personal items get the rule of their kind (identity numbers,
    mobile numbers, names) when it fits their data type, else a keyed hash. Other items come in clear, but
    for birth dates beside an identity number that keeps its ends: they are emptied, since together they
    give the whole number back (:func:`combination_problems`).
    """
    items = list(items)
    masking: dict[str, str] = {}
    for item in items:
        code, data_type = _field(item, "field_code"), _field(item, "data_type")
        pii_kind = _field(item, "pii_kind")
        if _field(item, "sensitivity") == "L4":
            masking[code] = "null"
        elif pii_kind:
            rule = PII_RULES.get(pii_kind, "hash")
            masking[code] = rule if rule_fits(rule, data_type) else "hash"
    for code, _ in combination_problems(masking, items):
        masking[code] = "null"
    return masking


_BIRTH_WORDS = ("出生日期", "出生时间", "生日", "出生年月")


def is_birth_date(item: Any) -> bool:
    """Whether ``item`` holds a date of birth: a date or datetime item named so (出生日期, 出生时间, 生日…)
    or whose field code says ``birth``."""
    if _field(item, "data_type") not in ("D", "T"):
        return False
    name = _field(item, "name") or ""
    code = (_field(item, "field_code") or "").lower()
    return any(word in name for word in _BIRTH_WORDS) or "birth" in code or code in ("dob", "csrq")


def combination_problems(masking: Mapping[str, str], items: Iterable[Any]) -> list[tuple[str, str]]:
    """Masks that combine to give a hidden value back: ``[(field_code, reason)]``, empty when none.

    A resident identity number that keeps its first 6 and last 4 characters hides exactly the 8 digits of
    the date of birth (GB 11643: positions 7 to 14). A birth date granted in clear beside it restores the
    whole number; granted by year, it leaves about 33 candidates (365 days, of which the check digit keeps
    one in eleven), few enough to try one by one. Both are refused: the birth date must be emptied or
    hashed, or the identity number hashed."""
    items = list(items)
    partial_ids = [_field(i, "field_code") for i in items
                   if _field(i, "pii_kind") == "身份证件号码" and masking.get(_field(i, "field_code")) == "id_number"]
    if not partial_ids:
        return []
    problems: list[tuple[str, str]] = []
    for item in items:
        code = _field(item, "field_code")
        if not is_birth_date(item) or masking.get(code) not in (None, "year"):
            continue
        shown = "明文提供" if masking.get(code) is None else "仅保留年份提供"
        problems.append((code, f"身份证件号码按“{RULES['id_number']}”脱敏时，隐去的正是出生日期；"
                               f"出生日期{shown}可推算出完整号码。请将出生日期置空或散列，或将身份证件号码改为散列"))
    return problems


def hash_key(secret_key: str, consumer_department_id: int) -> bytes:
    """The key of the ``hash`` rule for one consumer department, derived from the platform secret."""
    root = derive_key(secret_key, "sharing-masking-hash", 32)
    return hmac_sm3(root, f"consumer-department:{int(consumer_department_id)}".encode())


def probe_key(secret_key: str) -> bytes:
    """The key of the audit digests of values a consumer probed or looked up on masked items. Derived from
    the platform secret, which the database does not hold: an investigator with the secret (``govdata audit
    digest``) can tell what was tried, a reader of the audit log alone cannot."""
    return derive_key(secret_key, "sharing-audit-probe", 32)


def probe_digest(key: bytes, value: Any) -> str:
    """The keyed SM3 digest (HMAC-SM3, hex) that the audit log keeps of a probed value."""
    return hmac_sm3(key, _text(value).encode("utf-8", "surrogatepass")).hex()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _keep_ends(value: Any, minimum: int, head: int, tail: int) -> str:
    s = _text(value)
    if len(s) < minimum:
        return MASK_CHAR * len(s)
    return s[:head] + MASK_CHAR * (len(s) - head - tail) + s[len(s) - tail:]


def _mask_id_number(value: Any) -> str:
    return _keep_ends(value, _ID_MIN, _ID_HEAD, _ID_TAIL)


def _mask_mobile(value: Any) -> str:
    return _keep_ends(value, _MOBILE_MIN, _MOBILE_HEAD, _MOBILE_TAIL)


def _mask_name(value: Any) -> str:
    s = _text(value)
    if len(s) < 2:
        return MASK_CHAR * 3
    return s[0] + _NAME_TAIL


def _mask_year(value: Any) -> str | None:
    """The year of a date (``YYYY-MM-DD``) or of an ISO datetime, read in Asia/Shanghai time; else hidden."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return f"{value.year:04d}"
    elif isinstance(value, str) and len(value) == 10:
        m = _YEAR_RE.fullmatch(value)
        return m.group(1) if m else None
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TZ)
    return f"{moment.year:04d}"


def _null(value: Any) -> None:
    return None


def _hasher(key: bytes) -> Callable[[Any], str]:
    def digest(value: Any) -> str:
        return hmac_sm3(key, _text(value).encode("utf-8", "surrogatepass")).hex()

    return digest


def _rule_function(rule: str, key: bytes) -> Callable[[Any], Any]:
    simple: dict[str, Callable[[Any], Any]] = {
        "id_number": _mask_id_number, "mobile": _mask_mobile, "name": _mask_name, "year": _mask_year,
        "null": _null,
    }
    if rule == "hash":
        return _hasher(key)
    return simple.get(rule, _null)  # unknown rule: hide the value


def mask_value(rule: str, value: Any, key: bytes = b"") -> Any:
    """One value under one rule (``key`` only matters for ``hash``)."""
    if value is None:
        return None
    return _rule_function(rule, key)(value)


class Masker:
    """Applies a grant's masking to rows. Build once per call (or cache per grant), then :meth:`apply`."""

    __slots__ = ("_plan",)

    def __init__(self, masking: Mapping[str, str], key: bytes) -> None:
        self._plan: tuple[tuple[str, Callable[[Any], Any]], ...] = tuple(
            (code, _rule_function(rule, key)) for code, rule in masking.items())

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``row`` with every masked item masked; items the masking does not name are kept."""
        out = dict(row)
        for code, fn in self._plan:
            value = out.get(code)
            if value is not None:
                out[code] = fn(value)
        return out
