"""JSON routes of the collection context under /api/v1/collection: collection catalogs (CAT-3), coverage,
duplicate collection (SUP-5), and the sharing pressure read from the catalog (SHR-1, SHR-6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from govdata.catalog import service as catalog_service
from govdata.collection import excel, service
from govdata.collection.schemas import (
    CatalogFilter,
    CatalogImport,
    CatalogRead,
    CatalogSummary,
    CoverageReport,
    DuplicateReport,
    PressureFilter,
    SharingPressureRead,
    catalog_read,
    catalog_summary,
)
from govdata.core.schemas import Page
from govdata.web.edge import call

router = APIRouter(prefix="/api/v1/collection", tags=["collection"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/catalogs", response_model=Page[CatalogSummary])
def list_catalogs(request: Request, filt: Annotated[CatalogFilter, Query()]) -> object:
    """Collection catalogs of the province, city and counties; those in force unless ``status`` says otherwise."""
    return call(request, service.list_catalogs, filt, out=lambda r: Page(
        items=[catalog_summary(c) for c in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.post("/catalogs", response_model=CatalogRead, status_code=201)
async def import_catalog(request: Request, file: Annotated[UploadFile, File(description="the .xlsx workbook")],
                         region_code: Annotated[str, Form()], name: Annotated[str, Form()],
                         issued_on: Annotated[str | None, Form()] = None) -> object:
    """Import a region's collection catalog (multipart form). Two sheets, 采集资源 and 采集信息项, linked by
    序号 (template: GET /api/v1/collection/template.xlsx). All or nothing: on any bad cell the answer is 422
    ``spreadsheet_invalid`` listing every bad cell as ``sheet!A1`` in ``errors``. The region's catalog in force
    is superseded by the new version."""
    meta = CatalogImport.model_validate({"region_code": region_code, "name": name, "issued_on": issued_on or None})
    data = await file.read()
    return await run_in_threadpool(call, request, service.import_catalog, meta, data, file.filename, out=catalog_read)


@router.get("/catalogs/{catalog_id}", response_model=CatalogRead)
def get_catalog(request: Request, catalog_id: int) -> object:
    return call(request, service.get_catalog, catalog_id, out=catalog_read)


@router.get("/template.xlsx", response_class=Response)
def template() -> Response:
    """The blank import template with an example and instructions."""
    return Response(excel.template_bytes(), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''collection-catalog-template.xlsx"})


@router.get("/coverage", response_model=CoverageReport)
def coverage_report(request: Request, department_id: int | None = None) -> object:
    """How the department's published catalog meets the collection catalogs in force for its region and the
    regions above it (the caller's own department unless ``department_id`` is given; other departments
    for the overseers only)."""
    return call(request, service.coverage_report, department_id or request.state.actor.department_id)


@router.get("/duplicates", response_model=DuplicateReport)
def duplicate_report(request: Request) -> object:
    """Information items collected by several departments within the same 基础 class (for the overseers)."""
    return call(request, service.duplicate_report)


@router.get("/sharing-pressure", response_model=SharingPressureRead)
def sharing_pressure(request: Request, filt: Annotated[PressureFilter, Query()]) -> object:
    """Published 有条件共享 / 暂不共享 entries per department with their legal basis, and the 暂不共享 entries
    due for their periodic review (every department its own; the overseers all)."""
    return call(request, catalog_service.sharing_pressure, filt.department_id,
                out=SharingPressureRead.model_validate)
