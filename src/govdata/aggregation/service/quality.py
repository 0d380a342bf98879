"""Aggregation services: the dataset pages — list, detail, lineage (every batch) — and quality (GEN-2).

Quality is measured by ``aggregation.measures`` (definitions, weights) and kept as ``QualitySnapshot``
rows, appended and never updated:

- ``after_batch(session, dataset, batch)`` — what the ways in (push, file, pull) call after each batch;
  no actor, no policy. It stays cheap for a small batch into a large table: the table aggregates
  (completeness, uniqueness, current rows) are re-read only when there is no earlier measurement, when
  the table holds fewer than ``FULL_ALWAYS_BELOW`` current records (a re-read then costs well under a
  second), or when the batch wrote at least ``RECOMPUTE_SHARE`` of the current records; otherwise they are
  carried over from the last measurement (``full`` false, ``table_measured_at`` says from when) and only
  validity (from the batch counts) and timeliness are measured anew — a handful of control-plane queries.
- ``refresh_quality`` — someone re-measures one dataset now (full).
- the job ``refresh_quality`` (every ``JOB_EVERY_MINUTES``) re-measures, in full, datasets whose table
  changed since its last full measurement more than ``RECOMPUTE_MINUTES`` ago, datasets never measured,
  and datasets whose last snapshot is older than ``STALE_HOURS`` (timeliness drifts with the clock).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.aggregation import measures, policy
from govdata.aggregation.models import Batch, Dataset, Finding, QualitySnapshot
from govdata.aggregation.service.common import data_engine_of, resource_by_code
from govdata.catalog.models import Resource, ResourceItem, ResourceVersion
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import NotFound
from govdata.core.jobs import job
from govdata.core.policy import authorize
from govdata.org.models import Department

__all__ = ["FULL_ALWAYS_BELOW", "JOB_EVERY_MINUTES", "RECOMPUTE_MINUTES", "RECOMPUTE_SHARE", "STALE_HOURS",
           "after_batch", "get_batch", "get_dataset", "list_batches", "list_datasets", "quality_history",
           "refresh_quality", "refresh_stale_quality", "snapshot_out"]

FULL_ALWAYS_BELOW = 20_000
#: A batch that wrote more rows than this is measured in full by the job, not in its own transaction.
FULL_IN_BATCH_MAX = 100_000
RECOMPUTE_SHARE = 0.05
RECOMPUTE_MINUTES = 30
STALE_HOURS = 6
JOB_EVERY_MINUTES = 30
JOB_MAX_DATASETS = 200
REJECTIONS_SHOWN = 10_000


# --- reading -------------------------------------------------------------------------------------------


def _dataset_of(session: Session, code: str) -> tuple[Resource, Dataset | None]:
    """The entry and its dataset (None when it has none: the caller says so after its policy check)."""
    resource = resource_by_code(session, code)
    return resource, session.scalar(select(Dataset).where(Dataset.resource_id == resource.id))


def _require(dataset: Dataset | None, code: str) -> Dataset:
    if dataset is None:
        raise NotFound("数据集", code, "Dataset")
    return dataset


def _latest(dataset_id: Any) -> Any:
    """The id of a dataset's latest snapshot (one probe of the (dataset_id, measured_at) index)."""
    return (select(QualitySnapshot.id).where(QualitySnapshot.dataset_id == dataset_id)
            .order_by(QualitySnapshot.measured_at.desc(), QualitySnapshot.id.desc()).limit(1))


def snapshot_out(s: QualitySnapshot | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"id": s.id, "measured_at": s.measured_at, "trigger": s.trigger, "batch_id": s.batch_id, "full": s.full,
            "table_measured_at": s.table_measured_at, "current_rows": s.current_rows, "score": s.score,
            "completeness": s.completeness, "required_completeness": s.required_completeness,
            "validity": s.validity, "uniqueness": s.uniqueness, "timeliness": s.timeliness,
            "timeliness_status": s.timeliness_status, "late_by_hours": s.late_by_hours, "detail": s.detail or {}}


