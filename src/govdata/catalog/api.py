"""JSON routes of the catalog context under /api/v1/catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import object_session

from govdata.catalog import service
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.schemas import (
    ResourceCreate,
    ResourceDraft,
    ResourceFilter,
    ResourceRead,
    ReviewDecision,
    VersionRead,
    WithdrawalRequest,
)
from govdata.core.actor import Actor
from govdata.core.schemas import Page, ReadModel
from govdata.web.edge import call
from govdata.workflow import service as workflow

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


def version_out(v: ResourceVersion | None) -> VersionRead | None:
    if v is None:
        return None
    return VersionRead.model_validate(v).model_copy(update={
        "classification_code": v.classification.code, "classification_name": v.classification.name})


def resource_out(resource: Resource, actor: Actor) -> ResourceRead:
    session = object_session(resource)
    assert session is not None
    item = workflow.item_for(session, "catalog_resource", resource.id)
    return ResourceRead.model_validate(resource).model_copy(update={
        "department_name": resource.department.name,
        "department_credit_code": resource.department.credit_code,
        "published": version_out(service.version(session, resource.published_version_id)),
        "draft": version_out(service.draft_for(session, actor, resource)),
        "work_item_id": item.id if item else None})


@router.get("/resources", response_model=Page[ResourceRead])
def list_resources(request: Request, filt: Annotated[ResourceFilter, Query()]) -> object:
    return call(request, service.list_resources, filt, out=lambda r: Page(
        items=[resource_out(x, request.state.actor) for x in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.post("/resources", response_model=ResourceRead, status_code=201)
def create_resource(request: Request, payload: ResourceCreate) -> object:
    """Register a catalog entry as a draft (version 1)."""
    return call(request, service.create_resource, payload, out=lambda r: resource_out(r, request.state.actor))


@router.get("/resources/{code}", response_model=ResourceRead)
def get_resource(request: Request, code: str) -> object:
    return call(request, service.get_resource, code, out=lambda r: resource_out(r, request.state.actor))


@router.get("/resources/{code}/versions", response_model=list[VersionRead])
def list_versions(request: Request, code: str) -> object:
    """Every version, newest first: who changed what, when and why (CAT-2)."""
    return call(request, service.version_history, code, out=lambda rows: [version_out(v) for v in rows])


@router.put("/resources/{code}/draft", response_model=ResourceRead)
def update_draft(request: Request, code: str, payload: ResourceDraft) -> object:
    """Edit the draft; on a published entry this starts a new version."""
    return call(request, service.update_draft, code, payload, out=lambda r: resource_out(r, request.state.actor))


@router.post("/resources/{code}/submit", response_model=ResourceRead)
def submit_resource(request: Request, code: str) -> object:
    return call(request, service.submit_resource, code, out=lambda r: resource_out(r, request.state.actor))


@router.post("/resources/{code}/review", response_model=ResourceRead)
def review_resource(request: Request, code: str, payload: ReviewDecision) -> object:
    """pass (the department's confidentiality review), approve (the big data center publishes), reject
    (reason required), resubmit / abandon (the owning department, after a rejection)."""
    return call(request, service.review_resource, code, payload, out=lambda r: resource_out(r, request.state.actor))


@router.post("/resources/{code}/withdrawal", response_model=ResourceRead)
def request_withdrawal(request: Request, code: str, payload: WithdrawalRequest) -> object:
    return call(request, service.request_withdrawal, code, payload, out=lambda r: resource_out(r, request.state.actor))


@router.post("/resources/{code}/withdrawal/decision", response_model=ResourceRead)
def decide_withdrawal(request: Request, code: str, payload: ReviewDecision) -> object:
    return call(request, service.decide_withdrawal, code, payload, out=lambda r: resource_out(r, request.state.actor))


class FacetValue(BaseModel):
    value: int | bool | str
    label: str
    count: int


class ClassificationNode(ReadModel):
    code: str
    name: str
    level: int
    count: int = Field(description="published entries filed under this node or below it")
    children: list[ClassificationNode]


@router.get("/facets", response_model=dict[str, list[FacetValue]])
def facets(request: Request, filt: Annotated[ResourceFilter, Query()]) -> object:
    """Counts of published entries per department_id, classification_code (项), share_type, format,
    update_cycle and open_to_public for the same query parameters as /resources; each facet is counted
    without its own filter."""
    return call(request, service.facets, filt, out=lambda r: {
        name: [FacetValue(value=v, label=label, count=n) for v, label, n in rows] for name, rows in r.items()})


@router.get("/classifications", response_model=list[ClassificationNode])
def classification_tree(request: Request) -> object:
    """The classification tree with the number of published entries per node (CAT-5)."""
    return call(request, service.classification_tree,
                out=lambda roots: [ClassificationNode.model_validate(n) for n in roots])
