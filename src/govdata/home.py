"""Sign-in, sign-out and the home page of each role.

An entry point like ``app``: the home page gathers each role's work from every context (the inbox of the
workflow, the department of org, the recent audit entries of supervision), so it stands above them all and
none of them imports it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from govdata.core.errors import DomainError
from govdata.core.i18n import pick_language
from govdata.core.policy import allowed
from govdata.org import policy as org_policy
from govdata.org import service as org_service
from govdata.org import signin
from govdata.supervision import policy as supervision_policy
from govdata.supervision import service as supervision_service
from govdata.supervision.schemas import AuditFilter
from govdata.web.edge import (
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
        message = DomainError(reason).message(pick_language(request.headers.get("accept-language")))
    return render(request, "web/login.html", None, next=_safe_next(next), notice=message)


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "")
    target = _safe_next(str(form.get("next") or "/"))
    lang = pick_language(request.headers.get("accept-language"))
    try:
        check_csrf(request, str(form.get("csrf_token") or ""))
        with unit_of_work(request) as session:
            _, raw = signin.sign_in(session, settings_of(request), username, str(form.get("password") or ""),
                                    anonymous_actor(request, "ui"))
    except DomainError as exc:
        return render(request, "web/login.html", None, status_code=exc.status or 400, next=target,
                      error=exc.message(lang), username=username)
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
        if allowed(actor, org_policy.summary):
            context["summary"] = org_service.summary(session, actor)
        if allowed(actor, supervision_policy.search_audit):
            context["recent"], _ = supervision_service.search_audit(session, actor, AuditFilter(limit=8))
            context["denied"], context["denied_total"] = supervision_service.search_audit(
                session, actor, AuditFilter(result="denied", limit=5))
        return render(request, "web/home.html", actor, **context)
