"""The way to a grant (SHR-1, SHR-2, SHR-4, SEC-1); what can be shared is ``service.shareable``.

- ``subscribe``: 无条件共享 entries. A data manager names an approved system of the department, the purpose
  and the duty behind it; the request is written already granted, with its grant (default masking, rate and
  quota, for the period asked, at most one year).
- ``request_share``: 有条件共享 entries. Starts the ``share_request`` process: the provider's reviewer has
  ``GOVDATA_SHARE_REVIEW_DAYS`` working days (``GOVDATA_SHARE_REVIEW_DAYS_ON_PLATFORM`` when the data is
  already aggregated), then the big data center. ``review_request`` takes the steps (the provider may set
  the grant's terms when passing it; approval issues the grant), ``withdraw_request`` withdraws.
- ``object_to_refusal``: the requester objects to a refusal before the e-government authority
  (``share_objection``); ``decide_objection`` upholds it (the grant is issued with the provider's terms, or
  the defaults) or dismisses it.
- drafts by a department's staff, which its data manager submits: ``service.drafts``.

暂不共享 entries are listed with their legal basis and cannot be applied for (409 ``share_not_shareable``);
nor can a department apply for its own data (409 ``share_own_resource``). Requests carry ``info``
(``schemas.RequestInfo``: names, deadline, overdue flag of the open step).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govdata.aggregation.models import Dataset
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.standard import STRUCTURED_FORMATS
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import Conflict, NotFound, invalid
from govdata.core.policy import allowed, authorize
from govdata.org.models import User
from govdata.sharing import policy
from govdata.sharing.models import Grant, ShareRequest
from govdata.sharing.models.requests import DRAFT_STATUSES, OPEN_STATUSES, STATUSES
from govdata.sharing.service.shareable import published_entry
from govdata.sharing.schemas import (
    MAX_ID,
    ObjectionDecision,
    ReasonPayload,
    RequestCreate,
    RequestDetail,
    RequestFilter,
    RequestInfo,
    ReviewDecision,
    SubscribeCreate,
)
from govdata.sharing.service.grants import (
    attach_grant_info,
    consumer_has_grant,
    issue_grant,
    names_by_id,
    today,
)
from govdata.sharing.terms import check_items, check_period, default_terms, merge_terms, shared_items
from govdata.systems.models import BusinessSystem
from govdata.workflow import service as workflow
from govdata.workflow.models import WorkItem, WorkStep

__all__ = ["OPEN_STATUSES", "attach_request_info", "decide_objection", "get_request", "list_requests",
           "object_to_refusal", "request_share", "review_request", "subscribe", "withdraw_request"]

SHARE_REQUEST = "share_request"
SHARE_OBJECTION = "share_objection"
UNCONDITIONAL_APPROVER = "无条件共享（目录发布即授权）"


# --- applying: subscriptions and requests -----------------------------------------------------------------

def _check_applicable(resource: Resource, version: ResourceVersion, requester_id: int | None, kind: str) -> None:
    if version.share_type == "暂不共享":
        raise Conflict(f"“{version.name}”为暂不共享类（依据：{version.legal_basis or '未载明'}），不能申请共享",
                       f"{resource.code} is not shared for now", code="share_not_shareable")
    if kind == "unconditional" and version.share_type != "无条件共享":
        raise Conflict("有条件共享资源须提交共享申请，经提供部门和大数据中心审核后授权",
                       "A conditional resource needs a request", code="share_kind_mismatch")
    if kind == "conditional" and version.share_type != "有条件共享":
        raise Conflict("无条件共享资源可直接订阅，无需申请", "Subscribe to an unconditional resource",
                       code="share_kind_mismatch")
    if version.format not in STRUCTURED_FORMATS:
        raise Conflict(f"“{version.name}”的数据格式为“{version.format}”，不能通过共享服务提供",
                       f"{resource.code} holds no structured records", code="dataset_not_structured")
    if resource.department_id == requester_id:
        raise Conflict("不能申请共享本部门的数据资源", "A department does not apply for its own data",
                       code="share_own_resource")


def _consumer_system(session: Session, actor: Actor, system_id: int) -> BusinessSystem:
    """An approved system of the actor's department (for the platform actor: of any department), locked so
    that two applications of one system are checked for duplicates one after the other."""
    system = session.get(BusinessSystem, system_id, with_for_update=True) if 0 < system_id <= MAX_ID else None
    if system is None or (actor.kind != "platform" and system.department_id != actor.department_id):
        raise invalid("system_id", "应用系统不存在或不属于本部门", message_en="not a system of your department")
    if system.status != "approved":
        raise invalid("system_id", "应用系统尚未通过接入审核或已吊销", message_en="the system is not approved")
    return system


def _no_duplicate(session: Session, system: BusinessSystem, resource: Resource, exclude: int | None = None) -> None:
    """No second grant, request under review or draft waiting for the same system and resource."""
    if consumer_has_grant(session, system.id, resource.id) is not None:
        raise Conflict(f"应用系统“{system.name}”已获得该数据资源的授权（含已暂停的授权）",
                       "The system already holds a grant for this resource", code="share_already_granted")
    query = select(ShareRequest.id, ShareRequest.status).where(
        ShareRequest.system_id == system.id, ShareRequest.resource_id == resource.id,
        ShareRequest.status.in_((*OPEN_STATUSES, "draft")))
    if exclude is not None:
        query = query.where(ShareRequest.id != exclude)
    pending = session.execute(query.limit(1)).first()
    if pending is not None and pending.status == "draft":
        raise Conflict(f"应用系统“{system.name}”对该数据资源已有待本部门数据管理员提交的申请草稿（编号{pending.id}）",
                       "A draft of the system waits for submission", code="share_request_pending")
    if pending is not None:
        raise Conflict(f"应用系统“{system.name}”对该数据资源已有审核中的申请（编号{pending.id}）",
                       "A request of the system is under review", code="share_request_pending")


def _kind_of(version: ResourceVersion) -> str:
    """The way to a grant the entry's share type asks for (暂不共享 is refused by ``_check_applicable``)."""
    return "unconditional" if version.share_type == "无条件共享" else "conditional"


