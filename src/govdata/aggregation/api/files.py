"""JSON routes of file loads (AGG-5): upload a CSV or XLSX file for a dataset, set its column mapping, run it,
read it, download its rejection report. The service is ``aggregation.service.files``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, BinaryIO, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.datastructures import FormData, UploadFile

from govdata.aggregation import progress, service
from govdata.aggregation.schemas_files import FileLoadOut, MappingIn, file_load_out, progress_out
from govdata.core.errors import invalid
from govdata.core.sheet_writer import stream_csv
from govdata.web.edge import call

#: Largest data file accepted, and the body limit of the upload routes (the file plus the multipart envelope).
MAX_FILE_BYTES = 1 << 30
UPLOAD_BODY_BYTES = MAX_FILE_BYTES + 64 * 1024
UPLOAD_API = "/api/v1/datasets/*/loads"
UPLOAD_PAGE = "/aggregation/datasets/*/loads"
BODY_LIMITS = {UPLOAD_API: UPLOAD_BODY_BYTES, UPLOAD_PAGE: UPLOAD_BODY_BYTES}
CSV_MEDIA = "text/csv; charset=utf-8"
T = TypeVar("T")

router = APIRouter(prefix="/api/v1", tags=["aggregation"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                                    "description": "CSV (UTF-8 or GB18030) or XLSX (first worksheet), at most "
                                                   "1 GiB; the first row holds the column names, then at least "
                                                   "one data row"},
                           "mode": {"type": "string", "enum": ["all", "partial"], "default": "all",
                                    "description": "all: nothing is written when a row is rejected; partial: "
                                                   "the good rows are written (can be changed with the mapping)"}}}}},
    },
}


async def read_upload(request: Request, run: Callable[[str, BinaryIO], T],
                      check: Callable[[FormData], None] | None = None) -> T:
    """Read the multipart form (the file spools to a temporary file, never whole into memory), ``check`` its
    other fields, and call ``run(filename, binary file)`` in a worker thread; the temporary file is removed
    afterwards. The caller has been authenticated already, so a stranger's upload is refused unread."""
    async with request.form(max_files=1, max_fields=10, max_part_size=64 * 1024) as form:
        if check is not None:
            check(form)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise invalid("file", "请选择要上传的CSV或Excel（.xlsx）文件", code="file_empty",
                          message_en="choose a CSV or XLSX file to upload")
        return await run_in_threadpool(run, upload.filename, upload.file)


@router.post("/datasets/{code}/loads", response_model=FileLoadOut, status_code=201, openapi_extra=_UPLOAD_BODY,
             responses={409: {"description": "resource_not_published, dataset_not_structured"},
                        413: {"description": "body_too_large: over 1 GiB"},
                        422: {"description": "file_empty, file_no_rows, file_encoding, file_unreadable, "
                                             "file_no_header, file_duplicate_column"}})
async def upload_file(request: Request, code: str) -> FileLoadOut:
    """Upload a data file for the published structured entry ``code`` (its department's data manager, or the
    platform administrator). The file is kept; its header and first rows are read, and a mapping of its
    columns to the entry's information items is proposed (by field code or item name; unmatched columns are
    null). ``mode`` is kept with the load (``all`` unless given). Next: ``PUT /api/v1/loads/{id}/mapping``,
    then ``POST /api/v1/loads/{id}/run``."""
    chosen = {"mode": "all"}

    def check(form: FormData) -> None:
        chosen["mode"] = str(form.get("mode") or "all")

    return await read_upload(request, lambda filename, source: call(  # type: ignore[no-any-return]
        request, service.upload_file, code, filename, source, chosen["mode"],
        out=lambda load: file_load_out(load, code)), check)


@router.get("/datasets/{code}/loads", response_model=list[FileLoadOut])
def list_file_loads(request: Request, code: str) -> object:
    """The file loads of an entry, newest first (at most 200)."""
    return call(request, service.list_file_loads, code,
                out=lambda loads: [file_load_out(load, code) for load in loads])


def _progress(request: Request, load_id: int) -> Any:
    """The load's progress while it runs in this process, or the error of its last run there."""
    state = progress.registry_of(request.app).get(load_id)
    return state if state is not None and state.state in ("running", "failed") else None


@router.get("/loads/{load_id}", response_model=FileLoadOut)
def get_file_load(request: Request, load_id: int) -> object:
    """One file load: its file, mapping, status and result; ``progress`` while it runs in this server process
    (started from the web page or by ``/run``), or when its last run there failed (``progress.code`` and
    ``message`` say why; nothing was written and it can be run again)."""
    return call(request, service.get_file_load, load_id,
                out=lambda load: file_load_out(load, progress=_progress(request, load_id)))


