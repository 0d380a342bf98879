"""JSON routes of the shareable listing, subscriptions and share requests (SHR-1, SHR-2, SHR-4, SHR-6): the
twins of the /sharing/resources and /sharing/requests pages. Steps of a request are taken here, not
through the generic workflow routes, so that the grant follows from them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from govdata.core.schemas import Page
from govdata.sharing import service
from govdata.sharing.api.grants import grant_out
from govdata.sharing.models import ShareRequest
from govdata.sharing.schemas import (
    MAX_ID,
    DraftCreate,
    DraftUpdate,
    GrantRead,
    ItemOut,
    ObjectionDecision,
    ReasonPayload,
    RequestCreate,
    RequestDetail,
    RequestDetailRead,
    RequestFilter,
    RequestRead,
    ReviewDecision,
    Shareable,
    ShareableFilter,
    StepOut,
    SubscribeCreate,
    TransitionOut,
)
from govdata.web.edge import call
from govdata.workflow import service as workflow
from govdata.workflow.models import WorkItem, WorkStep

Id = Annotated[int, Path(ge=1, le=MAX_ID)]

router = APIRouter(prefix="/api/v1/sharing", tags=["sharing"])


def request_out(r: ShareRequest) -> RequestRead:
    info = r.info  # type: ignore[attr-defined]
    return RequestRead(id=r.id, kind=r.kind, code=r.resource_code,  # type: ignore[arg-type]
                       resource_name=info.resource_name, version_no=r.version_no,
                       provider_department_id=r.provider_department_id, provider_department_name=info.provider_name,
                       requester_department_id=r.requester_department_id,
                       requester_department_name=info.requester_name, system_id=r.system_id,
                       system_name=info.system_name, items=r.items, purpose=r.purpose, basis=r.basis,
                       access_method=r.access_method, period_from=r.period_from,  # type: ignore[arg-type]
                       period_to=r.period_to, status=r.status, status_label=info.status_label,
                       deadline_at=info.deadline_at, overdue=info.overdue, refusal_reason=r.refusal_reason,
                       objection=r.objection, terms=r.terms, requested_by=r.requested_by, requested_at=r.created_at,
                       end_user_id=r.end_user_id, end_user_name=r.end_user_name, work_item_id=r.work_item_id,
                       objection_item_id=r.objection_item_id, draft_item_id=r.draft_item_id)


def _item_out(item: WorkItem | None, steps: list[WorkStep]) -> ItemOut | None:
    if item is None:
        return None
    return ItemOut(id=item.id, process=item.process, state=item.state, state_label=workflow.state_label(item),
                   deadline_at=item.deadline_at, overdue=item.overdue, closed_at=item.closed_at,
                   steps=[StepOut(transition=s.transition, from_state=s.from_state, to_state=s.to_state,
                                  actor_name=s.actor_name, at=s.at, reason=s.reason, deadline_at=s.deadline_at,
                                  was_overdue=s.was_overdue) for s in steps])


def detail_out(d: RequestDetail) -> RequestDetailRead:
    return RequestDetailRead(request=request_out(d.request), draft_item=_item_out(d.draft_item, d.draft_steps),
                             work_item=_item_out(d.work_item, d.steps),
                             objection_item=_item_out(d.objection_item, d.objection_steps),
                             grant=grant_out(d.grant) if d.grant is not None else None,
                             transitions=[TransitionOut(name=n, label=label) for n, label in d.transitions],
                             can_withdraw=d.can_withdraw, can_object=d.can_object, can_review=d.can_review,
                             can_decide_objection=d.can_decide_objection, can_edit_draft=d.can_edit_draft,
                             can_submit_draft=d.can_submit_draft, can_decline_draft=d.can_decline_draft)


@router.get("/resources", response_model=Page[Shareable])
def list_shareable(request: Request, filt: Annotated[ShareableFilter, Query()]) -> object:
    """Published catalog entries of every share type with what the caller may do with each (subscribe,
    request, or nothing and why); 暂不共享 entries show their legal basis."""
    return call(request, service.list_shareable, filt, out=lambda r: Page(
        items=r[0], total=r[1], offset=filt.offset, limit=filt.limit))


@router.get("/resources/{code}", response_model=Shareable)
def get_shareable(request: Request, code: str) -> object:
    """One published entry with its shared items and their default masking."""
    return call(request, service.get_shareable, code)


@router.post("/subscriptions", response_model=GrantRead, status_code=201,
             responses={409: {"description": "share_not_shareable / share_kind_mismatch / share_own_resource / "
                                             "share_already_granted / share_request_pending"}})
def subscribe(request: Request, payload: SubscribeCreate) -> object:
    """Subscribe an approved system of the caller's department to a 无条件共享 entry: the grant at once."""
    return call(request, service.subscribe, payload, out=grant_out)


