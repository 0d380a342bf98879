"""Review and publication (CAT-4) on the workflow core: submission (an entry declared 涉密 is refused
here, SEC-5), the department's confidentiality review, then the big data center; the final approval
publishes the version, supersedes the previous one, reindexes the entry and tells the followers
(``catalog.events``) in the same transaction. A 暂不共享 entry gets its next share review date.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.catalog import events, policy, search
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.schemas import ResourceDraft, ReviewDecision
from govdata.catalog.service.versions import resource_by_code, snapshot, validate_draft, version
from govdata.catalog.standard import STRUCTURED_FORMATS
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.db import settings_of, utcnow
from govdata.core.errors import Conflict, FieldError, Invalid
from govdata.core.policy import authorize
from govdata.workflow import service as workflow

__all__ = ["REVIEW", "review_resource", "submit_resource"]

REVIEW = "catalog_review"


def submit_resource(session: Session, actor: Actor, code: str) -> Resource:
    """Send the draft to review. An entry declared 涉密 is refused here and never reaches review (SEC-5)."""
    resource = resource_by_code(session, code, lock=True)
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
    validate_draft(ResourceDraft.model_validate({**snapshot(draft), "change_reason": draft.change_reason}))
    _keep_item_types(version(session, resource.published_version_id), draft)
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


def _keep_item_types(published: ResourceVersion | None, draft: ResourceVersion) -> None:
    """A published structured entry's data is held in typed columns that never change (AGG): a new
    version may add items, drop them or lengthen text items, but not give an existing item another type."""
    if published is None or published.format not in STRUCTURED_FORMATS:
        return
    before = {item.field_code: item.data_type for item in published.items}
    errors = [FieldError(f"items[{i}].data_type", "item_type_changed",
                         f"已发布的信息项“{item.name}（{item.field_code}）”的数据类型不能由{before[item.field_code]}改为"
                         f"{item.data_type}（已汇聚的数据按原类型存储）；如需新类型，请新增信息项")
              for i, item in enumerate(draft.items)
              if item.field_code in before and before[item.field_code] != item.data_type]
    if errors:
        raise Invalid(errors, code="item_type_changed")


def review_resource(session: Session, actor: Actor, code: str, decision: ReviewDecision) -> Resource:
    """Take a review step; the final approval publishes the version and supersedes the previous one."""
    resource = resource_by_code(session, code, lock=True)
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
            resource.next_share_review_at = _share_review_date(session, now)
        else:
            resource.next_share_review_at = None
        session.flush()
        search.reindex(session, resource)
        events.published(session, actor, resource, draft)
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


def _share_review_date(session: Session, published: dt.datetime) -> dt.date:
    """When a 暂不共享 entry published at ``published`` comes up for review: GOVDATA_SHARE_REVIEW_MONTHS
    later, on the same day of the month (or that month's last day)."""
    day = published.date()
    year, month = divmod(day.month - 1 + settings_of(session).share_review_months, 12)
    year, month = day.year + year, month + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))
