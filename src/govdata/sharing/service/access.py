"""The data service API (SHR-3, SEC-2, SEC-7): what a signed consumer system reads through its grant.

Four ways in, each tied to the grant's access method (Art. 15 接口 / 库表 / 文件):

- ``read_record`` (method ``api``): one current record by key;
- ``query_records`` (``api``): current records meeting filters on granted items, in key order, a page at a
  time (an encrypted cursor carries the last key);
- ``read_changes`` (``table``): the versions written after a sequence number, deletions included — how a
  consumer keeps a table of its own in step;
- ``export_records`` (``file``): every current record meeting the filters, as CSV, XLSX or Parquet.

Every call, served or refused, writes one audit entry with the seven facts of Art. 18 (purpose, user,
approver, data content — items and keys, never values —, time, method, medium) and one ``Usage`` row,
committed before the answer (``sharing.call_records``). The caller sees only granted items, masked
as the grant says, and only rows inside the grant's row scope (a key outside it is "not found"). A record's
key is shown only when every key item is granted in clear; otherwise ``key_hash``, the keyed digest of the
``hash`` masking rule, stands for it.

Nothing a grant masks can be read back (SEC-7):

- a filter on a masked item is refused (403 ``share_filter_not_allowed``), whatever its operator, since a
  filter answers "is the hidden value one of these?" and a few halving calls recover it; the one exception is
  an item masked by the keyed hash, which the consumer may match by the very digests it was given
  (``eq:<digest>``, ``in:<digest>,…``: compared after masking, never with the stored value);
- when the key is masked, records come in the order they were written, not in key order, and the paging
  cursor (encrypted, bound to the grant and to the query) carries a row id, so neither order nor paging
  tells anything of the hidden keys;
- a lookup by a masked key is a verification (核验): the consumer states a whole value it already holds and
  gets the masked record or "not found". Misses are budgeted per grant and day
  (``GOVDATA_SHARE_VERIFY_MISSES_PER_DAY``); past the budget lookups are refused with 429
  ``share_verify_misses_exceeded`` until midnight, and the misuse check records an enumeration finding;
- the audit entry of a call keeps, for every value probed on a masked item and every masked key looked up
  or returned, a keyed SM3 digest (``masking.probe_digest``), never the value.
"""

from __future__ import annotations

import base64
import datetime as dt
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from govdata.aggregation import service as aggregation
from govdata.aggregation.models import Dataset
from govdata.catalog.models import Resource, ResourceItem
from govdata.core.actor import Actor
from govdata.core.crypto import decrypt_field, encrypt_field
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import DomainError, FieldError, Invalid
from govdata.core.policy import authorize
from govdata.sharing import filters, limits, policy
from govdata.sharing.call_records import Use, metered
from govdata.sharing.exports import FORMATS, writer_for
from govdata.core.crypto import sm3_hex
from govdata.sharing.limits import RateLimited, seconds_to_midnight
from govdata.sharing.masking import RULES, Masker, hash_key, mask_value, probe_digest, probe_key
from govdata.sharing.models import Grant, Usage
from govdata.sharing.models.grants import effective_status
from govdata.sharing.models.requests import ACCESS_METHODS
from govdata.systems.service import today

__all__ = ["DIGEST_FILTER_RULES", "ENDPOINT_METHODS", "MAX_LIMIT", "MAX_SCAN", "RESERVED_PARAMS", "Export",
           "export_records", "query_records", "read_changes", "read_record"]

#: endpoint -> the grant access method it serves (ShareRequest.ACCESS_METHODS).
ENDPOINT_METHODS = {"record": "api", "query": "api", "changes": "table", "export": "file"}
#: query parameters that are not filters.
RESERVED_PARAMS = frozenset({"cursor", "limit", "format", "since"})
MAX_LIMIT = 1000
MAX_AUDIT_KEYS = 1000
#: masking rules whose item may still be filtered: by the digests the consumer was given, never by values.
DIGEST_FILTER_RULES = frozenset({"hash"})
#: rows one query call examines at most when it matches digests (which the database cannot compute); the
#: page may then hold fewer records than asked for, and ``next_cursor`` goes on from where it stopped.
MAX_SCAN = 20_000
_DIGEST_LENGTH = 64
_LIMIT_CODES = ("share_rate_limited", "share_quota_exceeded", "share_verify_misses_exceeded")
_SPOOL_BYTES = 8 * 1024 * 1024  # exports up to this size stay in memory, larger ones go to a temporary file


