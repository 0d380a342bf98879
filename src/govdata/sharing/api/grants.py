"""JSON routes of grants (SHR-2, SEC-1, SEC-7): a department's grants, consumed or provided, and their
suspension, resumption, revocation and change of terms. The twins of the /sharing/grants pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from govdata.core.schemas import Page
from govdata.sharing import service
from govdata.sharing.models import Grant
from govdata.sharing.schemas import MAX_ID, GrantFilter, GrantRead, GrantTerms, ReasonPayload
from govdata.web.edge import call

Id = Annotated[int, Path(ge=1, le=MAX_ID)]

router = APIRouter(prefix="/api/v1/sharing/grants", tags=["sharing"])


def grant_out(g: Grant) -> GrantRead:
    info = g.info  # type: ignore[attr-defined]
    return GrantRead(id=g.id, request_id=g.request_id, kind=g.kind, code=g.resource_code,  # type: ignore[arg-type]
                     resource_name=info.resource_name, provider_department_id=g.provider_department_id,
                     provider_department_name=info.provider_name, consumer_department_id=g.consumer_department_id,
                     consumer_department_name=info.consumer_name, system_id=g.system_id,
                     system_name=info.system_name, items=g.items, row_scope=g.row_scope or [],
                     masking=g.masking or {}, purpose=g.purpose, basis=g.basis,
                     access_method=g.access_method, valid_from=g.valid_from,  # type: ignore[arg-type]
                     valid_until=g.valid_until, rate_per_minute=g.rate_per_minute, daily_quota=g.daily_quota,
                     approvers=g.approvers, end_user_id=g.end_user_id, end_user_name=g.end_user_name,
                     status=g.status, effective_status=info.effective_status,
                     status_label=info.status_label, status_reason=g.status_reason,
                     status_changed_at=g.status_changed_at, created_at=g.created_at)


@router.get("", response_model=Page[GrantRead])
def list_grants(request: Request, filt: Annotated[GrantFilter, Query()]) -> object:
    """Grants the caller may see: ``side=consumed`` (the department's own use), ``provided`` (of its data),
    ``all`` (oversight roles); ``status`` is the effective one (``expired`` once outside the period)."""
    return call(request, service.list_grants, filt, out=lambda r: Page(
        items=[grant_out(g) for g in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.get("/{grant_id}", response_model=GrantRead)
def get_grant(request: Request, grant_id: Id) -> object:
    return call(request, service.get_grant, grant_id, out=grant_out)


@router.post("/{grant_id}/suspend", response_model=GrantRead,
             responses={409: {"description": "share_grant_state: not active"}})
def suspend_grant(request: Request, grant_id: Id, payload: ReasonPayload) -> object:
    """Stop the use for now (the providing department, the big data center or the authority; reason)."""
    return call(request, service.suspend_grant, grant_id, payload, out=grant_out)


@router.post("/{grant_id}/resume", response_model=GrantRead,
             responses={409: {"description": "share_grant_state: not suspended"}})
def resume_grant(request: Request, grant_id: Id, payload: ReasonPayload) -> object:
    return call(request, service.resume_grant, grant_id, payload, out=grant_out)


@router.post("/{grant_id}/revoke", response_model=GrantRead,
             responses={409: {"description": "share_grant_state: already revoked"}})
def revoke_grant(request: Request, grant_id: Id, payload: ReasonPayload) -> object:
    """End the grant for good (reason required)."""
    return call(request, service.revoke_grant, grant_id, payload, out=grant_out)


@router.patch("/{grant_id}", response_model=GrantRead,
              responses={409: {"description": "share_grant_state: revoked"}})
def update_grant(request: Request, grant_id: Id, payload: GrantTerms) -> object:
    """Change the terms (the providing department or the big data center); fields left out are kept.
    Items stay within those requested; the end date at most a year after the start."""
    return call(request, service.update_grant, grant_id, payload, out=grant_out)
