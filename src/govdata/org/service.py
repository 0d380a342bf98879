"""Org services: the only writers of regions, departments, responsible persons, users and tokens.

Each function takes ``(session, actor, ...)``, asks its rule in ``org.policy``, makes the change,
writes the audit entry with before/after snapshots, and flushes; the caller's unit of work commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.crypto import sm3_hex
from govdata.core.db import utcnow
from govdata.core.errors import Conflict, FieldError, Invalid, NotFound, invalid
from govdata.core.passwords import check_policy, hash_password, verify_password
from govdata.core.policy import authorize
from govdata.org import policy
from govdata.org.models import ApiToken, Department, DepartmentPerson, Region, User, UserRole
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

TOKEN_PREFIX = "gdp_"


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


DEPARTMENT_FIELDS = ("name", "short_name", "kind", "credit_code", "region_id", "duties", "management_rules",
                     "active")
PERSON_FIELDS = ("role", "name", "title", "phone", "email")
USER_FIELDS = ("username", "display_name", "department_id", "roles", "email", "phone", "active")


def _flush_unique(session: Session, field: str, message: str) -> None:
    """Flush, turning a unique-constraint race into a 409 that names the field."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(message, code="duplicate", errors=[FieldError(field, "duplicate", message)]) from exc


# --- regions -----------------------------------------------------------------------------------------

def list_regions(session: Session, actor: Actor) -> list[Region]:
    authorize(actor, policy.list_regions)
    return list(session.scalars(select(Region).order_by(Region.code)))


def region_by_code(session: Session, code: str) -> Region:
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise invalid("region_code", f"行政区划代码不存在：{code}", message_en=f"unknown region code {code}")
    return region


def create_region(session: Session, actor: Actor, payload: RegionCreate) -> Region:
    authorize(actor, policy.create_region)
    parent = region_by_code(session, payload.parent_code) if payload.parent_code else None
    expected_parent = {"province": None, "city": "province", "county": "city"}[payload.level]
    if (parent.level if parent else None) != expected_parent:
        raise invalid("parent_code", "上级区划层级不正确（省 > 市 > 县）", message_en="wrong parent level")
    if session.scalar(select(Region.id).where(Region.code == payload.code)):
        raise Conflict(f"行政区划代码已存在：{payload.code}", code="duplicate",
                       errors=[FieldError("code", "duplicate", "代码已存在")])
    region = Region(code=payload.code, name=payload.name, level=payload.level,
                    parent_id=parent.id if parent else None)
    session.add(region)
    _flush_unique(session, "code", "行政区划代码已存在")
    audit.record(session, actor, "org.create_region", object_type="region", object_id=region.id,
                 detail={"after": snapshot(region, ("code", "name", "level", "parent_id"))})
    return region


# --- departments -------------------------------------------------------------------------------------

def list_departments(session: Session, actor: Actor, filt: DepartmentFilter) -> tuple[list[Department], int]:
    authorize(actor, policy.list_departments)
    query = select(Department).join(Region)
    if filt.q:
        # % and _ typed into the search box are searched for, not wildcards
        query = query.where(or_(Department.name.contains(filt.q, autoescape=True),
                                Department.credit_code.contains(filt.q, autoescape=True),
                                Department.short_name.contains(filt.q, autoescape=True)))
    if filt.region_code:
        query = query.where(Region.code == filt.region_code)
    if filt.kind:
        query = query.where(Department.kind == filt.kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Region.code, Department.id).offset(filt.offset).limit(filt.limit))
    return list(rows), total


def summary(session: Session, actor: Actor) -> dict[str, Any]:
    """Oversight figures: how many departments and users, and which departments name no daily manager
    (SUP-3 requires one)."""
    authorize(actor, policy.summary)
    with_manager = select(DepartmentPerson.department_id).where(
        DepartmentPerson.role == "daily_manager", DepartmentPerson.ended_at.is_(None))
    return {
        "departments": session.scalar(select(func.count()).select_from(Department)) or 0,
        "users": session.scalar(select(func.count()).select_from(User)) or 0,
        "missing_manager": list(session.scalars(
            select(Department).where(Department.id.not_in(with_manager)).order_by(Department.id))),
    }


def get_department(session: Session, actor: Actor, department_id: int) -> Department:
    authorize(actor, policy.get_department)
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("部门", department_id, "Department")
    return department


def department_by_credit_code(session: Session, credit_code: str) -> Department:
    department = session.scalar(select(Department).where(Department.credit_code == credit_code))
    if department is None:
        raise NotFound("部门", credit_code, "Department")
    return department


def _check_department_unique(session: Session, name: str | None, credit_code: str | None,
                             exclude_id: int | None = None) -> None:
    errors = []
    for field, column, value, label in (("name", Department.name, name, "部门名称"),
                                        ("credit_code", Department.credit_code, credit_code, "统一社会信用代码")):
        if value is None:
            continue
        query = select(Department.id).where(column == value)
        if exclude_id is not None:
            query = query.where(Department.id != exclude_id)
        if session.scalar(query) is not None:
            errors.append(FieldError(field, "duplicate", f"{label}已存在：{value}"))
    if errors:
        raise Conflict("；".join(e.message for e in errors), code="duplicate", errors=errors)


