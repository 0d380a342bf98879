"""Catalog services: register entries, keep every version, review and publish them, withdraw them.

An entry is a ``Resource`` with versions. Editing a published entry makes a new draft version; the
published one stays visible until the new one passes review (CAT-2). Review runs on the workflow core:
the department's own confidentiality review (CAT-4, SEC-5), then the big data center.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govdata.catalog import policy, rules
from govdata.catalog.models import Classification, Resource, ResourceItem, ResourceVersion
from govdata.catalog.schemas import ResourceCreate, ResourceDraft, ResourceFilter, ReviewDecision, WithdrawalRequest
from govdata.catalog.standard import resource_code
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import utcnow
from govdata.core.errors import Conflict, FieldError, Invalid, NotFound
from govdata.core.policy import allowed, authorize
from govdata.org import service as org_service
from govdata.workflow import service as workflow

REVIEW = "catalog_review"
WITHDRAWAL = "catalog_withdrawal"
VERSION_FIELDS = ("name", "summary", "format", "share_type", "share_condition", "share_method", "legal_basis",
                  "open_to_public", "open_condition", "update_cycle", "release_date", "related_codes", "data_level",
                  "secret_declared", "keywords")
ITEM_FIELDS = ("name", "field_code", "data_type", "length", "required", "is_key", "sensitivity", "pii_kind",
               "shared", "description")
SHARE_REVIEW_MONTHS = 12


def _resource(session: Session, code: str, lock: bool = False) -> Resource:
    query = select(Resource).where(Resource.code == code)
    if lock:
        query = query.with_for_update()
    resource = session.scalar(query)
    if resource is None:
        raise NotFound("目录资源", code, "Catalog resource")
    return resource


def version(session: Session, version_id: int | None) -> ResourceVersion | None:
    return session.get(ResourceVersion, version_id) if version_id else None


def classification_by_code(session: Session, code: str) -> Classification:
    found = session.scalar(select(Classification).where(Classification.code == code))
    if found is None:
        raise Invalid([FieldError("classification_code", "unknown", f"分类代码不存在：{code}")])
    return found


def snapshot(v: ResourceVersion) -> dict[str, Any]:
    data = {f: getattr(v, f) for f in VERSION_FIELDS}
    data["classification_code"] = v.classification.code if v.classification else None
    data["items"] = [{f: getattr(i, f) for f in ITEM_FIELDS} for i in v.items]
    return data


def _validate(draft: ResourceDraft) -> None:
    errors = rules.check(draft)
    if errors:
        raise Invalid(errors)


def _fill(session: Session, v: ResourceVersion, draft: ResourceDraft) -> None:
    v.classification_id = classification_by_code(session, draft.classification_code).id
    for f in VERSION_FIELDS:
        setattr(v, f, getattr(draft, f))
    v.change_reason = draft.change_reason
    if v.items:  # a draft's working copy: the old items go first (their content is in the audit entry)
        v.items.clear()
        session.flush()
    v.items = [ResourceItem(position=n, **item.model_dump()) for n, item in enumerate(draft.items)]


def _next_code(session: Session, classification: Classification) -> str:
    prefix = resource_code(classification.code, 0)[:10]
    last = session.scalar(select(func.max(Resource.code)).where(Resource.code.startswith(prefix)))
    sequence = int(last[-6:]) + 1 if last else 1
    return resource_code(classification.code, sequence)


# --- reading -----------------------------------------------------------------------------------------

def list_resources(session: Session, actor: Actor, filt: ResourceFilter) -> tuple[list[Resource], int]:
    """Entries the actor may see, filtered. Published content is matched for everyone; the caller's own
    drafts are matched on their draft content (``mine``)."""
    authorize(actor, policy.list_resources)
    shown = ResourceVersion.id == (Resource.draft_version_id if filt.mine else Resource.published_version_id)
    if filt.mine:
        shown = ResourceVersion.id == func.coalesce(Resource.draft_version_id, Resource.published_version_id)
    query = select(Resource).join(ResourceVersion, shown).where(policy.resources_visible_to(actor))
    if filt.mine:
        query = query.where(Resource.department_id == actor.department_id)
    if filt.q:
        like = f"%{filt.q}%"
        items = select(ResourceItem.version_id).where(ResourceItem.name.like(like))
        query = query.where(or_(ResourceVersion.name.like(like), ResourceVersion.summary.like(like),
                                Resource.code.like(like), ResourceVersion.id.in_(items)))
    if filt.department_id:
        query = query.where(Resource.department_id == filt.department_id)
    if filt.classification_code:
        codes = select(Classification.id).where(Classification.code.startswith(filt.classification_code))
        query = query.where(ResourceVersion.classification_id.in_(codes))
    for field in ("share_type", "format", "update_cycle", "open_to_public"):
        value = getattr(filt, field)
        if value is not None:
            query = query.where(getattr(ResourceVersion, field) == value)
    if filt.status:
        query = query.where(Resource.status == filt.status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Resource.code).offset(filt.offset).limit(filt.limit))
    return list(rows), total


def get_resource(session: Session, actor: Actor, code: str) -> Resource:
    resource = _resource(session, code)
    authorize(actor, policy.get_resource, resource)
    return resource


def draft_for(session: Session, actor: Actor, resource: Resource) -> ResourceVersion | None:
    """The entry's draft if this actor may see it, else None."""
    if resource.draft_version_id is None or not allowed(actor, policy.draft_for, resource):
        return None
    return version(session, resource.draft_version_id)