def _checked(session: Session, actor: Actor, resource: Resource, version: ResourceVersion, kind: str,
             system_id: int, items: list[str] | None, period_from: Any, period_to: Any,
             exclude: int | None = None) -> tuple[BusinessSystem, list[str], Any, Any]:
    """The application's system, items (all shared items when None) and period, checked against the entry."""
    system = _consumer_system(session, actor, system_id)
    _check_applicable(resource, version, system.department_id, kind)
    allowed_items = shared_items(version)
    chosen = check_items(items if items is not None else [i.field_code for i in allowed_items], allowed_items)
    start, end = check_period(period_from, period_to, today())
    _no_duplicate(session, system, resource, exclude)
    return system, chosen, start, end


def _new_request(session: Session, actor: Actor, payload: SubscribeCreate | RequestCreate, kind: str | None,
                 rule: Any, status: str | None = None) -> tuple[ShareRequest, Resource, ResourceVersion, BusinessSystem]:
    """A new request row, checked (``kind`` None: as the entry's share type asks)."""
    resource, version = published_entry(session, payload.code)
    authorize(actor, rule, resource)
    kind = kind or _kind_of(version)
    system, items, period_from, period_to = _checked(session, actor, resource, version, kind, payload.system_id,
                                                     payload.items, payload.period_from, payload.period_to)
    request = ShareRequest(kind=kind, resource_id=resource.id, resource_code=resource.code,
                           version_no=version.version_no, provider_department_id=resource.department_id,
                           requester_department_id=system.department_id, system_id=system.id, items=items,
                           purpose=payload.purpose, basis=payload.basis, access_method=payload.access_method,
                           period_from=period_from, period_to=period_to,
                           status=status or ("granted" if kind == "unconditional" else "provider_review"),
                           requested_by=actor.name, requested_by_user_id=actor.user_id)
    session.add(request)
    session.flush()
    return request, resource, version, system


