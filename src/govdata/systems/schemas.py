"""Shapes of the systems context."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import EmailStr, Field, field_validator, model_validator

from govdata.core.schemas import ReadModel, Strict
from govdata.org.schemas import Phone

NetworkZone = Literal["政务外网", "政务内网", "互联网", "专网"]


class SystemBase(Strict):
    name: str = Field(min_length=1, max_length=100)
    purpose: str = Field(min_length=1, max_length=2000)
    owner_name: str = Field(min_length=1, max_length=50)
    owner_phone: Phone
    owner_email: EmailStr | None = None
    network_zone: NetworkZone
    security_grade: int = Field(ge=1, le=4, description="等保 grade 1–4")
    assessor: str = Field(min_length=1, max_length=100, description="assessing organisation")
    assessment_report_no: str = Field(min_length=1, max_length=60)
    assessment_date: dt.date
    assessment_valid_until: dt.date
    perf_tester: str | None = Field(default=None, max_length=100)
    perf_report_no: str | None = Field(default=None, max_length=60)
    perf_test_date: dt.date | None = None

    @field_validator("owner_email", mode="before")
    @classmethod
    def _blank(cls, v: object) -> object:
        return None if v == "" else v

    @model_validator(mode="after")
    def _dates(self) -> SystemBase:
        if self.assessment_valid_until <= self.assessment_date:
            raise ValueError("assessment_valid_until：有效期须晚于测评日期")
        if self.owner_phone is None:
            raise ValueError("owner_phone：必填")
        return self


class SystemCreate(SystemBase):
    department_id: int | None = Field(default=None, description="defaults to the caller's department")


class SystemUpdate(SystemBase):
    """A full replacement of the registration (allowed while pending or returned) or, once approved, of the
    security records (renewing an assessment)."""


class SystemFilter(Strict):
    department_id: int | None = None
    status: Literal["pending", "rejected", "approved", "withdrawn", "revoked"] | None = None
    expiring: bool = Field(default=False, description="only assessments expiring within 30 days or expired")
    q: str | None = Field(default=None, max_length=100)
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)


class SystemRead(ReadModel):
    id: int
    department_id: int
    department_name: str | None = None
    name: str
    purpose: str
    owner_name: str
    owner_phone: str
    owner_email: str | None
    network_zone: str
    security_grade: int
    assessor: str
    assessment_report_no: str
    assessment_date: dt.date
    assessment_valid_until: dt.date
    perf_tester: str | None
    perf_report_no: str | None
    perf_test_date: dt.date | None
    status: str
    app_key: str | None
    approved_at: dt.datetime | None
    revoked_at: dt.datetime | None
    assessment_days_left: int | None = None
    work_item_id: int | None = None


class Credentials(Strict):
    app_key: str
    app_secret: str = Field(description="Shown once")
    previous_valid_until: dt.datetime | None = None


class RevokeRequest(Strict):
    reason: str = Field(min_length=1, max_length=2000)