@dataclass(frozen=True)
class _Meta:
    personal: frozenset[str]  # items with a personal-information kind
    key_items: tuple[str, ...]


@dataclass
class _Access:
    """What an allowed call may see: granted items (in column order), the scope, the masking."""

    grant: Any  # the grant's row (its columns)
    view: aggregation.DatasetView | None
    items: list[str]
    types: dict[str, str]
    scope: list[filters.Condition]
    masker: Masker
    hash_key: bytes
    probe_key: bytes
    clear_personal: frozenset[str]
    key_in_clear: bool

    @property
    def order(self) -> str:
        """Key order when the key is granted in clear; else the order records were written (row order)."""
        return "key" if self.key_in_clear else "row"

    def position(self, row: RowMapping) -> str | int:
        return row["record_key"] if self.key_in_clear else row["row_id"]

    def audit_keys(self, keys: list[str]) -> list[str]:
        """Keys as the audit entry keeps them: as they are when granted in clear, else as probe digests."""
        return keys if self.key_in_clear else [probe_digest(self.probe_key, k) for k in keys]

    def values(self, row: RowMapping) -> dict[str, Any]:
        return self.masker.apply({i: aggregation.json_value(row[i], self.types[i]) for i in self.items})

    def personal(self, values: dict[str, Any]) -> bool:
        return any(values.get(i) is not None for i in self.clear_personal)

    def key_field(self, record_key: str) -> dict[str, str]:
        if self.key_in_clear:
            return {"key": record_key}
        return {"key_hash": mask_value("hash", record_key, self.hash_key)}

    def masking(self) -> dict[str, str]:
        return {i: r for i, r in self.grant.masking.items() if i in self.types}


@dataclass
class Export:
    """A finished export file, positioned at its start; the route streams it and closes it."""

    file: IO[bytes]
    media_type: str
    filename: str
    rows: int


# --- the four calls ----------------------------------------------------------------------------------


def read_record(session: Session, actor: Actor, code: str, key: str) -> dict[str, Any]:
    """The current record ``key`` of ``code`` as the grant shows it (404 when unknown, deleted or outside
    the row scope)."""
    use = Use("record", "json", code)
    with metered(session, actor, use):
        access = _open(session, actor, use, policy.read_record)
        use.keys = access.audit_keys([key[:512]])
        if not access.key_in_clear:
            _check_verification_budget(session, access.grant)
        where = filters.where(access.view.table, access.scope) if access.view else []
        readable = access.view is not None and "\x00" not in key  # PostgreSQL text holds no NUL
        row = aggregation.read_current(session, access.view, key, access.items, where) if readable else None
        if row is None:
            raise DomainError("not_found", "共享数据记录不存在，或不在授权的行范围内",
                              "No such shared record, or it is outside the grant's row scope")
        values = access.values(row)
        use.rows, use.personal_rows = 1, int(access.personal(values))
        result = {"resource": code, **access.key_field(key), "version": row["record_version"],
                  "updated_at": _iso(row["ingested_at"]), "values": values, "masking": access.masking()}
    return result


def query_records(session: Session, actor: Actor, code: str, params: list[tuple[str, str]],
                  cursor: str | None = None, limit: int = 100) -> dict[str, Any]:
    """Current records meeting the filters ``params`` (``item=op:value``), a page of ``limit`` in key
    order; ``cursor`` is the ``next_cursor`` of the page before."""
    use = Use("query", "json", code)
    with metered(session, actor, use):
        access = _open(session, actor, use, policy.query_records)
        conditions, digests = _conditions(access, params, use)
        bound = _query_binding(params)
        after = _read_cursor(session, access.grant, cursor, bound, access.order) if cursor else None
        limit = max(1, min(limit, MAX_LIMIT))
        found: list[tuple[RowMapping, dict[str, Any]]] = []
        resume: str | int | None = None
        if access.view:
            where = filters.where(access.view.table, access.scope + conditions)
            found, resume = _page(session, access, where, digests, after, limit)
        records = []
        for row, values in found:
            use.personal_rows += access.personal(values)
            records.append({**access.key_field(row["record_key"]), "version": row["record_version"],
                            "updated_at": _iso(row["ingested_at"]), "values": values})
        use.rows = len(records)
        use.keys = access.audit_keys([row["record_key"] for row, _ in found][:MAX_AUDIT_KEYS])
        next_cursor = (_make_cursor(session, access.grant, resume, bound, access.order)
                       if resume is not None else None)
        result = {"resource": code, "records": records, "count": len(records), "next_cursor": next_cursor,
                  "masking": access.masking()}
    return result


