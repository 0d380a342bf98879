"""What a consumer may ask of the data it is granted without reading back what the grant masks (SEC-7).

- :func:`conditions`: the caller's filters; any filter on a masked item is refused (403
  ``share_filter_not_allowed``), except on an item masked by the keyed hash, matched by the digests the
  consumer was given (after masking, in :func:`page`); the audit entry keeps a probe digest of every value
  named on a masked item;
- :func:`page`: a page of records, in key order or, when the key is masked, in write order;
- :func:`reserve_verification`: lookups by a masked key miss at most
  ``GOVDATA_SHARE_VERIFY_MISSES_PER_DAY`` times a day per consumer department (429
  ``share_verify_misses_exceeded``), counted before the lookup;
- :func:`make_cursor` / :func:`read_cursor`: paging cursors, encrypted and bound to the grant, the query
  (:func:`query_binding`) and the order.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from govdata.aggregation import service as aggregation
from govdata.core.crypto import decrypt_field, encrypt_field, sm3_hex
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import DomainError, FieldError, Invalid
from govdata.sharing import filters, limits
from govdata.sharing.call_records import Use
from govdata.sharing.call_view import CallView
from govdata.sharing.masking import RULES, probe_digest
from govdata.sharing.models import Usage

__all__ = ["DIGEST_FILTER_RULES", "MAX_SCAN", "RESERVED_PARAMS", "conditions",
           "make_cursor", "matches", "page", "reserve_verification", "query_binding", "read_cursor"]

#: query parameters that are not filters.
RESERVED_PARAMS = frozenset({"cursor", "limit", "format", "since"})
#: masking rules whose item may still be filtered: by the digests the consumer was given, never by values.
DIGEST_FILTER_RULES = frozenset({"hash"})
#: rows one query call examines at most when it matches digests (which the database cannot compute); the
#: page may then hold fewer records than asked for, and ``next_cursor`` goes on from where it stopped.
MAX_SCAN = 20_000
_DIGEST_LENGTH = 64


def conditions(access: CallView, params: list[tuple[str, str]],
                use: Use) -> tuple[list[filters.Condition], dict[str, frozenset[str]]]:
    """The caller's filters: conditions on clear items for the database, and for each item masked by the
    keyed hash the digests to match after masking. Any other filter on a masked item is refused: whatever
    its operator it would tell the caller whether the hidden value is among those it names. The audit entry
    keeps a probe digest of every value named on a masked item (refused or not), never the value."""
    wanted = [(k, v) for k, v in params if k not in RESERVED_PARAMS]
    masking = access.masking()
    use.conditions = [_described(access, k, v, masking) for k, v in wanted][:filters.MAX_CONDITIONS]
    clear: list[tuple[str, str]] = []
    digests: dict[str, frozenset[str]] = {}
    for item, text in wanted:
        rule = masking.get(item)
        if rule is None:
            clear.append((item, text))
            continue
        op, _, raw = text.partition(":")
        if rule not in DIGEST_FILTER_RULES:
            raise DomainError("share_filter_not_allowed",
                              f"信息项“{item}”已脱敏（{RULES.get(rule, rule)}），不能作为查询条件；"
                              "需核验某人时，请以完整的记录标识调用单条查询接口",
                              f"Item {item!r} is masked ({rule}); it cannot be filtered", extra={"item": item})
        matched = _digests(item, op, raw)
        digests[item] = digests[item] & matched if item in digests else matched
    return filters.parse_query(clear, access.types), digests


def _described(access: CallView, item: str, text: str, masking: dict[str, str]) -> dict[str, Any]:
    """What the audit entry says of one filter: item and operator, and on a masked item the probe digest of
    each value it names."""
    op, _, raw = text.partition(":")
    # only what the platform itself names: a granted item and a known operator; anything else the caller
    # typed (a value where the item or the operator should be) is kept as a probe digest only
    described: dict[str, Any] = {"item": item if item in access.types else "?",
                                 "op": op if op in filters.OPS else "?"}
    if item not in access.types or op not in filters.OPS:
        described["probes"] = [probe_digest(access.probe_key, text[:filters.MAX_VALUE_LENGTH])]
        if item not in access.types:
            described["item_probe"] = probe_digest(access.probe_key, item[:filters.MAX_VALUE_LENGTH])
    elif item in masking:
        values = raw.split(",")[:filters.MAX_IN_VALUES] if op in ("in", "range") else [raw]
        described["probes"] = [probe_digest(access.probe_key, v[:filters.MAX_VALUE_LENGTH]) for v in values]
    return described


def _digests(item: str, op: str, raw: str) -> frozenset[str]:
    """The digests of a filter on a hashed item: ``eq:<digest>`` or ``in:<digest>,…`` (at most 50)."""
    if op not in ("eq", "in"):
        raise DomainError("share_filter_not_allowed",
                          f"信息项“{item}”已散列脱敏，只能按接口返回的散列值进行 eq、in 匹配",
                          f"Item {item!r} is hashed; only eq / in on the digests returned", extra={"item": item})
    values = raw.split(",") if op == "in" else [raw]
    if len(values) > filters.MAX_IN_VALUES:
        raise Invalid([FieldError(item, "validation_failed",
                                                  f"in 条件最多{filters.MAX_IN_VALUES}个值")])
    found = frozenset(v.strip().lower() for v in values)
    if any(len(v) != _DIGEST_LENGTH or v.strip("0123456789abcdef") for v in found):
        raise Invalid([FieldError(item, "validation_failed",
                                                  "该信息项已散列脱敏，条件值应为接口返回的64位十六进制散列值")])
    return found


def matches(values: dict[str, Any], digests: dict[str, frozenset[str]]) -> bool:
    return all(values.get(item) in wanted for item, wanted in digests.items())


def page(session: Session, access: CallView, where: list[Any], digests: dict[str, frozenset[str]],
          after: str | int | None, limit: int) -> tuple[list[tuple[RowMapping, dict[str, Any]]], str | int | None]:
    """Up to ``limit`` records after ``after`` with their masked values, and where the next page starts
    (None on the last page). Without digest filters one read of ``limit + 1`` rows; with them, rows are read
    in chunks and matched after masking, examining at most ``MAX_SCAN`` rows (then the page may be short and
    the next one starts after the last row examined)."""
    assert access.view is not None
    if not digests:
        rows = aggregation.read_current_page(session, access.view, access.items, where, after, limit + 1,
                                             access.order)
        page = [(row, access.values(row)) for row in rows[:limit]]
        return page, (access.position(rows[limit - 1]) if len(rows) > limit else None)
    found: list[tuple[RowMapping, dict[str, Any]]] = []
    scanned = 0
    chunk = min(aggregation.EXPORT_CHUNK, MAX_SCAN)
    while True:
        rows = aggregation.read_current_page(session, access.view, access.items, where, after, chunk,
                                             access.order)
        for row in rows:
            scanned += 1
            values = access.values(row)
            if matches(values, digests):
                if len(found) == limit:
                    return found, access.position(found[-1][0])
                found.append((row, values))
            after = access.position(row)
        if len(rows) < chunk:
            return found, None
        if scanned >= MAX_SCAN:
            return found, after


def reserve_verification(session: Session, access: CallView) -> Callable[[], None]:
    """Reserve a possible miss of a lookup by a masked key from the consumer department's budget for the day
    (``GOVDATA_SHARE_VERIFY_MISSES_PER_DAY``), before the lookup: lookups sent at once cannot all pass, and a
    department's other systems and grants draw on the same budget. A consumer that holds the value it
    verifies rarely misses; one that guesses misses a lot. Returns the function that gives the unit back
    when the lookup hits. Past the budget: 429 ``share_verify_misses_exceeded`` until midnight."""
    settings = settings_of(session)
    budget = settings.share_verify_misses_per_day
    department = access.grant.consumer_department_id
    now = utcnow()

    def seed() -> int:
        local = now.astimezone(limits.LOCAL)
        midnight = dt.datetime.combine(local.date(), dt.time(), limits.LOCAL)
        return session.scalar(select(func.count()).select_from(Usage).where(
            Usage.consumer_department_id == department, Usage.at >= midnight, Usage.endpoint == "record",
            Usage.reason == "not_found")) or 0

    return limits.limiter(settings.redis_url).reserve(
        f"verify-misses:{department}", budget, now, seed, "share_verify_misses_exceeded",
        f"本部门今日按脱敏标识核验未命中已达{budget}次，疑似枚举，今日不再受理核验",
        f"{budget} verification misses by this department today; lookups are refused until midnight")


def query_binding(params: list[tuple[str, str]]) -> str:
    """A digest of a query's filters (in any order), to which its paging cursors are bound."""
    wanted = sorted((k, v) for k, v in params if k not in RESERVED_PARAMS)
    return sm3_hex("\n".join(f"{k}={v}" for k, v in wanted).encode("utf-8", "surrogatepass"))[:32]


def make_cursor(session: Session, grant: Any, position: str | int, bound: str, order: str) -> str:
    plain = f"{order[0]}:{position}"
    sealed = encrypt_field(settings_of(session).resolved_secret_key, plain, f"share_cursor:{grant.id}:{bound}")
    return base64.urlsafe_b64encode(sealed.encode("ascii")).decode("ascii").rstrip("=")


def read_cursor(session: Session, grant: Any, cursor: str, bound: str, order: str) -> str | int:
    """The position a cursor carries; refused (``share_cursor_invalid``) when forged, altered, minted for
    another grant or another query, or for the other order."""
    try:
        if len(cursor) > 2048:
            raise ValueError("cursor too long")
        sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        plain = decrypt_field(settings_of(session).resolved_secret_key, sealed, f"share_cursor:{grant.id}:{bound}")
        kind, sep, position = plain.partition(":")
        if not sep or kind != order[0]:
            raise ValueError("cursor of another order")
        return int(position) if order == "row" else position
    except (ValueError, InvalidTag) as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise DomainError("share_cursor_invalid", errors=[]) from exc
