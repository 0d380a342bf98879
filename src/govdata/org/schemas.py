"""Input and output shapes of the org context, shared by the JSON API and the HTML forms."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field, field_validator

from govdata.core.policy import ROLES
from govdata.core.schemas import ReadModel, Strict
from govdata.core.validators import credit_code_error, is_valid_mobile

RegionLevel = Literal["province", "city", "county"]
DepartmentKind = Literal["行政机关", "事业单位", "社会团体"]
RoleName = Literal[tuple(ROLES)]  # type: ignore[valid-type]

_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")


def _phone(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if is_valid_mobile(value) or _LANDLINE.match(value):
        return value
    raise ValueError("电话号码格式不正确（手机号11位，或区号-座机号）")


def _credit_code(value: str) -> str:
    value = value.strip().upper()
    error = credit_code_error(value)
    if error:
        raise ValueError(error)
    return value


Phone = Annotated[str | None, AfterValidator(_phone)]
CreditCode = Annotated[str, AfterValidator(_credit_code)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class RegionCreate(Strict):
    code: str = Field(pattern=r"^\d{6}$", description="6-digit administrative division code")
    name: Name
    level: RegionLevel
    parent_code: str | None = None


class RegionRead(ReadModel):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


class DepartmentCreate(Strict):
    name: Name
    short_name: str | None = Field(default=None, max_length=50)
    kind: DepartmentKind
    credit_code: CreditCode
    region_code: str = Field(pattern=r"^\d{6}$")
    duties: str | None = Field(default=None, max_length=4000)
    management_rules: str | None = Field(default=None, max_length=20000)


class DepartmentUpdate(Strict):
    """Fields a department's own manager may change; the name, kind, code and region are the admin's."""

    short_name: str | None = Field(default=None, max_length=50)
    duties: str | None = Field(default=None, max_length=4000)
    management_rules: str | None = Field(default=None, max_length=20000)
    name: Name | None = None
    kind: DepartmentKind | None = None
    credit_code: CreditCode | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    active: bool | None = None


class DepartmentRead(ReadModel):
    id: int
    name: str
    short_name: str | None
    kind: str
    credit_code: str
    region_id: int
    region_name: str | None = None
    duties: str | None
    management_rules: str | None
    active: bool


class DepartmentFilter(Strict):
    q: str | None = Field(default=None, max_length=100)
    region_code: str | None = None
    kind: DepartmentKind | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)


class PersonSet(Strict):
    name: str = Field(min_length=1, max_length=50)
    title: str | None = Field(default=None, max_length=100)
    phone: Phone = None
    email: EmailStr | None = None
    reason: str | None = Field(default=None, max_length=500, description="Why the holder changes")

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, v: object) -> object:
        return None if v == "" else v


class PersonRead(ReadModel):
    id: int
    department_id: int
    role: str
    name: str
    title: str | None
    phone: str | None
    email: str | None
    started_at: dt.datetime
    started_by: str
    ended_at: dt.datetime | None
    ended_by: str | None
    reason: str | None


class ContactEnd(Strict):
    reason: str | None = Field(default=None, max_length=500)


def _username(value: str) -> str:
    if not _USERNAME.match(value):
        raise ValueError("用户名须以小写字母开头，3–64位小写字母、数字、下划线、点或连字符")
    return value


class UserCreate(Strict):
    username: Annotated[str, AfterValidator(_username)]
    display_name: Name
    department_id: int
    roles: list[RoleName] = Field(min_length=1)  # type: ignore[valid-type]
    password: str = Field(min_length=1, max_length=128)
    email: EmailStr | None = None
    phone: Phone = None


class UserUpdate(Strict):
    display_name: Name | None = None
    roles: list[RoleName] | None = None  # type: ignore[valid-type]
    active: bool | None = None
    email: EmailStr | None = None
    phone: Phone = None


class PasswordChange(Strict):
    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)


class UserRead(ReadModel):
    id: int
    username: str
    display_name: str
    department_id: int
    department_name: str | None = None
    roles: list[str]
    email: str | None
    phone: str | None
    active: bool


class UserFilter(Strict):
    q: str | None = Field(default=None, max_length=100)
    department_id: int | None = None
    role: RoleName | None = None  # type: ignore[valid-type]
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    expires_days: int | None = Field(default=90, ge=1, le=366)


class TokenRead(ReadModel):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="Shown once; only its digest is stored")
