"""Control-plane tables of the aggregation context: database pull sources and their runs (AGG-5).

A ``PullSource`` is a department's database (SQLAlchemy URL, a table or one SELECT, key and watermark
columns, column → field-code mapping) pulled into one dataset on a schedule. The URL is kept only
SM4-GCM encrypted (``url_enc``, bound to the row id); ``url_masked`` is what pages and the API show.
``position`` is where the last committed page ended: the watermark and key values of its last row.
A ``PullRun`` records every run, whatever its outcome. Nothing here is ever deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Entity

__all__ = ["PULL_RUN_STATUSES", "PullRun", "PullSource"]

#: status → Chinese label
PULL_RUN_STATUSES = {"running": "进行中", "succeeded": "成功", "failed": "失败", "rejected": "整批拒绝"}


class PullSource(Entity):
    __tablename__ = "aggregation_pull_sources"
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    dialect: Mapped[str] = mapped_column(String(32))
    url_enc: Mapped[str] = mapped_column(Text)  # sm4gcm:v1:… of the whole URL, context "pull_source:<id>"
    url_masked: Mapped[str] = mapped_column(String(1000))  # password and secret query values as ***
    table_name: Mapped[str | None] = mapped_column(String(200))
    query: Mapped[str | None] = mapped_column(Text)
    key_columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    watermark_column: Mapped[str] = mapped_column(String(100))
    column_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # source column → field code
    interval_minutes: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(8))  # all | partial
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # {"watermark": encoded value, "key": [encoded values]} of the last committed row; None before any
    position: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    backlog: Mapped[bool] = mapped_column(Boolean, default=False)  # the last run stopped at the page cap
    last_run_at: Mapped[dt.datetime | None] = mapped_column()
    last_status: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("resource_id", "name"),)


class PullRun(Entity):
    __tablename__ = "aggregation_pull_runs"
    source_id: Mapped[int] = mapped_column(ForeignKey("aggregation_pull_sources.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(16))  # ui | api | job | cli
    started_at: Mapped[dt.datetime] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed | rejected
    rows: Mapped[int] = mapped_column(Integer, default=0)  # rows read from the source
    batches: Mapped[int] = mapped_column(Integer, default=0)  # committed batches
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    batch_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    position_from: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    position_to: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    more: Mapped[bool] = mapped_column(Boolean, default=False)  # stopped at the page cap; continues next tick
    error: Mapped[str | None] = mapped_column(Text)
