"""Server-rendered pages: one Jinja2 environment, the role-based navigation, and CSRF in every form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from govdata.aggregation import policy as aggregation_policy
from govdata.catalog import policy as catalog_policy
from govdata.collection import policy as collection_policy
from govdata.core.actor import Actor
from govdata.core.policy import ROLES, allowed
from govdata.org import policy as org_policy
from govdata.org.models import DEPARTMENT_KINDS, PERSON_ROLE_LABELS, REGION_LEVEL_LABELS
from govdata.supervision import policy as supervision_policy
from govdata.systems import policy as systems_policy
from govdata.workflow import policy as workflow_policy
from govdata.web.edge import CSRF_COOKIE, CSRF_FIELD, csrf_token, settings_of

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [str(PACKAGE / "web" / "templates")] + [
    str(p) for p in sorted(PACKAGE.glob("*/templates")) if p.parent.name != "web"
]
templates = Jinja2Templates(directory=TEMPLATE_DIRS)
RESULT_LABELS = {"success": "成功", "denied": "拒绝", "failure": "失败"}
METHOD_LABELS = {"ui": "网页", "api": "接口", "cli": "命令行", "job": "后台任务"}
templates.env.globals.update(RESULT_LABELS=RESULT_LABELS, METHOD_LABELS=METHOD_LABELS, ROLES=ROLES, DEPARTMENT_KINDS=DEPARTMENT_KINDS, PERSON_ROLE_LABELS=PERSON_ROLE_LABELS,
                             REGION_LEVEL_LABELS=REGION_LEVEL_LABELS)


def _fmt_time(value: Any) -> str:
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    return str(value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S"))


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


templates.env.filters["time"] = _fmt_time
templates.env.filters["pretty"] = _pretty


def navigation(actor: Actor | None) -> list[tuple[str, str]]:
    """Menu entries the actor may use: (label, href). What the policy denies is not shown."""
    if actor is None or not actor.is_authenticated:
        return []
    items = [("首页", "/")]
    if allowed(actor, org_policy.list_departments):
        items.append(("部门与责任人", "/departments"))
    if allowed(actor, org_policy.list_users) and (actor.has("platform_admin", "supervisor", "security_regulator",
                                                            "dept_manager")):
        items.append(("用户", "/users"))
    if allowed(actor, catalog_policy.list_resources):
        items.append(("数据目录", "/catalog"))
    if allowed(actor, collection_policy.list_catalogs):
        items.append(("采集目录", "/collection"))
    if allowed(actor, aggregation_policy.list_datasets):
        items.append(("数据汇聚", "/aggregation/datasets"))
    if actor.kind == "user":
        items.append(("数据共享", "/sharing"))
    if allowed(actor, collection_policy.duplicate_report):
        items.append(("共享监督", "/collection/duplicates"))
    if actor.kind == "user" and allowed(actor, systems_policy.list_systems):
        items.append(("应用系统", "/systems"))
    if allowed(actor, supervision_policy.search_audit):
        items.append(("审计日志", "/audit"))
    if allowed(actor, workflow_policy.set_calendar_day):
        items.append(("工作日历", "/calendar"))
    items.append(("我的账号", "/me"))
    return items


def render(request: Request, template: str, actor: Actor | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    token = csrf_token(request)
    ctx = {
        "request": request,
        "actor": actor,
        "nav": navigation(actor),
        "csrf_token": token,
        "csrf_field": Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">'),
        "allowed": lambda rule, obj=None: actor is not None and allowed(actor, rule, obj),
        "org_policy": org_policy,
        "systems_policy": systems_policy,
        "workflow_policy": workflow_policy,
        **context,
    }
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax",
                            secure=settings_of(request).cookie_secure)
    return response
