"""Sign-in, sign-out and the home page of each role.

An entry point like ``app``: the home page gathers each role's work from every context (the inbox of the
workflow, the department of org, the recent audit entries of supervision, a data user's drafts of share
requests), so it stands above them all and none of them imports it. Roles whose work is not on the platform
yet (finance, evaluators, technical service staff) read what the role is for and where they may look
(``ROLE_GUIDES``: links only to pages their rules open)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govdata.catalog import policy as catalog_policy
from govdata.collection import policy as collection_policy
from govdata.core.actor import Actor
from govdata.core.errors import DomainError
from govdata.core.policy import ROLES, Rule, allowed
from govdata.org import policy as org_policy
from govdata.org import service as org_service
from govdata.org import signin
from govdata.sharing import policy as sharing_policy
from govdata.sharing import service as sharing_service
from govdata.sharing.schemas import RequestFilter
from govdata.supervision import policy as supervision_policy
from govdata.supervision import service as supervision_service
from govdata.supervision.schemas import AuditFilter
from govdata.web.edge import (
    PAGE_LANGUAGE,
    SESSION_COOKIE,
    anonymous_actor,
    check_csrf,
    settings_of,
    unit_of_work,
)
from govdata.web.forms import page, read_form
from govdata.web.render import render
from govdata.workflow import service as workflow

router = APIRouter(include_in_schema=False)

#: pages a guide may point to: (label, address, the rule of that page)
PAGES: dict[str, tuple[str, str, Rule]] = {
    "catalog": ("数据目录：各部门登记的政务数据资源", "/catalog", catalog_policy.list_resources),
    "collection": ("采集目录：省、市、县要求采集的数据", "/collection", collection_policy.list_catalogs),
    "departments": ("部门与责任人：各部门及其分管领导、日常管理人员", "/departments", org_policy.list_departments),
    "shareable": ("共享资源：可以共享的数据和共享条件", "/sharing/resources", sharing_policy.list_shareable),
    "drafted": ("我起草的共享申请", "/sharing/requests?box=drafted", sharing_policy.list_requests),
}
#: role -> (what the role is for, in plain words; the pages to open)
ROLE_GUIDES: dict[str, tuple[str, tuple[str, ...]]] = {
    "data_user": ("您是本部门的数据使用人员。工作中需要其他部门的数据时，在“共享资源”中找到它，起草共享申请；"
                  "本部门数据管理员修改后提交，或者说明理由退回。申请和授权都会记下您是数据使用人，"
                  "您可以随时查看申请办到了哪一步。", ("shareable", "drafted", "catalog")),
    "finance_viewer": ("财政部门把各部门政务数据登记、采集、汇聚、共享的执行情况，作为安排信息化项目资金和运行维护经费的"
                       "重要依据（条例第十条）。各部门执行情况的汇总将在监督考核功能建成后在这里提供；现在可以查阅：",
                       ("catalog", "collection", "departments")),
    "evaluator": ("受电子政务管理部门或政务部门委托，对政务数据的质量安全、共享开放程度开展调查评估（条例第二十四条），"
                  "或者在签订保密协议后承担数据治理工作（第二十五条）。评估任务将在监督考核功能建成后在这里派发和办理；"
                  "现在可以查阅：", ("catalog", "shareable", "departments")),
    "vendor": ("技术服务单位的工作人员，承担平台的建设和运行维护。电子政务管理部门对技术服务单位的服务进行监督评价"
               "（条例第九条），您在平台上的每一项操作都记入审计日志。运维工作事项将在后续功能建成后在这里提供；"
               "现在可以查阅：", ("catalog", "departments")),
}


def role_guides(actor: Actor) -> list[dict[str, Any]]:
    """For each of the actor's roles that has a guide: the role's name, what it is for, and the pages of the
    guide the actor's rules open."""
    return [{"role": ROLES[role][0], "text": text,
             "links": [(PAGES[p][0], PAGES[p][1]) for p in pages if allowed(actor, PAGES[p][2])]}
            for role, (text, pages) in ROLE_GUIDES.items() if actor.has(role)]


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = None, reason: str | None = None) -> Response:
    message = None
    if reason in ("session_expired", "unauthenticated"):
        message = DomainError(reason).message(PAGE_LANGUAGE)
    return render(request, "web/login.html", None, next=_safe_next(next), notice=message)


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "")
    target = _safe_next(str(form.get("next") or "/"))
    try:
        check_csrf(request, str(form.get("csrf_token") or ""))
        with unit_of_work(request) as session:
            _, raw = signin.sign_in(session, settings_of(request), username, str(form.get("password") or ""),
                                    anonymous_actor(request, "ui"))
    except DomainError as exc:
        return render(request, "web/login.html", None, status_code=exc.status or 400, next=target,
                      error=exc.message(PAGE_LANGUAGE), username=username)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax",
                        secure=settings_of(request).cookie_secure)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await read_form(request)
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        try:
            with page(request) as (session, actor):
                signin.sign_out(session, actor, raw)
        except DomainError:
            pass  # already expired: nothing to end
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request) -> Response:
    with page(request) as (session, actor):
        department = org_service.get_department(session, actor, actor.department_id)
        people = org_service.list_people(session, actor, department.id)
        inbox = workflow.inbox(session, actor)
        context: dict[str, Any] = {"department": department, "people": people, "inbox": inbox,
                                   "inbox_labels": {i.id: workflow.state_label(i) for i in inbox}}
        context["guides"] = role_guides(actor)
        if actor.has("data_user") and allowed(actor, sharing_policy.list_requests):
            context["my_drafts"], context["my_drafts_total"] = sharing_service.list_requests(
                session, actor, RequestFilter(box="drafted", limit=5))
        if allowed(actor, org_policy.summary):
            context["summary"] = org_service.summary(session, actor)
        if allowed(actor, supervision_policy.search_audit):
            context["recent"], _ = supervision_service.search_audit(session, actor, AuditFilter(limit=8))
            context["denied"], context["denied_total"] = supervision_service.search_audit(
                session, actor, AuditFilter(result="denied", limit=5))
        return render(request, "web/home.html", actor, **context)