def _grant_subscription(session: Session, request: ShareRequest, version: ResourceVersion) -> Grant:
    """The grant of an unconditional request, with the default terms of its items."""
    granted = [i for i in shared_items(version) if i.field_code in request.items]
    request.status = "granted"
    return issue_grant(session, request, default_terms(granted, request.period_to), UNCONDITIONAL_APPROVER)


def _start_review(session: Session, actor: Actor, request: ShareRequest, resource: Resource,
                  version: ResourceVersion) -> dict[str, Any]:
    """Start the provider's review of a conditional request; returns what the audit entry records of it."""
    settings = settings_of(session)
    on_platform = session.scalar(select(Dataset.id).where(
        Dataset.resource_id == resource.id,
        or_(Dataset.row_count_estimate > 0, Dataset.last_batch_at.is_not(None)))) is not None
    days = settings.share_review_days_on_platform if on_platform else settings.share_review_days
    item = workflow.start(session, actor, SHARE_REQUEST, "share_request", request.id,
                          f"共享申请：{version.name}"[:200], owner_department_id=request.requester_department_id,
                          counterpart_department_id=request.provider_department_id,
                          deadline_days={"provider_review": days})
    request.work_item_id, request.status = item.id, "provider_review"
    session.flush()
    return {"work_item": item.id, "review_days": days, "on_platform": on_platform}


def subscribe(session: Session, actor: Actor, payload: SubscribeCreate) -> Grant:
    """Subscribe an approved system of the actor's department to an unconditional resource: the request and
    its grant at once (SHR-2: unconditional data is for every department)."""
    request, resource, version, system = _new_request(session, actor, payload, "unconditional", policy.subscribe)
    grant = _grant_subscription(session, request, version)
    audit.record(session, actor, "sharing.subscribe", object_type="grant", object_id=grant.id,
                 department_id=request.requester_department_id, purpose=request.purpose,
                 approver=grant.approvers,
                 data_content={"resource": resource.code, "items": request.items},
                 detail={"request_id": request.id, "system_id": system.id, "basis": request.basis,
                         "access_method": request.access_method, "period": [request.period_from, request.period_to],
                         "masking": grant.masking})
    return attach_grant_info(session, [grant])[0]


def request_share(session: Session, actor: Actor, payload: RequestCreate) -> ShareRequest:
    """Apply for a conditional resource; starts the provider's review (deadline per the module docstring)."""
    request, resource, version, system = _new_request(session, actor, payload, "conditional",
                                                      policy.request_share)
    review = _start_review(session, actor, request, resource, version)
    audit.record(session, actor, "sharing.request_share", object_type="share_request", object_id=request.id,
                 department_id=request.requester_department_id, purpose=request.purpose,
                 data_content={"resource": resource.code, "items": request.items},
                 detail={"system_id": system.id, "basis": request.basis, "access_method": request.access_method,
                         "period": [request.period_from, request.period_to], **review})
    return attach_request_info(session, [request])[0]


# --- reading requests -------------------------------------------------------------------------------------

def _open_items(session: Session) -> Any:
    return select(WorkItem.subject_id).where(WorkItem.subject_type == "share_request", WorkItem.closed_at.is_(None))


def attach_request_info(session: Session, requests: list[ShareRequest]) -> list[ShareRequest]:
    """Set ``request.info`` (``RequestInfo``) on each request, in a few queries whatever their number."""
    if not requests:
        return requests
    departments, systems, _ = names_by_id(
        session, {r.provider_department_id for r in requests} | {r.requester_department_id for r in requests},
        {r.system_id for r in requests}, set())
    versions = {(v.resource_id, v.version_no): v.name for v in session.execute(
        select(ResourceVersion.resource_id, ResourceVersion.version_no, ResourceVersion.name).where(
            ResourceVersion.resource_id.in_({r.resource_id for r in requests})))}
    item_ids = {i for r in requests for i in (r.work_item_id, r.objection_item_id, r.draft_item_id) if i is not None}
    items = {i.id: i for i in session.scalars(select(WorkItem).where(WorkItem.id.in_(item_ids),
                                                                     WorkItem.closed_at.is_(None)))}
    people = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({r.requested_by_user_id for r in requests if r.requested_by_user_id is not None}))).all())
    for r in requests:
        open_item = items.get(r.objection_item_id or 0) or items.get(r.work_item_id or 0) \
            or items.get(r.draft_item_id or 0)
        r.info = RequestInfo(  # type: ignore[attr-defined]
            resource_name=versions.get((r.resource_id, r.version_no), r.resource_code),
            provider_name=departments.get(r.provider_department_id, ""),
            requester_name=departments.get(r.requester_department_id, ""),
            system_name=systems.get(r.system_id, ""), status_label=STATUSES.get(r.status, r.status),
            deadline_at=open_item.deadline_at if open_item else None,
            overdue=open_item.overdue if open_item else False, open_item_id=open_item.id if open_item else None,
            requested_by_name=people.get(r.requested_by_user_id or 0, r.requested_by))
    return requests


