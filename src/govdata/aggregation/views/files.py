"""HTML pages of file loads (AGG-5): the loads of a dataset with the upload form → the mapping of the file's
columns to the entry's information items → a progress bar while the load runs in the background → the
result with the rejected rows and the report download.

A load started here runs in a thread of this process with its own session, in one unit of work
(``aggregation.progress``). While it runs, the progress page and its htmx poll read only the in-memory
registry and resolve the signed-in person without writing (on SQLite the load holds the write lock).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from govdata.aggregation import policy, progress, service
from govdata.aggregation.api.files import MAX_FILE_BYTES, read_upload, report_response
from govdata.aggregation.models import FILE_LOAD_STATUSES
from govdata.catalog import service as catalog_service
from govdata.catalog.standard import DATA_TYPES
from govdata.core.actor import Actor
from govdata.core.errors import DomainError, NotFound
from govdata.core.policy import allowed
from govdata.web.edge import CSRF_FIELD, check_csrf, ui_actor, unit_of_work
from govdata.web.forms import form_errors, page
from govdata.web.render import render

router = APIRouter(include_in_schema=False)

MODES = {"all": "全部或全不：任一行不合格则整个文件不入库", "partial": "部分入库：合格的行入库，不合格的行列入拒收报告"}
TYPE_NAMES = {code: name for code, (name, _) in DATA_TYPES.items()}
IGNORE = "-"  # the select's value for 不导入
LABELS = {"statuses": FILE_LOAD_STATUSES, "modes": MODES, "type_names": TYPE_NAMES, "ignore": IGNORE,
          "files_policy": policy}


def _loads_url(code: str) -> str:
    return f"/aggregation/datasets/{code}/loads"


def _load_url(code: str, load_id: int) -> str:
    return f"{_loads_url(code)}/{load_id}"


def _entry(session: Session, actor: Actor, code: str) -> tuple[Any, Any]:
    """The catalog entry and its published version (None when not published)."""
    resource = catalog_service.get_resource(session, actor, code)
    return resource, catalog_service.version(session, resource.published_version_id)


# --- the loads of a dataset, and the upload ---------------------------------------------------------------

def _loads_page(request: Request, code: str, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        resource, version = _entry(session, actor, code)
        loads = service.list_file_loads(session, actor, code)
        return render(request, "aggregation/file_loads.html", actor, status_code=status_code, resource=resource,
                      version=version, entry_name=version.name if version is not None else "", loads=loads,
                      can_upload=allowed(actor, policy.upload_file, resource), max_gb=MAX_FILE_BYTES >> 30,
                      **LABELS, **extra)


@router.get("/aggregation/datasets/{code}/loads")
def loads_page(request: Request, code: str) -> Response:
    return _loads_page(request, code)


@router.post("/aggregation/datasets/{code}/loads")
async def upload_form(request: Request, code: str) -> Response:
    with unit_of_work(request) as session:  # sign-in first, so a stranger's upload is not even read
        ui_actor(request, session)
    chosen = {"mode": "all"}

    def check(form: FormData) -> None:
        check_csrf(request, str(form.get(CSRF_FIELD) or ""))
        chosen["mode"] = "partial" if form.get("mode") == "partial" else "all"

    def upload(filename: str, source: Any) -> int:
        with page(request) as (session, actor):
            return service.upload_file(session, actor, code, filename, source, chosen["mode"]).id

    try:
        load_id = await read_upload(request, upload, check)
    except DomainError as exc:
        if exc.code == "csrf_failed":
            raise
        return await run_in_threadpool(_loads_page, request, code, exc.status or 400, form=chosen,
                                       **form_errors(request, exc))
    return RedirectResponse(_load_url(code, load_id), status_code=303)


# --- one load: mapping, progress or result ----------------------------------------------------------------

@contextmanager
def _peek(request: Request) -> Iterator[tuple[Session, Actor]]:
    """The signed-in person without writing anything (no session touch is committed): for the pages shown
    while a load holds the database's write lock."""
    session: Session = request.app.state.sessions()
    try:
        with session.no_autoflush:  # the once-a-minute session touch stays unflushed, and is rolled back
            yield session, ui_actor(request, session)
    finally:
        session.rollback()
        session.close()


def _load_of(session: Session, actor: Actor, code: str, load_id: int) -> Any:
    """The load, when it belongs to the entry ``code`` (the same department, and the same code once run)."""
    load = service.get_file_load(session, actor, load_id)
    resource = catalog_service.get_resource(session, actor, code)
    if load.department_id != resource.department_id or (load.result or {}).get("dataset", code) != code:
        raise NotFound("文件导入", load_id, "File load")
    return load


