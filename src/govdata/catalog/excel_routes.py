"""Excel interchange of a department's catalog (CAT-1): the JSON import, the export and template downloads,
and the import page. The workbook is catalog/excel/; the writes are ``service.import_catalog``."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile as StarletteUpload

from govdata.catalog import excel, policy, service
from govdata.core.errors import DomainError
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.core.policy import allowed
from govdata.web.edge import CSRF_FIELD, call, check_csrf, ui_actor, unit_of_work
from govdata.web.forms import page
from govdata.web.render import render

router = APIRouter(tags=["catalog"])

IMPORT_API = "/api/v1/catalog/import"
IMPORT_PAGE = "/catalog/import"
# The upload routes take a workbook of up to excel.MAX_FILE_BYTES plus the multipart envelope and form
# fields; app.py hands this to web.middleware.BodyLimit, which keeps the general limit everywhere else.
UPLOAD_BODY_BYTES = excel.MAX_FILE_BYTES + 64 * 1024
BODY_LIMITS = {IMPORT_API: UPLOAD_BODY_BYTES, IMPORT_PAGE: UPLOAD_BODY_BYTES}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
UI_ERROR_ROWS = 1000  # the page lists this many errors; the API lists all


class CellErrorOut(BaseModel):
    sheet: str
    row: int | None
    column: str
    header: str
    message: str


class ImportReport(BaseModel):
    imported: list[str]
    created: int
    updated: int
    errors: list[CellErrorOut]


def _report(result: service.ImportResult) -> ImportReport:
    return ImportReport(imported=result.imported, created=result.created, updated=result.updated,
                        errors=[CellErrorOut(**e.as_dict()) for e in result.errors])


async def _read_upload(upload: Any) -> bytes:
    """The uploaded file's bytes, reading one byte past the limit so an oversized file is named as such."""
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        raise DomainError("excel_unreadable", "请选择要导入的 .xlsx 文件", "Choose an .xlsx file to upload")
    data = await upload.read(excel.MAX_FILE_BYTES + 1)
    excel.check_upload(data)
    return data


def _department(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise DomainError("validation_failed", "部门编号应为整数", "department_id must be an integer")
    return int(text)


def _import(request: Request, data: bytes, department_id: int | None, mode: str, ui: bool) -> service.ImportResult:
    """Parse (no transaction is open while the workbook is read), then import in one unit of work."""
    parsed = excel.parse_workbook(data)
    if ui:
        with page(request) as (session, actor):
            return service.import_catalog(session, actor, department_id, parsed, mode)
    return call(request, service.import_catalog, department_id, parsed, mode)  # type: ignore[no-any-return]


# --- JSON API ------------------------------------------------------------------------------------------

@router.post(IMPORT_API, response_model=ImportReport, responses={
    413: {"description": "upload_too_large: the file is over 10 MB"},
    422: {"description": "import_rejected (mode=all and some cell failed: nothing was written; `errors` lists "
                         "every cell with sheet, row, column and message), excel_unreadable, excel_too_many_rows"}})
async def import_catalog(request: Request, file: Annotated[UploadFile, File(description=".xlsx in the template")],
                         mode: Annotated[Literal["all", "valid"], Form()] = "all",
                         department_id: Annotated[int | None, Form(description="platform admin only")] = None
                         ) -> ImportReport:
    """Import a department's catalog from the Excel template (docs/catalog-excel-template.md). mode=all:
    nothing is written when any cell fails (422 ``import_rejected``); mode=valid: the entries without errors
    are written and the others reported in ``errors``. Rows without 资源代码 register new drafts; rows with
    the code of one of the department's entries change it (a new draft version)."""
    data = await _read_upload(file)
    result = await run_in_threadpool(_import, request, data, department_id, mode, False)
    return _report(result)


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


def _xlsx(write: Any, filename: str) -> StreamingResponse:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by _stream
    try:
        write(spool)
    except BaseException:
        spool.close()
        raise
    disposition = f"attachment; filename=\"catalog.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(_stream(spool), media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/api/v1/catalog/export.xlsx", response_class=StreamingResponse,
            responses={200: {"content": {XLSX: {}}, "description": "the workbook"}})
def export_catalog(request: Request, department_id: Annotated[int | None, Query()] = None,
                   status: Annotated[str | None, Query(description="an entry status, as in the catalog list")] = None
                   ) -> StreamingResponse:
    """The catalog as a workbook in the import template: a department's entries (``department_id``) or all
    the caller may see; drafts of the caller's own department (the overseers: all drafts), published
    content of the others. Re-importing it changes the same entries; clear 资源代码 to copy them."""
    rows = call(request, service.export_catalog, department_id, status or None)
    return _xlsx(lambda target: excel.write_catalog(rows, target), "政务信息资源目录.xlsx")


@router.get("/api/v1/catalog/template.xlsx", response_class=StreamingResponse,
            responses={200: {"content": {XLSX: {}}, "description": "the empty template"}})
def template(request: Request) -> StreamingResponse:
    """The empty import template, with a 说明 sheet describing every column and its allowed values."""
    return _xlsx(excel.write_template, "政务信息资源目录导入模板.xlsx")


# --- the import page -------------------------------------------------------------------------------------

def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    with page(request) as (session, actor):
        departments = []
        if actor.has("platform_admin"):
            departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
        errors = context.pop("errors", [])
        return render(request, "catalog/import.html", actor, status_code=status_code, departments=departments,
                      can_import=allowed(actor, policy.import_catalog, actor.department_id),
                      errors=errors[:UI_ERROR_ROWS], error_count=len(errors), max_mb=excel.MAX_FILE_BYTES // 2**20,
                      max_resources=excel.MAX_RESOURCES, max_items=excel.MAX_ITEMS, **context)


@router.get(IMPORT_PAGE, include_in_schema=False)
def import_page(request: Request) -> Response:
    return _page(request)


@router.post(IMPORT_PAGE, include_in_schema=False)
async def import_form(request: Request) -> Response:
    with unit_of_work(request) as session:  # sign-in first, so a stranger's upload is not even read
        ui_actor(request, session)
    form = await request.form(max_part_size=64 * 1024)
    check_csrf(request, str(form.get(CSRF_FIELD) or ""))
    values = {"mode": str(form.get("mode") or "all"), "department_id": str(form.get("department_id") or "")}
    try:
        data = await _read_upload(form.get("file"))
        result = await run_in_threadpool(_import, request, data, _department(values["department_id"]),
                                         values["mode"], True)
    except DomainError as exc:
        errors = exc.extra.get("errors") or []
        message = exc.title("zh") if errors else exc.message("zh")
        return _page(request, status_code=exc.status or 400, form=values, error=message, errors=errors)
    return _page(request, form=values, result=result, errors=[e.as_dict() for e in result.errors])