def list_requests(session: Session, actor: Actor, filt: RequestFilter) -> tuple[list[ShareRequest], int]:
    """Requests by box — ``mine`` (the actor's department asked), ``review`` (a step waits for the actor:
    the provider's reviewer, the big data center, the authority for objections), ``provided`` (asked of the
    actor's department), ``all`` (oversight roles), ``drafts`` (the department's drafts, not submitted),
    ``drafted`` (what the actor drafted, whatever became of it) — newest first; ``overdue`` narrows to open
    steps past their deadline (or, false, to the others)."""
    authorize(actor, policy.list_requests, filt)
    query = select(ShareRequest).where(policy.requests_visible_to(actor))
    if filt.box == "mine":
        query = query.where(ShareRequest.requester_department_id == actor.department_id,
                            ShareRequest.status.not_in(DRAFT_STATUSES))
    elif filt.box == "drafts":
        query = query.where(ShareRequest.requester_department_id == actor.department_id,
                            ShareRequest.status.in_(DRAFT_STATUSES))
    elif filt.box == "drafted":
        query = query.where(ShareRequest.end_user_id == actor.user_id, ShareRequest.draft_item_id.is_not(None))
    elif filt.box == "provided":
        query = query.where(ShareRequest.provider_department_id == actor.department_id)
    elif filt.box == "review":
        waiting = _open_items(session).where(
            WorkItem.holder_role.in_(sorted(actor.roles)),
            or_(WorkItem.holder_department_id.is_(None), WorkItem.holder_department_id == actor.department_id))
        query = query.where(ShareRequest.id.in_(waiting))
    if filt.status:
        query = query.where(ShareRequest.status == filt.status)
    if filt.code:
        query = query.where(ShareRequest.resource_code == filt.code.strip())
    if filt.overdue is not None:
        late = _open_items(session).where(WorkItem.deadline_at < utcnow())
        query = query.where(ShareRequest.id.in_(late) if filt.overdue else ShareRequest.id.not_in(late))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(ShareRequest.id.desc()).offset(filt.offset).limit(filt.limit)))
    return attach_request_info(session, rows), total


def _request(session: Session, request_id: int, lock: bool = False) -> ShareRequest:
    request = session.get(ShareRequest, request_id, with_for_update=lock) if 0 < request_id <= MAX_ID else None
    if request is None:
        raise NotFound("共享申请", request_id, "Share request")
    return request


def _item(session: Session, item_id: int | None) -> tuple[WorkItem | None, list[WorkStep]]:
    if item_id is None:
        return None, []
    steps = session.scalars(select(WorkStep).where(WorkStep.item_id == item_id).order_by(WorkStep.id))
    return session.get(WorkItem, item_id), list(steps)


