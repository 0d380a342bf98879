"""HTML pages of filed schedules (备案) with the dataset's timeliness, and of deletion requests (SEC-3):
``/aggregation/datasets/{code}/schedule`` and ``/aggregation/datasets/{code}/deletions``, each with its
forms (file / request, and the approval steps of the workflow items waiting on them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from govdata.aggregation import policy, service
from govdata.aggregation.models.deletions import DELETION_STATUSES
from govdata.aggregation.models.schedules import DUE_UNITS, FREQUENCIES, SCHEDULE_STATUSES
from govdata.catalog import service as catalog_service
from govdata.core.actor import Actor
from govdata.core.errors import DomainError
from govdata.web.forms import form_errors, page, read_form
from govdata.web.render import render
from govdata.workflow import service as workflow
from govdata.workflow.schemas import Decision

router = APIRouter(include_in_schema=False)
STEP_LABELS = {"start": "提交", "approve": "批准", "pass": "部门审核通过", "reject": "不同意", "withdraw": "撤回"}


def _entry(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    resource = catalog_service.get_resource(session, actor, code)
    version = catalog_service.version(session, resource.published_version_id)
    return {"resource": resource, "name": version.name if version else code, "code": code,
            "aggregation_policy": policy, "step_labels": STEP_LABELS}


def _flows(session: Session, actor: Actor, rows: list[Any]) -> dict[int, dict[str, Any]]:
    """For each row with a work item: its state, deadline, steps and the transitions this actor may take."""
    flows: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.work_item_id is None:
            continue
        item, steps = workflow.get_item(session, actor, row.work_item_id)
        flows[row.id] = {"item": item, "steps": steps, "state_label": workflow.state_label(item),
                         "transitions": workflow.open_transitions(actor, item)}
    return flows


def _schedule_page(request: Request, code: str, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        context = _entry(session, actor, code)
        schedules = service.list_schedules(session, actor, code)
        return render(request, "aggregation/schedule.html", actor, status_code=status_code, schedules=schedules,
                      in_force=next((s for s in schedules if s.status == "approved"), None),
                      pending=next((s for s in schedules if s.status == "pending"), None),
                      flows=_flows(session, actor, schedules), timeliness=service.dataset_timeliness(session, actor, code),
                      frequencies=FREQUENCIES, due_units=DUE_UNITS, statuses=SCHEDULE_STATUSES,
                      saved=request.query_params.get("saved"), **context, **extra)


@router.get("/aggregation/datasets/{code}/schedule")
def schedule_page(request: Request, code: str) -> Response:
    return _schedule_page(request, code)


@router.post("/aggregation/datasets/{code}/schedule")
async def file_schedule_form(request: Request, code: str) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            service.file_schedule(session, actor, code, service.ScheduleFiling.model_validate(data))
    except DomainError as exc:
        return _schedule_page(request, code, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/aggregation/datasets/{code}/schedule?saved=filed", status_code=303)


@router.post("/aggregation/datasets/{code}/schedule/{schedule_id}/decision")
async def decide_schedule_form(request: Request, code: str, schedule_id: int) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            service.decide_schedule(session, actor, code, schedule_id, Decision.model_validate(data))
    except DomainError as exc:
        return _schedule_page(request, code, status_code=exc.status or 400, decision_form=data,
                              failed_id=schedule_id, **form_errors(request, exc))
    return RedirectResponse(f"/aggregation/datasets/{code}/schedule?saved={data.get('transition', '')}",
                            status_code=303)


@router.get("/aggregation/schedules/{schedule_id}")
def schedule_by_id(request: Request, schedule_id: int) -> Response:
    """Work items name their subject by id (the inbox links here); the page is the dataset's."""
    with page(request) as (session, actor):
        code = service.get_schedule(session, actor, schedule_id).resource.code
    return RedirectResponse(f"/aggregation/datasets/{code}/schedule#schedule-{schedule_id}", status_code=303)


# --- deletion requests ---------------------------------------------------------------------------------


def _deletions_page(request: Request, code: str, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        context = _entry(session, actor, code)
        requests = service.list_deletions(session, actor, code)
        return render(request, "aggregation/deletions.html", actor, status_code=status_code, requests=requests,
                      flows=_flows(session, actor, requests), statuses=DELETION_STATUSES,
                      max_keys=service.MAX_DELETION_KEYS, saved=request.query_params.get("saved"), **context, **extra)


@router.get("/aggregation/datasets/{code}/deletions")
def deletions_page(request: Request, code: str) -> Response:
    return _deletions_page(request, code)


@router.post("/aggregation/datasets/{code}/deletions")
async def request_deletion_form(request: Request, code: str) -> Response:
    data = await read_form(request)
    payload = {"keys": [line.strip() for line in str(data.get("keys", "")).splitlines() if line.strip()],
               "reason": data.get("reason", "")}
    try:
        with page(request) as (session, actor):
            service.request_deletion(session, actor, code, service.DeletionCreate.model_validate(payload))
    except DomainError as exc:
        return _deletions_page(request, code, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/aggregation/datasets/{code}/deletions?saved=requested", status_code=303)


@router.post("/aggregation/datasets/{code}/deletions/{deletion_id}/decision")
async def decide_deletion_form(request: Request, code: str, deletion_id: int) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            service.decide_deletion(session, actor, code, deletion_id, Decision.model_validate(data))
    except DomainError as exc:
        return _deletions_page(request, code, status_code=exc.status or 400, decision_form=data,
                               failed_id=deletion_id, **form_errors(request, exc))
    return RedirectResponse(f"/aggregation/datasets/{code}/deletions?saved={data.get('transition', '')}",
                            status_code=303)


@router.get("/aggregation/deletions/{deletion_id}")
def deletion_by_id(request: Request, deletion_id: int) -> Response:
    """Work items name their subject by id (the inbox links here); the page is the dataset's."""
    with page(request) as (session, actor):
        code = service.get_deletion(session, actor, deletion_id).resource.code
    return RedirectResponse(f"/aggregation/datasets/{code}/deletions#deletion-{deletion_id}", status_code=303)
