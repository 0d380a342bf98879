"""The terms of a grant and their validation against the items of the published version (SHR-2, SEC-7).

Pure domain code, no database. Terms are a dict (the form ``ShareRequest.terms`` stores and ``Grant`` holds
in its columns)::

    {"items": [code…], "row_scope": [{"item", "op", "value"}…], "masking": {code: rule},
     "rate_per_minute": n, "daily_quota": n, "valid_until": "YYYY-MM-DD"}

``default_terms`` gives what a grant gets when nobody sets anything: the requested items, no row scope, the
default masking of each item's personal-information kind and sensitivity (``masking.default_masking``), the
default rate and quota, valid to the end of the requested period. ``merge_terms`` applies a reviewer's change
(``GrantTerms``: fields left out keep their value) and checks the result: items within those allowed, a row
scope on granted items that ``filters.parse_scope`` accepts, masking rules that exist and fit each item's data
type and do not combine to give a hidden value back (``masking.combination_problems``: an identity number
keeping its ends beside a birth date in clear or by year), and an end date within the period allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from govdata.catalog.models import ResourceItem, ResourceVersion
from govdata.core.errors import FieldError, Invalid, invalid
from govdata.sharing.filters import parse_scope
from govdata.sharing.masking import (ID_NUMBER_RULES, RULES, combination_problems, default_masking,
                                     is_identity_number, rule_fits)
from govdata.sharing.schemas import GrantTerms

DEFAULT_RATE_PER_MINUTE = 600
DEFAULT_DAILY_QUOTA = 10_000


def terms_can_change(status: str, valid_until: dt.date, day: dt.date) -> bool:
    """Whether a grant's terms may still change on ``day``: not once it is revoked or past its end (a grant
    that ran out is renewed by a new request, not by editing it). The grant page asks this before it offers
    the form, the service before it changes anything."""
    return status != "revoked" and valid_until >= day


def shared_items(version: ResourceVersion) -> list[ResourceItem]:
    """The items of ``version`` that may be shared at all (``shared`` in the catalog), in catalog order."""
    return [i for i in version.items if i.shared]


def one_year_after(day: dt.date) -> dt.date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def check_items(wanted: Sequence[str], allowed: Sequence[ResourceItem], field: str = "items") -> list[str]:
    """``wanted`` as a list in catalog order without repeats; 422 naming the items outside ``allowed``."""
    codes = [i.field_code for i in allowed]
    unknown = [c for c in dict.fromkeys(wanted) if c not in codes]
    if unknown:
        shown = "、".join(c[:64] for c in unknown[:10])
        raise invalid(field, f"以下信息项不存在或不在可共享范围内：{shown}",
                      message_en=f"not among the shareable items: {', '.join(unknown[:10])}")
    if not wanted:
        raise invalid(field, "至少选择一个信息项", message_en="choose at least one item")
    chosen = set(wanted)
    return [c for c in codes if c in chosen]


def check_period(period_from: dt.date | None, period_to: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period of use: from today or later, to at most one year after its first day."""
    start = period_from or today
    if start < today:
        raise invalid("period_from", "使用期限的开始日期不能早于今天", message_en="cannot start in the past")
    if start > one_year_after(today):
        raise invalid("period_from", "使用期限的开始日期不能晚于一年以后", message_en="starts more than a year ahead")
    if period_to < start:
        raise invalid("period_to", "使用期限的结束日期不能早于开始日期", message_en="ends before it starts")
    if period_to >= one_year_after(start):
        raise invalid("period_to", "使用期限最长一年", message_en="at most one year")
    return start, period_to


def check_masking(masking: dict[str, str], items: Sequence[ResourceItem]) -> dict[str, str]:
    """Rules that exist and fit each item's data type, on granted items only."""
    by_code = {i.field_code: i for i in items}
    errors: list[FieldError] = []
    for code, rule in masking.items():
        item = by_code.get(code)
        if item is None:
            errors.append(FieldError(f"masking.{code[:64]}", "validation_failed", "该信息项不在授权范围内"))
        elif rule not in RULES:
            errors.append(FieldError(f"masking.{code}", "validation_failed",
                                     f"脱敏规则应为：{'、'.join(RULES)}"))
        elif not rule_fits(rule, item.data_type):
            errors.append(FieldError(f"masking.{code}", "validation_failed",
                                     f"脱敏规则“{RULES[rule]}”不适用于该信息项的数据类型"))
        elif rule not in ID_NUMBER_RULES and is_identity_number(item):
            errors.append(FieldError(f"masking.{code}", "validation_failed",
                                     "身份证件号码只能“保留前6位和后4位”、散列或置空：其他规则隐去的位数太少，"
                                     "或恰好露出出生日期"))
    if errors:
        raise Invalid(errors)
    return {i.field_code: masking[i.field_code] for i in items if i.field_code in masking}


