"""HTML pages of database pulls (AGG-5): the sources of a dataset with the registration form, and one
source with its settings form, test-connection and run-now buttons, and its runs; on the same list, the
dataset's NATS JetStream subscriptions with consume-now (AGG-2). Services: ``service.pulls``,
``service.pull_runs`` and ``service.stream``; errors are shown in place."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govdata.aggregation import policy, service, source_values, sources
from govdata.aggregation.models import PULL_RUN_STATUSES
from govdata.catalog import service as catalog_service
from govdata.core.errors import DomainError, FieldError, Invalid
from govdata.core.policy import allowed
from govdata.web.forms import form_errors, page, read_form
from govdata.web.render import render

router = APIRouter(include_in_schema=False)

MODES = {"all": "全部或全不：一页中任一行不合格则该页不入库，本次拉取停止",
         "partial": "部分入库：合格的行入库，不合格的行记入批次"}
LABELS = {"statuses": PULL_RUN_STATUSES, "modes": MODES, "backends": sources.BACKEND_LABELS,
          "shown": source_values.shown, "pulls_policy": policy, "page_rows": service.PAGE_ROWS,
          "max_pages": service.MAX_PAGES}
SAVED = {"registered": "数据源已登记", "updated": "设置已保存", "enabled": "已启用定时拉取", "disabled": "已停用定时拉取",
         "run": "拉取已执行，结果见下方运行记录", "consumed": "已消费消息流，结果见下表"}


_MAPPING_LINE = re.compile(r"([^=→\s]+)\s*(?:=|→|->)\s*(\S+)")


def _sources_url(code: str) -> str:
    return f"/aggregation/datasets/{code}/sources"


def _payload(data: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The form as the service's payload: key columns comma-separated, one ``column=field code`` a line."""
    out: dict[str, Any] = {k: data[k] for k in ("name", "url", "watermark_column", "interval_minutes", "mode")
                           if k in data}
    out["table_name"], out["query"] = data.get("table_name"), data.get("query")
    out["key_columns"] = [k for k in re.split(r"[,，\s]+", data.get("key_columns", "")) if k]
    columns: dict[str, str] = {}
    for n, line in enumerate(data.get("columns", "").splitlines(), 1):
        if not line.strip():
            continue
        match = _MAPPING_LINE.fullmatch(line.strip())
        if match is None:
            raise Invalid([FieldError("columns", "validation_failed", f"第{n}行应写作“列名=信息项代码”")])
        columns[match.group(1)] = match.group(2)
    out["columns"] = columns
    out["enabled"] = data.get("enabled") == "on"
    if not creating and not data.get("url"):
        out.pop("url", None)
    return out


def _form_of(source: Any) -> dict[str, Any]:
    return {"name": source.name, "url": source.url_masked, "table_name": source.table_name or "",
            "query": source.query or "", "key_columns": ", ".join(source.key_columns),
            "watermark_column": source.watermark_column,
            "columns": "\n".join(f"{c}={f}" for c, f in (source.column_map or {}).items()),
            "interval_minutes": source.interval_minutes, "mode": source.mode,
            "enabled": "on" if source.enabled else ""}


def _list_page(request: Request, code: str, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        resource = catalog_service.get_resource(session, actor, code)
        version = catalog_service.version(session, resource.published_version_id)
        rows = service.list_pull_sources(session, actor, code)
        streams = service.list_stream_subscriptions(session, actor, code)
        runs = {s.id: (service.list_stream_runs(session, actor, code, s.id, 1) or [None])[0] for s in streams}
        return render(request, "aggregation/sources.html", actor, status_code=status_code, resource=resource,
                      version=version, rows=rows, streams=streams, stream_runs=runs,
                      can_register=allowed(actor, policy.register_pull_source, resource),
                      saved=SAVED.get(request.query_params.get("saved") or ""), **LABELS, **extra)


@router.get("/aggregation/datasets/{code}/sources")
def sources_page(request: Request, code: str) -> Response:
    return _list_page(request, code)


@router.post("/aggregation/datasets/{code}/sources")
async def register_form(request: Request, code: str) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            payload = service.PullSourceCreate.model_validate(_payload(data, creating=True))
            source_id = service.register_pull_source(session, actor, code, payload).id
    except DomainError as exc:
        return _list_page(request, code, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"{_sources_url(code)}/{source_id}?saved=registered", status_code=303)


def _detail(request: Request, code: str, source_id: int, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        source = service.get_pull_source(session, actor, code, source_id)
        resource = catalog_service.get_resource(session, actor, code)
        runs = service.list_pull_runs(session, actor, code, source_id, 50)
        saved = request.query_params.get("saved")
        return render(request, "aggregation/source.html", actor, status_code=status_code, resource=resource,
                      source=source, runs=runs, saved=SAVED.get(saved or ""),
                      can_manage=allowed(actor, policy.update_pull_source, source),
                      form=extra.pop("form", None) or _form_of(source), **LABELS, **extra)


@router.get("/aggregation/datasets/{code}/sources/{source_id}")
def source_page(request: Request, code: str, source_id: int) -> Response:
    return _detail(request, code, source_id)


@router.post("/aggregation/datasets/{code}/sources/{source_id}")
async def update_form(request: Request, code: str, source_id: int) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            payload = service.PullSourceUpdate.model_validate(_payload(data, creating=False))
            service.update_pull_source(session, actor, code, source_id, payload)
    except DomainError as exc:
        return _detail(request, code, source_id, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"{_sources_url(code)}/{source_id}?saved=updated", status_code=303)


@router.post("/aggregation/datasets/{code}/sources/{source_id}/{action}")
async def action_form(request: Request, code: str, source_id: int, action: str) -> Response:
    """``test`` shows the outcome in place; ``run``, ``enable`` and ``disable`` come back to the page."""
    await read_form(request)
    if action not in ("test", "run", "enable", "disable"):
        return _detail(request, code, source_id, status_code=404, error="没有这个操作")
    try:
        with page(request) as (session, actor):
            if action == "test":
                check = service.check_pull_source(session, actor, code, source_id)
            elif action == "run":
                service.run_pull(session, actor, source_id, code=code)
            else:
                service.set_pull_source_enabled(session, actor, code, source_id, action == "enable")
    except DomainError as exc:
        return _detail(request, code, source_id, status_code=exc.status or 400, **form_errors(request, exc))
    if action == "test":
        return _detail(request, code, source_id, check=check)
    saved = {"run": "run", "enable": "enabled", "disable": "disabled"}[action]
    return RedirectResponse(f"{_sources_url(code)}/{source_id}?saved={saved}", status_code=303)


@router.post("/aggregation/datasets/{code}/streams/{subscription_id}/{action}")
async def stream_action_form(request: Request, code: str, subscription_id: int, action: str) -> Response:
    """Consume a NATS JetStream subscription now, or enable / disable it (registration: the JSON API)."""
    await read_form(request)
    if action not in ("consume", "enable", "disable"):
        return _list_page(request, code, status_code=404, error="没有这个操作")
    try:
        with page(request) as (session, actor):
            if action == "consume":
                service.consume_stream(session, actor, subscription_id, code=code)
            else:
                service.set_stream_subscription_enabled(session, actor, code, subscription_id, action == "enable")
    except DomainError as exc:
        return _list_page(request, code, status_code=exc.status or 400, **form_errors(request, exc))
    saved = {"consume": "consumed", "enable": "enabled", "disable": "disabled"}[action]
    return RedirectResponse(f"{_sources_url(code)}?saved={saved}", status_code=303)
