"""The supervisor's audit page: filter by time, department, user, area and name of the action, and result
(htmx updates); each entry shown in words (``web/entries.py``), its object linked when the reader may open it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from govdata.core import labels
from govdata.core.policy import allowed
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.supervision import policy, service
from govdata.supervision.schemas import AuditFilter
from govdata.web.edge import invalid_from_pydantic
from govdata.web.forms import form_errors, page
from govdata.web.render import menu_entry, render

router = APIRouter(include_in_schema=False)
menu_entry(90, "审计日志", "/audit", lambda actor: allowed(actor, policy.search_audit))
FIELD_NAMES = {"since": "起始时间", "until": "截止时间", "department_id": "部门", "user": "用户", "category": "类别",
               "action": "操作", "result": "结果", "offset": "页码", "limit": "每页条数"}
BESIDE_FIELDS = ("since", "until", "department_id", "user", "category", "action", "result")  # the form's fields


@router.get("/audit")
def audit_page(request: Request) -> Response:
    params = {k: v for k, v in request.query_params.items() if v.strip() != ""}
    errors: dict[str, Any] = {}
    filt: AuditFilter | None = None
    try:
        filt = AuditFilter.model_validate(params)
    except ValidationError as exc:
        errors = form_errors(request, invalid_from_pydantic(exc))
    # htmx swaps the rows part in; a history restore after a cache miss asks for the whole page
    partial = bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")
    if errors:  # the whole page shows a field's message beside the field; the rows part alone names them all
        beside = () if partial else BESIDE_FIELDS
        errors["error"] = "；".join(m if FIELD_NAMES.get(f, f) in m else f"{FIELD_NAMES.get(f, f)}：{m}"
                                   for f, m in errors["field_errors"].items() if f not in beside) or None
    with page(request) as (session, actor):
        rows, total = service.search_audit(session, actor, filt) if filt is not None else ([], 0)
        departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
        refs = labels.object_refs(session, actor, [(e.object_type, e.object_id) for e in rows])
        items = labels.item_names(session, [(e.data_content or {}).get("resource") for e in rows])
        words = (filt.action or "").strip() if filt is not None else ""
        unnamed = bool(words) and not service.names_a_code(words) and not labels.actions_named(words)
        template = "supervision/_audit_rows.html" if partial else "supervision/audit.html"
        return render(request, template, actor, status_code=422 if errors and not partial else 200,
                      rows=rows, total=total, filt=filt, departments=departments,
                      department_names={d.id: d.name for d in departments}, params=params, refs=refs, items=items,
                      categories=labels.CATEGORIES, unnamed=unnamed,
                      filter_error=errors.get("error"), field_errors=errors.get("field_errors", {}))
