"""HTML pages of the collection context: collection catalogs (list, import, detail), a department's coverage,
duplicate collection, and the catalog's sharing pressure."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from govdata.catalog import service as catalog_service
from govdata.catalog.standard import DATA_TYPES
from govdata.collection import excel, policy, service
from govdata.collection.api import XLSX
from govdata.collection.models import CATALOG_LEVEL_LABELS, CATALOG_STATUSES
from govdata.collection.schemas import ISSUE_LABELS, CatalogFilter, CatalogImport, PressureFilter
from govdata.core.errors import DomainError
from govdata.core.policy import OVERSIGHT_ROLES, allowed
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.web.edge import CSRF_FIELD, check_csrf
from govdata.web.forms import form_errors, page
from govdata.web.render import menu_entry, render

router = APIRouter(include_in_schema=False)
menu_entry(40, "采集目录", "/collection", lambda actor: allowed(actor, policy.list_catalogs))
menu_entry(70, "重复采集", "/collection/duplicates", lambda actor: allowed(actor, policy.duplicate_report))
TYPE_NAMES = {code: name for code, (name, _) in DATA_TYPES.items()}
LABELS = {"levels": CATALOG_LEVEL_LABELS, "statuses": CATALOG_STATUSES, "issue_labels": ISSUE_LABELS,
          "type_names": TYPE_NAMES, "collection_policy": policy}


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if v != ""}


def _catalogs_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    params = _params(request)
    with page(request) as (session, actor):
        filt = CatalogFilter.model_validate({"status": params.get("status", "in_force"), "limit": 200})
        rows, total = service.list_catalogs(session, actor, filt)
        regions = org_service.list_regions(session, actor)
        return render(request, "collection/catalogs.html", actor, status_code=status_code, rows=rows, total=total,
                      filt=filt, regions=regions, **LABELS, **extra)


@router.get("/collection")
def catalogs_page(request: Request) -> Response:
    return _catalogs_page(request)


@router.post("/collection/import")
async def import_form(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD) or ""))
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    filename = upload.filename if isinstance(upload, UploadFile) else None
    fields = {k: str(form.get(k) or "").strip() for k in ("region_code", "name", "issued_on")}
    try:
        with page(request) as (session, actor):
            meta = CatalogImport.model_validate({k: v for k, v in fields.items() if v})
            catalog_id = service.import_catalog(session, actor, meta, data, filename).id
    except DomainError as exc:
        return _catalogs_page(request, status_code=exc.status or 400, form=fields,
                              import_errors=exc.extra.get("errors", []), **form_errors(request, exc))
    return RedirectResponse(f"/collection/catalogs/{catalog_id}?saved=imported", status_code=303)


@router.get("/collection/template.xlsx")
def template_download(request: Request) -> Response:
    with page(request):  # for signed-in people only
        pass
    return Response(excel.template_bytes(), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''collection-catalog-template.xlsx"})


@router.get("/collection/catalogs/{catalog_id}")
def catalog_page(request: Request, catalog_id: int) -> Response:
    with page(request) as (session, actor):
        catalog = service.get_catalog(session, actor, catalog_id)
        return render(request, "collection/catalog.html", actor, catalog=catalog,
                      saved=request.query_params.get("saved"), **LABELS)


def _departments(session: Any, actor: Any) -> list[Any]:
    rows, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
    return rows


@router.get("/collection/coverage")
def coverage_page(request: Request, department_id: int | None = None) -> Response:
    """The own department's coverage; the overseers pick a department."""
    with page(request) as (session, actor):
        oversight = actor.has(*OVERSIGHT_ROLES)
        chosen = department_id or (None if oversight else actor.department_id)
        report = service.coverage_report(session, actor, chosen) if chosen else None
        return render(request, "collection/coverage.html", actor, report=report, chosen=chosen,
                      departments=_departments(session, actor) if oversight else [], **LABELS)


@router.get("/collection/duplicates")
def duplicates_page(request: Request) -> Response:
    with page(request) as (session, actor):
        report = service.duplicate_report(session, actor)
        return render(request, "collection/duplicates.html", actor, report=report, **LABELS)


@router.get("/collection/sharing-pressure")
def sharing_pressure_page(request: Request, department_id: int | None = None) -> Response:
    """The catalog's sharing pressure (SHR-1, SHR-6), read through catalog.service."""
    filt = PressureFilter(department_id=department_id)
    with page(request) as (session, actor):
        oversight = actor.has(*OVERSIGHT_ROLES)
        report = catalog_service.sharing_pressure(session, actor, filt.department_id)
        return render(request, "collection/sharing_pressure.html", actor, report=report, chosen=filt.department_id,
                      departments=_departments(session, actor) if oversight else [], **LABELS)
