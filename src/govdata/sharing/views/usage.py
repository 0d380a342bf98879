"""HTML pages of the usage of shared data and of misuse findings: ``/sharing/usage`` (charts, top consumers,
latest calls), ``/sharing/usage/{id}`` (one call with its audit facts) and ``/sharing/misuse`` (the
supervisor's list of findings). Each calls the same service function as its JSON twin in ``api.usage``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govdata.core.actor import Actor
from govdata.core import audit, labels
from govdata.core.policy import OVERSIGHT_ROLES, allowed
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.sharing import policy, service
from govdata.web.forms import page, read_form
from govdata.web.render import render

router = APIRouter(include_in_schema=False)
LOCAL = ZoneInfo("Asia/Shanghai")
VIEW_LABELS = {"all": "全部", "provided": "本部门提供的数据被使用", "consumed": "本部门使用共享数据"}
RESULT_LABELS = {"success": "成功", "denied": "拒绝", "failure": "失败"}
USAGE_PARAMS = ("view", "days", "resource", "provider_department_id", "consumer_department_id", "system_id",
                "grant_id", "end_user", "result")


def _params(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {k: v.strip() for k, v in request.query_params.items() if k in names and v.strip() != ""}


def _departments(session: Any, actor: Actor) -> list[Any]:
    if not actor.has(*OVERSIGHT_ROLES):
        return []
    departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
    return departments


def audit_link(row: dict[str, Any]) -> str:
    """The audit page narrowed to the second of the call (the audit page reads times as Beijing time)."""
    at = row["at"].astimezone(LOCAL).replace(microsecond=0, tzinfo=None)
    return (f"/audit?action=sharing.&since={at.isoformat()}"
            f"&until={(at + dt.timedelta(seconds=1)).isoformat()}")


@router.get("/sharing/usage")
def usage_page(request: Request) -> Response:
    params = _params(request, USAGE_PARAMS)
    with page(request) as (session, actor):
        report = service.usage_report(session, actor, service.UsageFilter.model_validate(params))
        chart = {"days": [d["day"] for d in report["daily"]], "calls": [d["calls"] for d in report["daily"]],
                 "denied": [d["denied"] for d in report["daily"]], "rows": [d["rows"] for d in report["daily"]]}
        return render(request, "sharing/usage.html", actor, r=report, chart=chart, params=params,
                      departments=_departments(session, actor), view_labels=VIEW_LABELS,
                      result_labels=RESULT_LABELS, oversight=actor.has(*OVERSIGHT_ROLES),
                      reads_audit=audit.readable_by(actor), audit_link=audit_link)


@router.get("/sharing/usage/{usage_id}")
def usage_detail_page(request: Request, usage_id: int) -> Response:
    with page(request) as (session, actor):
        row = service.get_usage(session, actor, usage_id)
        return render(request, "sharing/usage_detail.html", actor, u=row, result_labels=RESULT_LABELS,
                      reads_audit=audit.readable_by(actor), audit_link=audit_link(row),
                      items=labels.item_names(session, [row["resource_code"]]))


@router.get("/sharing/misuse")
def misuse_page(request: Request) -> Response:
    params = _params(request, ("department_id", "offset"))
    with page(request) as (session, actor):
        filt = service.MisuseFilter.model_validate({**params, "limit": 100})
        rows, total = service.list_misuse(session, actor, filt)
        return render(request, "sharing/misuse.html", actor, rows=rows, total=total, filt=filt, params=params,
                      departments=_departments(session, actor), rules=service.MISUSE_RULES,
                      correct_within=service.CORRECT_WITHIN_WORKDAYS,
                      can_detect=allowed(actor, policy.detect_misuse), saved=request.query_params.get("saved"),
                      recorded=request.query_params.get("recorded"))


@router.post("/sharing/misuse/detect")
async def detect_misuse_form(request: Request) -> Response:
    await read_form(request)
    with page(request) as (session, actor):
        result = service.detect_misuse(session, actor)
    return RedirectResponse(f"/sharing/misuse?saved=detected&recorded={result['recorded']}", status_code=303)
