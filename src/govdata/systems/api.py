"""JSON routes of the systems context under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from govdata.core.schemas import Page
from govdata.systems import service
from govdata.systems.models import BusinessSystem
from govdata.systems.schemas import Credentials, RevokeRequest, SystemCreate, SystemFilter, SystemRead, SystemUpdate
from govdata.web.edge import call
from govdata.workflow.schemas import Decision

router = APIRouter(prefix="/api/v1", tags=["systems"])


def system_out(system: BusinessSystem) -> SystemRead:
    return SystemRead.model_validate(system).model_copy(update={
        "department_name": system.department.name,
        "assessment_days_left": service.assessment_days_left(system)})


@router.get("/systems", response_model=Page[SystemRead])
def list_systems(request: Request, filt: Annotated[SystemFilter, Query()]) -> object:
    return call(request, service.list_systems, filt, out=lambda r: Page(
        items=[system_out(s) for s in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.post("/systems", response_model=SystemRead, status_code=201)
def register_system(request: Request, payload: SystemCreate) -> object:
    """Register a business system; it waits for the big data center's review (5 working days)."""
    return call(request, service.register_system, payload, out=system_out)


@router.get("/systems/{system_id}", response_model=SystemRead)
def get_system(request: Request, system_id: int) -> object:
    return call(request, service.get_system, system_id, out=system_out)


@router.put("/systems/{system_id}", response_model=SystemRead)
def update_system(request: Request, system_id: int, payload: SystemUpdate) -> object:
    return call(request, service.update_system, system_id, payload, out=system_out)


@router.post("/systems/{system_id}/decision", response_model=SystemRead)
def decide_system(request: Request, system_id: int, payload: Decision) -> object:
    """Take a review step: approve / reject (reason required) by the big data center; resubmit / withdraw by
    the owning department's manager."""
    return call(request, service.decide_system, system_id, payload, out=system_out)


@router.post("/systems/{system_id}/secret", response_model=Credentials)
def reveal_secret(request: Request, system_id: int) -> object:
    """The AppKey and AppSecret of an approved system, once, to its department's data manager."""
    return call(request, service.reveal_secret, system_id,
                out=lambda r: Credentials(app_key=r[0].app_key or "", app_secret=r[1]))


@router.post("/systems/{system_id}/rotate", response_model=Credentials)
def rotate_secret(request: Request, system_id: int) -> object:
    return call(request, service.rotate_secret, system_id, out=lambda r: Credentials(
        app_key=r[0].app_key or "", app_secret=r[1], previous_valid_until=r[2]))


@router.post("/systems/{system_id}/revoke", response_model=SystemRead)
def revoke_system(request: Request, system_id: int, payload: RevokeRequest) -> object:
    return call(request, service.revoke_system, system_id, payload, out=system_out)

