"""The control-plane registry of dataset tables: one row per structured catalog resource (AGG).

The dataset tables themselves are data-plane tables made at run time (``aggregation.tables``), named
``ds_<resource code>``; this registry remembers their name and the column history taken from the catalog
versions. Nothing here is ever deleted: a column whose item left the catalog is only marked retired.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Entity


class Dataset(Entity):
    __tablename__ = "aggregation_datasets"
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), unique=True)
    table_name: Mapped[str] = mapped_column(String(64), unique=True)
    # [{field_code, data_type, length, added_in_version, retired_in_version}], in the order columns were added
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_version_no: Mapped[int] = mapped_column(Integer)
    last_version_no: Mapped[int] = mapped_column(Integer)
    row_count_estimate: Mapped[int] = mapped_column(Integer, default=0)
    last_batch_at: Mapped[dt.datetime | None] = mapped_column()


class Batch(Entity):
    """One delivery of rows into a dataset (push, file or pull), kept for ever (AGG: every batch recorded).

    ``result`` is the reply body, so a retried batch with the same ``Idempotency-Key`` gets the same answer
    without being applied twice."""

    __tablename__ = "aggregation_batches"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("aggregation_datasets.id"), index=True)
    source: Mapped[str] = mapped_column(String(8))  # push | file | pull
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(200))
    system_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    payload_digest: Mapped[str] = mapped_column(String(64))  # SM3 of the raw body
    medium: Mapped[str | None] = mapped_column(String(16))  # json | ndjson | csv …
    mode: Mapped[str] = mapped_column(String(8))  # all | partial
    status: Mapped[str] = mapped_column(String(16))  # committed | rejected
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("dataset_id", "actor_name", "idempotency_key"),)


class Finding(Entity):
    """Something the supervisor should look at (SUP-5): ``scope_expansion`` (fields beyond the registered
    items were sent), later ``late_aggregation`` and ``misuse``. Never deleted."""

    __tablename__ = "aggregation_findings"
    kind: Mapped[str] = mapped_column(String(32), index=True)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("aggregation_datasets.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