def version_history(session: Session, actor: Actor, code: str) -> list[ResourceVersion]:
    """The versions of an entry, newest first: all of them for its department and the overseers, the ones
    that were published for everyone else."""
    resource = get_resource(session, actor, code)
    query = select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
    if not allowed(actor, policy.version_history, resource):
        query = query.where(ResourceVersion.status.in_(("published", "superseded", "withdrawn")))
    return list(session.scalars(query.order_by(ResourceVersion.version_no.desc())))


# --- writing -----------------------------------------------------------------------------------------

def create_resource(session: Session, actor: Actor, payload: ResourceCreate) -> Resource:
    department_id = payload.department_id or actor.department_id
    authorize(actor, policy.create_resource, department_id)
    assert department_id is not None
    department = org_service.get_department(session, actor, department_id)
    draft = ResourceDraft.model_validate(payload.model_dump(exclude={"department_id"}))
    _validate(draft)
    classification = classification_by_code(session, draft.classification_code)
    resource = Resource(code=_next_code(session, classification), department_id=department.id, status="draft",
                        created_by=actor.name)
    session.add(resource)
    session.flush()
    v = ResourceVersion(resource_id=resource.id, version_no=1, status="draft", created_by=actor.name)
    _fill(session, v, draft)
    session.add(v)
    session.flush()
    resource.draft_version_id = v.id
    audit.record(session, actor, "catalog.create_resource", object_type="catalog_resource", object_id=resource.code,
                 department_id=department.id, detail={"after": snapshot(v)})
    return resource


def update_draft(session: Session, actor: Actor, code: str, payload: ResourceDraft) -> Resource:
    """Change an entry. A draft or returned version is edited; a published entry gets a new draft version."""
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.update_draft, resource)
    if resource.status in ("confidentiality_review", "center_review"):
        raise Conflict("审核中的目录不能修改，请等待审核结果或联系审核人退回",
                       "The entry is under review and cannot be changed now")
    if resource.status == "withdrawn":
        raise Conflict("已撤销的目录不能修改", "The entry was withdrawn")
    _validate(payload)
    current = version(session, resource.draft_version_id)
    base = current or version(session, resource.published_version_id)
    before = snapshot(base) if base else None
    if current is None:
        number = session.scalar(select(func.max(ResourceVersion.version_no))
                                .where(ResourceVersion.resource_id == resource.id)) or 0
        current = ResourceVersion(resource_id=resource.id, version_no=number + 1, status="draft",
                                  created_by=actor.name)
    _fill(session, current, payload)
    session.add(current)
    session.flush()
    resource.draft_version_id = current.id
    if resource.status == "published":
        resource.status = "published"  # stays published; the draft waits beside it
    audit.record(session, actor, "catalog.update_draft", object_type="catalog_resource", object_id=resource.code,
                 department_id=resource.department_id, purpose=payload.change_reason,
                 detail={"version_no": current.version_no, "before": before, "after": snapshot(current)})
    return resource