def read_changes(session: Session, actor: Actor, code: str, since: int = 0,
                 limit: int = 500) -> dict[str, Any]:
    """Versions written after sequence number ``since``, in write order: ``upsert`` with the values, or
    ``delete`` (a deletion, or a record that left the grant's row scope). Pass ``next_since`` back."""
    use = Use("changes", "json", code)
    with metered(session, actor, use):
        access = _open(session, actor, use, policy.read_changes)
        limit = max(1, min(limit, MAX_LIMIT))
        rows: list[RowMapping] = []
        if access.view:
            view, scope = access.view, access.scope
            rows = aggregation.read_versions(session, view, access.items, max(since, 0), limit + 1,
                                             filters.where(view.table, scope),
                                             lambda table: filters.where(table, scope))
        more = len(rows) > limit
        rows = rows[:limit]
        changes = []
        for row in rows:
            change: dict[str, Any] = {"seq": row["row_id"], **access.key_field(row["record_key"]),
                                      "version": row["record_version"], "at": _iso(row["ingested_at"])}
            if row["in_scope"]:
                values = access.values(row)
                use.personal_rows += access.personal(values)
                change.update(op="upsert", values=values)
            else:
                change["op"] = "delete"
            changes.append(change)
        use.rows = len(changes)
        next_since = rows[-1]["row_id"] if rows else max(since, 0)
        result = {"resource": code, "changes": changes, "next_since": next_since, "has_more": more,
                  "masking": access.masking()}
    return result


def export_records(session: Session, actor: Actor, code: str, fmt: str,
                   params: list[tuple[str, str]]) -> Export:
    """Every current record meeting the filters, as a ``fmt`` (csv, xlsx, parquet) file written before the
    call is recorded, so the audit entry counts exactly what leaves."""
    if fmt not in FORMATS:
        fmt = "csv"
    use = Use("export", fmt, code)
    with metered(session, actor, use):
        access = _open(session, actor, use, policy.export_records)
        conditions, digests = _conditions(access, params, use)
        out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 — the route closes it
        try:
            _write_export(session, access, conditions, digests, fmt, out, use)
        except BaseException:
            out.close()
            raise
        media_type, ext = FORMATS[fmt]
        stamp = today().strftime("%Y%m%d")
        result = Export(out, media_type, f"{code}-{stamp}.{ext}", use.rows)
    return result


def _write_export(session: Session, access: _Access, conditions: list[filters.Condition],
                  digests: dict[str, frozenset[str]], fmt: str, out: IO[bytes], use: Use) -> None:
    key_column = "key" if access.key_in_clear else "key_hash"
    masked = [i in access.grant.masking for i in access.items]
    writer = writer_for(fmt, out, [key_column, *access.items],
                        ["C", *(access.types[i] for i in access.items)], [False, *masked])
    if access.view:
        where = filters.where(access.view.table, access.scope + conditions)
        for row in aggregation.iter_current(session, access.view, access.items, where, order=access.order):
            values = access.values(row)
            if not _matches(values, digests):
                continue
            use.rows += 1
            use.personal_rows += access.personal(values)
            writer.write([*access.key_field(row["record_key"]).values(), *(values[i] for i in access.items)])
    writer.close()
    out.seek(0)


# --- the grant, the limits and the view of a call ---------------------------------------------------