def get_request(session: Session, actor: Actor, request_id: int) -> RequestDetail:
    """A request with its work items and steps, its grant, and what the actor may do now."""
    request = _request(session, request_id)
    authorize(actor, policy.get_request, request)
    attach_request_info(session, [request])
    draft, draft_steps = _item(session, request.draft_item_id)
    item, steps = _item(session, request.work_item_id)
    objection, objection_steps = _item(session, request.objection_item_id)
    grant = session.scalar(select(Grant).where(Grant.request_id == request.id).order_by(Grant.id.desc()))
    open_item = objection if objection is not None and objection.closed_at is None else (
        item if item is not None and item.closed_at is None else None)
    transitions = [(t.name, t.label) for t in workflow.open_transitions(actor, open_item)] if open_item else []
    names = {name for name, _ in transitions}
    on_request = open_item is not None and open_item is item
    drafting = request.status == "draft"
    actors = {st.actor_name for st in (*draft_steps, *steps, *objection_steps)}
    people = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(actors))).all())
    return RequestDetail(people=people,
        request=request, info=request.info, work_item=item, steps=steps,  # type: ignore[attr-defined]
        objection_item=objection, objection_steps=objection_steps, draft_item=draft, draft_steps=draft_steps,
        can_edit_draft=drafting and allowed(actor, policy.update_draft, request),
        can_submit_draft=drafting and allowed(actor, policy.submit_draft, request),
        can_decline_draft=drafting and allowed(actor, policy.decline_draft, request),
        grant=attach_grant_info(session, [grant])[0] if grant is not None else None, transitions=transitions,
        can_withdraw=(on_request and "withdraw" in names)
        or (drafting and allowed(actor, policy.withdraw_request, request)),
        can_object=request.status == "refused" and request.objection_item_id is None
        and request.kind == "conditional" and allowed(actor, policy.object_to_refusal, request),
        can_review=on_request and bool(names & {"pass", "approve", "reject"}),
        can_decide_objection=open_item is not None and open_item is objection and bool(names))


# --- review, withdrawal, objection ----------------------------------------------------------------------------

def _state_conflict(request: ShareRequest, what: str) -> Conflict:
    label = STATUSES.get(request.status, request.status)
    return Conflict(f"共享申请处于“{label}”状态，不能{what}", f"Not possible while {request.status}",
                    code="share_request_state")


def _allowed_items(session: Session, request: ShareRequest) -> list[Any]:
    version = session.scalar(select(ResourceVersion).where(ResourceVersion.resource_id == request.resource_id,
                                                           ResourceVersion.version_no == request.version_no))
    assert version is not None
    wanted = set(request.items)
    return [i for i in shared_items(version) if i.field_code in wanted]


def _approvers(session: Session, item_ids: list[int | None], transitions: tuple[str, ...]) -> str:
    """Who approved, from the steps of the request's items: "display name（username）" joined by "；"."""
    steps = session.scalars(select(WorkStep).where(WorkStep.item_id.in_([i for i in item_ids if i is not None]),
                                                   WorkStep.transition.in_(transitions)).order_by(WorkStep.id)).all()
    users = dict(session.execute(select(User.username, User.display_name).where(
        User.username.in_({s.actor_name for s in steps}))).all())
    return "；".join(f"{users[s.actor_name]}（{s.actor_name}）" if s.actor_name in users else s.actor_name
                    for s in steps)


def review_request(session: Session, actor: Actor, request_id: int, payload: ReviewDecision) -> ShareRequest:
    """``pass`` (the provider's reviewer; may set the grant's terms), ``approve`` (the big data center; may
    adjust the terms; issues the grant), ``reject`` (either; reason required)."""
    request = _request(session, request_id, lock=True)
    authorize(actor, policy.review_request, request)
    if request.kind != "conditional" or request.status not in ("provider_review", "center_review") \
            or request.work_item_id is None:
        raise _state_conflict(request, "审核")
    terms = None
    if payload.transition != "reject":
        allowed_items = _allowed_items(session, request)
        current = request.terms or default_terms(allowed_items, request.period_to)
        terms = merge_terms(current, payload.terms, allowed_items, request.period_from, request.period_to)
    before = request.status
    item = workflow.advance(session, actor, request.work_item_id, payload.transition, payload.reason,
                            {"terms": terms} if terms is not None else None)
    request.status = item.state
    grant = None
    if terms is not None:
        request.terms = terms
    if item.state == "granted" and terms is not None:
        grant = issue_grant(session, request, terms, _approvers(session, [request.work_item_id], ("pass", "approve")))
    elif item.state == "refused":
        request.refusal_reason = payload.reason
    session.flush()
    audit.record(session, actor, f"sharing.review_request.{payload.transition}", object_type="share_request",
                 object_id=request.id, department_id=request.provider_department_id, purpose=payload.reason,
                 approver=grant.approvers if grant is not None else None,
                 detail={"before": {"status": before}, "after": {"status": request.status}, "terms": terms,
                         "grant_id": grant.id if grant is not None else None})
    return attach_request_info(session, [request])[0]