def list_datasets(session: Session, actor: Actor, department_id: int | None = None, q: str | None = None,
                  limit: int = 100, offset: int = 0, aggregated: bool = False) -> dict[str, Any]:
    """The datasets ``actor`` may see (own department's, or all for the overseers), by resource code, with
    the current timeliness and the latest quality snapshot; ``aggregated``: only those with data."""
    authorize(actor, policy.list_datasets)
    base = (select(Dataset.id).join(Resource, Resource.id == Dataset.resource_id)
            .outerjoin(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
            .where(policy.datasets_visible_to(actor)))
    if department_id is not None:
        base = base.where(Resource.department_id == department_id)
    if aggregated:
        base = base.where(Dataset.last_batch_at.is_not(None))
    if q:
        words = q.strip()  # % and _ are searched for, not wildcards
        base = base.where(Resource.code.contains(words, autoescape=True)
                          | ResourceVersion.name.contains(words, autoescape=True))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    latest = _latest(Dataset.id).correlate(Dataset).scalar_subquery()
    rows = session.execute(
        select(Dataset, Resource, ResourceVersion.name, Department.name, QualitySnapshot)
        .join(Resource, Resource.id == Dataset.resource_id)
        .outerjoin(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
        .join(Department, Department.id == Resource.department_id)
        .outerjoin(QualitySnapshot, QualitySnapshot.id == latest)
        .where(Dataset.id.in_(base)).order_by(Resource.code).limit(max(1, min(limit, 500))).offset(max(0, offset))
    ).all()
    items = []
    for dataset, resource, name, department_name, snapshot in rows:
        items.append({
            "code": resource.code, "name": name or resource.code, "status": resource.status,
            "department_id": resource.department_id, "department_name": department_name,
            "current_rows": snapshot.current_rows if snapshot else dataset.row_count_estimate,
            "last_batch_at": dataset.last_batch_at, "timeliness": measures.measure_timeliness(session, dataset),
            "score": snapshot.score if snapshot else None, "measured_at": snapshot.measured_at if snapshot else None})
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def _columns(session: Session, resource: Resource, dataset: Dataset, snapshot: QualitySnapshot | None
             ) -> list[dict[str, Any]]:
    """The dataset's columns with the name, required and key flags of their latest catalog version, and
    the fill share from the latest measurement."""
    seen: dict[str, ResourceItem] = {}
    for item in session.scalars(select(ResourceItem).join(ResourceVersion, ResourceVersion.id == ResourceItem.version_id)
                                .where(ResourceVersion.resource_id == resource.id,
                                       ResourceVersion.published_at.is_not(None))
                                .order_by(ResourceVersion.version_no)):
        seen[item.field_code] = item
    detail = (snapshot.detail or {}) if snapshot else {}
    filled, rows = detail.get("items", {}), detail.get("table_rows") or 0
    out = []
    for entry in dataset.columns:
        item = seen.get(entry["field_code"])
        count = filled.get(entry["field_code"])
        out.append({**entry, "name": item.name if item else entry["field_code"],
                    "required": bool(item and item.required), "is_key": bool(item and item.is_key),
                    "filled": (count / rows) if rows and count is not None else None})
    return out


def get_dataset(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    """One dataset: catalog facts, columns, current timeliness, latest quality, findings (newest first)."""
    resource, dataset = _dataset_of(session, code)
    authorize(actor, policy.get_dataset, resource)
    dataset = _require(dataset, code)
    version = session.get(ResourceVersion, resource.published_version_id) if resource.published_version_id else None
    snapshot = session.scalar(select(QualitySnapshot).where(QualitySnapshot.id == _latest(dataset.id).scalar_subquery()))
    findings = session.scalars(select(Finding).where(Finding.dataset_id == dataset.id)
                               .order_by(Finding.id.desc()).limit(100)).all()
    department = session.get(Department, resource.department_id)
    return {
        "code": resource.code, "name": version.name if version else resource.code, "status": resource.status,
        "department_id": resource.department_id, "department_name": department.name if department else None,
        "format": version.format if version else None, "update_cycle": version.update_cycle if version else None,
        "share_type": version.share_type if version else None, "table_name": dataset.table_name,
        "created_version_no": dataset.created_version_no, "last_version_no": dataset.last_version_no,
        "current_rows": snapshot.current_rows if snapshot else dataset.row_count_estimate,
        "last_batch_at": dataset.last_batch_at, "columns": _columns(session, resource, dataset, snapshot),
        "timeliness": measures.measure_timeliness(session, dataset), "quality": snapshot_out(snapshot),
        "weights": measures.WEIGHTS,
        "findings": [{"id": f.id, "kind": f.kind, "created_at": f.created_at, "actor_name": f.actor_name,
                      "detail": f.detail or {}} for f in findings],
    }


def _received() -> Any:
    return func.coalesce(Batch.result["received"].as_integer(),
                         Batch.inserted + Batch.updated + Batch.unchanged + Batch.rejected)


_BATCH_COLUMNS = (Batch.id, Batch.created_at, Batch.source, Batch.actor_kind, Batch.actor_name, Batch.mode,
                  Batch.status, Batch.medium, Batch.idempotency_key, Batch.payload_digest, Batch.inserted,
                  Batch.updated, Batch.unchanged, Batch.rejected)


def list_batches(session: Session, actor: Actor, code: str, limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """The dataset's lineage: its batches, newest first, with their outcome counts and payload digest."""
    resource, dataset = _dataset_of(session, code)
    authorize(actor, policy.list_batches, resource)
    dataset = _require(dataset, code)
    total = session.scalar(select(func.count()).select_from(Batch).where(Batch.dataset_id == dataset.id)) or 0
    rows = session.execute(select(*_BATCH_COLUMNS, _received().label("received"),
                                  Batch.result["duplicates"].as_integer().label("duplicates"))
                           .where(Batch.dataset_id == dataset.id).order_by(Batch.id.desc())
                           .limit(max(1, min(limit, 500))).offset(max(0, offset))).mappings().all()
    return {"dataset": resource.code, "items": [dict(r) for r in rows], "total": total, "limit": limit,
            "offset": offset}


def get_batch(session: Session, actor: Actor, batch_id: int, rejections_limit: int = REJECTIONS_SHOWN
              ) -> dict[str, Any]:
    """One batch: who, source, when, counts, digest, every rejected row with its reasons (up to
    ``rejections_limit``), the findings it raised and the quality measured after it. Showing rejected rows
    names record keys, so the read is audited."""
    batch = session.get(Batch, batch_id)
    dataset = session.get(Dataset, batch.dataset_id) if batch else None
    resource = session.get(Resource, dataset.resource_id) if dataset else None
    if batch is None or dataset is None or resource is None:
        raise NotFound("汇聚批次", batch_id, "Batch")
    authorize(actor, policy.get_batch, resource)
    result = batch.result or {}
    rejections = list(result.get("rejections") or [])
    version = session.get(ResourceVersion, resource.published_version_id) if resource.published_version_id else None
    findings = session.scalars(select(Finding).where(Finding.dataset_id == dataset.id,
                                                     Finding.detail["batch_id"].as_integer() == batch.id)).all()
    snapshot = session.scalar(select(QualitySnapshot).where(QualitySnapshot.batch_id == batch.id)
                              .order_by(QualitySnapshot.id.desc()).limit(1))
    if rejections:
        keys = [r["key"] for r in rejections if r.get("key")]
        audit.record(session, actor, "aggregation.get_batch", object_type="batch", object_id=batch.id,
                     department_id=resource.department_id, medium="json" if actor.method == "api" else "screen",
                     data_content={"fields": sorted({p["field"] for r in rejections for p in r.get("problems", [])}),
                                   "count": len(keys), "keys": keys[:20]})
    return {
        "id": batch.id, "dataset": resource.code, "dataset_name": version.name if version else resource.code,
        "department_id": resource.department_id, "created_at": batch.created_at, "source": batch.source,
        "actor_kind": batch.actor_kind, "actor_name": batch.actor_name, "system_id": batch.system_id,
        "user_id": batch.user_id, "idempotency_key": batch.idempotency_key, "payload_digest": batch.payload_digest,
        "medium": batch.medium, "mode": batch.mode, "status": batch.status,
        "received": result.get("received", batch.inserted + batch.updated + batch.unchanged + batch.rejected),
        "inserted": batch.inserted, "updated": batch.updated, "unchanged": batch.unchanged,
        "rejected": batch.rejected, "duplicates": result.get("duplicates", 0),
        "rejections": rejections[:max(0, rejections_limit)], "rejections_total": len(rejections),
        "findings": [{"id": f.id, "kind": f.kind, "created_at": f.created_at, "detail": f.detail or {}}
                     for f in findings],
        "quality": snapshot_out(snapshot),
    }


def quality_history(session: Session, actor: Actor, code: str, days: int = 30, limit: int = 200) -> dict[str, Any]:
    """The dataset's snapshots of the last ``days`` days, oldest first. More than ``limit`` are thinned to
    the latest snapshot of each of ``limit`` equal slices of time."""
    resource, dataset = _dataset_of(session, code)
    authorize(actor, policy.quality_history, resource)
    dataset = _require(dataset, code)
    since = utcnow() - dt.timedelta(days=max(1, days))
    snapshots = session.scalars(select(QualitySnapshot).where(QualitySnapshot.dataset_id == dataset.id,
                                                              QualitySnapshot.measured_at >= since)
                                .order_by(QualitySnapshot.measured_at, QualitySnapshot.id)).all()
    limit = max(2, limit)
    if len(snapshots) > limit:
        first, last = snapshots[0].measured_at, snapshots[-1].measured_at
        width = (last - first) / limit
        slices: dict[int, QualitySnapshot] = {}
        for s in snapshots:
            slices[min(int((s.measured_at - first) / width), limit - 1)] = s
        snapshots = [slices[k] for k in sorted(slices)]
    points = []
    for s in snapshots:
        out = snapshot_out(s)
        assert out is not None
        out.pop("detail")
        points.append(out)
    return {"dataset": resource.code, "days": days, "weights": measures.WEIGHTS, "points": points}


# --- measuring -----------------------------------------------------------------------------------------


def _latest_snapshot(session: Session, dataset: Dataset) -> QualitySnapshot | None:
    return session.scalar(select(QualitySnapshot).where(QualitySnapshot.id == _latest(dataset.id).scalar_subquery()))


def _measure(session: Session, dataset: Dataset, *, trigger: str, full: bool, prev: QualitySnapshot | None,
             batch: Batch | None = None, actor_name: str | None = None) -> QualitySnapshot:
    now = utcnow()
    detail: dict[str, Any]
    if not full and prev is None:  # a first batch too big to measure in its transaction: the job measures it
        table_at, rows = None, batch.inserted if batch and batch.status == "committed" else 0
        values = {"completeness": None, "required_completeness": None, "uniqueness": None}
        detail = {}
    elif full:
        resource = session.get(Resource, dataset.resource_id)
        version = session.get(ResourceVersion, resource.published_version_id) if resource else None
        items = list(version.items) if version else []
        table = measures.measure_table(session, data_engine_of(session), dataset, items)
        full, table_at = True, now
        rows = table["current_rows"]
        values = {k: table[k] for k in ("completeness", "required_completeness", "uniqueness")}
        detail = {"items": table["items"], "table_rows": rows, "duplicated_rows": table["duplicated_rows"],
                  "compared_items": table["compared_items"]}
    else:
        table_at = prev.table_measured_at
        rows = max(0, prev.current_rows + (batch.inserted if batch and batch.status == "committed" else 0))
        values = {"completeness": prev.completeness, "required_completeness": prev.required_completeness,
                  "uniqueness": prev.uniqueness}
        detail = {k: v for k, v in (prev.detail or {}).items()
                  if k in ("items", "table_rows", "duplicated_rows", "compared_items")}
    validity = measures.measure_validity(session, dataset, now)
    timeliness = measures.measure_timeliness(session, dataset)
    dims = {"completeness": values["completeness"], "validity": validity["validity"],
            "uniqueness": values["uniqueness"], "timeliness": measures.timeliness_share(timeliness)}
    detail |= {"validity_window": validity["window"], "weights": measures.WEIGHTS,
               "timeliness_info": {k: v.isoformat() if isinstance(v, dt.datetime) else v
                                   for k, v in timeliness.items() if isinstance(v, str | int | float | dt.datetime | None)}}
    late = timeliness.get("late_by_hours")
    snapshot = QualitySnapshot(
        dataset_id=dataset.id, measured_at=now, trigger=trigger, batch_id=batch.id if batch else None,
        actor_name=actor_name, full=full, table_measured_at=table_at, current_rows=rows,
        completeness=dims["completeness"], required_completeness=values["required_completeness"],
        validity=dims["validity"], uniqueness=dims["uniqueness"], timeliness=dims["timeliness"],
        timeliness_status=str(timeliness.get("status") or "unknown")[:16],
        late_by_hours=float(late) if late is not None else None, score=measures.overall_score(dims), detail=detail)
    session.add(snapshot)
    session.flush()
    return snapshot


def after_batch(session: Session, dataset: Dataset, batch: Batch) -> QualitySnapshot:
    """Append the quality snapshot that follows ``batch`` (committed or rejected) — cheap for a small batch
    into a large table (module docstring). Called by the ways in, in the batch's transaction."""
    prev = _latest_snapshot(session, dataset)
    written = (batch.inserted + batch.updated) if batch.status == "committed" else 0
    full = (prev is None or prev.table_measured_at is None or prev.current_rows < FULL_ALWAYS_BELOW
            or written >= RECOMPUTE_SHARE * prev.current_rows)  # (prev None with full False: see below)
    if written > FULL_IN_BATCH_MAX:
        # A bulk load of this size would wait seconds more for the table scan inside its transaction: the
        # snapshot carries what was known, and the refresh job measures the table in full on its next run.
        full = False
    return _measure(session, dataset, trigger="batch", full=full, prev=prev, batch=batch)


def refresh_quality(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    """Measure the dataset ``code`` in full now and append the snapshot."""
    resource, dataset = _dataset_of(session, code)
    authorize(actor, policy.refresh_quality, resource)
    dataset = _require(dataset, code)
    snapshot = _measure(session, dataset, trigger="refresh", full=True, prev=None, actor_name=actor.name)
    audit.record(session, actor, "aggregation.refresh_quality", object_type="dataset", object_id=code,
                 department_id=resource.department_id,
                 detail={"snapshot_id": snapshot.id, "score": snapshot.score, "current_rows": snapshot.current_rows})
    out = snapshot_out(snapshot)
    assert out is not None
    return out


def refresh_stale_quality(session: Session, actor: Actor) -> dict[str, Any]:
    """Re-measure (in full) the datasets whose quality is stale (module docstring), the stalest first, at
    most ``JOB_MAX_DATASETS`` per run. Returns the count and the codes refreshed."""
    authorize(actor, policy.refresh_stale_quality)
    now = utcnow()
    latest = _latest(Dataset.id).correlate(Dataset).scalar_subquery()
    rows = session.execute(select(Dataset, Resource.code, QualitySnapshot)
                           .join(Resource, Resource.id == Dataset.resource_id)
                           .outerjoin(QualitySnapshot, QualitySnapshot.id == latest)).all()
    stale: list[tuple[dt.datetime, Dataset, str]] = []
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    for dataset, code, snapshot in rows:
        if snapshot is None:
            stale.append((epoch, dataset, code))
            continue
        table_at = snapshot.table_measured_at or epoch
        changed = dataset.last_batch_at is not None and dataset.last_batch_at > table_at
        if (changed and table_at < now - dt.timedelta(minutes=RECOMPUTE_MINUTES)) or \
                snapshot.measured_at < now - dt.timedelta(hours=STALE_HOURS):
            stale.append((min(table_at, snapshot.measured_at), dataset, code))
    stale.sort(key=lambda entry: entry[0])
    codes = []
    for _, dataset, code in stale[:JOB_MAX_DATASETS]:
        _measure(session, dataset, trigger="job", full=True, prev=None, actor_name=actor.name)
        codes.append(code)
    if codes:  # a run with nothing to do leaves no entry
        audit.record(session, actor, "aggregation.refresh_stale_quality", object_type="dataset",
                     detail={"refreshed": len(codes), "codes": codes[:50], "stale": len(stale)})
    return {"refreshed": len(codes), "stale": len(stale), "codes": codes}


@job("refresh_quality", every_minutes=JOB_EVERY_MINUTES,
     description="re-measure the quality of datasets whose last measurement is stale (GEN-2)")
def _refresh_quality_job(session: Session, actor: Actor) -> dict[str, Any]:
    summary = refresh_stale_quality(session, actor)
    return {"refreshed": summary["refreshed"], "stale": summary["stale"]}
