"""What every way into a dataset shares: the data-plane engine, the published structured entry and its
dataset, and the append-only upsert of validated rows (new key → version 1; changed content → next
version; same content hash → unchanged)."""


from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import MetaData, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govdata.aggregation.models import Batch, Dataset
from govdata.aggregation.tables import (
    latest_versions,
    ColumnTypeChanged,
    data_connection,
    data_engine,
    dataset_table,
    ensure_table,
    evolve,
    is_structured,
    register_dataset,
)
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import Conflict, NotFound

#: Keys looked up per query, and rows per executemany.
CHUNK = 500
KEY_SAMPLE = 20
MAX_KEY_LENGTH = 512

_engines: dict[str, Engine] = {}


def data_engine_of(session: Session) -> Engine:
    """The data-plane engine: the session's own when no separate data database is configured; otherwise
    one engine per URL, kept for the process."""
    settings = settings_of(session)
    control = session.get_bind()
    if not getattr(settings, "data_database_url", None):
        return control  # type: ignore[return-value]
    url = settings.resolved_data_database_url
    if url not in _engines:
        _engines[url] = data_engine(settings, control)  # type: ignore[arg-type]
    return _engines[url]


def resource_by_code(session: Session, code: str) -> Resource:
    resource = session.scalar(select(Resource).where(Resource.code == code))
    if resource is None:
        raise NotFound("数据资源目录", code, "Catalog entry")
    return resource


def published_structured(session: Session, resource: Resource) -> ResourceVersion:
    if resource.published_version_id is None or resource.status == "withdrawn":
        raise Conflict(f"数据资源目录“{resource.code}”尚未发布或已撤销，不能汇聚数据",
                       f"Catalog entry {resource.code} is not published", code="resource_not_published")
    version = session.get(ResourceVersion, resource.published_version_id)
    assert version is not None
    if not is_structured(version):
        raise Conflict(f"数据资源目录“{resource.code}”的数据格式为“{version.format}”，不能按记录汇聚",
                       f"Catalog entry {resource.code} has format {version.format}: no structured records",
                       code="dataset_not_structured")
    return version


def dataset_for(session: Session, resource: Resource, version: ResourceVersion) -> Dataset:
    """The registry row and its table; made here for an entry published before aggregation existed."""
    dataset = session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))
    if dataset is None:
        dataset = register_dataset(session, resource, version)
        ensure_table(session, dataset, data_engine_of(session))
    elif (dataset.last_version_no or 0) < version.version_no:
        evolve_dataset(session, dataset, version)
    return dataset


def evolve_dataset(session: Session, dataset: Dataset, version: ResourceVersion) -> list[str]:
    try:
        return evolve(session, data_engine_of(session), dataset, version.items, version.version_no)
    except ColumnTypeChanged as exc:
        raise Conflict(f"信息项“{exc.field_code}”的数据类型由{exc.old}改为{exc.new}，已汇聚的数据表列不能修改",
                       f"Item {exc.field_code} changes data type {exc.old} -> {exc.new}",
                       code="dataset_column_type_changed") from exc


def raw_key(raw: dict[str, Any], key_codes: list[str]) -> str | None:
    if not key_codes:
        return None
    parts = [raw.get(code) for code in key_codes]
    if any(p is None or p == "" or isinstance(p, dict | list) for p in parts):
        return None
    return "|".join(str(p) for p in parts)[:MAX_KEY_LENGTH]


def chunks(seq: list[Any], size: int = CHUNK) -> Any:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def key_too_long(key_codes: list[str]) -> Any:
    from govdata.aggregation.validation import RowProblem

    return RowProblem(key_codes[0] if key_codes else "record_key", "key_too_long",
                      f"记录主键超过{MAX_KEY_LENGTH}个字符")



def upsert(session: Session, dataset: Dataset, batch: Batch, good: dict[str, tuple[dict[str, object], str]],
            field_codes: list[str]) -> tuple[dict[str, int], list[str]]:
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    written: list[str] = []
    now = utcnow()
    batch_ref = str(batch.id)
    with data_connection(session, data_engine_of(session)) as connection:
        table = dataset_table(dataset, MetaData(), connection.dialect.name)
        keys = list(good)
        for chunk in chunks(keys):
            current = {r.record_key: r for r in connection.execute(latest_versions(table, chunk))}
            inserts = []
            for key in chunk:
                values, row_hash = good[key]
                found = current.get(key)
                if found is None:
                    version_no = 1
                    counts["inserted"] += 1
                elif not found.tombstone and found.content_hash == row_hash:
                    counts["unchanged"] += 1
                    continue
                else:
                    version_no = found.record_version + 1
                    counts["inserted" if found.tombstone else "updated"] += 1
                inserts.append({**{c: values.get(c) for c in field_codes}, "record_key": key,
                                "record_version": version_no, "batch_id": batch_ref, "content_hash": row_hash,
                                "ingested_at": now, "tombstone": False})
                written.append(key)
            if inserts:
                try:
                    connection.execute(insert(table), inserts)
                except IntegrityError as exc:
                    raise Conflict("同一记录正被并发写入，本批未写入，请使用同一幂等键重试",
                                   "Records are being written concurrently; nothing written, retry",
                                   code="concurrent_write") from exc
    return counts, written




def json_value(value: Any, data_type: str) -> Any:
    if value is None:
        return None
    if data_type == "Y":
        return format(Decimal(value) / 100, ".2f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


