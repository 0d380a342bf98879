"""Withdrawal of a published entry, which needs approval (CAT-4): the request starts the workflow's
withdrawal process; its approval withdraws the published version and takes the entry out of the search.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from govdata.catalog import policy, search
from govdata.catalog.models import Resource
from govdata.catalog.schemas import ReviewDecision, WithdrawalRequest
from govdata.catalog.service.versions import resource_by_code, version
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.errors import Conflict
from govdata.core.policy import authorize
from govdata.workflow import service as workflow

__all__ = ["WITHDRAWAL", "decide_withdrawal", "request_withdrawal"]

WITHDRAWAL = "catalog_withdrawal"


def request_withdrawal(session: Session, actor: Actor, code: str, payload: WithdrawalRequest) -> Resource:
    resource = resource_by_code(session, code, lock=True)
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
    resource = resource_by_code(session, code, lock=True)
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
        search.reindex(session, resource)
    session.flush()
    audit.record(session, actor, f"catalog.decide_withdrawal.{decision.transition}", object_type="catalog_resource",
                 object_id=code, department_id=resource.department_id, purpose=decision.reason,
                 detail={"state": item.state})
    return resource
