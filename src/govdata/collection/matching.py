"""How names are compared: normalisation, and a short synonym table for information items.

Pure functions. Both the coverage report (CAT-3) and the duplicate collection report (SUP-5) compare names
this way, so a department sees the same matching in both.

Normalising a name: Unicode NFKC (full-width letters, digits and punctuation become half-width), then every
space, punctuation mark and symbol is dropped, and Latin letters are lower-cased: “公民身份号码（18位）” and
“公民身份号码 18位” normalise alike.

The synonym table is deliberately short: it holds only names that mean the same item in any government
catalog. A name that means different things in different classes (“名称” is a person's name in a 人口
resource but an organisation's name in a 法人单位 resource) is a synonym only within its class.
"""

from __future__ import annotations

import unicodedata

# canonical name -> other names of the same information item, in every class
SYNONYMS: dict[str, tuple[str, ...]] = {
    "公民身份号码": ("身份证号", "身份证号码", "居民身份证号", "居民身份证号码", "公民身份证号码"),
    "手机号码": ("手机号", "联系电话", "移动电话"),
    "住址": ("地址", "居住地址", "家庭住址"),
    "统一社会信用代码": ("社会信用代码", "信用代码"),
}

# base class code (catalog/standard.py BASE_CLASS_CODES) -> synonyms valid only inside that class
CLASS_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "101": {"姓名": ("名称",)},  # 人口: the name of a person
    "102": {"单位名称": ("名称", "企业名称", "机构名称")},  # 法人单位: the name of the organisation
}


def normalize(name: str) -> str:
    """Full-width → half-width, no spaces, punctuation or symbols, Latin letters lower-cased."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC").lower()


def _table(entries: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, others in entries.items():
        for name in (canonical, *others):
            table[normalize(name)] = normalize(canonical)
    return table


_COMMON = _table(SYNONYMS)
_BY_CLASS = {code: _table(entries) for code, entries in CLASS_SYNONYMS.items()}


def base_class(classification_code: str | None) -> str | None:
    """The 基础 class (101–105) a classification code falls under, or None."""
    if classification_code and len(classification_code) >= 3 and classification_code[0] == "1":
        return classification_code[:3]
    return None


def item_key(name: str, class_code: str | None = None) -> str:
    """The normalised canonical name of an information item, within a base class if one is given."""
    key = normalize(name)
    if class_code is not None and key in _BY_CLASS.get(class_code, {}):
        return _BY_CLASS[class_code][key]
    return _COMMON.get(key, key)


def name_match(required: str, registered: str) -> str | None:
    """How a registered resource name matches a required one: "exact", "contains" (either name contains
    the other, the shorter having at least two characters), or None."""
    a, b = normalize(required), normalize(registered)
    if not a or not b:
        return None
    if a == b:
        return "exact"
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) >= 2 and shorter in longer:
        return "contains"
    return None
