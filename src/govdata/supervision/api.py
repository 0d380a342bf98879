"""JSON routes of the supervision context."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from govdata.core.schemas import Page
from govdata.supervision import service
from govdata.supervision.schemas import AuditFilter, AuditRead, AuditVerifyRead
from govdata.web.edge import call

router = APIRouter(prefix="/api/v1", tags=["supervision"])


@router.get("/audit", response_model=Page[AuditRead])
def search_audit(request: Request, filt: Annotated[AuditFilter, Query()]) -> object:
    return call(request, service.search_audit, filt, out=lambda r: Page(
        items=[AuditRead.model_validate(e) for e in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.get("/audit/verify", response_model=AuditVerifyRead)
def verify_audit(request: Request) -> object:
    return call(request, service.verify_audit, out=AuditVerifyRead.model_validate)