def _open(session: Session, actor: Actor, use: Use, rule: Any) -> _Access:
    """Find the caller's grant of ``use.code``, authorize, check status, method and limits; the view."""
    found = _grant_of(session, actor, use.code, ENDPOINT_METHODS[use.endpoint])
    authorize(actor, rule, found[0] if found else None)
    if found is None:
        use.resource_id, use.provider_department_id = _resource_of(session, use.code)
        raise DomainError("share_not_granted", f"本系统未获得数据资源“{use.code[:20]}”的共享授权",
                          f"This system has no grant for {use.code[:20]}")
    grant, dataset, version_id, published_at = found
    use.grant, use.resource_id = grant, grant.resource_id
    use.provider_department_id = grant.provider_department_id
    if grant.resource_status == "withdrawn":  # a withdrawn catalog entry is shared no more, whatever its grants
        raise DomainError("share_resource_withdrawn")
    status = effective_status(grant.status, grant.valid_from, grant.valid_until, today())
    if status != "active":
        raise DomainError(f"share_grant_{status}")
    needed = ENDPOINT_METHODS[use.endpoint]
    if grant.access_method != needed:
        raise DomainError("share_method_not_granted",
                          f"该授权的共享方式为“{ACCESS_METHODS.get(grant.access_method, grant.access_method)}”，"
                          f"此接口需要“{ACCESS_METHODS[needed]}”方式的授权",
                          f"The grant's method is {grant.access_method!r}; this endpoint needs {needed!r}")
    now = utcnow()
    settings = settings_of(session)
    limiter = limits.limiter(settings.redis_url)
    limiter.take(limits.grant_key(grant), grant.rate_per_minute, grant.daily_quota, now,
                 lambda: _used_today(session, grant.id, now))
    view = aggregation.dataset_view(session, dataset) if dataset is not None else None
    columns = {c["field_code"]: c["data_type"] for c in dataset.columns} if dataset is not None else {}
    items = [c for c in columns if c in set(grant.items)]
    use.items = items
    types = {i: columns[i] for i in items}
    meta = _meta(session, version_id, published_at)
    masking = grant.masking or {}
    key = _hash_key(settings.resolved_secret_key, grant.consumer_department_id)
    granted_clear = {i for i in items if i not in masking}
    return _Access(grant=grant, view=view, items=items, types=types,
                   scope=filters.parse_scope(grant.row_scope or [], columns), masker=Masker(
                       {i: r for i, r in masking.items() if i in types}, key), hash_key=key,
                   probe_key=_probe_key(settings.resolved_secret_key),
                   clear_personal=frozenset(meta.personal & granted_clear),
                   key_in_clear=bool(meta.key_items) and set(meta.key_items) <= granted_clear)


@dataclass(frozen=True)
class _DatasetRow:
    """What a dataset view needs of the registry row (read as plain columns: no ORM object per call)."""

    id: int
    resource_id: int
    table_name: str
    columns: list[Any]


_GRANTS_OF = (
    select(*Grant.__table__.c, Dataset.id.label("dataset_id"), Dataset.table_name.label("dataset_table"),
           Dataset.columns.label("dataset_columns"), Resource.published_version_id, Resource.published_at,
           Resource.status.label("resource_status"))
    .join(Resource, Resource.id == Grant.resource_id)
    .outerjoin(Dataset, Dataset.resource_id == Grant.resource_id)
    .where(Grant.system_id == bindparam("system_id"), Grant.resource_code == bindparam("code"))
    .order_by(Grant.id.desc()))


def _grant_of(session: Session, actor: Actor, code: str, method: str) -> tuple[
        Any, _DatasetRow | None, int | None, dt.datetime | None] | None:
    """The caller's grant of ``code`` (a row with the grant's columns) with the dataset and the published
    version: the one in force for the access ``method`` if any, else one in force, else the latest (whose
    status explains the refusal). One query, plain columns."""
    if actor.kind != "system" or actor.system_id is None:
        return None
    rows = session.execute(_GRANTS_OF, {"system_id": actor.system_id, "code": code}).all()
    if not rows:
        return None
    day = today()
    active = [r for r in rows if effective_status(r.status, r.valid_from, r.valid_until, day) == "active"]
    best = next((r for r in active if r.access_method == method), active[0] if active else rows[0])
    dataset = (_DatasetRow(best.dataset_id, best.resource_id, best.dataset_table, best.dataset_columns)
               if best.dataset_id is not None else None)
    return best, dataset, best.published_version_id, best.published_at


def _resource_of(session: Session, code: str) -> tuple[int | None, int | None]:
    query = select(Resource.id, Resource.department_id).where(Resource.code == code[:20])
    row = session.execute(query).first()
    return (row[0], row[1]) if row else (None, None)


