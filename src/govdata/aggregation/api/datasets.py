"""JSON routes of the dataset pages (the JSON twins of /aggregation/datasets…): the list, one dataset with its
columns, findings and quality, its lineage (batches), one batch, and the quality history (GEN-2)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from govdata.aggregation import service
from govdata.web.edge import call

router = APIRouter(prefix="/api/v1", tags=["aggregation"])


class TimelinessBrief(BaseModel):
    status: str = Field(description="on_time | late | no_data | not_applicable (unknown when not measured)")
    basis: str | None = None
    last_batch_at: dt.datetime | None = None
    expected_by: dt.datetime | None = None
    late_by_hours: float | None = None
    schedule_id: int | None = None


class DatasetRow(BaseModel):
    code: str = Field(description="the catalog resource code")
    name: str
    status: str = Field(description="the catalog entry's status (published, withdrawn…)")
    department_id: int
    department_name: str
    current_rows: int = Field(description="current records at the latest quality measurement")
    last_batch_at: dt.datetime | None
    timeliness: TimelinessBrief
    score: float | None = Field(description="latest quality score, 0–100")
    measured_at: dt.datetime | None


class DatasetList(BaseModel):
    items: list[DatasetRow]
    total: int
    limit: int
    offset: int


class QualityOut(BaseModel):
    id: int
    measured_at: dt.datetime
    trigger: str = Field(description="batch | refresh | job")
    batch_id: int | None
    full: bool = Field(description="table aggregates read now (true) or carried over after a small batch")
    table_measured_at: dt.datetime | None
    current_rows: int
    score: float | None = Field(description="0–100: weighted mean of the measured dimensions")
    completeness: float | None = Field(description="share of filled item values in current records (all items)")
    required_completeness: float | None
    validity: float | None = Field(description="share of received rows that passed validation, recent batches")
    uniqueness: float | None = Field(description="share of current records whose non-key content is unique")
    timeliness: float | None
    timeliness_status: str
    late_by_hours: float | None
    detail: dict[str, Any] = {}


class QualityPoint(BaseModel):
    id: int
    measured_at: dt.datetime
    trigger: str
    batch_id: int | None
    full: bool
    table_measured_at: dt.datetime | None
    current_rows: int
    score: float | None
    completeness: float | None
    required_completeness: float | None
    validity: float | None
    uniqueness: float | None
    timeliness: float | None
    timeliness_status: str
    late_by_hours: float | None


class ColumnOut(BaseModel):
    field_code: str
    name: str
    data_type: str
    length: int | None = None
    required: bool
    is_key: bool
    added_in_version: int
    retired_in_version: int | None
    filled: float | None = Field(description="share of current records with a value, at the latest measurement")


class FindingOut(BaseModel):
    id: int
    kind: str = Field(description="scope_expansion | late_aggregation | …")
    created_at: dt.datetime
    actor_name: str | None = None
    detail: dict[str, Any]


class DatasetOut(BaseModel):
    code: str
    name: str
    status: str
    department_id: int
    department_name: str | None
    format: str | None
    update_cycle: str | None
    share_type: str | None
    table_name: str
    created_version_no: int
    last_version_no: int
    current_rows: int
    last_batch_at: dt.datetime | None
    columns: list[ColumnOut]
    timeliness: TimelinessBrief
    quality: QualityOut | None
    weights: dict[str, float]
    findings: list[FindingOut]


class BatchRow(BaseModel):
    id: int
    created_at: dt.datetime
    source: str = Field(description="push | file | pull | delete")
    actor_kind: str
    actor_name: str
    mode: str
    status: str
    medium: str | None
    idempotency_key: str | None
    payload_digest: str = Field(description="SM3 of the delivered payload")
    received: int | None
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    duplicates: int | None


class BatchList(BaseModel):
    dataset: str
    items: list[BatchRow]
    total: int
    limit: int
    offset: int


class ProblemOut(BaseModel):
    field: str
    code: str
    message: str


class RejectionOut(BaseModel):
    row: int | None = None
    key: str | None = None
    problems: list[ProblemOut]


class BatchOut(BaseModel):
    id: int
    dataset: str
    dataset_name: str
    department_id: int
    created_at: dt.datetime
    source: str
    actor_kind: str
    actor_name: str
    system_id: int | None
    user_id: int | None
    idempotency_key: str | None
    payload_digest: str
    medium: str | None
    mode: str
    status: str
    received: int | None
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    duplicates: int | None
    rejections: list[RejectionOut]
    rejections_total: int
    findings: list[FindingOut]
    quality: QualityOut | None


class QualityHistory(BaseModel):
    dataset: str
    days: int
    weights: dict[str, float]
    points: list[QualityPoint]


@router.get("/datasets", response_model=DatasetList)
def list_datasets(request: Request, department_id: int | None = None,
                  q: Annotated[str | None, Query(max_length=100)] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  offset: Annotated[int, Query(ge=0)] = 0,
                  aggregated: Annotated[bool, Query(description="only datasets that received data")] = False
                  ) -> object:
    """Datasets the caller may see (the own department's; all for the overseers), with timeliness and the
    latest quality score."""
    return call(request, service.list_datasets, department_id, q, limit, offset, aggregated)


@router.get("/datasets/{code}", response_model=DatasetOut)
def get_dataset(request: Request, code: str) -> object:
    """One dataset: columns (with retired ones), timeliness, the latest quality snapshot, findings."""
    return call(request, service.get_dataset, code)


@router.get("/datasets/{code}/batches", response_model=BatchList)
def list_batches(request: Request, code: str, limit: Annotated[int, Query(ge=1, le=500)] = 20,
                 offset: Annotated[int, Query(ge=0)] = 0) -> object:
    """The dataset's lineage: every batch, newest first, with outcome counts and the SM3 payload digest."""
    return call(request, service.list_batches, code, limit, offset)


@router.get("/datasets/{code}/quality", response_model=QualityHistory)
def quality_history(request: Request, code: str, days: Annotated[int, Query(ge=1, le=3660)] = 30,
                    limit: Annotated[int, Query(ge=2, le=2000)] = 200) -> object:
    """Quality snapshots of the last ``days`` days, oldest first (thinned to ``limit`` points)."""
    return call(request, service.quality_history, code, days, limit)


@router.post("/datasets/{code}/quality", response_model=QualityOut, status_code=201)
def refresh_quality(request: Request, code: str) -> object:
    """Measure the dataset's quality now (the providing department's data manager, the platform admin)."""
    return call(request, service.refresh_quality, code)


@router.get("/batches/{batch_id}", response_model=BatchOut)
def get_batch(request: Request, batch_id: int) -> object:
    """One batch with every rejected row and its reasons (the read is audited: it names record keys)."""
    return call(request, service.get_batch, batch_id)