def create_department(session: Session, actor: Actor, payload: DepartmentCreate) -> Department:
    authorize(actor, policy.create_department)
    region = region_by_code(session, payload.region_code)
    _check_department_unique(session, payload.name, payload.credit_code)
    department = Department(name=payload.name, short_name=payload.short_name, kind=payload.kind,
                            credit_code=payload.credit_code, region_id=region.id, duties=payload.duties,
                            management_rules=payload.management_rules, active=True)
    session.add(department)
    _flush_unique(session, "name", "部门名称或统一社会信用代码已存在")
    audit.record(session, actor, "org.create_department", object_type="department", object_id=department.id,
                 department_id=department.id, detail={"after": snapshot(department, DEPARTMENT_FIELDS)})
    return department


def update_department(session: Session, actor: Actor, department_id: int,
                      payload: DepartmentUpdate) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("部门", department_id, "Department")
    changes = payload.model_dump(exclude_unset=True)
    authorize(actor, policy.update_department, (department, changes))
    _check_department_unique(session, changes.get("name"), changes.get("credit_code"), exclude_id=department.id)
    before = snapshot(department, DEPARTMENT_FIELDS)
    if "region_code" in changes:
        department.region_id = region_by_code(session, changes.pop("region_code")).id
    for key, value in changes.items():
        if key in ("name", "kind", "credit_code", "active") and value is None:
            raise invalid(key, "不能为空", message_en="must not be empty")
        setattr(department, key, value)
    _flush_unique(session, "name", "部门名称或统一社会信用代码已存在")
    audit.record_change(session, actor, "org.update_department", before, snapshot(department, DEPARTMENT_FIELDS),
                        object_type="department", object_id=department.id, department_id=department.id)
    return department


# --- responsible persons (SUP-3) ---------------------------------------------------------------------

def list_people(session: Session, actor: Actor, department_id: int,
                include_ended: bool = False) -> list[DepartmentPerson]:
    authorize(actor, policy.list_people)
    query = select(DepartmentPerson).where(DepartmentPerson.department_id == department_id)
    if not include_ended:
        query = query.where(DepartmentPerson.ended_at.is_(None))
    return list(session.scalars(query.order_by(DepartmentPerson.started_at.desc(), DepartmentPerson.id.desc())))


def _department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("部门", department_id, "Department")
    return department


def set_person(session: Session, actor: Actor, department_id: int, role: str,
               payload: PersonSet) -> DepartmentPerson:
    """Replace the department's leader or daily manager; the previous holder's row is ended, not changed."""
    department = _department(session, department_id)
    authorize(actor, policy.set_person, department)
    if role not in ("leader", "daily_manager"):
        raise invalid("role", "只能设置分管领导(leader)或日常管理人员(daily_manager)",
                      message_en="role must be leader or daily_manager")
    now = utcnow()
    current = session.scalars(select(DepartmentPerson).where(
        DepartmentPerson.department_id == department.id, DepartmentPerson.role == role,
        DepartmentPerson.ended_at.is_(None)).with_for_update()).all()
    before = [snapshot(p, PERSON_FIELDS) for p in current]
    wanted = {"role": role, "name": payload.name, "title": payload.title, "phone": payload.phone,
              "email": payload.email}
    if len(current) == 1 and before[0] == wanted:
        return current[0]  # the same person again: nothing changes, nothing to record
    for person in current:
        person.ended_at = now
        person.ended_by = actor.name
    person = DepartmentPerson(department_id=department.id, role=role, name=payload.name, title=payload.title,
                              phone=payload.phone, email=payload.email, started_at=now, started_by=actor.name,
                              reason=payload.reason)
    session.add(person)
    session.flush()
    audit.record(session, actor, "org.set_person", object_type="department", object_id=department.id,
                 department_id=department.id, purpose=payload.reason,
                 detail={"role": role, "before": before[0] if before else None,
                         "after": snapshot(person, PERSON_FIELDS)})
    return person


def add_contact(session: Session, actor: Actor, department_id: int, payload: PersonSet) -> DepartmentPerson:
    department = _department(session, department_id)
    authorize(actor, policy.add_contact, department)
    person = DepartmentPerson(department_id=department.id, role="contact", name=payload.name, title=payload.title,
                              phone=payload.phone, email=payload.email, started_at=utcnow(),
                              started_by=actor.name, reason=payload.reason)
    session.add(person)
    session.flush()
    audit.record(session, actor, "org.add_contact", object_type="department", object_id=department.id,
                 department_id=department.id, detail={"after": snapshot(person, PERSON_FIELDS)})
    return person