def submit_resource(session: Session, actor: Actor, code: str) -> Resource:
    """Send the draft to review. An entry declared 涉密 is refused here and never reaches review (SEC-5)."""
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.submit_resource, resource)
    draft = version(session, resource.draft_version_id)
    if draft is None or draft.status not in ("draft", "returned"):
        raise Conflict("没有待提交的草稿", "There is no draft to submit")
    if draft.secret_declared:
        audit.record(session, actor, "catalog.submit_resource", object_type="catalog_resource", object_id=code,
                     department_id=resource.department_id, result="denied", detail={"reason": "secret_declared"})
        raise Conflict("涉及国家秘密的数据不得在政务数据汇聚共享平台上登记发布（第二十条）",
                       "Data declared a state secret can never be published on the platform", code="secret_refused",
                       errors=[FieldError("secret_declared", "secret_refused", "涉密数据不得发布")], keep_writes=True)
    _validate(ResourceDraft.model_validate({**snapshot(draft), "change_reason": draft.change_reason}))
    unknown = [c for c in draft.related_codes if c != code and session.scalar(
        select(Resource.id).where(Resource.code == c)) is None]
    if unknown:
        raise Invalid([FieldError("related_codes", "unknown", f"关联资源不存在：{'、'.join(unknown)}")])
    item = workflow.item_for(session, "catalog_resource", resource.id)
    if item is not None and item.process == REVIEW and item.state == "returned":
        item = workflow.advance(session, actor, item.id, "resubmit")
    else:
        item = workflow.start(session, actor, REVIEW, "catalog_resource", resource.id, f"目录：{draft.name}",
                              resource.department_id)
    draft.status = "in_review"
    draft.submitted_at = utcnow()
    resource.status = item.state
    session.flush()
    audit.record(session, actor, "catalog.submit_resource", object_type="catalog_resource", object_id=code,
                 department_id=resource.department_id, detail={"version_no": draft.version_no, "work_item": item.id})
    return resource


def review_resource(session: Session, actor: Actor, code: str, decision: ReviewDecision) -> Resource:
    """Take a review step; the final approval publishes the version and supersedes the previous one."""
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.review_resource, resource)
    item = workflow.item_for(session, "catalog_resource", resource.id)
    if item is None or item.process != REVIEW or item.closed_at is not None:
        raise Conflict("该目录没有进行中的审核", "No review in progress for this entry")
    draft = version(session, resource.draft_version_id)
    assert draft is not None
    if decision.transition == "resubmit":
        return submit_resource(session, actor, code)
    item = workflow.advance(session, actor, item.id, decision.transition, decision.reason)
    now = utcnow()
    if item.state == "published":
        previous = version(session, resource.published_version_id)
        if previous is not None:
            previous.status = "superseded"
        draft.status, draft.published_at = "published", now
        resource.published_version_id, resource.draft_version_id = draft.id, None
        resource.published_at = resource.published_at or now
        resource.status = "published"
        if draft.share_type == "暂不共享":
            resource.next_share_review_at = (now + dt.timedelta(days=365 * SHARE_REVIEW_MONTHS // 12)).date()
        else:
            resource.next_share_review_at = None
    elif item.state == "returned":
        draft.status = "returned"
        resource.status = "returned" if resource.published_version_id is None else "published"
    elif item.state == "abandoned":
        draft.status = "withdrawn"
        resource.draft_version_id = None
        resource.status = "published" if resource.published_version_id else "withdrawn"
    else:
        resource.status = item.state
    session.flush()
    audit.record(session, actor, f"catalog.review_resource.{decision.transition}", object_type="catalog_resource",
                 object_id=code, department_id=resource.department_id, purpose=decision.reason,
                 detail={"version_no": draft.version_no, "state": item.state})
    return resource


def request_withdrawal(session: Session, actor: Actor, code: str, payload: WithdrawalRequest) -> Resource:
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.request_withdrawal, resource)
    if resource.published_version_id is None or resource.status == "withdrawn":
        raise Conflict("只有已发布的目录可以申请撤销", "Only published entries can be withdrawn")
    open_item = workflow.item_for(session, "catalog_resource", resource.id)
    if open_item is not None and open_item.closed_at is None:
        raise Conflict("该目录有进行中的审批，请先办结", "Another approval of this entry is in progress")
    item = workflow.start(session, actor, WITHDRAWAL, "catalog_resource", resource.id, f"撤销目录：{resource.code}",
                          resource.department_id)
    session.flush()
    audit.record(session, actor, "catalog.request_withdrawal", object_type="catalog_resource", object_id=code,
                 department_id=resource.department_id, purpose=payload.reason, detail={"work_item": item.id})
    return resource


def decide_withdrawal(session: Session, actor: Actor, code: str, decision: ReviewDecision) -> Resource:
    resource = _resource(session, code, lock=True)
    authorize(actor, policy.decide_withdrawal, resource)
    item = workflow.item_for(session, "catalog_resource", resource.id)
    if item is None or item.process != WITHDRAWAL or item.closed_at is not None:
        raise Conflict("该目录没有待审批的撤销申请", "No withdrawal request pending")
    item = workflow.advance(session, actor, item.id, decision.transition, decision.reason)
    if item.state == "approved":
        published = version(session, resource.published_version_id)
        if published is not None:
            published.status = "withdrawn"
        resource.status = "withdrawn"
    session.flush()
    audit.record(session, actor, f"catalog.decide_withdrawal.{decision.transition}", object_type="catalog_resource",
                 object_id=code, department_id=resource.department_id, purpose=decision.reason,
                 detail={"state": item.state})
    return resource
