"""What one call of the data service may see (SHR-2, SEC-7): the caller's grant in force for the endpoint's
access method, checked (status, method, rate and quota), with the dataset view, the granted items in column
order, the row scope and the masking — built once per call by :func:`open_call`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from govdata.aggregation import service as aggregation
from govdata.aggregation.models import Dataset
from govdata.catalog.models import Resource, ResourceItem
from govdata.core.actor import Actor
from govdata.core.crypto import hmac_sm3
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import DomainError
from govdata.core.policy import authorize
from govdata.sharing import filters, limits
from govdata.sharing.call_records import Use
from govdata.sharing.masking import Masker, hash_key, mask_value, probe_digest, probe_key
from govdata.sharing.models import Grant, Usage
from govdata.sharing.models.grants import effective_status
from govdata.sharing.models.requests import ACCESS_METHODS
from govdata.systems.service import today

__all__ = ["ENDPOINT_METHODS", "CallView", "open_call"]

#: endpoint -> the grant access method it serves (ShareRequest.ACCESS_METHODS).
ENDPOINT_METHODS = {"record": "api", "query": "api", "changes": "table", "export": "file"}
_LIMIT_CODES = ("share_rate_limited", "share_quota_exceeded", "share_verify_misses_exceeded")


@dataclass(frozen=True)
class _Meta:
    personal: frozenset[str]  # items with a personal-information kind
    key_items: tuple[str, ...]


@dataclass
class CallView:
    """What an allowed call may see: granted items (in column order), the scope, the masking."""

    grant: Any  # the grant's row (its columns)
    view: aggregation.DatasetView | None
    items: list[str]
    types: dict[str, str]
    scope: list[filters.Condition]
    masker: Masker
    hash_key: bytes
    probe_key: bytes
    key_hash_key: bytes
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
        """The key as the consumer sees it: in clear when every key item is granted in clear; else
        ``key_hash``, a keyed digest — the department's ``hash`` digest (joinable with its other grants)
        only when the grant hashes every key item itself, else one of this grant alone, so that a key the
        grant empties or cuts cannot be joined to another grant that shows more."""
        if self.key_in_clear:
            return {"key": record_key}
        return {"key_hash": mask_value("hash", record_key, self.key_hash_key)}

    def masking(self) -> dict[str, str]:
        return {i: r for i, r in self.grant.masking.items() if i in self.types}


def open_call(session: Session, actor: Actor, use: Use, rule: Any) -> CallView:
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
    key_in_clear = bool(meta.key_items) and set(meta.key_items) <= granted_clear
    if key_in_clear or (meta.key_items and all(masking.get(k) == "hash" and k in types for k in meta.key_items)):
        key_hash_key = key  # the key in clear needs none; a hashed key joins like any hashed item
    else:
        key_hash_key = _grant_key_hash_key(key, grant.id)
    return CallView(grant=grant, view=view, items=items, types=types,
                   scope=filters.parse_scope(grant.row_scope or [], columns), masker=Masker(
                       {i: r for i, r in masking.items() if i in types}, key), hash_key=key,
                   probe_key=_probe_key(settings.resolved_secret_key), key_hash_key=key_hash_key,
                   clear_personal=frozenset(meta.personal & granted_clear), key_in_clear=key_in_clear)


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


@lru_cache(maxsize=1024)
def _grant_key_hash_key(department_key: bytes, grant_id: int) -> bytes:
    """The key of ``key_hash`` for a grant whose key is masked otherwise than by the hash rule: its own."""
    return hmac_sm3(department_key, f"grant-key:{grant_id}".encode())


@lru_cache(maxsize=8)
def _probe_key(secret: str) -> bytes:
    return probe_key(secret)
