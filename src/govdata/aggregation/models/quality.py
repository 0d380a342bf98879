"""Control-plane tables of the aggregation context: quality snapshots (GEN-2).

One row per measurement of a dataset, appended and never updated, so the dataset page can draw the trend of
the score and its four dimensions. Ratios are shares between 0 and 1 (None when there was nothing to
measure); ``score`` is 0–100. ``service.quality`` documents how each dimension is measured.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Entity

__all__ = ["QualitySnapshot"]


class QualitySnapshot(Entity):
    __tablename__ = "aggregation_quality_snapshots"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("aggregation_datasets.id"))
    measured_at: Mapped[dt.datetime] = mapped_column()
    # batch (after a committed batch) | refresh (someone asked) | job (the periodic refresh)
    trigger: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    # True when completeness, uniqueness and the row count were read from the dataset table now; False when
    # they were carried over from the snapshot of ``table_measured_at`` (cheap update after a small batch).
    full: Mapped[bool] = mapped_column(Boolean)
    table_measured_at: Mapped[dt.datetime | None] = mapped_column()
    current_rows: Mapped[int] = mapped_column(Integer, default=0)
    completeness: Mapped[float | None] = mapped_column(Float)
    required_completeness: Mapped[float | None] = mapped_column(Float)
    validity: Mapped[float | None] = mapped_column(Float)
    uniqueness: Mapped[float | None] = mapped_column(Float)
    timeliness: Mapped[float | None] = mapped_column(Float)
    timeliness_status: Mapped[str] = mapped_column(String(16))
    late_by_hours: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    # per-item fill counts, duplicate count, validity window counts, weights used
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_aggregation_quality_snapshots_dataset_measured", "dataset_id", "measured_at"),)
