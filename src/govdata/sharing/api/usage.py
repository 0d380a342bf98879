"""JSON routes of the usage views and misuse findings (the JSON twins of /sharing/usage and /sharing/misuse):
GET /api/v1/sharing/usage, GET /api/v1/sharing/usage/{id}, GET /api/v1/sharing/misuse and
POST /api/v1/sharing/misuse/detect."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from govdata.core.schemas import Page
from govdata.sharing import service
from govdata.web.edge import call

router = APIRouter(prefix="/api/v1/sharing", tags=["sharing"])


class Counts(BaseModel):
    calls: int
    denied: int = Field(description="calls refused (no grant, grant not in force, items beyond it, limits)")
    rows: int = Field(description="records returned")
    personal_rows: int = Field(description="records returned with an unmasked personal item")


class DayOut(Counts):
    day: dt.date = Field(description="Beijing calendar day")


class ConsumerOut(Counts):
    consumer_department_id: int | None
    consumer_department: str | None
    system_id: int | None
    system_name: str | None
    last_at: dt.datetime | None


class EndUserOut(Counts):
    end_user: str
    consumer_department_id: int | None
    consumer_department: str | None


class ResourceUseOut(Counts):
    resource_id: int | None
    resource_code: str | None
    resource_name: str | None
    provider_department_id: int | None
    provider_department: str | None


class UsageRow(BaseModel):
    id: int
    at: dt.datetime
    grant_id: int | None
    resource_id: int | None
    resource_code: str | None
    resource_name: str | None
    provider_department_id: int | None
    provider_department: str | None
    consumer_department_id: int | None
    consumer_department: str | None
    system_id: int | None
    system_name: str | None
    end_user: str | None = Field(description="the person using the consumer system (X-End-User)")
    endpoint: str = Field(description="record | query | changes | export")
    endpoint_label: str
    medium: str = Field(description="json | csv | xlsx | parquet")
    rows: int
    personal_rows: int
    result: str = Field(description="success | denied | failure")
    reason: str | None = Field(description="the error code of a refused call")
    reason_label: str | None
    audit_seq: int | None = Field(description="the call's entry in the audit log")


class UsageReport(BaseModel):
    view: str
    days: int
    since: dt.date
    until: dt.date
    totals: Counts
    daily: list[DayOut]
    top_consumers: list[ConsumerOut]
    top_end_users: list[EndUserOut]
    by_resource: list[ResourceUseOut]
    recent: list[UsageRow]


class AuditFacts(BaseModel):
    """The seven facts of Art. 18 as the audit log holds them."""

    seq: int
    time: dt.datetime
    action: str
    actor_name: str = Field(description="the system, and after '/' the end user")
    purpose: str | None
    approver: str | None
    data_content: dict[str, Any] | None = Field(description="resource, items and record keys or a count; no values")
    method: str
    medium: str | None
    client_addr: str | None
    result: str
    detail: dict[str, Any] | None
    hash: str


class UsageDetail(UsageRow):
    audit: AuditFacts | None
    access_method: str | None = Field(description="api | table | file: the way of sharing the call used "
                                                  "(获取方式 of Art. 18; the audit entry's method is the channel)")
    access_method_label: str


class FindingOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    created_at: dt.datetime
    department_id: int | None = Field(description="the department concerned (for misuse: the consumer)")
    department_name: str | None
    dataset_id: int | None
    resource_code: str | None
    actor_name: str
    detail: dict[str, Any] = Field(description="rule, rule_label, violation, day, grant_id, figures, correct_by…")


class DetectOut(BaseModel):
    days: list[dt.date]
    found: int
    recorded: int


@router.get("/usage", response_model=UsageReport)
def usage_report(request: Request, filt: Annotated[service.UsageFilter, Query()]) -> object:
    """Who used which shared data over the last ``days`` days: daily series, top consumers and end users,
    use per resource and the latest calls. Providers see calls on their data, consumers their own calls,
    the overseers everything."""
    return call(request, service.usage_report, filt)


@router.get("/usage/{usage_id}", response_model=UsageDetail)
def get_usage(request: Request, usage_id: int) -> object:
    """One call of the data service API with the facts of its audit entry."""
    return call(request, service.get_usage, usage_id)


@router.get("/misuse", response_model=Page[FindingOut])
def list_misuse(request: Request, filt: Annotated[service.MisuseFilter, Query()]) -> object:
    """Misuse findings (SUP-5), newest first, each with the rule, the figures and the date to correct by."""
    return call(request, service.list_misuse, filt, out=lambda r: Page(
        items=[FindingOut.model_validate(f) for f in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.post("/misuse/detect", response_model=DetectOut)
def detect_misuse(request: Request) -> object:
    """Run the hourly misuse check now (big data center, e-government authority)."""
    return call(request, service.detect_misuse)
