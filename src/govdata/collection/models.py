"""Collection catalogs (采集目录) of the province, city and county (CAT-3).

A collection catalog says which resources, with which information items, each department must collect and
register. It is imported from Excel and never edited in place: a re-import for the same region is a new
version, and the one it replaces is marked superseded (kept, with who replaced it and when).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govdata.core.db import Entity
from govdata.org.models import Department, Region

CATALOG_LEVEL_LABELS = {"province": "省级", "city": "市级", "county": "县级"}
CATALOG_STATUSES = {"in_force": "现行", "superseded": "已被新版本替代"}


class CollectionCatalog(Entity):
    """One version of a region's collection catalog; at most one version per region is in force."""

    __tablename__ = "collection_catalogs"
    level: Mapped[str] = mapped_column(String(10))  # the region's level: province | city | county
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version_no: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="in_force", index=True)
    imported_by: Mapped[str] = mapped_column(String(100))
    source_filename: Mapped[str | None] = mapped_column(String(200))
    source_digest: Mapped[str] = mapped_column(String(64))  # SM3 of the uploaded file
    superseded_at: Mapped[dt.datetime | None] = mapped_column()
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("collection_catalogs.id"))

    region: Mapped[Region] = relationship()
    requirements: Mapped[list[CollectionRequirement]] = relationship(
        order_by="CollectionRequirement.position", lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("region_id", "version_no", name="uq_collection_catalogs_region_version"),)


class CollectionRequirement(Entity):
    """A resource the catalog requires one department to collect and register (one row of 采集资源)."""

    __tablename__ = "collection_requirements"
    catalog_id: Mapped[int] = mapped_column(ForeignKey("collection_catalogs.id"))
    position: Mapped[int] = mapped_column(Integer)  # 序号 in the spreadsheet
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    resource_name: Mapped[str] = mapped_column(String(200))
    classification_code: Mapped[str | None] = mapped_column(String(12))
    update_cycle: Mapped[str | None] = mapped_column(String(10))

    department: Mapped[Department] = relationship()
    items: Mapped[list[CollectionRequirementItem]] = relationship(
        order_by="CollectionRequirementItem.position", lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_collection_requirements_catalog", "catalog_id", "position"),)


class CollectionRequirementItem(Entity):
    """An information item a requirement asks for (one row of 采集信息项)."""

    __tablename__ = "collection_requirement_items"
    requirement_id: Mapped[int] = mapped_column(ForeignKey("collection_requirements.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    data_type: Mapped[str] = mapped_column(String(1))
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_collection_requirement_items_requirement", "requirement_id", "position"),)
