"""JSON routes of filed schedules (备案), timeliness and deletion requests, under /api/v1/datasets/{code}.

Decisions are steps of the workflow items (``work_item_id``; the inbox is GET /api/v1/inbox): the routes
``…/schedules/{id}/decision`` and ``…/deletions/{id}/decision`` take them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from govdata.aggregation import service
from govdata.aggregation.models.deletions import DELETION_STATUSES, DeletionRequest
from govdata.aggregation.models.schedules import SCHEDULE_STATUSES, AggregationSchedule
from govdata.web.edge import call
from govdata.workflow.schemas import Decision

router = APIRouter(prefix="/api/v1/datasets", tags=["aggregation"])


class ScheduleOut(BaseModel):
    id: int
    dataset: str = Field(description="the catalog resource code")
    frequency: str
    every_hours: int | None
    due_within: int
    due_unit: str
    label: str = Field(description="the schedule in words (Chinese)")
    reason: str
    status: Literal["pending", "approved", "superseded", "rejected", "withdrawn"]
    status_label: str
    filed_by: str
    filed_at: dt.datetime
    work_item_id: int | None
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    effective_from: dt.datetime | None
    superseded_at: dt.datetime | None
    superseded_by_id: int | None


class TimelinessOut(BaseModel):
    basis: Literal["filed_schedule", "update_cycle", "real_time", "irregular"]
    status: Literal["on_time", "late", "no_data", "not_applicable"]
    last_batch_at: dt.datetime | None
    expected_by: dt.datetime | None
    late_by_hours: float | None
    schedule_id: int | None


class DeletionOut(BaseModel):
    id: int
    dataset: str
    keys: list[str]
    key_count: int
    reason: str
    status: Literal["dept_review", "center_review", "approved", "rejected", "withdrawn"]
    status_label: str
    requested_by: str
    requested_at: dt.datetime
    work_item_id: int | None
    decided_at: dt.datetime | None
    batch_id: int | None = Field(description="the delete batch that wrote the tombstones")
    result: dict[str, list[str]] | None = Field(
        description="after approval: deleted, not_found and already_deleted keys")


def schedule_out(s: AggregationSchedule) -> ScheduleOut:
    return ScheduleOut(id=s.id, dataset=s.resource.code, frequency=s.frequency, every_hours=s.every_hours,
                       due_within=s.due_within, due_unit=s.due_unit, label=s.label, reason=s.reason, status=s.status,
                       status_label=SCHEDULE_STATUSES[s.status], filed_by=s.filed_by, filed_at=s.created_at,
                       work_item_id=s.work_item_id, decided_by=s.decided_by, decided_at=s.decided_at,
                       decision_reason=s.decision_reason, effective_from=s.effective_from,
                       superseded_at=s.superseded_at, superseded_by_id=s.superseded_by_id)


def deletion_out(d: DeletionRequest) -> DeletionOut:
    return DeletionOut(id=d.id, dataset=d.resource.code, keys=d.keys, key_count=d.key_count, reason=d.reason,
                       status=d.status, status_label=DELETION_STATUSES[d.status], requested_by=d.requested_by,
                       requested_at=d.created_at, work_item_id=d.work_item_id, decided_at=d.decided_at,
                       batch_id=d.batch_id, result=d.result)


def _timeliness_out(t: dict[str, Any]) -> TimelinessOut:
    return TimelinessOut.model_validate(t)


@router.get("/{code}/schedules", response_model=list[ScheduleOut])
def list_schedules(request: Request, code: str) -> object:
    """Every filed schedule of the dataset, newest first; ``approved`` is the one in force."""
    return call(request, service.list_schedules, code, out=lambda rows: [schedule_out(s) for s in rows])


@router.post("/{code}/schedules", response_model=ScheduleOut, status_code=201,
             responses={409: {"description": "not published / not structured / schedule_pending"}})
def file_schedule(request: Request, code: str, payload: service.ScheduleFiling) -> object:
    """File an aggregation schedule (the providing department's data manager); the big data center decides
    within 5 working days. Data of a period is due ``due_within`` hours / working days after it ends."""
    return call(request, service.file_schedule, code, payload, out=schedule_out)


@router.post("/{code}/schedules/{schedule_id}/decision", response_model=ScheduleOut)
def decide_schedule(request: Request, code: str, schedule_id: int, decision: Decision) -> object:
    """``approve`` / ``reject`` (reason required) by the big data center; ``withdraw`` (reason) by the filer."""
    return call(request, service.decide_schedule, code, schedule_id, decision, out=schedule_out)


@router.get("/{code}/timeliness", response_model=TimelinessOut)
def dataset_timeliness(request: Request, code: str) -> object:
    """Whether the dataset is aggregated on time against its filed schedule or its update cycle."""
    return call(request, service.dataset_timeliness, code, out=_timeliness_out)


@router.get("/{code}/deletions", response_model=list[DeletionOut])
def list_deletions(request: Request, code: str) -> object:
    return call(request, service.list_deletions, code, out=lambda rows: [deletion_out(d) for d in rows])


@router.post("/{code}/deletions", response_model=DeletionOut, status_code=201)
def request_deletion(request: Request, code: str, payload: service.DeletionCreate) -> object:
    """Request the deletion of records by key (the providing department's data manager, SEC-3). Nothing is
    deleted until the department's reviewer and then the big data center approve."""
    return call(request, service.request_deletion, code, payload, out=deletion_out)


@router.post("/{code}/deletions/{deletion_id}/decision", response_model=DeletionOut)
def decide_deletion(request: Request, code: str, deletion_id: int, decision: Decision) -> object:
    """``pass`` (department reviewer), ``approve`` (big data center: writes the tombstones), ``reject``
    (reason required), ``withdraw`` (the requester, reason required)."""
    return call(request, service.decide_deletion, code, deletion_id, decision, out=deletion_out)