def _used_today(session: Session, grant_id: int, now: dt.datetime) -> int:
    """Calls of the grant counted against today's quota (Asia/Shanghai day), from the usage ledger."""
    local = now.astimezone(limits.LOCAL)
    midnight = dt.datetime.combine(local.date(), dt.time(), limits.LOCAL)
    return session.scalar(select(func.count()).select_from(Usage).where(
        Usage.grant_id == grant_id, Usage.at >= midnight,
        or_(Usage.reason.is_(None), Usage.reason.notin_(_LIMIT_CODES)))) or 0


_metas: dict[tuple[int, Any], _Meta] = {}


def _meta(session: Session, version_id: int | None, published_at: dt.datetime | None) -> _Meta:
    """Personal and key items of the published version; versions never change once published, so kept."""
    if version_id is None:
        return _Meta(frozenset(), ())
    cache_key = (version_id, published_at)
    meta = _metas.get(cache_key)
    if meta is None:
        rows = session.execute(select(ResourceItem.field_code, ResourceItem.pii_kind, ResourceItem.is_key)
                               .where(ResourceItem.version_id == version_id)).all()
        meta = _Meta(frozenset(r[0] for r in rows if r[1]), tuple(r[0] for r in rows if r[2]))
        if len(_metas) > 4096:
            _metas.clear()
        _metas[cache_key] = meta
    return meta


@lru_cache(maxsize=256)
def _hash_key(secret: str, consumer_department_id: int) -> bytes:
    return hash_key(secret, consumer_department_id)


@lru_cache(maxsize=8)
def _probe_key(secret: str) -> bytes:
    return probe_key(secret)


def _conditions(access: _Access, params: list[tuple[str, str]],
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


def _described(access: _Access, item: str, text: str, masking: dict[str, str]) -> dict[str, Any]:
    """What the audit entry says of one filter: item and operator, and on a masked item the probe digest of
    each value it names."""
    op, _, raw = text.partition(":")
    described: dict[str, Any] = {"item": item[:64], "op": op[:10]}
    if item in masking:
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


def _matches(values: dict[str, Any], digests: dict[str, frozenset[str]]) -> bool:
    return all(values.get(item) in wanted for item, wanted in digests.items())


def _page(session: Session, access: _Access, where: list[Any], digests: dict[str, frozenset[str]],
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
            if _matches(values, digests):
                if len(found) == limit:
                    return found, access.position(found[-1][0])
                found.append((row, values))
            after = access.position(row)
        if len(rows) < chunk:
            return found, None
        if scanned >= MAX_SCAN:
            return found, after


def _check_verification_budget(session: Session, grant: Any) -> None:
    """Refuse a lookup by a masked key once the grant's lookups have missed the day's budget (429 until
    midnight): a consumer that holds the value it verifies rarely misses; one that guesses misses a lot."""
    budget = settings_of(session).share_verify_misses_per_day
    now = utcnow()
    local = now.astimezone(limits.LOCAL)
    midnight = dt.datetime.combine(local.date(), dt.time(), limits.LOCAL)
    misses = session.scalar(select(func.count()).select_from(Usage).where(
        Usage.grant_id == grant.id, Usage.at >= midnight, Usage.endpoint == "record",
        Usage.reason == "not_found")) or 0
    if misses >= budget:
        raise RateLimited("share_verify_misses_exceeded", seconds_to_midnight(now),
                          f"今日按脱敏标识核验未命中已达{budget}次，疑似枚举，今日不再受理核验",
                          f"{budget} verification misses today; lookups are refused until midnight")


def _query_binding(params: list[tuple[str, str]]) -> str:
    """A digest of a query's filters (in any order), to which its paging cursors are bound."""
    wanted = sorted((k, v) for k, v in params if k not in RESERVED_PARAMS)
    return sm3_hex("\n".join(f"{k}={v}" for k, v in wanted).encode("utf-8", "surrogatepass"))[:32]


# --- cursors: the last key, encrypted and bound to the grant -------------------------------------------


def _make_cursor(session: Session, grant: Any, position: str | int, bound: str, order: str) -> str:
    plain = f"{order[0]}:{position}"
    sealed = encrypt_field(settings_of(session).resolved_secret_key, plain, f"share_cursor:{grant.id}:{bound}")
    return base64.urlsafe_b64encode(sealed.encode("ascii")).decode("ascii").rstrip("=")


def _read_cursor(session: Session, grant: Any, cursor: str, bound: str, order: str) -> str | int:
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


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None
