"""HTML pages of what is shared and of the way to a grant (SHR-1, SHR-2, SHR-4, SHR-6):

- ``/sharing/resources``: published entries of every share type (search, share type tabs, providing
  department; htmx swaps the results); 暂不共享 entries show their legal basis and no button;
- ``/sharing/resources/{code}``: the shared items with their default masking, and the subscription form
  (无条件共享), the request form (有条件共享) or, for a data user, the draft form;
- ``/sharing/requests``: boxes mine / to review / provided / all / drafts / drafted, with the step's
  deadline and 超期;
- ``/sharing/requests/{id}``: the steps, the proposed terms, and the actions open to the person (a draft's
  change, submission, return or withdrawal; the provider's review with terms, the big data center's
  approval, rejection, withdrawal, objection, and the authority's decision on it).

Each page calls the same service functions as its JSON twin in ``api.requests``; errors are shown in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from govdata.catalog.standard import SHARE_TYPES
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import DomainError
from govdata.core.policy import OVERSIGHT_ROLES, allowed
from govdata.org import policy as org_policy
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.sharing import service
from govdata.sharing.models.requests import ACCESS_METHODS, STATUSES
from govdata.sharing.schemas import (
    DraftCreate,
    DraftUpdate,
    ObjectionDecision,
    ReasonPayload,
    RequestCreate,
    RequestFilter,
    ReviewDecision,
    ShareableFilter,
    SubscribeCreate,
)
from govdata.sharing.views.grants import (
    LABELS,
    default_terms_of,
    item_names,
    terms_errors,
    terms_form_context,
    terms_from_form,
)
from govdata.systems import service as systems_service
from govdata.systems.schemas import SystemFilter
from govdata.web.edge import invalid_from_pydantic
from govdata.web.forms import form_errors, page, read_form
from govdata.web.render import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
SHARE_BADGES = {"无条件共享": "success", "有条件共享": "primary", "暂不共享": "secondary"}
BOXES = {"drafted": "我起草的申请", "mine": "本部门的申请", "drafts": "本部门的申请草稿", "review": "待我审核",
         "provided": "向本部门提出的申请", "all": "全部申请"}
STATUS_BADGES = {"provider_review": "warning", "center_review": "warning", "granted": "success", "refused": "danger",
                 "objection": "info", "withdrawn": "secondary", "draft": "info", "declined": "danger",
                 "draft_withdrawn": "secondary"}
STEP_LABELS = {
    "share_draft": {"start": "起草申请", "submit": "数据管理员提交", "decline": "数据管理员退回", "withdraw": "起草人撤回"},
    "share_request": {"start": "提交申请", "pass": "提供部门同意", "approve": "大数据中心审核通过", "reject": "不予共享",
                      "withdraw": "撤回申请"},
    "share_objection": {"start": "提出异议", "uphold": "异议成立", "reject": "异议不成立"},
}
APPLICATION_FIELDS = ("system_id", "purpose", "basis", "access_method", "period_from", "period_to")
SAVED = {"drafted": "草稿已保存，已送本部门数据管理员的待办，由数据管理员提交。", "edit": "草稿已修改。",
         "submitted_request": "已提交，待提供部门审核。", "submitted_grant": "已提交，无条件共享，授权已生效。",
         "decline": "已退回起草人。", "draft_withdraw": "草稿已撤回。", "requested": "共享申请已提交，待提供部门审核。", "pass": "已同意，转大数据中心审核。",
         "approve": "已审核通过，授权已生效。", "reject": "已办结：不予共享。", "withdraw": "申请已撤回。",
         "objection": "异议已提交，待电子政务管理部门处理。", "uphold": "异议成立，授权已生效。",
         "dismiss": "异议不成立，维持不予共享。"}
REVIEW_ROLES = ("dept_reviewer", "platform_admin", "supervisor")
REQUEST_LABELS = {**LABELS, "statuses": STATUSES, "request_badges": STATUS_BADGES, "step_labels": STEP_LABELS,
                  "share_badges": SHARE_BADGES}


def _params(request: Request, names: Any) -> dict[str, str]:
    return {k: v.strip() for k, v in request.query_params.items() if k in names and v.strip() != ""}


def link_to(path: str, params: dict[str, str], **changes: Any) -> str:
    """``path`` with the current query parameters, some changed (None drops one); the offset starts over."""
    query = {k: v for k, v in params.items() if k != "offset"}
    query.update({k: str(v) for k, v in changes.items() if v is not None})
    for k, v in changes.items():
        if v is None:
            query.pop(k, None)
    return f"{path}?{urlencode(query)}" if query else path


def _partial(request: Request) -> bool:
    """htmx swaps a part in; a history restore after a cache miss asks for the whole page."""
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")


@router.get("/sharing")
def sharing_home() -> Response:
    return RedirectResponse("/sharing/resources", status_code=303)


# --- what is shared ---------------------------------------------------------------------------------------

@router.get("/sharing/resources")
def resources_page(request: Request) -> Response:
    params = _params(request, ShareableFilter.model_fields)
    errors: dict[str, Any] = {}
    try:
        filt = ShareableFilter.model_validate({"limit": PAGE_SIZE, **params})
    except ValidationError as exc:
        errors = form_errors(request, invalid_from_pydantic(exc))
        filt, params = ShareableFilter(limit=PAGE_SIZE), {}
    with page(request) as (session, actor):
        rows, total = service.list_shareable(session, actor, filt)
        departments: list[Any] = []
        if allowed(actor, org_policy.list_departments):
            departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
        partial = _partial(request)
        return render(request, "sharing/_resources.html" if partial else "sharing/resources.html", actor,
                      status_code=422 if errors and not partial else 200, rows=rows, total=total, filt=filt,
                      params=params, departments=departments, share_types=SHARE_TYPES, page_size=PAGE_SIZE,
                      link=lambda **c: link_to("/sharing/resources", params, **c),
                      **REQUEST_LABELS, **errors)


def _my_systems(session: Session, actor: Actor) -> list[Any]:
    """The approved business systems of the actor's department: those a grant can be issued to."""
    if actor.department_id is None:
        return []
    systems, _ = systems_service.list_systems(session, actor, SystemFilter(
        department_id=actor.department_id, status="approved", limit=200))
    return systems