@router.post("/requests", response_model=RequestRead, status_code=201,
             responses={409: {"description": "share_not_shareable / share_kind_mismatch / share_own_resource / "
                                             "share_already_granted / share_request_pending"}})
def request_share(request: Request, payload: RequestCreate) -> object:
    """Apply for a 有条件共享 entry; the providing department reviews it, then the big data center."""
    return call(request, service.request_share, payload, out=request_out)


@router.post("/drafts", response_model=RequestRead, status_code=201,
             responses={409: {"description": "share_not_shareable / share_own_resource / share_already_granted / "
                                             "share_request_pending"}})
def draft_request(request: Request, payload: DraftCreate) -> object:
    """A department's data user drafts an application (either share type) for the department's data
    manager to submit; the drafter is the end user of the request and of its grant."""
    return call(request, service.draft_request, payload, out=request_out)


@router.patch("/requests/{request_id}", response_model=RequestRead,
              responses={409: {"description": "share_request_state: only a draft can be changed"}})
def update_draft(request: Request, request_id: Id, payload: DraftUpdate) -> object:
    """Change a draft waiting for submission (its drafter or the department's data manager)."""
    return call(request, service.update_draft, request_id, payload, out=request_out)


@router.post("/requests/{request_id}/submit", response_model=RequestRead,
             responses={409: {"description": "share_request_state, or the checks of a new application"}})
def submit_draft(request: Request, request_id: Id, payload: DraftUpdate | None = None) -> object:
    """The department's data manager submits a draft, with changes if given: 无条件共享 is granted at once,
    有条件共享 goes to the provider's review."""
    return call(request, service.submit_draft, request_id, payload, out=request_out)


@router.post("/requests/{request_id}/decline", response_model=RequestRead,
             responses={409: {"description": "share_request_state"}})
def decline_draft(request: Request, request_id: Id, payload: ReasonPayload) -> object:
    """The department's data manager returns a draft to its drafter with a reason."""
    return call(request, service.decline_draft, request_id, payload, out=request_out)


@router.get("/requests", response_model=Page[RequestRead])
def list_requests(request: Request, filt: Annotated[RequestFilter, Query()]) -> object:
    """``box``: mine / review (waiting for the caller) / provided / all (oversight) / drafts (the department's,
    not submitted) / drafted (the caller's drafts and what became of them); ``overdue``."""
    return call(request, service.list_requests, filt, out=lambda r: Page(
        items=[request_out(x) for x in r[0]], total=r[1], offset=filt.offset, limit=filt.limit))


@router.get("/requests/{request_id}", response_model=RequestDetailRead)
def get_request(request: Request, request_id: Id) -> object:
    """A request with its steps, deadlines, objection, grant and the steps the caller may take."""
    return call(request, service.get_request, request_id, out=detail_out)


@router.post("/requests/{request_id}/review", response_model=RequestRead,
             responses={409: {"description": "share_request_state, or the step is not open"}})
def review_request(request: Request, request_id: Id, payload: ReviewDecision) -> object:
    """``pass`` (the provider's reviewer, with the grant's ``terms``), ``approve`` (the big data center:
    issues the grant), ``reject`` (reason required)."""
    return call(request, service.review_request, request_id, payload, out=request_out)


@router.post("/requests/{request_id}/withdraw", response_model=RequestRead)
def withdraw_request(request: Request, request_id: Id, payload: ReasonPayload) -> object:
    """The requesting department's data manager withdraws a request under review; a drafter, a draft."""
    return call(request, service.withdraw_request, request_id, payload, out=request_out)


@router.post("/requests/{request_id}/objection", response_model=RequestRead)
def object_to_refusal(request: Request, request_id: Id, payload: ReasonPayload) -> object:
    """Object to a refusal before the e-government authority (the requesting department's data manager)."""
    return call(request, service.object_to_refusal, request_id, payload, out=request_out)


@router.post("/requests/{request_id}/objection/decision", response_model=RequestRead)
def decide_objection(request: Request, request_id: Id, payload: ObjectionDecision) -> object:
    """``uphold`` (the grant is issued) or ``reject`` (the refusal stands), reason required (supervisor)."""
    return call(request, service.decide_objection, request_id, payload, out=request_out)