def _mapping_page(request: Request, code: str, load_id: int, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        load = _load_of(session, actor, code, load_id)
        if load.status != "uploaded":
            return RedirectResponse(_load_url(code, load_id), status_code=303)
        resource, version = _entry(session, actor, code)
        items = list(version.items) if version is not None else []
        mode = extra.pop("mode", None) or load.mode  # chosen at upload, kept with the load
        chosen = extra.pop("chosen", None) or {c: (f or "") for c, f in load.mapping.items()}
        return render(request, "aggregation/file_load_mapping.html", actor, status_code=status_code,
                      resource=resource, entry_name=version.name if version is not None else "", load=load,
                      items=items, chosen=chosen, mode=mode,
                      can_run=allowed(actor, policy.run_file_load, load), **LABELS, **extra)


def _progress_page(request: Request, code: str, load_id: int, state: progress.LoadProgress) -> Response:
    with _peek(request) as (session, actor):
        load = _load_of(session, actor, code, load_id)
        return render(request, "aggregation/file_load_progress.html", actor, code=code, load=load, state=state,
                      **LABELS)


@router.get("/aggregation/datasets/{code}/loads/{load_id}")
def load_page(request: Request, code: str, load_id: int) -> Response:
    """Whichever step the load is at: running → progress; waiting → mapping; done → result."""
    state = progress.registry_of(request.app).get(load_id)
    if state is not None and state.running:
        return _progress_page(request, code, load_id, state)
    with page(request) as (session, actor):
        load = _load_of(session, actor, code, load_id)
        if load.status != "uploaded":
            resource, version = _entry(session, actor, code)
            return render(request, "aggregation/file_load_result.html", actor, resource=resource, load=load,
                          entry_name=version.name if version is not None else "",
                          result=load.result or {}, can_download=allowed(actor, policy.rejection_report, load),
                          **LABELS)
    # not run yet (or its run failed before anything was recorded: say why)
    failed = state.message if state is not None and state.state == "failed" else None
    return _mapping_page(request, code, load_id, error=failed)


def _chosen(form: dict[str, Any], headers: list[str]) -> dict[str, str]:
    """Column → the select's value ("" when none was chosen)."""
    return {column: str(form.get(f"col-{n}") or "") for n, column in enumerate(headers)}


@router.post("/aggregation/datasets/{code}/loads/{load_id}")
async def start_form(request: Request, code: str, load_id: int) -> Response:
    """Save the mapping and start the load in the background."""
    form = await request.form(max_files=0, max_fields=2000, max_part_size=64 * 1024)
    check_csrf(request, str(form.get(CSRF_FIELD) or ""))
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    mode = "partial" if values.get("mode") == "partial" else "all"
    return await run_in_threadpool(_start, request, code, load_id, values, mode)


def _start(request: Request, code: str, load_id: int, values: dict[str, Any], mode: str) -> Response:
    registry = progress.registry_of(request.app)
    state = registry.get(load_id)
    if state is not None and state.running:
        return RedirectResponse(_load_url(code, load_id), status_code=303)
    chosen: dict[str, str] = {}
    try:
        with page(request) as (session, actor):
            load = _load_of(session, actor, code, load_id)
            if load.status != "uploaded":
                return RedirectResponse(_load_url(code, load_id), status_code=303)
            chosen = _chosen(values, list(load.headers))
            mapping = {c: (None if f == IGNORE else f) for c, f in chosen.items() if f}
            service.map_columns(session, actor, load_id, mapping, mode)
    except DomainError as exc:
        if exc.code in ("not_found", "forbidden", "unauthenticated"):
            raise
        return _mapping_page(request, code, load_id, status_code=exc.status or 400, chosen=chosen, mode=mode,
                             **form_errors(request, exc))
    # the mapping is committed: the load's own session sees it
    progress.start_in_background(registry, request.app.state.sessions, actor, load_id, _run)
    return RedirectResponse(_load_url(code, load_id), status_code=303)


def _run(session: Session, actor: Actor, load_id: int, report: Any) -> Any:
    return service.run_file_load(session, actor, load_id, progress=report)


@router.get("/aggregation/datasets/{code}/loads/{load_id}/progress")
def progress_fragment(request: Request, code: str, load_id: int) -> Response:
    """The progress bar, polled by htmx every second; once the load is over, htmx is sent to the result."""
    state = progress.registry_of(request.app).get(load_id)
    with _peek(request) as (session, actor):
        load = _load_of(session, actor, code, load_id)
        if state is None or not state.running:
            return Response(status_code=200, headers={"HX-Redirect": _load_url(code, load_id)})
        return render(request, "aggregation/file_load_bar.html", actor, code=code, load=load, state=state)


@router.get("/aggregation/loads/{load_id}/report")
def report_download(request: Request, load_id: int) -> Response:
    """The rejection report (CSV), audited as an export."""
    with page(request) as (session, actor):
        path = service.rejection_report(session, actor, load_id)
    return report_response(path, f"拒收报告-{load_id}.csv")
