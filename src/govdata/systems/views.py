"""HTML pages of the systems context: registry, registration form, detail with review and credentials."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govdata.core.errors import DomainError
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.core.policy import allowed
from govdata.systems import policy, service
from govdata.systems.models import NETWORK_ZONES, SYSTEM_STATUSES
from govdata.systems.schemas import RevokeRequest, SystemCreate, SystemFilter, SystemUpdate
from govdata.web.forms import form_errors, page, read_form
from govdata.web.render import expose, menu_entry, render
from govdata.workflow import service as workflow
from govdata.workflow.schemas import Decision

router = APIRouter(include_in_schema=False)
expose(systems_policy=policy)
menu_entry(80, "应用系统", "/systems", lambda actor: actor.kind == "user" and allowed(actor, policy.list_systems))


@router.get("/systems")
def systems_page(request: Request) -> Response:
    params = {k: v for k, v in request.query_params.items() if v != ""}
    with page(request) as (session, actor):
        filt = SystemFilter.model_validate({**params, "limit": 500})
        rows, total = service.list_systems(session, actor, filt)
        departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
        return render(request, "systems/systems.html", actor, rows=rows, total=total, filt=filt, params=params,
                      departments=departments, statuses=SYSTEM_STATUSES, days_left=service.assessment_days_left,
                      warn_days=service.EXPIRY_WARNING_DAYS)


def _form_page(request: Request, status_code: int = 200, system: Any = None, **extra: Any) -> Response:
    with page(request) as (session, actor):
        departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
        return render(request, "systems/form.html", actor, status_code=status_code, zones=NETWORK_ZONES,
                      departments=departments, system=system, **extra)


@router.get("/systems/new")
def new_system_page(request: Request) -> Response:
    return _form_page(request)


@router.post("/systems")
async def register_system_form(request: Request) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            system_id = service.register_system(session, actor, SystemCreate.model_validate(data)).id
    except DomainError as exc:
        return _form_page(request, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/systems/{system_id}?saved=registered", status_code=303)


def _detail(request: Request, system_id: int, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        system = service.get_system(session, actor, system_id)
        item = workflow.item_for(session, "business_system", system.id)
        steps = workflow.get_item(session, actor, item.id)[1] if item else []
        return render(request, "systems/detail.html", actor, status_code=status_code, system=system, item=item,
                      steps=steps, state_label=workflow.state_label(item) if item else None,
                      transitions=workflow.open_transitions(actor, item) if item else [],
                      statuses=SYSTEM_STATUSES, days_left=service.assessment_days_left(system),
                      secret_waiting=service.secret_waiting(session, system),
                      warn_days=service.EXPIRY_WARNING_DAYS, saved=request.query_params.get("saved"), **extra)


@router.get("/systems/{system_id}")
def system_page(request: Request, system_id: int) -> Response:
    return _detail(request, system_id)


@router.get("/systems/{system_id}/edit")
def edit_system_page(request: Request, system_id: int) -> Response:
    with page(request) as (session, actor):
        system = service.get_system(session, actor, system_id)
    return _form_page(request, system=system)


@router.post("/systems/{system_id}/edit")
async def update_system_form(request: Request, system_id: int) -> Response:
    data = await read_form(request)
    data.pop("department_id", None)
    try:
        with page(request) as (session, actor):
            service.update_system(session, actor, system_id, SystemUpdate.model_validate(data))
    except DomainError as exc:
        with page(request) as (session, actor):
            system = service.get_system(session, actor, system_id)
        return _form_page(request, status_code=exc.status or 400, system=system, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/systems/{system_id}?saved=updated", status_code=303)


@router.post("/systems/{system_id}/decision")
async def decide_system_form(request: Request, system_id: int) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            service.decide_system(session, actor, system_id, Decision.model_validate(data))
    except DomainError as exc:
        return _detail(request, system_id, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/systems/{system_id}?saved={data.get('transition', '')}", status_code=303)


@router.post("/systems/{system_id}/secret")
async def reveal_secret_form(request: Request, system_id: int) -> Response:
    await read_form(request)
    try:
        with page(request) as (session, actor):
            system, raw = service.reveal_secret(session, actor, system_id)
    except DomainError as exc:
        return _detail(request, system_id, status_code=exc.status or 400, **form_errors(request, exc))
    return _detail(request, system_id, credentials={"app_key": system.app_key, "app_secret": raw})


@router.post("/systems/{system_id}/rotate")
async def rotate_secret_form(request: Request, system_id: int) -> Response:
    await read_form(request)
    try:
        with page(request) as (session, actor):
            system, raw, until = service.rotate_secret(session, actor, system_id)
    except DomainError as exc:
        return _detail(request, system_id, status_code=exc.status or 400, **form_errors(request, exc))
    return _detail(request, system_id, credentials={"app_key": system.app_key, "app_secret": raw,
                                                    "previous_valid_until": until})


@router.post("/systems/{system_id}/revoke")
async def revoke_system_form(request: Request, system_id: int) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            service.revoke_system(session, actor, system_id, RevokeRequest.model_validate(data))
    except DomainError as exc:
        return _detail(request, system_id, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/systems/{system_id}?saved=revoked", status_code=303)
