"""How the quality of a dataset is measured (GEN-2): the four dimensions and the overall score.

Plain functions over a session and a dataset, no policy and no audit: ``service.quality`` decides when
to measure and records the snapshot.

Dimensions (shares between 0 and 1, ``None`` when there is nothing to measure):

completeness
    Of all item values the current records should carry (current records × items of the latest catalog
    version), the share that is filled (not NULL; empty strings are stored as NULL). All items count, not
    only the required ones: required items are enforced by validation, so their share says little (it is
    kept as ``required_completeness`` and falls below 1 only for records older than a newly required
    item). The per-item fill counts are kept in the snapshot's detail for the dataset page.
validity
    Of the rows received in the dataset's recent batches — those of the last ``VALIDITY_DAYS`` days, and
    at least the last ``VALIDITY_MIN_BATCHES`` batches whatever their age — the share that passed
    validation: ``1 - Σ rejected / Σ received`` over committed and rejected batches alike (a batch
    rejected as a whole in mode ``all`` counts its good rows as passed and its bad rows as rejected).
uniqueness
    Of the current records, the share that no other current record duplicates. Record keys are unique by
    construction, so duplicates are looked for where keys cannot see them: two current records are
    duplicates when they agree on every item except the first key item (in item order) — the subject's
    identifier (a person's ID number, a credit code, a ticket or document number); further key items
    (a type, a period, a dose) are facets and are compared. So a hotline call resent under a second
    ticket number, or one person's record delivered under two insured numbers, counts; binary items are
    not compared. Both records of a duplicate pair count as not unique. A dataset without key items keys
    each row by its content and is fully unique.
timeliness
    From ``service.schedules.timeliness_of`` (the dataset's last successful aggregation against its update
    cycle or filed schedule): on time → 1; late by h hours → 24 / (24 + h) (one day late → 0.5, three
    days → 0.25); not scored when it does not apply (不定期, withdrawn) or when no batch ever arrived
    (then no other dimension can be measured either, and the page shows 暂无数据 rather than a score).

The overall score is ``100 × Σ weight × dimension / Σ weight`` over the dimensions that were measured,
with ``WEIGHTS`` completeness 0.3, validity 0.3, uniqueness 0.2, timeliness 0.2.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import MetaData, Table, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from govdata.aggregation.models import Batch, Dataset
from govdata.aggregation.tables import data_connection, dataset_table

__all__ = ["VALIDITY_DAYS", "VALIDITY_MIN_BATCHES", "WEIGHTS", "measure_table", "measure_timeliness",
           "measure_validity", "overall_score", "timeliness_share"]

WEIGHTS = {"completeness": 0.3, "validity": 0.3, "uniqueness": 0.2, "timeliness": 0.2}
VALIDITY_DAYS = 30
VALIDITY_MIN_BATCHES = 10


def _current(table: Table) -> Any:
    """Current records: no later version of the key exists and the row is not a tombstone. Written as NOT
    EXISTS, which PostgreSQL runs as an anti-join and SQLite as one index probe per row."""
    later = table.alias("later")
    newer = exists().where(later.c.record_key == table.c.record_key,
                           later.c.record_version > table.c.record_version)
    return and_(~newer, table.c.tombstone == false())


def measure_table(session: Session, engine: Any, dataset: Dataset, items: list[Any]) -> dict[str, Any]:
    """Completeness, required completeness, uniqueness and the number of current records, read from the
    dataset table in two queries. ``items``: the latest catalog version's items (field_code, required,
    is_key, data_type); items without a column yet are skipped."""
    known = {c["field_code"] for c in dataset.columns}
    items = [i for i in items if i.field_code in known]
    with data_connection(session, engine) as connection:
        table = dataset_table(dataset, MetaData(), connection.dialect.name)
        current = _current(table)
        counts = connection.execute(
            select(func.count(), *(func.count(table.c[i.field_code]) for i in items)).where(current)).one()
        rows, filled = int(counts[0]), [int(n) for n in counts[1:]]
        subject = next((i.field_code for i in items if i.is_key), None)
        compared = [table.c[i.field_code] for i in items if i.field_code != subject and i.data_type != "G"]
        duplicated = 0
        if rows and compared:
            groups = (select(func.count().label("n")).where(current).group_by(*compared)
                      .having(func.count() > 1).subquery())
            duplicated = int(connection.execute(select(func.coalesce(func.sum(groups.c.n), 0))).scalar_one())
    required = [n for i, n in zip(items, filled, strict=True) if i.required or i.is_key]
    return {
        "current_rows": rows,
        "completeness": sum(filled) / (rows * len(items)) if rows and items else None,
        "required_completeness": sum(required) / (rows * len(required)) if rows and required else None,
        "uniqueness": (1 - duplicated / rows) if rows else None,
        "items": {i.field_code: n for i, n in zip(items, filled, strict=True)},
        "duplicated_rows": duplicated,
        "compared_items": [c.name for c in compared],
    }


def measure_validity(session: Session, dataset: Dataset, now: dt.datetime) -> dict[str, Any]:
    """Rows received and rejected over the validity window (see the module docstring)."""
    threshold = session.scalar(select(Batch.id).where(Batch.dataset_id == dataset.id).order_by(Batch.id.desc())
                               .offset(VALIDITY_MIN_BATCHES - 1).limit(1))
    since = now - dt.timedelta(days=VALIDITY_DAYS)
    # fewer than VALIDITY_MIN_BATCHES batches: all of them
    window = true() if threshold is None else or_(Batch.created_at >= since, Batch.id >= threshold)
    received = func.coalesce(Batch.result["received"].as_integer(),
                             Batch.inserted + Batch.updated + Batch.unchanged + Batch.rejected)
    batches, total, rejected = session.execute(
        select(func.count(), func.coalesce(func.sum(received), 0), func.coalesce(func.sum(Batch.rejected), 0))
        .where(Batch.dataset_id == dataset.id, window)).one()
    total, rejected = int(total), int(rejected)
    return {"validity": (1 - rejected / total) if total else None,
            "window": {"batches": int(batches), "received": total, "rejected": rejected, "days": VALIDITY_DAYS}}


def measure_timeliness(session: Session, dataset: Dataset) -> dict[str, Any]:
    """The dataset's timeliness from ``service.schedules.timeliness_of`` (imported here, when needed), as
    ``{"status", "late_by_hours", ...}``; status ``unknown`` when this installation has no such function."""
    from govdata.aggregation.service import schedules

    timeliness_of = getattr(schedules, "timeliness_of", None)
    if timeliness_of is None:
        return {"status": "unknown", "late_by_hours": None}
    return dict(timeliness_of(session, dataset))


def timeliness_share(info: dict[str, Any]) -> float | None:
    """The timeliness dimension from ``timeliness_of``'s answer (module docstring); None when not scored."""
    status = info.get("status")
    if status == "on_time":
        return 1.0
    if status == "late":
        hours = max(float(info.get("late_by_hours") or 0.0), 0.0)
        return 24 / (24 + hours)
    return None


def overall_score(dimensions: dict[str, float | None]) -> float | None:
    """0–100 over the measured dimensions, weights renormalised; None when none was measured."""
    measured = {k: v for k, v in dimensions.items() if k in WEIGHTS and v is not None}
    if not measured:
        return None
    weight = sum(WEIGHTS[k] for k in measured)
    return round(100 * sum(WEIGHTS[k] * v for k, v in measured.items()) / weight, 1)