@router.put("/loads/{load_id}/mapping", response_model=FileLoadOut,
            responses={409: {"description": "file_load_done: the load has run"},
                       422: {"description": "columns_unmapped, mapping_invalid (the error names the column)"}})
def map_columns(request: Request, load_id: int, body: MappingIn) -> object:
    """Set which information item each column of the file fills (null: the column is not collected) and the
    mode. Every column must be named; each item at most once; every key item must be mapped."""
    return call(request, service.map_columns, load_id, body.mapping, body.mode, out=file_load_out)


_PREFER_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d+)")


def _wait_seconds(request: Request, prefer: str | None) -> float:
    """RFC 7240: ``Prefer: respond-async`` answers at once, ``Prefer: wait=N`` waits up to N seconds (at most 120);
    otherwise ``GOVDATA_FILE_LOAD_WAIT_SECONDS``."""
    text = (prefer or "").lower()
    if "respond-async" in text:
        return 0.0
    found = _PREFER_WAIT.search(text)
    if found:
        return min(float(found.group(1)), 120.0)
    return float(request.app.state.settings.file_load_wait_seconds)


@router.post("/loads/{load_id}/run", response_model=FileLoadOut,
             responses={202: {"model": FileLoadOut,
                              "description": "still running after the wait: ``progress`` tells how far, ``Location`` "
                                             "is where to poll (``GET /api/v1/loads/{id}``)"},
                        409: {"description": "file_missing; idempotency_key_reused"},
                        422: {"description": "batch_rejected (mode all: nothing written, the load is recorded as "
                                             "rejected and the report lists every rejected row); columns_unmapped, "
                                             "file_unreadable, file_too_many_rows, file_line_too_long"}})
async def run_file_load(
    request: Request,
    load_id: int,
    idempotency_key: Annotated[str | None, Header(max_length=service.MAX_IDEMPOTENCY_KEY,
                                                  description="one value per load; a retry with the same key and "
                                                              "file is answered, not applied again")] = None,
    prefer: Annotated[str | None, Header(description="``respond-async``: answer 202 at once; ``wait=N``: wait up "
                                                     "to N seconds for the result")] = None,
) -> Response:
    """Start the load in the background of this server process and wait a little for it
    (``GOVDATA_FILE_LOAD_WAIT_SECONDS``, 10 s by default): done by then, the answer is its result as usual (200,
    or the 422 of a rejected file); otherwise 202 with its ``progress`` and a ``Location`` to poll. The load
    goes on whether or not anyone waits; its result, or why it failed, is on ``GET /api/v1/loads/{id}``. A load
    that has run already answers its result; one that is running is not started twice. The reply's ``result``
    has the counts and the first 100 rejected rows; the report (``GET /api/v1/loads/{id}/report``) lists all."""
    def check(session: Any, actor: Any, lid: int) -> tuple[Any, str, FileLoadOut]:
        load = service.start_file_load(session, actor, lid)
        return actor, load.status, file_load_out(load)

    actor, status, current = await run_in_threadpool(call, request, check, load_id)
    if status != "uploaded":
        return JSONResponse(current.model_dump(mode="json"))  # it has run: its result stands
    registry = progress.registry_of(request.app)

    def run(session: Any, who: Any, lid: int, report: Any) -> Any:
        return service.run_file_load(session, who, lid, idempotency_key=idempotency_key, progress=report)

    progress.start_in_background(registry, request.app.state.sessions, actor, load_id, run)  # or it runs already
    state = await progress.wait(registry, load_id, _wait_seconds(request, prefer))
    if state is not None and state.running:
        body = current.model_copy(update={"progress": progress_out(state)})
        return JSONResponse(body.model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/api/v1/loads/{load_id}", "Retry-After": "2"})
    if state is not None and state.error is not None:
        raise state.error  # failed, or rejected as a whole (recorded): the same answer as a run in the request
    done = await run_in_threadpool(call, request, service.get_file_load, load_id, out=file_load_out)
    return JSONResponse(done.model_dump(mode="json"))


def report_response(path: Path, filename: str) -> StreamingResponse:
    """A rejection report as a download, every cell through ``core.sheet_writer`` on the way out (a report
    written before that was the rule is made safe too)."""
    disposition = f"attachment; filename=\"rejections.csv\"; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(stream_csv(path), media_type=CSV_MEDIA, headers={"Content-Disposition": disposition})


@router.get("/loads/{load_id}/report", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with BOM: 行号, 记录主键, 问题, "
                                                                       "then the row's original columns"},
                       404: {"description": "the load has no rejected rows"}})
def rejection_report(request: Request, load_id: int) -> StreamingResponse:
    """Every rejected row of a load with its line in the file, its reasons and its original values (an
    export of the department's data: audited). Text that a spreadsheet would run as a formula starts with a
    single quote."""
    path = call(request, service.rejection_report, load_id)
    return report_response(path, f"rejections-load-{load_id}.csv")
