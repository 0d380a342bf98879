"""Row conditions on shared datasets: a consumer's query filters and a grant's row scope (SHR-2, SEC-7).

Pure domain code. A condition names a granted item, an operator and a value already converted to what the
dataset column stores (the same converters as aggregation.validation, so ``amount=eq:12.50`` compares with
the stored 1250 fen, ``birth_date=range:1990-01-01,1990-12-31`` with dates). :func:`where` turns conditions
into bound SQLAlchemy clauses — never SQL text — so hostile values (``' OR 1=1 --``, ``%``, ``_``) are data.

Query syntax, one condition per parameter (parameters on the same item all hold)::

    ?county=eq:530102                          equal
    ?county=in:530102,530103                   one of (at most 50 values, comma separated)
    ?name=prefix:居民                           starts with (text items only; case-sensitive on both databases)
    ?birth_date=range:1990-01-01,1990-12-31    between, inclusive; either end may be left empty

Operators by data type: ``prefix`` on C and M; ``range`` on N, Y, D, T, I, B and F (a T range accepts bare
dates: the whole day in Asia/Shanghai time); ``eq`` and ``in`` on every type but G (binary items cannot be
filtered). The caller skips reserved parameters (cursor, limit, format, since) before :func:`parse_query`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Numeric, Table, and_, cast, func

from govdata.aggregation.service import ItemSpec, Validator
from govdata.core.errors import DomainError, FieldError, Invalid

__all__ = [
    "MAX_CONDITIONS", "MAX_IN_VALUES", "MAX_VALUE_LENGTH", "OPS", "Condition", "ItemNotGranted", "parse_query",
    "parse_scope", "where",
]

OPS: dict[str, str] = {"eq": "等于", "in": "属于", "prefix": "开头为", "range": "介于"}
MAX_IN_VALUES = 50
MAX_VALUE_LENGTH = 200  # characters of one value
MAX_CONDITIONS = 20
_ALL_TYPES = frozenset("CNYDTLMBIF")  # G (binary) cannot be filtered
#: op -> the data types it applies to.
OP_TYPES: dict[str, frozenset[str]] = {
    "eq": _ALL_TYPES,
    "in": _ALL_TYPES,
    "prefix": frozenset("CM"),
    "range": frozenset("NYDTIBF"),
}
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_DAY_END = dt.time(23, 59, 59, 999999)


class ItemNotGranted(DomainError):
    """A condition (or a requested item) names an item outside the grant (403 ``share_item_not_granted``)."""

    def __init__(self, item: str) -> None:
        shown = item if len(item) <= 64 else item[:64] + "…"
        super().__init__("share_item_not_granted", f"信息项“{shown}”不在授权范围内",
                         f"Item {shown!r} is not granted", extra={"item": shown})
        self.item = item


@dataclass(frozen=True, slots=True)
class Condition:
    """``item`` ``op`` ``value``: eq/prefix a single value, in a tuple of values, range a ``(low, high)`` pair
    (either may be None). Values are converted to the column's Python type. ``data_type`` is the item's."""

    item: str
    op: str
    value: Any
    data_type: str = "C"


# --------------------------------------------------------------------------------------------------------
# Converting one value the way aggregation stores it
# --------------------------------------------------------------------------------------------------------

_VALIDATORS: dict[str, Validator] = {
    t: Validator([ItemSpec(field_code="value", name="", data_type=t)]) for t in _ALL_TYPES
}


def _bad(item: str, message: str) -> Invalid:
    return Invalid([FieldError(item, "validation_failed", message)])


def _convert(item: str, data_type: str, raw: Any, bound: str | None = None) -> Any:
    """``raw`` (str from a query, or a JSON scalar from a stored scope) as the column stores it.

    ``bound`` is "low"/"high" for range ends, where a T item also takes a bare date."""
    if isinstance(raw, str):
        if len(raw) > MAX_VALUE_LENGTH:
            raise _bad(item, f"条件值不能超过{MAX_VALUE_LENGTH}个字符")
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            raise _bad(item, "条件值含有无效字符") from None
        if "\x00" in raw:
            raise _bad(item, "条件值含有不允许的控制字符")
    elif raw is not None and not isinstance(raw, int | float):  # bool is an int
        raise _bad(item, "条件值应为字符串或数字")
    if data_type == "T" and bound and isinstance(raw, str) and len(raw.strip()) <= 10:
        day = _VALIDATORS["D"].check({"value": raw})
        if day.ok and day.values and day.values["value"] is not None:
            when = dt.datetime.combine(day.values["value"], dt.time() if bound == "low" else _DAY_END, LOCAL_TZ)
            return when.astimezone(dt.UTC)
    result = _VALIDATORS[data_type].check({"value": raw})
    if not result.ok:
        reason = result.problems[0].message.split("：", 1)[-1]
        raise _bad(item, "条件值" + reason if reason.startswith("应为") else reason)
    assert result.values is not None
    value = result.values["value"]
    if value is None:
        raise _bad(item, "条件值不能为空")
    return value


def _order(value: Any, data_type: str) -> Any:
    return Decimal(value) if data_type == "N" else value


def _condition(item: str, op: str, raw: Any, data_type: str) -> Condition:
    if op not in OPS:
        raise _bad(item, f"不支持的条件“{op[:20]}”，应为 eq、in、prefix、range 之一，如 {item}=eq:值")
    if data_type not in OP_TYPES[op]:
        raise _bad(item, f"该信息项（数据类型 {data_type}）不支持“{op}”条件")
    if op in ("eq", "prefix"):
        if isinstance(raw, list | tuple):
            raise _bad(item, "条件值应为单个值")
        return Condition(item, op, _convert(item, data_type, raw), data_type)
    if op == "in":
        parts = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(parts, list | tuple) or not parts:
            raise _bad(item, "in 条件应给出一个或多个值，以逗号分隔")
        if len(parts) > MAX_IN_VALUES:
            raise _bad(item, f"in 条件最多{MAX_IN_VALUES}个值")
        values = tuple(dict.fromkeys(_convert(item, data_type, part) for part in parts))
        return Condition(item, op, values, data_type)
    ends = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(ends, list | tuple) or len(ends) != 2:
        raise _bad(item, "range 条件应为“下限,上限”，可省略其中一端")
    low, high = (None if end is None or (isinstance(end, str) and not end.strip())
                 else _convert(item, data_type, end, bound) for end, bound in zip(ends, ("low", "high")))
    if low is None and high is None:
        raise _bad(item, "range 条件至少应给出下限或上限")
    if low is not None and high is not None and _order(low, data_type) > _order(high, data_type):
        raise _bad(item, "range 条件的下限不能大于上限")
    return Condition(item, op, (low, high), data_type)


# --------------------------------------------------------------------------------------------------------
# Parsing a query and a stored row scope
# --------------------------------------------------------------------------------------------------------


def parse_query(params: Iterable[tuple[str, str]], types: Mapping[str, str]) -> list[Condition]:
    """Conditions from query parameters ``item=op:value``. ``types`` maps each granted item to its data type.

    An item not in ``types`` raises :class:`ItemNotGranted` (403); a malformed operator or value raises
    :class:`Invalid` (422) naming the item."""
    conditions: list[Condition] = []
    for item, text in params:
        if item not in types:
            raise ItemNotGranted(item)
        if len(conditions) >= MAX_CONDITIONS:
            raise _bad(item, f"查询条件最多{MAX_CONDITIONS}个")
        op, sep, raw = text.partition(":")
        if not sep:
            raise _bad(item, f"条件格式应为“操作:值”，如 {item}=eq:值")
        conditions.append(_condition(item, op, raw, types[item]))
    return conditions


def parse_scope(row_scope: Iterable[Any], types: Mapping[str, str]) -> list[Condition]:
    """Conditions from a grant's stored row scope ``[{"item", "op", "value"}]``. Values are JSON scalars
    (``in``: a list or a comma separated string; ``range``: ``[low, high]`` or ``"low,high"``).

    An item not in ``types`` is a bad scope, not a bad call: it raises :class:`Invalid` (422)."""
    conditions: list[Condition] = []
    for n, entry in enumerate(row_scope or []):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("item"), str) \
                or not isinstance(entry.get("op"), str) or "value" not in entry:
            raise _bad(f"row_scope[{n}]", "行范围条件应包含信息项（item）、条件（op）和值（value）")
        item = entry["item"]
        if item not in types:
            raise _bad(item, "行范围条件只能使用授权的信息项")
        if len(conditions) >= MAX_CONDITIONS:
            raise _bad(item, f"行范围条件最多{MAX_CONDITIONS}个")
        conditions.append(_condition(item, entry["op"], entry["value"], types[item]))
    return conditions


# --------------------------------------------------------------------------------------------------------
# SQL
# --------------------------------------------------------------------------------------------------------


def where(table: Table, conditions: Iterable[Condition]) -> list[ColumnElement[bool]]:
    """Bound SQLAlchemy clauses for ``conditions`` on the dataset ``table`` (to be AND-ed by the caller).

    A condition on a column the table lacks raises :class:`ItemNotGranted`, so a bad grant fails closed."""
    clauses: list[ColumnElement[bool]] = []
    for cond in conditions:
        if cond.item not in table.c:
            raise ItemNotGranted(cond.item)
        column = table.c[cond.item]
        if cond.op == "eq":
            clauses.append(column == cond.value)
        elif cond.op == "in":
            clauses.append(column.in_(list(cond.value)))
        elif cond.op == "prefix":
            # LIKE with %, _ and the escape character escaped (autoescape), and an exact comparison of the
            # leading characters, because SQLite's LIKE ignores ASCII case where PostgreSQL's does not.
            clauses.append(and_(column.startswith(cond.value, autoescape=True),
                                func.substr(column, 1, len(cond.value)) == cond.value))
        elif cond.op == "range":
            # N is stored as canonical decimal text: compare as numbers, not as strings ("10" < "9").
            target = cast(column, Numeric(asdecimal=True)) if cond.data_type == "N" else column
            low, high = cond.value
            if low is not None:
                clauses.append(target >= _order(low, cond.data_type))
            if high is not None:
                clauses.append(target <= _order(high, cond.data_type))
        else:
            raise ValueError(f"unknown operator {cond.op!r}")
    return clauses