def check_combinations(masking: dict[str, str], items: Sequence[ResourceItem]) -> None:
    """422 naming each item whose masking, together with another item's, gives a hidden value back."""
    problems = combination_problems(masking, items)
    if problems:
        raise Invalid([FieldError(f"masking.{code}", "validation_failed", reason) for code, reason in problems])


def check_row_scope(row_scope: Sequence[dict[str, Any]], items: Sequence[ResourceItem],
                    masking: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Conditions ``filters.parse_scope`` accepts on granted items that the grant does not mask (a scope on
    a masked item would tell, of every record shared, what the mask hides: "born in 1990" is the year of
    a birth date the grant empties); kept as given (``item``, ``op``, ``value``)."""
    masked = [c.get("item") for c in row_scope if isinstance(c, dict) and c.get("item") in (masking or {})]
    if masked:
        raise Invalid([FieldError(f"row_scope.{item}", "validation_failed",
                                  "行范围条件不能使用已脱敏的信息项：范围本身会透露被隐去的值") for item in masked])
    types = {i.field_code: i.data_type for i in items}
    try:
        parse_scope(row_scope, types)
    except Invalid as exc:
        raise Invalid([FieldError(f"row_scope.{e.field}", e.code, e.message) for e in exc.errors]) from exc
    return [{"item": c["item"], "op": c["op"], "value": c["value"]} for c in row_scope]


def default_terms(items: Sequence[ResourceItem], valid_until: dt.date) -> dict[str, Any]:
    return {"items": [i.field_code for i in items], "row_scope": [], "masking": default_masking(items),
            "rate_per_minute": DEFAULT_RATE_PER_MINUTE, "daily_quota": DEFAULT_DAILY_QUOTA,
            "valid_until": valid_until.isoformat()}


def merge_terms(current: dict[str, Any], change: GrantTerms | None, allowed: Sequence[ResourceItem],
                valid_from: dt.date, latest_until: dt.date) -> dict[str, Any]:
    """``current`` (complete terms) with ``change`` applied and checked. ``allowed`` are the items the grant may
    cover (those requested); ``valid_until`` must lie in [``valid_from``, ``latest_until``]. When the items
    change and no masking is given, kept items keep their rule and added items get their default one."""
    terms = dict(current)
    if change is None:
        change = GrantTerms()
    by_code = {i.field_code: i for i in allowed}
    items = check_items(change.items, allowed) if change.items is not None else list(terms["items"])
    granted = [by_code[c] for c in items if c in by_code]
    if change.masking is not None:
        masking = check_masking(change.masking, granted)
    else:
        defaults, old = default_masking(granted), dict(terms.get("masking") or {})
        previous = set(terms["items"])
        masking = {c: (old[c] if c in previous else defaults[c]) for c in items
                   if (c in old if c in previous else c in defaults)}
    if change.row_scope is not None:
        scope = [c.model_dump() for c in change.row_scope]
    else:
        scope = list(terms.get("row_scope") or [])
    check_combinations(masking, granted)
    row_scope = check_row_scope(scope, granted, masking)
    until = change.valid_until or dt.date.fromisoformat(terms["valid_until"])
    if until < valid_from or until > latest_until:
        raise invalid("valid_until", f"授权截止日期应在{valid_from.isoformat()}至{latest_until.isoformat()}之间",
                      message_en=f"must lie between {valid_from} and {latest_until}")
    terms.update(items=items, masking=masking, row_scope=row_scope, valid_until=until.isoformat())
    for name in ("rate_per_minute", "daily_quota"):
        if getattr(change, name) is not None:
            terms[name] = getattr(change, name)
    return terms