def withdraw_request(session: Session, actor: Actor, request_id: int, payload: ReasonPayload) -> ShareRequest:
    """The requesting department's data manager withdraws a request still under review; the drafter
    withdraws a draft not yet submitted."""
    request = _request(session, request_id, lock=True)
    authorize(actor, policy.withdraw_request, request)
    before = request.status
    if request.status == "draft" and request.draft_item_id is not None:
        workflow.advance(session, actor, request.draft_item_id, "withdraw", payload.reason)
        request.status = "draft_withdrawn"
    elif request.status not in ("provider_review", "center_review") or request.work_item_id is None:
        raise _state_conflict(request, "撤回")
    else:
        request.status = workflow.advance(session, actor, request.work_item_id, "withdraw", payload.reason).state
    session.flush()
    audit.record(session, actor, "sharing.withdraw_request", object_type="share_request", object_id=request.id,
                 department_id=request.requester_department_id, purpose=payload.reason,
                 detail={"before": {"status": before}, "after": {"status": request.status}})
    return attach_request_info(session, [request])[0]


def object_to_refusal(session: Session, actor: Actor, request_id: int, payload: ReasonPayload) -> ShareRequest:
    """The requesting department's data manager objects to a refusal (once); the e-government authority
    decides within its deadline (``share_objection``)."""
    request = _request(session, request_id, lock=True)
    authorize(actor, policy.object_to_refusal, request)
    if request.status != "refused" or request.objection_item_id is not None or request.kind != "conditional":
        raise _state_conflict(request, "提出异议")
    item = workflow.start(session, actor, SHARE_OBJECTION, "share_request", request.id,
                          f"共享争议：{request.resource_code}（申请{request.id}）"[:200],
                          owner_department_id=request.requester_department_id,
                          counterpart_department_id=request.provider_department_id)
    request.objection_item_id, request.objection, request.status = item.id, payload.reason, "objection"
    session.flush()
    audit.record(session, actor, "sharing.object_to_refusal", object_type="share_request", object_id=request.id,
                 department_id=request.requester_department_id, purpose=payload.reason,
                 detail={"before": {"status": "refused"}, "after": {"status": "objection"}, "work_item": item.id})
    return attach_request_info(session, [request])[0]


def decide_objection(session: Session, actor: Actor, request_id: int, payload: ObjectionDecision) -> ShareRequest:
    """``uphold``: the request is granted with the provider's proposed terms, or the defaults; the
    authority is among the approvers. ``reject``: the refusal stands. A reason is always required."""
    request = _request(session, request_id, lock=True)
    authorize(actor, policy.decide_objection, request)
    if request.status != "objection" or request.objection_item_id is None:
        raise _state_conflict(request, "处理异议")
    item = workflow.advance(session, actor, request.objection_item_id, payload.transition, payload.reason)
    grant = None
    if item.state == "upheld":
        allowed_items = _allowed_items(session, request)
        terms = request.terms or default_terms(allowed_items, request.period_to)
        approvers = _approvers(session, [request.work_item_id, request.objection_item_id], ("pass", "uphold"))
        grant = issue_grant(session, request, terms, approvers)
        request.status = "granted"
    else:
        request.status = "refused"
    session.flush()
    audit.record(session, actor, f"sharing.decide_objection.{payload.transition}", object_type="share_request",
                 object_id=request.id, department_id=request.requester_department_id, purpose=payload.reason,
                 approver=grant.approvers if grant is not None else None,
                 detail={"before": {"status": "objection"}, "after": {"status": request.status},
                         "grant_id": grant.id if grant is not None else None})
    return attach_request_info(session, [request])[0]
