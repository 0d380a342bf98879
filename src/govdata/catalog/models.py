"""The data resource catalog: classifications, resources, their versions and information items (CAT-1/2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govdata.core.db import Entity
from govdata.org.models import Department

RESOURCE_STATUSES = {
    "draft": "草稿",
    "confidentiality_review": "保密审查中",
    "center_review": "大数据中心审核中",
    "returned": "已退回",
    "published": "已发布",
    "withdrawn": "已撤销",
}
VERSION_STATUSES = {"draft": "草稿", "in_review": "审核中", "returned": "已退回", "published": "已发布",
                    "superseded": "已被新版本替代", "withdrawn": "已撤销"}


class Classification(Entity):
    __tablename__ = "catalog_classifications"
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_classifications.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)  # 1 类, 2 项, 3 目, 4 细目


class Resource(Entity):
    """One catalog entry's identity. Its content lives in versions; ``published_version_id`` is what other
    departments see, ``draft_version_id`` the one being edited or reviewed."""

    __tablename__ = "catalog_resources"
    code: Mapped[str] = mapped_column(String(20), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    published_version_id: Mapped[int | None] = mapped_column(Integer)
    draft_version_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[dt.datetime | None] = mapped_column()
    next_share_review_at: Mapped[dt.date | None] = mapped_column(Date)

    department: Mapped[Department] = relationship()


class ResourceVersion(Entity):
    """A full copy of an entry's content. Versions are never edited after they leave draft."""

    __tablename__ = "catalog_versions"
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    name: Mapped[str] = mapped_column(String(200))
    classification_id: Mapped[int] = mapped_column(ForeignKey("catalog_classifications.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10))
    share_type: Mapped[str] = mapped_column(String(10))
    share_condition: Mapped[str | None] = mapped_column(Text)
    share_method: Mapped[str] = mapped_column(String(10))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    open_to_public: Mapped[bool] = mapped_column(Boolean, default=False)
    open_condition: Mapped[str | None] = mapped_column(Text)
    update_cycle: Mapped[str] = mapped_column(String(10))
    release_date: Mapped[dt.date | None] = mapped_column(Date)
    related_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    data_level: Mapped[str] = mapped_column(String(4), default="一般")
    secret_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    keywords: Mapped[str | None] = mapped_column(String(500))
    change_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    published_at: Mapped[dt.datetime | None] = mapped_column()

    items: Mapped[list[ResourceItem]] = relationship(order_by="ResourceItem.position", lazy="selectin",
                                                     cascade="all, delete-orphan")
    classification: Mapped[Classification] = relationship()

    __table_args__ = (UniqueConstraint("resource_id", "version_no", name="uq_catalog_versions_resource_no"),)


class ResourceItem(Entity):
    """An information item (信息项) of one version."""

    __tablename__ = "catalog_items"
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_versions.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    field_code: Mapped[str] = mapped_column(String(64))
    data_type: Mapped[str] = mapped_column(String(1))
    length: Mapped[int | None] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitivity: Mapped[str] = mapped_column(String(2), default="L1")
    pii_kind: Mapped[str | None] = mapped_column(String(20))
    shared: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        UniqueConstraint("version_id", "field_code", name="uq_catalog_items_version_field"),
        Index("ix_catalog_items_version", "version_id", "position"),
    )