def end_contact(session: Session, actor: Actor, person_id: int, payload: ContactEnd) -> DepartmentPerson:
    person = session.get(DepartmentPerson, person_id)
    if person is None or person.role != "contact":
        raise NotFound("联系人", person_id, "Contact")
    department = _department(session, person.department_id)
    authorize(actor, policy.end_contact, department)
    if person.ended_at is not None:
        raise Conflict("该联系人已停用", "This contact has already ended")
    person.ended_at = utcnow()
    person.ended_by = actor.name
    person.reason = payload.reason or person.reason
    session.flush()
    audit.record(session, actor, "org.end_contact", object_type="department", object_id=department.id,
                 department_id=department.id, purpose=payload.reason,
                 detail={"before": snapshot(person, PERSON_FIELDS), "after": None})
    return person


# --- users -------------------------------------------------------------------------------------------

def list_users(session: Session, actor: Actor, filt: UserFilter) -> tuple[list[User], int]:
    authorize(actor, policy.list_users)
    query = select(User).where(policy.users_visible_to(actor))
    if filt.q:
        # % and _ typed into the search box are searched for, not wildcards
        query = query.where(or_(User.username.contains(filt.q, autoescape=True),
                                User.display_name.contains(filt.q, autoescape=True)))
    if filt.department_id:
        query = query.where(User.department_id == filt.department_id)
    if filt.role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == filt.role)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.department_id, User.username).offset(filt.offset).limit(filt.limit))
    return list(rows), total


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户", user_id, "User")
    authorize(actor, policy.get_user, user)
    return user


def create_user(session: Session, actor: Actor, payload: UserCreate) -> User:
    authorize(actor, policy.create_user, (payload.department_id, payload.roles))
    _department(session, payload.department_id)
    if session.scalar(select(User.id).where(User.username == payload.username)) is not None:
        raise Conflict(f"用户名已存在：{payload.username}", code="duplicate",
                       errors=[FieldError("username", "duplicate", "用户名已存在")])
    check_policy(payload.password, payload.username)
    user = User(username=payload.username, display_name=payload.display_name,
                department_id=payload.department_id, password_hash=hash_password(payload.password),
                email=payload.email, phone=payload.phone, active=True, password_changed_at=utcnow())
    user.role_rows = [UserRole(role=r) for r in sorted(set(payload.roles))]
    session.add(user)
    _flush_unique(session, "username", "用户名已存在")
    audit.record(session, actor, "org.create_user", object_type="user", object_id=user.id,
                 department_id=user.department_id, detail={"after": snapshot(user, USER_FIELDS)})
    return user


def update_user(session: Session, actor: Actor, user_id: int, payload: UserUpdate) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户", user_id, "User")
    changes = payload.model_dump(exclude_unset=True)
    authorize(actor, policy.update_user, (user, changes.get("roles")))
    if actor.user_id == user.id and changes.get("active") is False:
        raise invalid("active", "不能停用自己的账号", message_en="you cannot disable your own account")
    before = snapshot(user, USER_FIELDS)
    roles = changes.pop("roles", None)
    if roles is not None:
        if not roles:
            raise invalid("roles", "至少保留一个角色", message_en="at least one role")
        keep = set(roles)
        user.role_rows = [r for r in user.role_rows if r.role in keep] + [
            UserRole(role=r) for r in sorted(keep - set(user.roles))]
    for key, value in changes.items():
        if key in ("display_name", "active") and value is None:
            raise invalid(key, "不能为空", message_en="must not be empty")
        setattr(user, key, value)
    session.flush()
    audit.record_change(session, actor, "org.update_user", before, snapshot(user, USER_FIELDS), object_type="user",
                        object_id=user.id, department_id=user.department_id)
    return user


def change_password(session: Session, actor: Actor, payload: PasswordChange) -> User:
    authorize(actor, policy.change_password)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("用户", actor.user_id, "User")
    if not verify_password(user.password_hash, payload.current_password):
        raise Invalid([FieldError("current_password", "login_failed", "当前密码不正确")])
    check_policy(payload.new_password, user.username, field="new_password")
    user.password_hash = hash_password(payload.new_password)
    user.password_changed_at = utcnow()
    session.flush()
    audit.record(session, actor, "org.change_password", object_type="user", object_id=user.id)
    return user


# --- personal API tokens -----------------------------------------------------------------------------

def create_token(session: Session, actor: Actor, payload: TokenCreate) -> tuple[ApiToken, str]:
    """Make a token for the acting person; the raw token is returned once and never stored."""
    authorize(actor, policy.create_token)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(days=payload.expires_days) if payload.expires_days else None
    token = ApiToken(user_id=actor.user_id, name=payload.name, prefix=raw[:12], token_hash=sm3_hex(raw.encode()),
                     expires_at=expires)
    session.add(token)
    session.flush()
    audit.record(session, actor, "org.create_token", object_type="api_token", object_id=token.id,
                 detail={"after": {"name": token.name, "prefix": token.prefix, "expires_at": expires}})
    return token, raw


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    authorize(actor, policy.list_tokens)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id)
                                .order_by(ApiToken.id.desc())))


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("访问令牌", token_id, "API token")
    authorize(actor, policy.revoke_token, token)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        audit.record(session, actor, "org.revoke_token", object_type="api_token", object_id=token.id,
                     detail={"before": {"revoked_at": None}, "after": {"revoked_at": token.revoked_at}})
    return token
