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
  gets the masked record or "not found". Misses are budgeted per consumer department and day
  (``GOVDATA_SHARE_VERIFY_MISSES_PER_DAY``); past the budget lookups are refused with 429
  ``share_verify_misses_exceeded`` until midnight, and the misuse check records an enumeration finding;
- the audit entry of a call keeps, for every value probed on a masked item and every masked key looked up
  or returned, a keyed SM3 digest (``masking.probe_digest``), never the value;
- a key the grant masks is shown as ``key_hash``: the department's ``hash`` digest only when the grant
  hashes every key item itself, else a digest of this grant alone, which joins with nothing else;
- the terms refuse masks that combine to restore an identity number (``masking.combination_problems``)
  and row scopes on masked items.

Left open: when a provider loads its records in key order, write order follows key order and tells how two
hidden keys compare (never a value); ``seq`` of the change feed is the dataset's row id, whose gaps count
the writes outside the consumer's row scope.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from govdata.aggregation import service as aggregation
from govdata.core.actor import Actor
from govdata.core.errors import DomainError
from govdata.sharing import filters, policy
from govdata.sharing import masked_queries as masked
from govdata.sharing.call_records import Use, metered
from govdata.sharing.call_view import ENDPOINT_METHODS, CallView, open_call
from govdata.sharing.exports import FORMATS, writer_for
from govdata.sharing.masked_queries import DIGEST_FILTER_RULES, MAX_SCAN, RESERVED_PARAMS
from govdata.systems.service import today

__all__ = ["DIGEST_FILTER_RULES", "ENDPOINT_METHODS", "FORMATS", "MAX_LIMIT", "MAX_SCAN", "RESERVED_PARAMS",
           "Export", "export_records", "query_records", "read_changes", "read_record"]

MAX_LIMIT = 1000
MAX_AUDIT_KEYS = 1000
_SPOOL_BYTES = 8 * 1024 * 1024  # exports up to this size stay in memory, larger ones go to a temporary file


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
        access = open_call(session, actor, use, policy.read_record)
        use.keys = access.audit_keys([key[:512]])
        give_back = masked.reserve_verification(session, access) if not access.key_in_clear else None
        where = filters.where(access.view.table, access.scope) if access.view else []
        readable = access.view is not None and "\x00" not in key  # PostgreSQL text holds no NUL
        row = aggregation.read_current(session, access.view, key, access.items, where) if readable else None
        if row is not None and give_back is not None:
            give_back()  # a hit spends nothing of the budget
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
        access = open_call(session, actor, use, policy.query_records)
        conditions, digests = masked.conditions(access, params, use)
        bound = masked.query_binding(params)
        after = masked.read_cursor(session, access.grant, cursor, bound, access.order) if cursor else None
        limit = max(1, min(limit, MAX_LIMIT))
        found: list[tuple[RowMapping, dict[str, Any]]] = []
        resume: str | int | None = None
        if access.view:
            where = filters.where(access.view.table, access.scope + conditions)
            found, resume = masked.page(session, access, where, digests, after, limit)
        records = []
        for row, values in found:
            use.personal_rows += access.personal(values)
            records.append({**access.key_field(row["record_key"]), "version": row["record_version"],
                            "updated_at": _iso(row["ingested_at"]), "values": values})
        use.rows = len(records)
        use.keys = access.audit_keys([row["record_key"] for row, _ in found][:MAX_AUDIT_KEYS])
        next_cursor = (masked.make_cursor(session, access.grant, resume, bound, access.order)
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
        access = open_call(session, actor, use, policy.read_changes)
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
        access = open_call(session, actor, use, policy.export_records)
        conditions, digests = masked.conditions(access, params, use)
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


def _write_export(session: Session, access: CallView, conditions: list[filters.Condition],
                  digests: dict[str, frozenset[str]], fmt: str, out: IO[bytes], use: Use) -> None:
    key_column = "key" if access.key_in_clear else "key_hash"
    is_masked = [i in access.grant.masking for i in access.items]
    writer = writer_for(fmt, out, [key_column, *access.items],
                        ["C", *(access.types[i] for i in access.items)], [False, *is_masked])
    if access.view:
        where = filters.where(access.view.table, access.scope + conditions)
        for row in aggregation.iter_current(session, access.view, access.items, where, order=access.order):
            values = access.values(row)
            if not masked.matches(values, digests):
                continue
            use.rows += 1
            use.personal_rows += access.personal(values)
            writer.write([*access.key_field(row["record_key"]).values(), *(values[i] for i in access.items)])
    writer.close()
    out.seek(0)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None
