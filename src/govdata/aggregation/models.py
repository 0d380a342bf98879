"""The control-plane registry of dataset tables: one row per structured catalog resource (AGG).

The dataset tables themselves are data-plane tables made at run time (``aggregation.tables``), named
``ds_<resource code>``; this registry remembers their name and the column history taken from the catalog
versions. Nothing here is ever deleted: a column whose item left the catalog is only marked retired.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
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
