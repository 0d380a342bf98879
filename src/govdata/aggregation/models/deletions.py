"""Requests to delete records of a dataset (SEC-3: no deletion without approval).

The providing department's data manager lists record keys and gives a reason; the department's reviewer
and then the big data center approve (workflow ``aggregation_deletion``). Only the final approval writes,
for each key whose current version exists, a new version with ``tombstone`` true, under a Batch record
with ``source="delete"``. ``status`` follows the work item's state; ``result`` says, after approval, which
keys were deleted, which were unknown and which were already deleted. Nothing is deleted in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govdata.catalog.models import Resource
from govdata.core.db import Entity

__all__ = ["DELETION_STATUSES", "DeletionRequest"]

DELETION_STATUSES: dict[str, str] = {
    "dept_review": "待本部门审核", "center_review": "待大数据中心审批", "approved": "已批准并删除",
    "rejected": "未通过", "withdrawn": "已撤回",
}


class DeletionRequest(Entity):
    __tablename__ = "aggregation_deletions"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("aggregation_datasets.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    keys: Mapped[list[Any]] = mapped_column(JSON)
    key_count: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(200))
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("aggregation_batches.id"))
    # {"deleted": [...], "not_found": [...], "already_deleted": [...]} once approved
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    resource: Mapped[Resource] = relationship()
