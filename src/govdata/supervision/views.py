"""The supervisor's audit page: filter by time, department, user, action and result (htmx updates)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.core.policy import allowed
from govdata.supervision import policy, service
from govdata.supervision.schemas import AuditFilter
from govdata.web.forms import page
from govdata.web.render import menu_entry, render

router = APIRouter(include_in_schema=False)
menu_entry(90, "审计日志", "/audit", lambda actor: allowed(actor, policy.search_audit))


@router.get("/audit")
def audit_page(request: Request) -> Response:
    params = {k: v for k, v in request.query_params.items() if v != ""}
    with page(request) as (session, actor):
        filt = AuditFilter.model_validate(params)
        rows, total = service.search_audit(session, actor, filt)
        departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
        names = {d.id: d.name for d in departments}
        template = "supervision/_audit_rows.html" if request.headers.get("hx-request") else "supervision/audit.html"
        return render(request, template, actor, rows=rows, total=total, filt=filt, departments=departments,
                      department_names=names, params=params)
