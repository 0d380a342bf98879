"""HTML pages of the org context: departments, their responsible persons, users, personal tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govdata.aggregation import policy as aggregation_policy
from govdata.aggregation import service as aggregation_service
from govdata.core.errors import DomainError
from govdata.core.policy import allowed
from govdata.org import policy, service
from govdata.org.models import DEPARTMENT_KINDS, PERSON_ROLE_LABELS, REGION_LEVEL_LABELS
from govdata.org.schemas import (
    ContactEnd,
    DepartmentCreate,
    DepartmentFilter,
    DepartmentUpdate,
    PasswordChange,
    PersonSet,
    RegionCreate,
    TokenCreate,
    UserCreate,
    UserFilter,
    UserUpdate,
)
from govdata.web.forms import form_errors, page, read_form
from govdata.web.render import expose, menu_entry, render

router = APIRouter(include_in_schema=False)
expose(org_policy=policy, DEPARTMENT_KINDS=DEPARTMENT_KINDS, PERSON_ROLE_LABELS=PERSON_ROLE_LABELS,
       REGION_LEVEL_LABELS=REGION_LEVEL_LABELS)
menu_entry(10, "部门与责任人", "/departments", lambda actor: allowed(actor, policy.list_departments))
menu_entry(20, "用户", "/users", lambda actor: allowed(actor, policy.list_users) and actor.has(
    "platform_admin", "supervisor", "security_regulator", "dept_manager"))


@router.get("/departments")
def departments_page(request: Request, q: str | None = None, region_code: str | None = None,
                     kind: str | None = None) -> Response:
    return _departments_page(request, q, region_code, kind)


def _departments_page(request: Request, q: str | None = None, region_code: str | None = None,
                      kind: str | None = None, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        filt = DepartmentFilter.model_validate({k: v for k, v in {"q": q, "region_code": region_code,
                                                                   "kind": kind, "limit": 500}.items() if v})
        rows, total = service.list_departments(session, actor, filt)
        regions = service.list_regions(session, actor)
        template = "org/_department_rows.html" if request.headers.get("hx-request") else "org/departments.html"
        return render(request, template, actor, status_code=status_code, rows=rows, total=total, regions=regions,
                      filt=filt, created=request.query_params.get("created"), **extra)


@router.post("/departments")
async def create_department_form(request: Request) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            department_id = service.create_department(session, actor, DepartmentCreate.model_validate(data)).id
    except DomainError as exc:
        return _departments_page(request, status_code=exc.status or 400, form=data, form_name="department",
                                **form_errors(request, exc))
    return RedirectResponse(f"/departments/{department_id}?saved=department", status_code=303)


@router.post("/regions")
async def create_region_form(request: Request) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            region = service.create_region(session, actor, RegionCreate.model_validate(data))
            name = region.name
    except DomainError as exc:
        return _departments_page(request, status_code=exc.status or 400, form=data, form_name="region",
                                **form_errors(request, exc))
    return RedirectResponse(f"/departments?created={name}", status_code=303)


def _department_page(request: Request, department_id: int, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        department = service.get_department(session, actor, department_id)
        people = service.list_people(session, actor, department_id, include_ended=True)
        timeliness = (aggregation_service.department_timeliness(session, actor, department_id)
                      if allowed(actor, aggregation_policy.department_timeliness, department) else None)
        return render(request, "org/department.html", actor, status_code=status_code, department=department,
                      timeliness=timeliness,
                      current={p.role: p for p in people if p.ended_at is None and p.role != "contact"},
                      contacts=[p for p in people if p.role == "contact" and p.ended_at is None],
                      history=people, saved=request.query_params.get("saved"), **extra)


@router.get("/departments/{department_id}")
def department_page(request: Request, department_id: int) -> Response:
    return _department_page(request, department_id)


async def _department_action(request: Request, department_id: int, action: Any, form_name: str,
                             lists: tuple[str, ...] = ()) -> Response:
    """Run one form action; on error show the department page again with the message in place."""
    data = await read_form(request, lists)
    try:
        with page(request) as (session, actor):
            action(session, actor, data)
    except DomainError as exc:
        return _department_page(request, department_id, status_code=exc.status or 400,
                                form_name=form_name, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/departments/{department_id}?saved={form_name}", status_code=303)


@router.post("/departments/{department_id}/people/{role}")
async def set_person_form(request: Request, department_id: int, role: str) -> Response:
    def action(session: Any, actor: Any, data: dict[str, Any]) -> None:
        service.set_person(session, actor, department_id, role, PersonSet.model_validate(data))

    return await _department_action(request, department_id, action, role)


@router.post("/departments/{department_id}/contacts")
async def add_contact_form(request: Request, department_id: int) -> Response:
    def action(session: Any, actor: Any, data: dict[str, Any]) -> None:
        service.add_contact(session, actor, department_id, PersonSet.model_validate(data))

    return await _department_action(request, department_id, action, "contact")


@router.post("/departments/{department_id}/contacts/{person_id}/end")
async def end_contact_form(request: Request, department_id: int, person_id: int) -> Response:
    def action(session: Any, actor: Any, data: dict[str, Any]) -> None:
        service.end_contact(session, actor, person_id, ContactEnd.model_validate(data))

    return await _department_action(request, department_id, action, "end_contact")


@router.post("/departments/{department_id}/edit")
async def update_department_form(request: Request, department_id: int) -> Response:
    def action(session: Any, actor: Any, data: dict[str, Any]) -> None:
        fields = ("short_name", "duties", "management_rules")
        payload = DepartmentUpdate.model_validate({f: data.get(f) for f in fields})
        service.update_department(session, actor, department_id, payload)

    return await _department_action(request, department_id, action, "department")


@router.get("/users")
def users_page(request: Request, q: str | None = None, department_id: int | None = None) -> Response:
    return _users_page(request, q, department_id)


def _users_page(request: Request, q: str | None = None, department_id: int | None = None,
                status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        filt = UserFilter(q=q or None, department_id=department_id, limit=500)
        rows, total = service.list_users(session, actor, filt)
        departments, _ = service.list_departments(session, actor, DepartmentFilter(limit=500))
        return render(request, "org/users.html", actor, status_code=status_code, rows=rows, total=total,
                      departments=departments, filt=filt, created=request.query_params.get("created"), **extra)


@router.post("/users")
async def create_user_form(request: Request) -> Response:
    data = await read_form(request, lists=("roles",))
    try:
        with page(request) as (session, actor):
            user = service.create_user(session, actor, UserCreate.model_validate(data))
            username = user.username
    except DomainError as exc:
        return _users_page(request, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/users?created={username}", status_code=303)


def _user_page(request: Request, user_id: int, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        user = service.get_user(session, actor, user_id)
        return render(request, "org/user.html", actor, status_code=status_code, user=user,
                      saved=request.query_params.get("saved"), **extra)


@router.get("/users/{user_id}")
def user_page(request: Request, user_id: int) -> Response:
    return _user_page(request, user_id)


@router.post("/users/{user_id}")
async def update_user_form(request: Request, user_id: int) -> Response:
    data = await read_form(request, lists=("roles",))
    data["active"] = data.get("active") == "true"
    data.setdefault("roles", [])
    try:
        with page(request) as (session, actor):
            service.update_user(session, actor, user_id, UserUpdate.model_validate(data))
    except DomainError as exc:
        return _user_page(request, user_id, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(f"/users/{user_id}?saved=1", status_code=303)


def _me_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        user = service.get_user(session, actor, actor.user_id or 0)
        return render(request, "org/me.html", actor, status_code=status_code, user=user,
                      saved=request.query_params.get("saved"), **extra)


@router.get("/me")
def me_page(request: Request) -> Response:
    return _me_page(request)


@router.post("/me/password")
async def change_password_form(request: Request) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            service.change_password(session, actor, PasswordChange.model_validate(data))
    except DomainError as exc:
        return _me_page(request, status_code=exc.status or 400, **form_errors(request, exc))
    return RedirectResponse("/me?saved=password", status_code=303)


@router.get("/me/tokens")
def tokens_page(request: Request) -> Response:
    with page(request) as (session, actor):
        return render(request, "org/tokens.html", actor, tokens=service.list_tokens(session, actor))


@router.post("/me/tokens")
async def create_token_form(request: Request) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            _, raw = service.create_token(session, actor, TokenCreate.model_validate(data))
    except DomainError as exc:
        with page(request) as (session, actor):
            return render(request, "org/tokens.html", actor, status_code=exc.status or 400,
                          tokens=service.list_tokens(session, actor), form=data, **form_errors(request, exc))
    with page(request) as (session, actor):
        return render(request, "org/tokens.html", actor, tokens=service.list_tokens(session, actor), new_token=raw)


@router.post("/me/tokens/{token_id}/revoke")
async def revoke_token_form(request: Request, token_id: int) -> Response:
    await read_form(request)
    with page(request) as (session, actor):
        service.revoke_token(session, actor, token_id)
    return RedirectResponse("/me/tokens", status_code=303)
