"""File loads (AGG-5): a CSV or XLSX file uploaded for one dataset, its column mapping, and its outcome.

The uploaded file is kept under ``$GOVDATA_HOME/uploads`` (named by its SM3 digest) and never deleted: it is
the lineage of the batch it became. Status: ``uploaded`` (header read, mapping proposed) → ``committed`` |
``rejected`` (mode all with bad rows: nothing written) | ``failed`` (the file could not be read).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from govdata.core.db import Entity

__all__ = ["FILE_LOAD_STATUSES", "FileLoad"]

FILE_LOAD_STATUSES = {"uploaded": "待映射", "committed": "已入库", "rejected": "整批拒收", "failed": "读取失败"}


class FileLoad(Entity):
    __tablename__ = "aggregation_file_loads"
    dataset_id: Mapped[int] = mapped_column(ForeignKey("aggregation_datasets.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(200))  # under $GOVDATA_HOME/uploads
    size: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64))  # SM3 of the file
    file_format: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    encoding: Mapped[str | None] = mapped_column(String(16))  # utf-8 | gb18030 (CSV only)
    headers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sample: Mapped[list[Any]] = mapped_column(JSON, default=list)  # first rows, as text
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # column -> field code, or null: ignored
    mode: Mapped[str] = mapped_column(String(8), default="all")
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("aggregation_batches.id"))
    report_name: Mapped[str | None] = mapped_column(String(200))  # rejected rows, CSV, under uploads/
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