def _resource_page(request: Request, code: str, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        shareable = service.get_shareable(session, actor, code)
        systems = _my_systems(session, actor) if shareable.action != "none" else []
        today = utcnow().date()
        return render(request, "sharing/resource.html", actor, status_code=status_code, s=shareable,
                      systems=systems, today=today.isoformat(),
                      default_until=(today + dt.timedelta(days=364)).isoformat(), **REQUEST_LABELS, **extra)


@router.get("/sharing/resources/{code}")
def resource_page(request: Request, code: str) -> Response:
    return _resource_page(request, code)


@router.post("/sharing/resources/{code}/{action}")
async def apply_form(request: Request, code: str, action: str) -> Response:
    """``subscribe`` (无条件共享: granted at once), ``request`` (有条件共享: starts the review) or ``draft``
    (a data user's application, for the department's data manager to submit)."""
    data = await read_form(request, lists=("items",))
    payload = {"code": code, **{k: data[k] for k in APPLICATION_FIELDS if k in data}, "items": data.get("items", [])}
    try:
        with page(request) as (session, actor):
            if action == "subscribe":
                grant = service.subscribe(session, actor, SubscribeCreate.model_validate(payload))
                target = f"/sharing/grants/{grant.id}?saved=subscribed"
            elif action == "request":
                created = service.request_share(session, actor, RequestCreate.model_validate(payload))
                target = f"/sharing/requests/{created.id}?saved=requested"
            elif action == "draft":
                created = service.draft_request(session, actor, DraftCreate.model_validate(payload))
                target = f"/sharing/requests/{created.id}?saved=drafted"
            else:
                return RedirectResponse(f"/sharing/resources/{code}", status_code=303)
    except DomainError as exc:
        return _resource_page(request, code, status_code=exc.status or 400, form=data, **form_errors(request, exc))
    return RedirectResponse(target, status_code=303)


# --- requests ---------------------------------------------------------------------------------------------

def _boxes(actor: Actor) -> dict[str, str]:
    shown = {"mine", "provided"} if actor.department_id is not None else set()
    if actor.department_id is not None and actor.has("dept_manager"):
        shown.add("drafts")
    if actor.has("data_user"):
        shown.add("drafted")
    if actor.has(*REVIEW_ROLES):
        shown.add("review")
    if actor.has(*OVERSIGHT_ROLES):
        shown.add("all")
    return {k: v for k, v in BOXES.items() if k in shown}


@router.get("/sharing/requests")
def requests_page(request: Request) -> Response:
    params = _params(request, RequestFilter.model_fields)
    errors: dict[str, Any] = {}
    with page(request) as (session, actor):
        boxes = _boxes(actor)
        default_box = next((b for b in ("review", "drafted") if b in boxes), "mine")
        params.setdefault("box", default_box)
        try:
            filt = RequestFilter.model_validate({"limit": PAGE_SIZE, **params})
        except ValidationError as exc:
            errors = form_errors(request, invalid_from_pydantic(exc))
            filt, params = RequestFilter(limit=PAGE_SIZE, box=default_box), {"box": default_box}  # type: ignore[arg-type]
        rows, total = service.list_requests(session, actor, filt)
        partial = _partial(request)
        return render(request, "sharing/_requests.html" if partial else "sharing/requests.html", actor,
                      status_code=422 if errors and not partial else 200, rows=rows, total=total, filt=filt,
                      params=params, boxes=boxes, page_size=PAGE_SIZE, **REQUEST_LABELS, **errors)


def _request_page(request: Request, request_id: int, status_code: int = 200, **extra: Any) -> Response:
    with page(request) as (session, actor):
        detail = service.get_request(session, actor, request_id)
        req = detail.request
        items = item_names(session, actor, req.resource_code)
        proposed = req.terms or default_terms_of(items, req.items, req.period_to)
        context: dict[str, Any] = {}
        if detail.can_review and "pass" in dict(detail.transitions):
            context = terms_form_context(items, req.items, proposed, extra.pop("terms_form", None))
        if detail.can_edit_draft or detail.can_submit_draft:
            posted = extra.pop("draft_form", None)
            context.update(draft_items=items, draft_systems=_my_systems(session, actor), today=utcnow().date(),
                           draft_values=posted or {f: getattr(req, f) for f in APPLICATION_FIELDS},
                           draft_chosen=posted.get("items", []) if posted else req.items)
        saved = request.query_params.get("saved", "")
        return render(request, "sharing/request.html", actor, status_code=status_code, d=detail, req=req,
                      info=detail.info, names={i.code: i.name for i in items}, proposed=proposed,
                      saved=SAVED.get(saved), access_methods=ACCESS_METHODS, **REQUEST_LABELS, **context,
                      **extra)


@router.get("/sharing/requests/{request_id}")
def request_page(request: Request, request_id: int) -> Response:
    return _request_page(request, request_id)


@router.post("/sharing/requests/{request_id}/review")
async def review_form(request: Request, request_id: int) -> Response:
    """The provider's reviewer passes (with terms) or rejects; the big data center approves or rejects."""
    data = await read_form(request, lists=("items",))
    transition = data.get("transition", "")
    payload: dict[str, Any] = {"transition": transition, "reason": data.get("reason")}
    if transition == "pass" and data.get("with_terms"):
        payload["terms"] = terms_from_form(data)
    try:
        with page(request) as (session, actor):
            service.review_request(session, actor, request_id, ReviewDecision.model_validate(payload))
    except DomainError as exc:
        return _request_page(request, request_id, status_code=exc.status or 400, failed="review",
                             action_form=data, terms_form=data if data.get("with_terms") else None,
                             **terms_errors(request, exc))
    return RedirectResponse(f"/sharing/requests/{request_id}?saved={transition}", status_code=303)


def _draft_changes(data: dict[str, Any]) -> DraftUpdate:
    fields = {k: data[k] for k in APPLICATION_FIELDS if str(data.get(k) or "").strip()}
    return DraftUpdate.model_validate({**fields, "items": data.get("items") or None})


@router.post("/sharing/requests/{request_id}/draft")
async def draft_form(request: Request, request_id: int) -> Response:
    """The draft's form: ``do=save`` (the drafter or the data manager) or ``do=submit`` (the data manager,
    with the changes made in the form)."""
    data = await read_form(request, lists=("items",))
    try:
        with page(request) as (session, actor):
            if data.get("do") == "submit":
                done = service.submit_draft(session, actor, request_id, _draft_changes(data))
                saved = "submitted_grant" if done.status == "granted" else "submitted_request"
            else:
                service.update_draft(session, actor, request_id, _draft_changes(data))
                saved = "edit"
    except DomainError as exc:
        return _request_page(request, request_id, status_code=exc.status or 400, failed="draft", draft_form=data,
                             **form_errors(request, exc))
    return RedirectResponse(f"/sharing/requests/{request_id}?saved={saved}", status_code=303)


@router.post("/sharing/requests/{request_id}/{action}")
async def request_action_form(request: Request, request_id: int, action: str) -> Response:
    """``withdraw`` (the requester, or a draft's drafter), ``objection`` (the requester, after a refusal),
    ``decision`` (the e-government authority on the objection), ``decline`` (a draft, by the data manager)."""
    data = await read_form(request)
    saved = action
    try:
        with page(request) as (session, actor):
            if action == "withdraw":
                done = service.withdraw_request(session, actor, request_id, ReasonPayload.model_validate(
                    {"reason": data.get("reason", "")}))
                saved = "draft_withdraw" if done.status == "draft_withdrawn" else action
            elif action == "decline":
                service.decline_draft(session, actor, request_id, ReasonPayload.model_validate(
                    {"reason": data.get("reason", "")}))
            elif action == "objection":
                service.object_to_refusal(session, actor, request_id, ReasonPayload.model_validate(
                    {"reason": data.get("reason", "")}))
            elif action == "decision":
                decision = ObjectionDecision.model_validate(
                    {"transition": data.get("transition", ""), "reason": data.get("reason", "")})
                service.decide_objection(session, actor, request_id, decision)
                saved = "uphold" if decision.transition == "uphold" else "dismiss"
            else:
                return RedirectResponse(f"/sharing/requests/{request_id}", status_code=303)
    except DomainError as exc:
        return _request_page(request, request_id, status_code=exc.status or 400, failed=action, action_form=data,
                             **form_errors(request, exc))
    return RedirectResponse(f"/sharing/requests/{request_id}?saved={saved}", status_code=303)
