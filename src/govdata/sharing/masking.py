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

__all__ = ["ID_NUMBER_RULES", "MASK_CHAR", "PARTIAL_RULES", "PII_RULES", "RULES", "RULE_TYPES", "Masker", "combination_problems", "default_masking",
           "hash_key", "is_birth_date", "is_identity_number", "mask_value", "probe_digest", "probe_key", "rule_fits"]

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


_BIRTH_NAME = re.compile(r"出生日期|出生时间|出生時間|出生年月|出生年份|出生年|生日|年龄|年齡|"
                         r"\bbirth ?(date|day|year|time)\b|\bdate of birth\b|\bage\b", re.I)
_BIRTH_CODES = frozenset({"dob", "csrq", "csny", "birthday", "birthdate", "birthyear", "birthtime", "age", "nl",
                          "nianling"})
_BIRTH_PARTS = frozenset({"date", "time", "day", "year", "dt"})
_ID_NAMES = ("身份证", "身份号码", "证件号码", "社会保障号码", "社保卡号", "社会保障卡号", "identity number", "id number")
_ID_CODES = frozenset({"idcard", "sfz", "sfzh", "sfzhm", "zjhm", "gmsfhm", "sbkh", "shbzhm"})
#: rules that keep part of a value: beside a birth date they leave only what the birth date tells
PARTIAL_RULES = frozenset({"id_number", "mobile", "name"})
#: the rules an identity number may take: its ends kept, a keyed hash, or nothing
ID_NUMBER_RULES = frozenset({"id_number", "hash", "null"})


def _tokens(code: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", code.lower()) if t}


def is_birth_date(item: Any) -> bool:
    """Whether ``item`` tells a date of birth, a birth year or an age, whatever its data type (a register
    often keeps 出生日期 as text "19900101", a birth year or an age as a number): by its name (出生日期, 出生
    时间, 出生年份, 生日, 年龄, "date of birth"…, or just 出生), by its field code (``birth_date``,
    ``birth_year``, ``dob``, ``csrq``, ``age``…), or a date item whose name speaks of birth (被收养人出生日期).
    Birthplaces, birth certificate numbers and birth weights are not birth dates."""
    name = (_field(item, "name") or "").strip()
    tokens = _tokens(_field(item, "field_code") or "")
    if name == "出生" or _BIRTH_NAME.search(name):
        return True
    if tokens & _BIRTH_CODES or ("birth" in tokens and tokens & _BIRTH_PARTS):
        return True
    return _field(item, "data_type") in ("D", "T") and ("出生" in name or "birth" in tokens)


def is_identity_number(item: Any, rule: str | None = None) -> bool:
    """Whether ``item`` holds an identity number: its personal-information kind (身份证件号码), its name
    (身份证号, 证件号码, 社会保障号码…) or field code (``id_number``, ``sfzh``, ``zjhm``…), or the reviewer's
    own choice of the ``id_number`` rule for it."""
    if rule == "id_number" or _field(item, "pii_kind") == "身份证件号码":
        return True
    name = (_field(item, "name") or "").lower()
    code = (_field(item, "field_code") or "").lower()
    return any(word in name for word in _ID_NAMES) or "id_number" in code or bool(_tokens(code) & _ID_CODES)


def combination_problems(masking: Mapping[str, str], items: Iterable[Any]) -> list[tuple[str, str]]:
    """Masks that combine to give a hidden value back: ``[(field_code, reason)]``, empty when none.

    A resident identity number that keeps part of itself (its first 6 and last 4 characters, or any other
    rule that keeps characters) hides little more than the 8 digits of the date of birth (GB 11643:
    positions 7 to 14). Any birth information granted beside it gives those back: in clear, the whole
    number; by year (or a birth year, or an age), about 33 candidates (365 days, of which the check digit
    keeps one in eleven), few enough to try one by one; as a keyed hash, a dictionary, since a birth date has
    only some 36,500 values and one known person tells the digest of a day. So beside such a number every
    item of birth information must be emptied — or the number itself hashed or emptied."""
    items = list(items)
    partial_ids = [_field(i, "field_code") for i in items
                   if masking.get(_field(i, "field_code")) in PARTIAL_RULES
                   and is_identity_number(i, masking.get(_field(i, "field_code")))]
    if not partial_ids:
        return []
    problems: list[tuple[str, str]] = []
    for item in items:
        code = _field(item, "field_code")
        rule = masking.get(code)
        if code in partial_ids or not is_birth_date(item) or rule == "null":
            continue
        shown = {None: "明文提供", "year": "仅保留年份提供", "hash": "散列提供"}.get(rule, "部分提供")
        problems.append((code, f"身份证件号码部分保留时，隐去的正是出生日期；该出生信息{shown}可推算出完整号码"
                               f"（散列的出生日期可由一个已知的人对照出来）。请将该信息项置空，或将身份证件号码改为散列或置空"))
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
