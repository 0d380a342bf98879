"""JSON routes of the org context under /api/v1: thin, one service call each."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from govdata.core.schemas import Page
from govdata.org import service
from govdata.org.models import Department, User
from govdata.org.schemas import (
    ContactEnd,
    DepartmentCreate,
    DepartmentFilter,
    DepartmentRead,
    DepartmentUpdate,
    PasswordChange,
    PersonRead,
    PersonSet,
    RegionCreate,
    RegionRead,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserFilter,
    UserRead,
    UserUpdate,
)
from govdata.web.edge import call

router = APIRouter(prefix="/api/v1", tags=["org"])


def department_out(d: Department) -> DepartmentRead:
    return DepartmentRead.model_validate(d).model_copy(update={"region_name": d.region.name})


def user_out(u: User) -> UserRead:
    return UserRead.model_validate(u).model_copy(update={"department_name": u.department.name})


@router.get("/whoami")
def whoami(request: Request) -> dict[str, object]:
    """Who the caller is: person or system, and their department."""
    return call(request, lambda s, actor: {
        "kind": actor.kind, "name": actor.name, "user_id": actor.user_id, "system_id": actor.system_id,
        "department_id": actor.department_id, "roles": sorted(actor.roles), "end_user": actor.end_user})


@router.get("/regions", response_model=list[RegionRead])
def list_regions(request: Request) -> object:
    return call(request, service.list_regions, out=lambda rows: [RegionRead.model_validate(r) for r in rows])


@router.post("/regions", response_model=RegionRead, status_code=201)
def create_region(request: Request, payload: RegionCreate) -> object:
    return call(request, service.create_region, payload, out=RegionRead.model_validate)


@router.get("/departments", response_model=Page[DepartmentRead])
def list_departments(request: Request, filt: Annotated[DepartmentFilter, Query()]) -> object:
    return call(request, service.list_departments, filt, out=lambda r: Page(
        items=[department_out(d) for d in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.post("/departments", response_model=DepartmentRead, status_code=201)
def create_department(request: Request, payload: DepartmentCreate) -> object:
    return call(request, service.create_department, payload, out=department_out)


@router.get("/departments/{department_id}", response_model=DepartmentRead)
def get_department(request: Request, department_id: int) -> object:
    return call(request, service.get_department, department_id, out=department_out)


@router.patch("/departments/{department_id}", response_model=DepartmentRead)
def update_department(request: Request, department_id: int, payload: DepartmentUpdate) -> object:
    return call(request, service.update_department, department_id, payload, out=department_out)


@router.get("/departments/{department_id}/people", response_model=list[PersonRead])
def list_people(request: Request, department_id: int, history: bool = False) -> object:
    """Current responsible persons; with ``history=true`` every holder there has been."""
    return call(request, service.list_people, department_id, history,
                out=lambda rows: [PersonRead.model_validate(p) for p in rows])


@router.put("/departments/{department_id}/people/{role}", response_model=PersonRead)
def set_person(request: Request, department_id: int, role: Literal["leader", "daily_manager"],
               payload: PersonSet) -> object:
    return call(request, service.set_person, department_id, role, payload, out=PersonRead.model_validate)


@router.post("/departments/{department_id}/contacts", response_model=PersonRead, status_code=201)
def add_contact(request: Request, department_id: int, payload: PersonSet) -> object:
    return call(request, service.add_contact, department_id, payload, out=PersonRead.model_validate)


@router.post("/contacts/{person_id}/end", response_model=PersonRead)
def end_contact(request: Request, person_id: int, payload: ContactEnd) -> object:
    return call(request, service.end_contact, person_id, payload, out=PersonRead.model_validate)


@router.get("/users", response_model=Page[UserRead])
def list_users(request: Request, filt: Annotated[UserFilter, Query()]) -> object:
    return call(request, service.list_users, filt, out=lambda r: Page(
        items=[user_out(u) for u in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(request: Request, payload: UserCreate) -> object:
    return call(request, service.create_user, payload, out=user_out)


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(request: Request, user_id: int) -> object:
    return call(request, service.get_user, user_id, out=user_out)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(request: Request, user_id: int, payload: UserUpdate) -> object:
    return call(request, service.update_user, user_id, payload, out=user_out)


@router.post("/me/password", status_code=204)
def change_password(request: Request, payload: PasswordChange) -> None:
    call(request, service.change_password, payload)


@router.get("/me/tokens", response_model=list[TokenRead])
def list_tokens(request: Request) -> object:
    return call(request, service.list_tokens, out=lambda rows: [TokenRead.model_validate(t) for t in rows])


@router.post("/me/tokens", response_model=TokenCreated, status_code=201)
def create_token(request: Request, payload: TokenCreate) -> object:
    return call(request, service.create_token, payload, out=lambda r: TokenCreated.model_validate(
        {**TokenRead.model_validate(r[0]).model_dump(), "token": r[1]}))


@router.post("/me/tokens/{token_id}/revoke", response_model=TokenRead)
def revoke_token(request: Request, token_id: int) -> object:
    return call(request, service.revoke_token, token_id, out=TokenRead.model_validate)
