"""Shapes of the collection context: the import form, list filters, and the reports (CAT-3, SUP-5, SHR-1/6)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from govdata.core.schemas import ReadModel, Strict

Issue = Literal["missing_resource", "missing_items", "type_mismatch"]
ISSUE_LABELS = {"missing_resource": "缺少资源", "missing_items": "缺少信息项", "type_mismatch": "数据类型不一致"}


class CatalogImport(Strict):
    """What the spreadsheet does not say: whose catalog it is, its title and when it was issued."""

    region_code: str = Field(min_length=1, max_length=12, description="the region whose catalog this is")
    name: str = Field(min_length=2, max_length=200, description="title, e.g. 云川市政务数据采集目录（2024年版）")
    issued_on: dt.date | None = Field(default=None, description="date the catalog was issued")


class CatalogFilter(Strict):
    region_code: str | None = Field(default=None, max_length=12)
    level: Literal["province", "city", "county"] | None = None
    status: Literal["in_force", "superseded", "all"] = "in_force"
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


class RequirementItemRead(ReadModel):
    position: int
    name: str
    data_type: str
    required: bool


class RequirementRead(ReadModel):
    id: int
    position: int
    department_id: int
    department_name: str | None = None
    resource_name: str
    classification_code: str | None
    update_cycle: str | None
    items: list[RequirementItemRead]


class CatalogSummary(ReadModel):
    id: int
    level: str
    region_id: int
    region_code: str | None = None
    region_name: str | None = None
    name: str
    version_no: int
    issued_on: dt.date | None
    status: str
    imported_by: str
    created_at: dt.datetime
    source_filename: str | None
    source_digest: str
    superseded_at: dt.datetime | None
    superseded_by_id: int | None
    requirement_count: int = 0


class CatalogRead(CatalogSummary):
    requirements: list[RequirementRead] = Field(default_factory=list)


def catalog_summary(catalog: Any) -> CatalogSummary:
    """A catalog version without its requirements."""
    return CatalogSummary.model_validate(catalog).model_copy(update={
        "region_code": catalog.region.code, "region_name": catalog.region.name,
        "requirement_count": len(catalog.requirements)})


def catalog_read(catalog: Any) -> CatalogRead:
    """A catalog version with its requirements, their departments and items."""
    return CatalogRead.model_validate(catalog_summary(catalog).model_dump()).model_copy(update={
        "requirements": [RequirementRead.model_validate(r).model_copy(update={"department_name": r.department.name})
                         for r in catalog.requirements]})


# --- coverage (CAT-3) ---------------------------------------------------------------------------------

class ItemGap(BaseModel):
    name: str
    data_type: str
    required: bool


class TypeMismatch(BaseModel):
    name: str
    required_type: str
    registered_name: str
    registered_type: str


class CoverageRow(BaseModel):
    """One requirement of a catalog in force, and how the department's published catalog meets it."""

    catalog_id: int
    catalog_name: str
    catalog_level: str
    requirement_id: int
    position: int
    resource_name: str
    classification_code: str | None
    update_cycle: str | None
    covered: bool
    issues: list[Issue] = Field(default_factory=list)
    matched_code: str | None = None
    matched_name: str | None = None
    match: Literal["exact", "contains"] | None = None
    missing_items: list[ItemGap] = Field(default_factory=list)
    type_mismatches: list[TypeMismatch] = Field(default_factory=list)


class CoverageReport(BaseModel):
    department_id: int
    department_name: str
    region_name: str
    catalogs: list[CatalogSummary]
    rows: list[CoverageRow]
    counts: dict[str, int] = Field(description="requirements, covered, and one count per issue")


# --- duplicate collection (SUP-5) -----------------------------------------------------------------------

class DuplicateHolder(BaseModel):
    department_id: int
    department_name: str
    resource_code: str
    resource_name: str
    item_name: str = Field(description="the item's name as the department registered it")


class DuplicateGroup(BaseModel):
    """One information item (canonical name and data type, within a 基础 class) collected by several
    departments."""

    class_code: str
    class_name: str
    item_name: str
    data_type: str
    department_count: int
    holders: list[DuplicateHolder]


class DuplicateOverlap(BaseModel):
    """The same set of departments collecting the same items of one class, e.g. 公民身份号码 + 姓名 + 住址
    by four departments."""

    class_code: str
    class_name: str
    department_ids: list[int]
    department_names: list[str]
    items: list[str]


class DuplicateReport(BaseModel):
    entries_examined: int
    groups: list[DuplicateGroup]
    overlaps: list[DuplicateOverlap]


# --- sharing pressure (SHR-1, SHR-6), read through catalog.service --------------------------------------

class PressureFilter(Strict):
    department_id: int | None = Field(default=None, description="oversight roles: one department; others: own")


class PressureEntryRead(ReadModel):
    code: str
    name: str
    department_id: int
    department_name: str
    share_type: str
    share_condition: str | None
    legal_basis: str | None
    published_at: dt.datetime | None
    next_share_review_at: dt.date | None
    review_due: bool


class DepartmentPressureRead(ReadModel):
    department_id: int
    department_name: str
    conditional: int
    not_shared: int
    review_due: int
    entries: list[PressureEntryRead]


class SharingPressureRead(ReadModel):
    as_of: dt.date
    review_months: int
    conditional: int
    not_shared: int
    departments: list[DepartmentPressureRead]
    due: list[PressureEntryRead]
